/**
 * Prover benchmarks at the devnet tier (n = 2048, m = 4). Each figure carries, from the same run,
 * the baseline it is compared to (`ceiling`, `ceilingName`, `ratio`: bench/ceiling.ts; absolute
 * figures move ~2× between runs on shared machines, side-by-side ratios hold):
 * - prover_wasm_gops: one exact int8 product A_0·B_0 on the WASM SIMD engine, 2n³/t, one thread;
 *   ceiling: the native engine on the same product (where it loads)
 * - prover_native_gops: the same product on the native engine (onnxruntime-node, one intra-op
 *   thread); ceiling: the WASM engine, so the ratio is the speed-up (target ≥ 3). Absent where the
 *   native engine does not load or is refused by its self-test (the reason is printed)
 * - prover_js_gops: the plain-JS engine on a band of rows, extrapolated as 2·rows·n²/t; ceiling:
 *   the WASM engine
 * - freivalds_check_ms: the Freivalds check of one product (two vectors); ceiling: the product's
 *   own time on the fastest engine
 * - tile_leaves_s: the leaf hashes of the challenge's 2^18 tiles (4 products) through the batched
 *   WASM kernel (prover/tileSha256.ts), band copies included; ceiling: node:crypto sha256 of the
 *   same 257-byte messages, one call each (already gathered: the raw hash cost)
 * - tile_tree_s: the tree above those leaves, batched; ceiling: chain/proof's buildTileTree
 *   (node:crypto per node)
 * - prove_challenge_s: one whole challenge (PRG, 4 products, checks, leaf hashes, tree) on the
 *   fastest admitted engine as the prover runs it (computeAndCommit: each product's check and
 *   subtree on the leaf worker while the next product is computed; the worker warmed by one
 *   challenge first), every run reported. Ceiling: its parts timed alone in this run, one after
 *   the other on one thread, split as computeAndCommit splits them: max(PRG + products on the
 *   engine's thread, checks + leaves + tree on the worker); `serial_s` is their plain sum
 * Engines are warmed first (V8 runs new wasm code unoptimized until it tiers up; ORT builds its
 * session on the first run).
 */
import { hash } from "node:crypto";
import { TIER_DEVNET } from "../chain/params.ts";
import { buildTileTree, HASH_BYTES, prgMatrix, TAG_A, TAG_B, tileCount } from "../chain/proof/index.ts";
import { createJsEngine } from "../prover/engine/jsEngine.ts";
import { createNativeEngine } from "../prover/engine/nativeEngine.ts";
import { selfTestEngine } from "../prover/engine/selfTest.ts";
import type { WorkEngine } from "../prover/engine/types.ts";
import { createWasmEngine } from "../prover/engine/wasmEngine.ts";
import { freivaldsCheck, freivaldsVectors } from "../prover/freivalds.ts";
import { computeAndCommit, productTile } from "../prover/proveChallenge.ts";
import { hashProductLeaves, hashUpperLevels, treeLevels } from "../prover/tileHashing.ts";
import { ceilingFields } from "./ceiling.ts";
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

/** Seconds `f` takes once. */
async function timeOnce(f: () => Promise<unknown> | unknown): Promise<number> {
  const [s] = await timeRuns(1, f);
  return s!;
}

