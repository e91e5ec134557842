/**
 * The devnet's status lines (`flops devnet` prints them every `--status-interval` seconds), one
 * line per concept: the sequencer's heads, the verifier's heads and whether it agrees with the
 * sequencer, the last batch posted, the outputs proposed (and, on an attested oracle, how many
 * operators signed the last one), then one line per prover.
 * `formatDevnetStatus` is pure (tested on its own); `gatherDevnetStatus` reads what it shows.
 * @module
 */
import { type Hex, type PublicClient, parseAbi } from "viem";
import type { L1Deployment } from "../../bridge/deployment.ts";
import { ATTESTED_ORACLE_ABI } from "../../bridge/operators/operatorAbi.ts";
import { ORACLE_ABI } from "../../bridge/withdrawals/bridgeAbi.ts";
import { bytesToHex, equalBytes, hexToBytes } from "../../chain/bytes.ts";
import type { Hash32 } from "../../chain/types.ts";
import { createRpcClient } from "../../prover/rpcClient.ts";
import type { BlockRef } from "../../rpc/types.ts";
import type { PostedBatch } from "../../sequencer/batcher.ts";
import type { FlopsNode } from "../createNode.ts";
import { formatCredits } from "./status.ts";

/** What both flops_syncStatus shapes (the backend's and the RPC client's) have in common. */
export interface Heads {
  unsafeL2: BlockRef;
  safeL2: BlockRef;
  finalizedL2: BlockRef;
  /** Absent: the node derives nothing from L1 (a sequencer without a batcher: safe stays at genesis). */
  currentL1?: BlockRef | undefined;
}

export interface ProverStatus {
  address: string;
  /** Undefined until its register tx is in a block. */
  node?: { credits: bigint; multiplierBps: bigint; streak: number; passed: number; failed: number };
}

export interface DevnetStatusData {
  sequencer: Heads;
  /** Undefined: the devnet runs no verifier (`--no-verifier`, or no L1). */
  verifier?:
    | {
        heads: Heads /** The sequencer's block hash at the verifier's safe height (undefined: none). */;
        sequencerHashAtSafe: Hash32 | undefined;
      }
    | { note: string }
    | undefined;
  /** Undefined: no batcher; null: none posted yet. */
  lastBatch?: (PostedBatch & { txHash?: Hex | undefined }) | null | undefined;
  /** Fraud proven on L1 so far (FraudProofs' events); undefined: no FraudProofs (or not read). */
  fraud?: { invalidCompute: number; equivocations: number; availability: number } | undefined;
  /** Undefined: no L1 (or it could not be read). */
  outputs?:
    | {
        count: bigint;
        last?:
          | {
              l2BlockNumber: bigint;
              l1BlockNumber: bigint;
              /** An attested output's signers and the registered operators then (signers + non-signers). */
              attested?: { signers: number; of: number } | undefined;
            }
          | undefined;
      }
    | undefined;
  provers: readonly ProverStatus[];
  /** Where to look when the verifier disagrees or is gone. */
  verifierLog?: string | undefined;
}

/** 0x1a2b3c…9f0e: enough of a hash to find it in a log or an explorer. */
export function shortHash(h: string): string {
  return h.length <= 14 ? h : `${h.slice(0, 8)}…${h.slice(-4)}`;
}

function headsText(h: Heads): string {
  return `unsafe ${h.unsafeL2.number}  safe ${h.safeL2.number}  finalized ${h.finalizedL2.number}`;
}

/**
 * The verifier's agreement with the sequencer at the verifier's safe head: the same block hash at
 * that height. A disagreement is the loudest line the devnet prints: the chain the sequencer
 * serves is not the one L1 data derives.
 */
