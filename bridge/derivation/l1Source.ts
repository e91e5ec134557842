/**
 * The L1 side of derivation: reads L1 blocks from any Ethereum JSON-RPC node through a viem
 * PublicClient (http, custom(embeddedL1), ...) and turns each into chain/derive's
 * {@link L1BlockInput} (PROTOCOL §5 "Batches and derivation", §6.1 "Inbox format choice"):
 *
 * - `batcherData`: the `data` argument of every top-level tx of the block, in tx order, sent to
 *   the BatchInbox with the `postBatch` selector and whose receipt has status 1. BatchInbox is
 *   `view` and reverts unless the sender is the batcher, so status 1 is the batcher's signature;
 *   no log carries the data. Beside it, `batcherTxs`: each such tx's hash, data bytes and frame
 *   count (the explorer's batch rows, built from derivation: node/explorerIndex.ts).
 * - `events`: the Portal's `CreditsDeposited`, `TransactionForced` and `ChallengeInvalidated`
 *   logs of the block, in log order, ABI-decoded (the last: an L1 fraud verdict, which only the
 *   Portal's VERDICT_ROLE, the FraudProofs contract, can make it emit; a `revoke` on L2).
 *
 * Hostile RPC: answers are capped in bytes by the transport (node/ wires cappedFetch), every field
 * used is validated (l1Json.ts), counts are bounded by what an L1 block can hold, and the answers
 * must fit together (the receipts and logs of the block whose hash we read). A failure is an
 * {@link L1SourceError}: temporary (retry), reset (re-read) or critical (stop), never a crash.
 * @module
 */
import {
  decodeEventLog,
  decodeFunctionData,
  type Hex,
  type PublicClient,
  parseAbi,
  toFunctionSelector,
} from "viem";
import { bytesToHex, hexToBytes } from "../../chain/bytes.ts";
import type { L1BlockInput, L1BlockRef, PortalEvent } from "../../chain/derive/attributes.ts";
import { parseBatcherData } from "../../chain/derive/frame.ts";
import { ResponseTooLargeError } from "../../rpc/cappedFetch.ts";
import { address, asArray, asObject, data, garbage, hash32, L1SourceError, quantity } from "./l1Json.ts";

/**
 * The contract functions and events derivation reads, exactly as in contracts/out/*.json (a test
 * compares them with the artifacts, so a contract change cannot drift past derivation).
 */
export const DERIVATION_ABI = parseAbi([
  "function postBatch(bytes data) view",
  "event CreditsDeposited(uint256 indexed depositId, address indexed from, address indexed to, uint256 amount)",
  "event TransactionForced(uint256 indexed forcedTxIndex, address indexed sender, bytes signedTx)",
  "event ChallengeInvalidated(uint256 indexed challengeId)",
]);

const POST_BATCH_SELECTOR = toFunctionSelector("function postBatch(bytes data)");

export interface L1SourceLimits {
  /**
   * Txs in one L1 block: every tx costs ≥ 21,000 gas, so 20,000 covers a 420 M gas limit. More is
   * not an Ethereum block: critical.
   */
  maxBlockTxs: number;
  /** Portal logs in one L1 block (each costs ≥ ~1,500 gas): 100,000 covers a 150 M gas limit. */
  maxBlockLogs: number;
  /**
   * One postBatch call's calldata, bytes: a 60 M gas block holds at most 6 MB of calldata at
   * EIP-7623's floor price (geth's pool takes 128 KiB; a block builder may take more).
   */
  maxBatcherTxBytes: number;
}

export const DEFAULT_L1_SOURCE_LIMITS: Readonly<L1SourceLimits> = {
  maxBlockTxs: 20_000,
  maxBlockLogs: 100_000,
  maxBatcherTxBytes: 16 * 1024 * 1024,
};

export interface L1SourceOpts {
  /** BatchInbox and Portal addresses (the deployment file). */
  batchInbox: Hex;
  portal: Hex;
  limits?: Partial<L1SourceLimits>;
}

export interface L1SourceModules {
  client: Pick<PublicClient, "request">;
}

/** A batcher tx that was left out, and why (for the log). */
export interface SkippedBatcherTx {
  tx: Hex;
  reason: string;
}

/**
 * A batcher tx derivation took (status 1, calldata decoded), for the explorer's batch rows: which
 * L1 tx carried the data, how many bytes and how many frames (0 when its data does not parse:
 * derivation drops it with a log line, the row still names the tx).
 */
export interface BatcherTxInfo {
  hash: Uint8Array;
  bytes: number;
  frames: number;
}

export interface FetchedL1Block {
  input: L1BlockInput;
  skipped: SkippedBatcherTx[];
  /** One entry per `input.batcherData` item, same order. */
  batcherTxs: BatcherTxInfo[];
}

