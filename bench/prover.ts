/**
 * Prover benchmarks at the devnet tier (n = 2048, m = 4), one core:
 * - prover_wasm_gops: one exact int8 product A_0·B_0 on the WASM SIMD engine, 2n³/t
 * - prover_js_gops: the plain-JS engine on a band of rows, extrapolated as 2·rows·n²/t
 * - prove_challenge_s: one whole challenge (PRG, 4 products, leaf hashes, tile tree)
 * The WASM engine is warmed first (V8 runs new wasm code unoptimized until it tiers up).
 */
import { TIER_DEVNET } from "../chain/params.ts";
import { prgMatrix, TAG_A, TAG_B } from "../chain/proof/index.ts";
import { createJsEngine } from "../prover/engine/jsEngine.ts";
import { createWasmEngine } from "../prover/engine/wasmEngine.ts";
import { commitProducts, computeProducts } from "../prover/proveChallenge.ts";
import type { BenchOpts, BenchResult } from "./types.ts";

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};
const round = (x: number, digits: number): number => Number(x.toFixed(digits));

export async function run(opts: BenchOpts): Promise<BenchResult[]> {
  const { n } = TIER_DEVNET;
  const seed = new Uint8Array(32).fill(0x42);
  const a = prgMatrix(seed, TAG_A, 0, n);
  const bt = prgMatrix(seed, TAG_B, 0, n);
  const out = new Int32Array(n * n);
  const results: BenchResult[] = [];

  // WASM: warm up on a band, then whole products.
  const wasm = await createWasmEngine();
  await wasm.multiply({ n, a, bt, out, rowStart: 0, rowEnd: 128 });
  const wasmTimes: number[] = [];
  for (let r = 0; r < (opts.quick ? 1 : 3); r++) {
    const t0 = performance.now();
    await wasm.multiply({ n, a, bt, out });
    wasmTimes.push((performance.now() - t0) / 1000);
  }
  const wasmS = median(wasmTimes);
  results.push({
    name: "prover_wasm_gops",
    value: round((2 * n ** 3) / wasmS / 1e9, 1),
    unit: "GOP/s",
    n,
    product_ms: round(wasmS * 1000, 1),
    runs: wasmTimes.length,
  });

  // JS: a band of rows, extrapolated (a whole product would take ~7 s).
  const js = createJsEngine();
  await js.multiply({ n, a, bt, out, rowStart: 0, rowEnd: 4 });
  const rows = opts.quick ? 8 : 32;
  const t0 = performance.now();
  await js.multiply({ n, a, bt, out, rowStart: 0, rowEnd: rows });
  const jsS = (performance.now() - t0) / 1000;
  results.push({
    name: "prover_js_gops",
    value: round((2 * rows * n * n) / jsS / 1e9, 2),
    unit: "GOP/s",
    n,
    rows,
    extrapolated_product_s: round((jsS * n) / rows, 1),
  });

  // One whole devnet challenge: PRG + products (computeProducts), leaf hashes + tree (commitProducts).
  const tp = performance.now();
  for (let j = 0; j < TIER_DEVNET.m; j++) {
    prgMatrix(seed, TAG_A, j, n, a);
    prgMatrix(seed, TAG_B, j, n, bt);
  }
  const prgS = (performance.now() - tp) / 1000;
  const t1 = performance.now();
  const products = await computeProducts(TIER_DEVNET, seed, wasm);
  const t2 = performance.now();
  commitProducts(TIER_DEVNET, products);
  const t3 = performance.now();
  results.push({
    name: "prove_challenge_s",
    value: round((t3 - t1) / 1000, 3),
    unit: "s",
    tier: TIER_DEVNET.name,
    work_gop: round((2 * n ** 3 * TIER_DEVNET.m) / 1e9, 1),
    prg_s: round(prgS, 3),
    products_s: round((t2 - t1) / 1000, 3),
    commit_s: round((t3 - t2) / 1000, 3),
    engine: wasm.name,
  });
  await wasm.close();
  return results;
}
