/**
 * What one challenge's whole lifecycle costs on L1 when the batcher posts it (PROTOCOL §5
 * "Batches"): N nodes (4; 2 with --quick) each run challenge → commit → reveal at the devnet tier
 * (real proofs, the js engine) on a TestChain, with the beacon rounds the chain needs. Every block
 * becomes a batch block (batchBlockOf) and the whole run ONE channel (encodeChannel, brotli 9, as
 * the batcher makes it in a busy period), split into 120 KB frames, each a postBatch tx.
 *
 * - l1_bytes_per_challenge: calldata bytes of those postBatch txs (ABI-encoded, as sent) ÷ N;
 *   split by kind: each kind's raw txs (and the beacon rounds) compressed alone, ÷ N.
 * - l1_gas_per_challenge: the same txs' gas at EIP-7623 pricing (the calldata floor, 10 gas per
 *   token, dominates a postBatch call: it executes almost nothing) ÷ N, the 21,000 per tx included.
 *
 * Ceiling of each: the same lifecycle's raw bytes uncompressed (signed txs + beacon rounds as
 * carried in a batch block) and their floor gas; ratio = ceiling / value (above 1: compression and
 * amortisation beat posting the raw txs). Reference: the OP Stack's ~90–100 bytes per signed tx.
 *
 * Run alone: `node --import tsx bench/l1Batch.ts [--quick] [--json]`; bench/run.ts runs it as "l1Batch".
 * @module
 */

import { pathToFileURL } from "node:url";
import { brotliCompressSync, constants } from "node:zlib";
import { encodeFunctionData, hexToBytes, parseAbi } from "viem";
import { calldataFloorGas } from "../bridge/txManager/txFees.ts";
import { beaconRandomness } from "../chain/beacon/index.ts";
import { bytesToHex, concatAll } from "../chain/bytes.ts";
import { batchBlockOf } from "../chain/derive/batchBlockOf.ts";
import { channelIdOf, DEFAULT_BROTLI_QUALITY, encodeChannel, splitChannel } from "../chain/derive/channel.ts";
import { DEFAULT_MAX_FRAME_BYTES, encodeBatcherData } from "../chain/derive/frame.ts";
import { TIER_DEVNET } from "../chain/params.ts";
import { challengeSeed } from "../chain/proof/index.ts";
import type { Block, SignedTx } from "../chain/types.ts";
import { encodeBatchBlock } from "../chain/wire/index.ts";
import { createJsEngine } from "../prover/engine/index.ts";
import { buildReveal, type ProvedChallenge, proveChallenge } from "../prover/proveChallenge.ts";
import { TestAccount, TestChain } from "../test/helpers/testChain.ts";
import { ceilingFields } from "./ceiling.ts";
import type { BenchOpts, BenchResult } from "./types.ts";

const INBOX_ABI = parseAbi(["function postBatch(bytes data) view"]);
type Kind = "challenge" | "commit" | "reveal";

/** Runs N lifecycles; returns the blocks and each kind's raw txs. */
async function lifecycles(n: number): Promise<{ blocks: Block[]; txs: Record<Kind, SignedTx[]> }> {
  const engine = createJsEngine();
  const accounts = Array.from({ length: n }, (_, i) => TestAccount.fromSeed(100 + i, 0xf10b5n));
  const chain = new TestChain({ tiers: [TIER_DEVNET], params: { maxRevealsPerBlock: 1000 } });
  const blocks: Block[] = [chain.block(accounts.map((a) => a.sign({ kind: "register" }))).block];
  const txs: Record<Kind, SignedTx[]> = { challenge: [], commit: [], reveal: [] };
  const step = new Map<number, { id?: bigint; proved?: ProvedChallenge; at: Kind | "done" }>();
  accounts.forEach((_, i) => {
    step.set(i, { at: "challenge" });
  });
  for (let b = 0; b < 400 && [...step.values()].some((s) => s.at !== "done"); b++) {
    const state = chain.core.readState();
    const out: SignedTx[] = [];
    const asked = new Map<string, number>();
    for (const [i, s] of step) {
      const a = accounts[i]!;
      let tx: SignedTx | undefined;
      if (s.at === "challenge" && s.id === undefined) {
        tx = a.sign({ kind: "challenge", tier: TIER_DEVNET.id });
        asked.set(bytesToHex(tx.hash), i);
        txs.challenge.push(tx);
        s.at = "commit";
      } else if (s.at === "commit" && s.id !== undefined) {
        const c = state.getChallenge(s.id)!;
        if (c.status !== "ACTIVE") continue;
        const seed = challengeSeed(chain.params.l2ChainId, c.id, c.node, beaconRandomness(c.r1Signature!));
        s.proved = await proveChallenge(TIER_DEVNET, seed, engine);
        tx = a.sign({ kind: "commit", challengeId: c.id, root: s.proved.root });
        txs.commit.push(tx);
        s.at = "reveal";
      } else if (s.at === "reveal") {
        const c = state.getChallenge(s.id!)!;
        if (c.status !== "SAMPLED") continue;
        const { tiles, proof } = buildReveal(s.proved!, beaconRandomness(c.r2Signature!));
        tx = a.sign({ kind: "reveal", challengeId: c.id, tiles, proof });
        txs.reveal.push(tx);
        s.at = "done";
      }
      if (tx) out.push(tx);
    }
    const built = chain.block(out);
    if (built.rejected.length > 0)
      throw new Error(`l1Batch: a lifecycle tx was refused: ${built.rejected[0]!.error}`);
    for (const r of built.receipts) {
      const i = asked.get(bytesToHex(r.txHash));
      if (i !== undefined) step.get(i)!.id = r.challengeId!;
    }
    blocks.push(built.block);
  }
  if ([...step.values()].some((s) => s.at !== "done")) throw new Error("l1Batch: lifecycles did not finish");
  return { blocks, txs };
}