export type L1Tag = "latest" | "safe" | "finalized";

type RawRequest = (args: { method: string; params: unknown[] }) => Promise<unknown>;

export class L1Source {
  private readonly inbox: string;
  private readonly portal: string;
  private readonly limits: L1SourceLimits;
  private readonly request: RawRequest;

  constructor(opts: L1SourceOpts, modules: L1SourceModules) {
    this.inbox = address(opts.batchInbox, "batchInbox");
    this.portal = address(opts.portal, "portal");
    this.limits = { ...DEFAULT_L1_SOURCE_LIMITS, ...opts.limits };
    this.request = modules.client.request as unknown as RawRequest;
  }

  /**
   * The header of block `at` (a number or a tag); undefined when the node has none (a number past
   * its head, or a tag it does not serve: a pre-merge node has no `safe`).
   */
  async blockRef(at: bigint | L1Tag): Promise<L1BlockRef | undefined> {
    const param = typeof at === "bigint" ? `0x${at.toString(16)}` : at;
    let raw: unknown;
    try {
      raw = await this.call("eth_getBlockByNumber", [param, false]);
    } catch (e) {
      // A tag the node does not know is a JSON-RPC error there; the number form is never refused.
      if (typeof at === "string" && at !== "latest" && isRpcError(e)) return undefined;
      throw e;
    }
    if (raw === null) return undefined;
    const ref = headerOf(asObject(raw, "block"));
    if (typeof at === "bigint" && ref.number !== at)
      throw garbage(`block ${at}'s number`, `0x${ref.number.toString(16)}`);
    return ref;
  }

  /** The L1's chain id (`eth_chainId`). */
  async chainId(): Promise<bigint> {
    return quantity(await this.call("eth_chainId", []), "eth_chainId");
  }

  /** Block `n` as derivation's input. Throws L1SourceError (temporary when the node has no block `n` yet). */
  async fetch(n: bigint): Promise<FetchedL1Block> {
    const raw = await this.call("eth_getBlockByNumber", [`0x${n.toString(16)}`, true]);
    if (raw === null) throw new L1SourceError("temporary", `block ${n} is not there yet`);
    const b = asObject(raw, "block");
    const ref = headerOf(b);
    if (ref.number !== n) throw garbage(`block ${n}'s number`, b.number);
    const blockHash = bytesToHex(ref.hash);
    const txs = asArray(b.transactions, `block ${n}'s transactions`, this.limits.maxBlockTxs);

    // Candidates: to == BatchInbox, postBatch selector. Only their receipts are fetched.
    const candidates: Array<{ hash: Hex; input: string }> = [];
    txs.forEach((t, i) => {
      const tx = asObject(t, `block ${n} tx ${i}`);
      if (tx.to === null || tx.to === undefined) return; // a contract creation
      if (address(tx.to, `block ${n} tx ${i}.to`) !== this.inbox) return;
      if (typeof tx.input !== "string") throw garbage(`block ${n} tx ${i}.input`, tx.input);
      if (tx.input.slice(0, 10).toLowerCase() !== POST_BATCH_SELECTOR) return;
      candidates.push({ hash: bytesToHex(hash32(tx.hash, `block ${n} tx ${i}.hash`)), input: tx.input });
    });

    const receipts = await Promise.all(
      candidates.map((c) => this.call("eth_getTransactionReceipt", [c.hash])),
    );
    const batcherData: Uint8Array[] = [];
    const batcherTxs: BatcherTxInfo[] = [];
    const skipped: SkippedBatcherTx[] = [];
    candidates.forEach((c, i) => {
      const raw = receipts[i];
      // Gone since we read the block: it was reorged out between the two calls.
      if (raw === null)
        throw new L1SourceError("reset", `receipt of ${c.hash} is gone (block ${n} reorged?)`);
      const r = asObject(raw, `receipt of ${c.hash}`);
      const rBlock = hash32(r.blockHash, `receipt of ${c.hash}.blockHash`);
      if (bytesToHex(rBlock) !== blockHash)
        throw new L1SourceError("reset", `receipt of ${c.hash} is in another block than ${n} (reorged?)`);
      const status = quantity(r.status, `receipt of ${c.hash}.status`);
      if (status !== 1n) return; // reverted: not the batcher, or an empty batch
      const input = data(c.input, `tx ${c.hash}.input`, { maxBytes: this.limits.maxBatcherTxBytes });
      try {
        const call = decodeFunctionData({ abi: DERIVATION_ABI, data: bytesToHex(input) });
        const d = hexToBytes(call.args[0] as Hex);
        batcherData.push(d);
        const frames = parseBatcherData(d);
        batcherTxs.push({
          hash: hexToBytes(c.hash),
          bytes: d.length,
          frames: frames.ok ? frames.value.length : 0,
        });
      } catch {
        // The EVM ran it, but its ABI encoding is one viem refuses (a batcher's own bug).
        skipped.push({ tx: c.hash, reason: "postBatch calldata does not ABI-decode" });
      }
    });

    const events = await this.portalEvents(n, blockHash);
    return { input: { block: ref, batcherData, events }, skipped, batcherTxs };
  }

