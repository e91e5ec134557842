/**
 * Prover benchmarks at the devnet tier (n = 2048, m = 4). Each figure carries, from the same run,
 * the baseline it is compared to and the ratio (absolute figures move ~2× between runs on shared
 * machines; side-by-side ratios hold):
 * - prover_wasm_gops: one exact int8 product A_0·B_0 on the WASM SIMD engine, 2n³/t, one thread
 * - prover_native_gops: the same product on the native engine (onnxruntime-node, one intra-op
 *   thread), with `vs_wasm` (target ≥ 3×); absent where the native engine does not load or is
 *   refused by its self-test (the reason is printed)
 * - prover_js_gops: the plain-JS engine on a band of rows, extrapolated as 2·rows·n²/t
 * - freivalds_check_ms: the Freivalds check of one product (two vectors), against the product's
 *   own time on the fastest engine
 * - prove_challenge_s: one whole challenge (PRG, 4 products, checks, leaf hashes, tile tree) on the
 *   fastest admitted engine as the prover runs it (computeAndCommit: leaf hashing on a worker
 *   thread, overlapped with the next product and its check; the worker warmed by one challenge
 *   first), against the same steps one after the other on one thread (`serial_s`, with its
 *   breakdown)
 * - tile_tree_s: the tree above the 2^18 leaves, batched WASM sha256 against chain/proof's
 *   node:crypto one (`vs_node_crypto`)
 * Engines are warmed first (V8 runs new wasm code unoptimized until it tiers up; ORT builds its
 * session on the first run).
 */
import { TIER_DEVNET } from "../chain/params.ts";
import { buildTileTree, prgMatrix, TAG_A, TAG_B } from "../chain/proof/index.ts";
import { createJsEngine } from "../prover/engine/jsEngine.ts";
import { createNativeEngine } from "../prover/engine/nativeEngine.ts";
import { selfTestEngine } from "../prover/engine/selfTest.ts";
import type { WorkEngine } from "../prover/engine/types.ts";
import { createWasmEngine } from "../prover/engine/wasmEngine.ts";
import { freivaldsCheck, freivaldsVectors } from "../prover/freivalds.ts";
import { commitProducts, computeAndCommit, computeProducts } from "../prover/proveChallenge.ts";
import { buildTileTreeBatched } from "../prover/tileHashing.ts";
import type { BenchOpts, BenchResult } from "./types.ts";

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};
const round = (x: number, digits: number): number => Number(x.toFixed(digits));

async function timeRuns(runs: number, f: () => Promise<unknown> | unknown): Promise<number[]> {
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    await f();
    times.push((performance.now() - t0) / 1000);
  }
  return times;
}

