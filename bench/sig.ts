/**
 * Sender recovery throughput.
 * - sig_verify_per_s: end to end through the worker pool (main-thread signing hash + packing,
 *   2 workers), the figure the sequencer gets.
 * - sig_verify_single_per_s: recoverSender on one thread, native.
 * - sig_verify_noble_per_s: the same with the pure-JS fallback (≈ 700/s).
 * Inputs cycle through 512 transfer txs signed by 64 keys.
 *
 * Ceiling, measured in this run (bench/ceiling.ts): raw native recovery, libsecp256k1's
 * ecdsaRecover on the same digests and signatures with nothing around it (no decode, no signing
 * hash, no address), on one thread; for the pool, times its workers (at most the cores). Absent
 * where the native addon does not load.
 */
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";

import { keccak256, utf8 } from "../chain/hash.ts";
import { recoverSender, SIG_BACKEND, type SigBackend, signingHash, signTx } from "../chain/tx/index.ts";
import type { SignedTx } from "../chain/types.ts";
import { createSigPool } from "../sequencer/sigPool.ts";
import { ceilingFields, opsPerSecond } from "./ceiling.ts";
import type { BenchOpts, BenchResult } from "./types.ts";

type EcdsaRecover = (sig: Uint8Array, recid: number, msg32: Uint8Array, compressed: boolean) => Uint8Array;

/** Raw native recoveries/s on one thread over the txs' digests, or undefined without the addon. */
function rawNativeRecoveryPerS(txs: SignedTx[], ms: number): number | undefined {
  let recover: EcdsaRecover;
  try {
    recover = (createRequire(import.meta.url)("secp256k1/bindings") as { ecdsaRecover: EcdsaRecover })
      .ecdsaRecover;
  } catch {
    return undefined;
  }
  const inputs = txs.map((tx) => ({
    digest: signingHash(tx.bodyBytes),
    rs: tx.signature.subarray(0, 64),
    v: tx.signature[64]!,
  }));
  let i = 0;
  return opsPerSecond(
    () => {
      const x = inputs[i++ % inputs.length]!;
      recover(x.rs, x.v, x.digest, false);
    },
    ms,
    16,
  );
}

function makeTxs(count: number, keys: number): SignedTx[] {
  const sks = Array.from({ length: keys }, (_, i) => keccak256(utf8(`bench/sig/key/${i}`)));
  return Array.from({ length: count }, (_, i) =>
    signTx(
      {
        chainId: 901n,
        nonce: BigInt(i),
        action: {
          kind: "transfer",
          to: keccak256(utf8(`to/${i}`)).slice(12),
          amount: BigInt(i + 1) * 10n ** 15n,
        },
      },
      sks[i % keys]!,
    ),
  );
}

/** Runs `op` over the inputs until `ms` have passed; returns ops per second. */
function timeSingle(txs: SignedTx[], backend: SigBackend, ms: number): { perS: number; ops: number } {
  let ops = 0;
  let failures = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    // Check the clock every 16 ops: reading it is not free next to a 57 µs op.
    for (let k = 0; k < 16; k++) {
      if (!recoverSender(txs[ops % txs.length]!, backend).ok) failures++;
      ops++;
    }
    elapsed = performance.now() - start;
  } while (elapsed < ms);
  if (failures > 0) throw new Error(`bench sig: ${failures} recoveries failed`);
  return { perS: (ops / elapsed) * 1000, ops };
}

async function timePool(txs: SignedTx[], workers: number, batch: number, ms: number) {
  const pool = createSigPool({ workers });
  try {
    const backends = await pool.ready();
    const input = Array.from({ length: batch }, (_, i) => txs[i % txs.length]!);
    await pool.recoverBatch(input); // warm-up: JIT on both sides, first messages
    let done = 0;
    let failures = 0;
    const start = performance.now();
    // Two batches outstanding, so the pool never drains between one batch and the next.
    const lane = async () => {
      while (performance.now() - start < ms) {
        const res = await pool.recoverBatch(input);
        for (const a of res) if (a === null) failures++;
        done += res.length;
      }
    };
    await Promise.all([lane(), lane()]);
    const elapsed = performance.now() - start;
    if (failures > 0) throw new Error(`bench sig: ${failures} pool recoveries failed`);
    return { perS: (done / elapsed) * 1000, ops: done, backends };
  } finally {
    await pool.close();
  }
}

export async function run(opts: BenchOpts): Promise<BenchResult[]> {
  const txs = makeTxs(opts.quick ? 128 : 512, 64);
  const workers = 2;
  const batch = 1024;
  const pool = await timePool(txs, workers, batch, opts.quick ? 400 : 1500);
  const single = timeSingle(txs, SIG_BACKEND, opts.quick ? 200 : 600);
  const noble = timeSingle(txs, "noble", opts.quick ? 200 : 600);
  const raw = rawNativeRecoveryPerS(txs, opts.quick ? 200 : 600);
  const lanes = Math.min(workers, availableParallelism());
  const rawName = "raw native ecdsaRecover, one thread";
  const vsRaw = (value: number, times = 1, name = rawName) =>
    raw === undefined ? {} : ceilingFields(value, raw * times, name);
  const round = (x: number) => Math.round(x);
  return [
    {
      name: "sig_verify_per_s",
      value: round(pool.perS),
      unit: "ops/s",
      workers,
      batch,
      backend: pool.backends.join(","),
      ops: pool.ops,
      target: 10_000,
      ...vsRaw(round(pool.perS), lanes, `raw native ecdsaRecover × ${lanes} threads`),
    },
    {
      name: "sig_verify_single_per_s",
      value: round(single.perS),
      unit: "ops/s",
      backend: SIG_BACKEND,
      us_per_op: Number((1e6 / single.perS).toFixed(1)),
      ops: single.ops,
      ...vsRaw(round(single.perS)),
    },
    {
      name: "sig_verify_noble_per_s",
      value: round(noble.perS),
      unit: "ops/s",
      backend: "noble",
      us_per_op: Number((1e6 / noble.perS).toFixed(1)),
      ops: noble.ops,
      ...vsRaw(round(noble.perS)),
    },
  ];
}