  private async portalEvents(n: bigint, blockHash: Hex): Promise<PortalEvent[]> {
    // By block hash: the logs of exactly the block we read, or an error if it is gone.
    const raw = await this.call("eth_getLogs", [{ address: this.portal, blockHash }]);
    const logs = asArray(raw, `block ${n}'s Portal logs`, this.limits.maxBlockLogs).map((l, i) => {
      const log = asObject(l, `block ${n} log ${i}`);
      if (log.removed === true) throw new L1SourceError("reset", `block ${n}'s logs were removed (reorged)`);
      if (bytesToHex(hash32(log.blockHash, `block ${n} log ${i}.blockHash`)) !== blockHash)
        throw new L1SourceError("reset", `block ${n}'s logs belong to another block (reorged?)`);
      if (address(log.address, `block ${n} log ${i}.address`) !== this.portal)
        throw garbage(`block ${n} log ${i}.address (not the Portal)`, log.address);
      const topics = asArray(log.topics, `block ${n} log ${i}.topics`, 4).map((t, j) =>
        bytesToHex(hash32(t, `block ${n} log ${i}.topics[${j}]`)),
      );
      return {
        index: quantity(log.logIndex, `block ${n} log ${i}.logIndex`),
        topics,
        // Bounded by the response cap; a forced tx's own bound (maxTxBytes) is judged by derivation.
        data: bytesToHex(data(log.data, `block ${n} log ${i}.data`)),
      };
    });
    logs.sort((a, b) => (a.index < b.index ? -1 : a.index > b.index ? 1 : 0));
    for (let i = 1; i < logs.length; i++)
      if (logs[i]!.index === logs[i - 1]!.index) throw garbage(`block ${n}'s log indices`, "duplicated");
    const events: PortalEvent[] = [];
    for (const log of logs) {
      let ev: ReturnType<typeof decodeEventLog<typeof DERIVATION_ABI>>;
      try {
        ev = decodeEventLog({ abi: DERIVATION_ABI, topics: log.topics as [Hex, ...Hex[]], data: log.data });
      } catch (e) {
        // Another Portal event (withdrawals, roles, pause): not a derivation input.
        if ((e as { name?: string }).name === "AbiEventSignatureNotFoundError") continue;
        throw new L1SourceError("critical", `block ${n}: a Portal log does not decode`, { cause: e });
      }
      if (ev.eventName === "CreditsDeposited") {
        const { depositId, to, amount } = ev.args;
        events.push({ kind: "deposit", depositId, to: hexToBytes(to), amount });
      } else if (ev.eventName === "TransactionForced") {
        const { forcedTxIndex, signedTx } = ev.args;
        events.push({ kind: "forced", index: forcedTxIndex, tx: hexToBytes(signedTx) });
      } else if (ev.eventName === "ChallengeInvalidated") {
        events.push({ kind: "revoke", challengeId: ev.args.challengeId });
      }
    }
    return events;
  }

  /** One JSON-RPC call; transport failures are temporary, an oversized answer critical. */
  private async call(method: string, params: unknown[]): Promise<unknown> {
    try {
      return await this.request({ method, params });
    } catch (e) {
      if (e instanceof L1SourceError) throw e;
      if (findCause(e, (c) => c instanceof ResponseTooLargeError))
        throw new L1SourceError("critical", `${method} answered more than the byte cap`, { cause: e });
      throw new L1SourceError("temporary", `${method} failed: ${(e as Error).message?.split("\n")[0]}`, {
        cause: e,
      });
    }
  }
}

function headerOf(b: Record<string, unknown>): L1BlockRef {
  return {
    number: quantity(b.number, "block.number"),
    hash: hash32(b.hash, "block.hash"),
    parentHash: hash32(b.parentHash, "block.parentHash"),
    timestamp: quantity(b.timestamp, "block.timestamp"),
  };
}

function findCause(e: unknown, test: (c: unknown) => boolean): boolean {
  for (let c = e, depth = 0; c !== undefined && c !== null && depth < 8; depth++) {
    if (test(c)) return true;
    c = (c as { cause?: unknown }).cause;
  }
  return false;
}

/** A JSON-RPC error answer (the node said no), as opposed to a transport failure. */
function isRpcError(e: unknown): boolean {
  return findCause(e, (c) => typeof (c as { code?: unknown }).code === "number");
}