export async function run(opts: BenchOpts): Promise<BenchResult[]> {
  const { n } = TIER_DEVNET;
  const seed = new Uint8Array(32).fill(0x42);
  const a = prgMatrix(seed, TAG_A, 0, n);
  const bt = prgMatrix(seed, TAG_B, 0, n);
  const out = new Int32Array(n * n);
  const results: BenchResult[] = [];
  const runs = opts.quick ? 1 : 3;
  const gops = (s: number): number => (2 * n ** 3) / s / 1e9;

  // WASM: warm up on a band, then whole products.
  const wasm = await createWasmEngine();
  await wasm.multiply({ n, a, bt, out, rowStart: 0, rowEnd: 128 });
  const wasmS = median(await timeRuns(runs, () => wasm.multiply({ n, a, bt, out })));
  results.push({
    name: "prover_wasm_gops",
    value: round(gops(wasmS), 1),
    unit: "GOP/s",
    n,
    threads: 1,
    product_ms: round(wasmS * 1000, 1),
    runs,
  });

  // Native: admitted only after its self-test, as the prover does; one intra-op thread.
  let native: WorkEngine | undefined;
  let nativeRefused: string | undefined;
  try {
    const candidate = await createNativeEngine({ intraOpThreads: 1 });
    const test = await selfTestEngine(candidate);
    if (test.ok) native = candidate;
    else {
      nativeRefused = test.reason;
      await candidate.close();
    }
  } catch (e) {
    nativeRefused = (e as Error).message;
  }
  let fastest: WorkEngine = wasm;
  let fastestS = wasmS;
  if (native !== undefined) {
    await native.multiply({ n, a, bt, out });
    const nativeS = median(await timeRuns(runs, () => native.multiply({ n, a, bt, out })));
    results.push({
      name: "prover_native_gops",
      value: round(gops(nativeS), 1),
      unit: "GOP/s",
      n,
      threads: 1,
      product_ms: round(nativeS * 1000, 1),
      baseline: "prover_wasm_gops",
      vs_wasm: round(wasmS / nativeS, 2),
      engine: native.name,
      runs,
    });
    fastest = native;
    fastestS = nativeS;
  } else {
    console.error(`prover_native_gops: native engine unavailable: ${nativeRefused}`);
  }

  // JS: a band of rows, extrapolated (a whole product would take ~7 s).
  const js = createJsEngine();
  await js.multiply({ n, a, bt, out, rowStart: 0, rowEnd: 4 });
  const rows = opts.quick ? 8 : 32;
  const [jsS] = await timeRuns(1, () => js.multiply({ n, a, bt, out, rowStart: 0, rowEnd: rows }));
  results.push({
    name: "prover_js_gops",
    value: round((2 * rows * n * n) / jsS! / 1e9, 2),
    unit: "GOP/s",
    n,
    rows,
    extrapolated_product_s: round((jsS! * n) / rows, 1),
  });

  // Freivalds: one product's check (two vectors, fresh each run) against the product itself.
  await fastest.multiply({ n, a, bt, out });
  freivaldsCheck(a, bt, out, n);
  const checkS = median(
    await timeRuns(opts.quick ? 2 : 5, () => freivaldsCheck(a, bt, out, n, freivaldsVectors(n))),
  );
  results.push({
    name: "freivalds_check_ms",
    value: round(checkS * 1000, 1),
    unit: "ms",
    n,
    vectors: 2,
    baseline: `one product on ${fastest.name}`,
    product_ms: round(fastestS * 1000, 1),
    vs_product: round(checkS / fastestS, 3),
  });

  // One whole devnet challenge on the fastest engine: as the prover runs it, then step by step.
  const tp = performance.now();
  for (let j = 0; j < TIER_DEVNET.m; j++) {
    prgMatrix(seed, TAG_A, j, n, a);
    prgMatrix(seed, TAG_B, j, n, bt);
  }
  const prgS = (performance.now() - tp) / 1000;
  await computeAndCommit(TIER_DEVNET, seed, fastest);
  const interleaved = median(await timeRuns(runs, () => computeAndCommit(TIER_DEVNET, seed, fastest)));
  const t1 = performance.now();
  const products = await computeProducts(TIER_DEVNET, seed, fastest, { verify: false });
  const t2 = performance.now();
  for (let j = 0; j < TIER_DEVNET.m; j++) {
    prgMatrix(seed, TAG_A, j, n, a);
    prgMatrix(seed, TAG_B, j, n, bt);
    freivaldsCheck(a, bt, products[j]!, n);
  }
  const t3 = performance.now();
  const { tree } = commitProducts(TIER_DEVNET, products);
  const t4 = performance.now();
  results.push({
    name: "prove_challenge_s",
    value: round(interleaved, 3),
    unit: "s",
    tier: TIER_DEVNET.name,
    engine: fastest.name,
    work_gop: round((2 * n ** 3 * TIER_DEVNET.m) / 1e9, 1),
    baseline: "serial_s (the same steps one after the other)",
    serial_s: round((t4 - t1) / 1000, 3),
    vs_serial: round(interleaved / ((t4 - t1) / 1000), 2),
    prg_s: round(prgS, 3),
    products_s: round((t2 - t1) / 1000, 3),
    checks_s: round((t3 - t2) / 1000, 3),
    commit_s: round((t4 - t3) / 1000, 3),
    runs,
  });

  // The tree above the leaves: batched WASM sha256 against node:crypto one node at a time.
  const leaves = tree.levels[0]!;
  const batchedS = median(await timeRuns(runs, () => buildTileTreeBatched(leaves)));
  const nodeS = median(await timeRuns(runs, () => buildTileTree(leaves)));
  results.push({
    name: "tile_tree_s",
    value: round(batchedS, 3),
    unit: "s",
    leaves: leaves.length / 32,
    baseline: "chain/proof buildTileTree (node:crypto per node)",
    node_crypto_s: round(nodeS, 3),
    vs_node_crypto: round(batchedS / nodeS, 2),
  });

  await wasm.close();
  await native?.close();
  return results;
}