export function agreementText(v: { heads: Heads; sequencerHashAtSafe: Hash32 | undefined }): {
  ok: boolean;
  text: string;
} {
  const safe = v.heads.safeL2;
  if (safe.number === 0n) return { ok: true, text: "nothing safe derived yet" };
  if (v.sequencerHashAtSafe === undefined)
    return {
      ok: false,
      text: `!! VERIFIER DISAGREES: it derived L2 block ${safe.number} (${bytesToHex(safe.hash)}) from L1; the sequencer has no block ${safe.number}`,
    };
  if (!equalBytes(v.sequencerHashAtSafe, safe.hash))
    return {
      ok: false,
      text: `!! VERIFIER DISAGREES WITH THE SEQUENCER at L2 block ${safe.number}: derived from L1 ${bytesToHex(safe.hash)}, sequencer ${bytesToHex(v.sequencerHashAtSafe)}`,
    };
  return {
    ok: true,
    text: `agrees with the sequencer at safe ${safe.number} (${shortHash(bytesToHex(safe.hash))})`,
  };
}

/**
 * A verifier that has read the L1 block holding the sequencer's last batch (its `currentL1` is
 * past it) but whose head is still below that batch took none of it: derivation dropped the
 * sequencer's blocks (too late for maxBatchDelay, or not on its parent), so every later batch
 * fails too. The safe head may still agree: this is the other half of a fork.
 */
export function stallText(heads: Heads, batch: PostedBatch | null | undefined): string | undefined {
  const read = heads.currentL1?.number;
  if (!batch || read === undefined || read <= batch.l1Block || heads.unsafeL2.number >= batch.last)
    return undefined;
  return `!! VERIFIER STUCK at L2 block ${heads.unsafeL2.number}: it read L1 block ${batch.l1Block} (the sequencer's L2 blocks ${batch.first}..${batch.last}) and took none of them: derivation dropped the sequencer's blocks`;
}