/** postBatch txs' calldata (ABI-encoded) for a channel: one per frame. */
function postBatchCalldata(channel: Uint8Array): Uint8Array[] {
  const frames = splitChannel(
    channelIdOf(new Uint8Array(32), new Uint8Array(32)),
    channel,
    DEFAULT_MAX_FRAME_BYTES,
  );
  return frames.map((f) =>
    hexToBytes(
      encodeFunctionData({
        abi: INBOX_ABI,
        functionName: "postBatch",
        args: [bytesToHex(encodeBatcherData([f])) as `0x${string}`],
      }),
    ),
  );
}

function brotli(data: Uint8Array): number {
  return brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: DEFAULT_BROTLI_QUALITY } })
    .length;
}

function floorGas(calldata: readonly Uint8Array[]): bigint {
  let g = 0n;
  for (const c of calldata) g += calldataFloorGas(c);
  return g;
}

export async function run(opts: BenchOpts): Promise<BenchResult[]> {
  const n = opts.quick ? 2 : 4;
  const { blocks, txs } = await lifecycles(n);
  // The register block is setup, not lifecycle: leave it out.
  const batch = blocks.slice(1).map((b) => batchBlockOf(b, 0));
  const channel = encodeChannel(batch);
  const calldata = postBatchCalldata(channel);
  const bytes = calldata.reduce((s, c) => s + c.length, 0);
  const gas = floorGas(calldata);

  // Ceiling: the raw lifecycle (signed txs + beacon rounds as batch blocks carry them), uncompressed.
  const rawParts: Uint8Array[] = batch.map(encodeBatchBlock);
  const raw = concatAll(rawParts);
  const rawGas = 21_000n * BigInt(calldata.length) + (calldataFloorGas(raw) - 21_000n);
  const beacons = concatAll(
    batch.flatMap((b) => b.beacons.map((r) => concatAll([u64(r.round), r.signature]))),
  );
  const byKind: Record<string, number> = {};
  for (const k of ["challenge", "commit", "reveal"] as const)
    byKind[k] = Math.round(brotli(concatAll(txs[k].map((t) => t.raw))) / n);
  byKind.beacon = Math.round(brotli(beacons) / n);
  const rawPerKind: Record<string, number> = {};
  for (const k of ["challenge", "commit", "reveal"] as const)
    rawPerKind[k] = Math.round(txs[k].reduce((s, t) => s + t.raw.length, 0) / n);

  const perChallenge = Math.round(bytes / n);
  const gasPerChallenge = Number(gas) / n;
  const signedTxs = n * 3;
  return [
    {
      name: "l1_bytes_per_challenge",
      value: perChallenge,
      unit: "bytes",
      ...ceilingFields(
        perChallenge,
        Math.round(raw.length / n),
        "the lifecycle's raw batch-block bytes, uncompressed",
        "time",
      ),
      byKind,
      rawByKind: rawPerKind,
      bytesPerSignedTx: Math.round(bytes / signedTxs),
      opReferenceBytesPerTx: "90-100",
      lifecycles: n,
      blocks: batch.length,
      frames: calldata.length,
      tier: "devnet (n=2048, k=32)",
    },
    {
      name: "l1_gas_per_challenge",
      value: Math.round(gasPerChallenge),
      unit: "gas",
      ...ceilingFields(
        Math.round(gasPerChallenge),
        Math.round(Number(rawGas) / n),
        "EIP-7623 floor gas of the raw bytes",
        "time",
      ),
      pricing: "EIP-7623 floor: 21,000 per tx + 10 gas per calldata token (zero byte 1, other 4)",
      lifecycles: n,
    },
  ];
}

function u64(v: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, v);
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const args = process.argv.slice(2);
  const results = await run({ quick: args.includes("--quick") });
  for (const r of results) console.log(args.includes("--json") ? JSON.stringify(r) : r);
}