export async function run(opts: BenchOpts): Promise<BenchResult[]> {
  const { n, m } = TIER_DEVNET;
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
  let nativeS: number | undefined;
  if (native !== undefined) {
    await native.multiply({ n, a, bt, out });
    nativeS = median(await timeRuns(runs, () => native.multiply({ n, a, bt, out })));
  } else {
    console.error(`prover_native_gops: native engine unavailable: ${nativeRefused}`);
  }
  const fastest: WorkEngine = native ?? wasm;
  const fastestS = nativeS ?? wasmS;

  results.push({
    name: "prover_wasm_gops",
    value: round(gops(wasmS), 1),
    unit: "GOP/s",
    ...(nativeS === undefined
      ? {}
      : ceilingFields(
          gops(wasmS),
          gops(nativeS),
          "native engine (onnxruntime-node), same product, one thread",
        )),
    n,
    threads: 1,
    product_ms: round(wasmS * 1000, 1),
    runs,
  });
  if (native !== undefined && nativeS !== undefined) {
    results.push({
      name: "prover_native_gops",
      value: round(gops(nativeS), 1),
      unit: "GOP/s",
      // The WASM engine as the baseline: the ratio is the speed-up (target ≥ 3).
      ...ceilingFields(
        gops(nativeS),
        gops(wasmS),
        "WASM SIMD engine, same product, one thread (target ratio ≥ 3)",
      ),
      n,
      threads: 1,
      product_ms: round(nativeS * 1000, 1),
      engine: native.name,
      runs,
    });
  }

  // JS: a band of rows, extrapolated (a whole product would take ~7 s).
  const js = createJsEngine();
  await js.multiply({ n, a, bt, out, rowStart: 0, rowEnd: 4 });
  const rows = opts.quick ? 8 : 32;
  const jsS = await timeOnce(() => js.multiply({ n, a, bt, out, rowStart: 0, rowEnd: rows }));
  const jsGops = (2 * rows * n * n) / jsS / 1e9;
  results.push({
    name: "prover_js_gops",
    value: round(jsGops, 2),
    unit: "GOP/s",
    ...ceilingFields(jsGops, gops(wasmS), "WASM SIMD engine, same run"),
    n,
    rows,
    extrapolated_product_s: round((jsS * n) / rows, 1),
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
    ...ceilingFields(checkS * 1000, fastestS * 1000, `one product on ${fastest.name}`, "time"),
    n,
    vectors: 2,
  });

  // The parts of a challenge, each alone on this thread: PRG, products, checks, leaves, tree.
  const products: Int32Array[] = [];
  let prgS = 0;
  let productsS = 0;
  let checksS = 0;
  const pa = new Int8Array(n * n);
  const pbt = new Int8Array(n * n);
  for (let j = 0; j < m; j++) {
    prgS += await timeOnce(() => {
      prgMatrix(seed, TAG_A, j, n, pa);
      prgMatrix(seed, TAG_B, j, n, pbt);
    });
    const c = new Int32Array(n * n);
    productsS += await timeOnce(() => fastest.multiply({ n, a: pa, bt: pbt, out: c }));
    checksS += await timeOnce(() => freivaldsCheck(pa, pbt, c, n, freivaldsVectors(n)));
    products.push(c);
  }
  const levels = treeLevels(tileCount(TIER_DEVNET));
  const leafTimes = await timeRuns(runs, () => {
    for (const [j, c] of products.entries()) hashProductLeaves(n, c, j, levels[0]!);
  });
  const leavesS = median(leafTimes);
  // Raw node:crypto on the same messages (0x00 ‖ tile), gathered beforehand: the hash cost alone.
  const perMatrix = (n / 8) ** 2;
  const messages = new Uint8Array(perMatrix * 257);
  for (let t = 0; t < perMatrix; t++) messages.set(productTile(n, [products[0]!], t), t * 257 + 1);
  const nodeLeafS =
    m *
    (await timeOnce(() => {
      for (let t = 0; t < perMatrix; t++) hash("sha256", messages.subarray(t * 257, (t + 1) * 257), "buffer");
    }));
  results.push({
    name: "tile_leaves_s",
    value: round(leavesS, 3),
    unit: "s",
    ...ceilingFields(
      leavesS,
      nodeLeafS,
      "node:crypto sha256 of the same 257-byte messages, one call each",
      "time",
    ),
    leaves: tileCount(TIER_DEVNET),
    per_leaf_us: round((leavesS / tileCount(TIER_DEVNET)) * 1e6, 3),
  });

  const treeS = median(await timeRuns(runs, () => hashUpperLevels(levels, 0)));
  const nodeTreeS = await timeOnce(() => buildTileTree(levels[0]!));
  results.push({
    name: "tile_tree_s",
    value: round(treeS, 3),
    unit: "s",
    ...ceilingFields(treeS, nodeTreeS, "chain/proof buildTileTree (node:crypto per node)", "time"),
    leaves: levels[0]!.length / HASH_BYTES,
  });

  // One whole devnet challenge as the prover runs it.
  await computeAndCommit(TIER_DEVNET, seed, fastest);
  const challengeTimes = await timeRuns(runs, () => computeAndCommit(TIER_DEVNET, seed, fastest));
  const challengeS = median(challengeTimes);
  const engineThreadS = prgS + productsS;
  const workerS = checksS + leavesS + treeS;
  results.push({
    name: "prove_challenge_s",
    value: round(challengeS, 3),
    unit: "s",
    ...ceilingFields(
      challengeS,
      Math.max(engineThreadS, workerS),
      "its parts timed alone, split over the two threads: max(PRG + products, checks + leaves + tree)",
      "time",
    ),
    tier: TIER_DEVNET.name,
    engine: fastest.name,
    runs_s: challengeTimes.map((s) => round(s, 3)),
    work_gop: round((2 * n ** 3 * m) / 1e9, 1),
    serial_s: round(engineThreadS + workerS, 3),
    prg_s: round(prgS, 3),
    products_s: round(productsS, 3),
    checks_s: round(checksS, 3),
    leaves_s: round(leavesS, 3),
    tree_s: round(treeS, 3),
  });

  await wasm.close();
  await native?.close();
  return results;
}