export function formatDevnetStatus(d: DevnetStatusData): string {
  const lines: string[] = [];
  const s = d.sequencer;
  lines.push(
    `sequencer   ${headsText(s)}${s.currentL1 === undefined ? "  (safe/finalized: not derived: no batcher)" : ""}`,
  );
  const v = d.verifier;
  const logHint = d.verifierLog ? ` (log: ${d.verifierLog})` : "";
  if (v !== undefined) {
    if ("note" in v) lines.push(`verifier    ${v.note}${logHint}`);
    else {
      const a = agreementText(v);
      lines.push(`verifier    ${headsText(v.heads)}${a.ok ? `   ${a.text}` : ""}`);
      if (!a.ok) lines.push(`${a.text}${logHint}`);
      const stuck = stallText(v.heads, d.lastBatch);
      if (stuck !== undefined) lines.push(`${stuck}${logHint}`);
    }
  }
  const b = d.lastBatch;
  if (b === null) lines.push("last batch  none yet");
  else if (b !== undefined)
    lines.push(
      `last batch  L2 ${b.first}..${b.last} in L1 block ${b.l1Block}${b.txHash ? `, tx ${shortHash(b.txHash)}` : ""} (${b.bytes} bytes)`,
    );
  const o = d.outputs;
  if (o !== undefined)
    lines.push(
      o.last === undefined
        ? `outputs     ${o.count} proposed`
        : `outputs     ${o.count} proposed, the last for L2 block ${o.last.l2BlockNumber} (L1 block ${o.last.l1BlockNumber})${o.last.attested ? `, attested ${o.last.attested.signers}/${o.last.attested.of}` : ""}`,
    );
  const f = d.fraud;
  if (f !== undefined)
    lines.push(
      f.invalidCompute + f.equivocations + f.availability === 0
        ? "fraud       none proven (the challenger re-derives every output)"
        : `fraud       !! proven: ${f.invalidCompute} invalid compute, ${f.equivocations} equivocation(s), ${f.availability} unavailable record(s) or openings`,
    );
  for (const [i, p] of d.provers.entries()) {
    const n = p.node;
    lines.push(
      n
        ? `  prover-${i} ${p.address}  credits ${formatCredits(n.credits, 3).padStart(10)}  multiplier ${(Number(n.multiplierBps) / 10_000).toFixed(1)}x  streak ${n.streak}  passed ${n.passed}  failed ${n.failed}`
        : `  prover-${i} ${p.address}  (registering)`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/** What the devnet knows of its verifier: its URL once it serves, whether it failed or stopped. */
export interface VerifierHandle {
  log: string;
  url(): string | undefined;
  exited(): string | undefined;
  /** Why it never served (undefined: it did, or it is still starting). */
  failure(): string | undefined;
}

/** Last batch's tx hashes by L1 block: the batcher keeps none, the L1 block has it (a view call leaves no event). */
async function batchTxHash(client: PublicClient, inbox: string, l1Block: bigint): Promise<Hex | undefined> {
  const block = await client.getBlock({ blockNumber: l1Block, includeTransactions: true });
  const txs = block.transactions.filter((t) => t.to?.toLowerCase() === inbox.toLowerCase());
  return txs[txs.length - 1]?.hash;
}

const SIGNERS_ABI = parseAbi(["event OutputSigners(uint256 indexed outputIndex, address[] signers)"]);

/**
 * Output `index`'s signers and non-signers, from its OutputSigners and OutputAttested events in the
 * blocks from `fromBlock` (the L1 block it cites: it was posted at or after it) on; undefined when
 * they are not found (a proposer-role output).
 */
async function attestationOf(
  client: PublicClient,
  oracle: Hex,
  index: bigint,
  fromBlock: bigint,
): Promise<{ signers: number; of: number } | undefined> {
  const [attested, signers] = await Promise.all([
    client.getContractEvents({
      address: oracle,
      abi: ATTESTED_ORACLE_ABI,
      eventName: "OutputAttested",
      args: { outputIndex: index },
      fromBlock,
    }),
    client.getContractEvents({
      address: oracle,
      abi: SIGNERS_ABI,
      eventName: "OutputSigners",
      args: { outputIndex: index },
      fromBlock,
    }),
  ]);
  const a = attested[0]?.args;
  const s = signers[0]?.args;
  if (a?.nonSignerKeyHashes === undefined || s?.signers === undefined) return undefined;
  return { signers: s.signers.length, of: s.signers.length + a.nonSignerKeyHashes.length };
}

/**
 * Reads everything the status lines show: the sequencer in process, the verifier over its
 * JSON-RPC (flops_syncStatus, 3 s timeout: a slow verifier is reported, never waited on), the L1
 * for the batch tx and the OutputOracle's outputs. A failed L1 read leaves its line out.
 */
export function devnetStatusReader(o: {
  node: FlopsNode;
  provers: readonly { address: string }[];
  verifier?: VerifierHandle | undefined;
  /** `attested`: the oracle takes operator-attested outputs only (the signers are shown). */
  l1?: { client: PublicClient; deployment: L1Deployment; attested?: boolean } | undefined;
}): () => Promise<DevnetStatusData> {
  let rpc: { url: string; client: ReturnType<typeof createRpcClient> } | undefined;
  let txOf: { l1Block: bigint; hash: Hex | undefined } | undefined;
  // The last output's signers: read once per output (its events never change).
  let signersOf: { index: bigint; value: { signers: number; of: number } | undefined } | undefined;
  return async () => {
    const node = o.node;
    const sequencer = await node.backend.syncStatus();
    let verifier: DevnetStatusData["verifier"];
    const vh = o.verifier;
    if (vh) {
      const gone = vh.exited();
      const failure = vh.failure();
      const url = vh.url();
      if (failure !== undefined) verifier = { note: `NOT RUNNING: ${failure}` };
      else if (gone !== undefined) verifier = { note: `stopped (${gone})` };
      else if (url === undefined) verifier = { note: "starting" };
      else {
        if (rpc?.url !== url)
          rpc = {
            url,
            client: createRpcClient({ url, timeoutMs: 3_000, retries: 0, backoff: { initialMs: 100 } }),
          };
        try {
          const heads = await rpc.client.syncStatus();
          const block = await node.backend.getBlockByNumber(heads.safeL2.number);
          verifier = { heads, sequencerHashAtSafe: block?.hash };
        } catch (e) {
          verifier = { note: `unreachable: ${e instanceof Error ? e.message : String(e)}` };
        }
      }
    }
    const posted = node.batcher?.lastPosted;
    let lastBatch: DevnetStatusData["lastBatch"];
    if (node.batcher !== undefined) lastBatch = posted ?? null;
    let outputs: DevnetStatusData["outputs"];
    let fraud: DevnetStatusData["fraud"];
    if (o.l1) {
      const { client, deployment } = o.l1;
      try {
        if (posted && txOf?.l1Block !== posted.l1Block)
          txOf = {
            l1Block: posted.l1Block,
            hash: await batchTxHash(client, deployment.contracts.BatchInbox, posted.l1Block),
          };
        if (posted) lastBatch = { ...posted, txHash: txOf?.hash };
        const oracle = deployment.contracts.OutputOracle as Hex;
        const count = await client.readContract({
          address: oracle,
          abi: ORACLE_ABI,
          functionName: "outputCount",
        });
        const last =
          count === 0n
            ? undefined
            : await client.readContract({
                address: oracle,
                abi: ORACLE_ABI,
                functionName: "getOutput",
                args: [count - 1n],
              });
        if (last && o.l1.attested && signersOf?.index !== count - 1n) {
          const value = await attestationOf(client, oracle, count - 1n, last.l1BlockNumber);
          if (value !== undefined) signersOf = { index: count - 1n, value };
        }
        const attested = signersOf?.index === count - 1n ? signersOf.value : undefined;
        outputs = {
          count,
          last: last && {
            l2BlockNumber: last.l2BlockNumber,
            l1BlockNumber: last.l1BlockNumber,
            ...(attested ? { attested } : {}),
          },
        };
      } catch {
        // The L1 is in process: a failed read is a stop in progress; the next line tries again.
      }
      if (deployment.fraudProofs !== undefined)
        fraud = await fraudProven(client, deployment).catch(() => undefined);
    }
    const provers: ProverStatus[] = [];
    for (const p of o.provers) {
      const v = await node.backend.getNode(hexToBytes(p.address));
      provers.push(
        v
          ? {
              address: p.address,
              node: {
                credits: v.credits,
                multiplierBps: v.multiplierBps,
                streak: v.streak,
                passed: v.record.passed,
                failed: v.record.failed,
              },
            }
          : { address: p.address },
      );
    }
    return {
      sequencer,
      verifier,
      lastBatch,
      outputs,
      ...(fraud ? { fraud } : {}),
      provers,
      verifierLog: o.verifier?.log,
    };
  };
}

const FRAUD_EVENTS = parseAbi([
  "event InvalidComputeProven(uint256 indexed outputIndex, uint256 indexed challengeId, address indexed challenger, uint256 signers)",
  "event EquivocationProven(address indexed operator, uint256 indexed l2BlockNumber, bytes32 l1BlockHash, address indexed challenger)",
  "event AvailabilityFaultProven(bytes32 indexed demandKey, uint256 indexed outputIndex, bool slashed)",
  "event RecordFaultProven(bytes32 indexed demandKey, uint256 indexed outputIndex, bool slashed)",
]);

/** FraudProofs' verdicts since the deployment, by kind (a devnet's L1 is short: one read). */
async function fraudProven(client: PublicClient, d: L1Deployment): Promise<DevnetStatusData["fraud"]> {
  const logs = await client.getContractEvents({
    address: d.fraudProofs!,
    abi: FRAUD_EVENTS,
    fromBlock: BigInt(d.deployBlock),
  });
  const n = (name: string) => logs.filter((l) => l.eventName === name).length;
  return {
    invalidCompute: n("InvalidComputeProven"),
    equivocations: n("EquivocationProven"),
    availability: n("AvailabilityFaultProven") + n("RecordFaultProven"),
  };
}
