/**
 * One challenge's work on the prover side (PROTOCOL §3):
 *   1. PRG: A_j and B_jᵀ for j in [0, m) from the seed (chain/proof prgMatrix, native ChaCha20)
 *   2. products: C_j = A_j·B_j on a WorkEngine, each checked with Freivalds' algorithm
 *      (freivalds.ts) before anything is committed; a product that fails is recomputed on the
 *      fallback engines (the JS reference last) and the mismatch reported, so a faulty engine
 *      never makes the prover commit a wrong root
 *   3. commitment: leaf hashes of every 8×8 tile, the tile tree, its root (→ `commit` tx)
 *   4. later, given randomness(r2): the reveal (tiles + multiproof) for the sampled positions
 * `computeAndCommit` overlaps steps 2 and 3 on two threads: while the main thread computes
 * C_{j+1} (today's engines, JS, WASM and onnxruntime-node whose `run` blocks the calling thread,
 * compute on it), the leaf worker (leafHasher.ts) checks C_j and hashes its leaves and subtree
 * (tileHashing.ts, batched WASM sha256), reading A_j and C_j in place on SharedArrayBuffers. The
 * last product has nothing to overlap with, so its check runs on the worker while its hashes run
 * here. Without a worker (small n, a big-endian host, a failed worker) the same steps run on the
 * main thread in slices on the event loop, so band completions, progress and a stop get through.
 * `computeProducts` / `commitProducts` are the same steps one after the other on one thread
 * (tests, benchmarks).
 * Memory: m·n²·4 bytes of products kept for the reveal (64 MiB at the devnet tier) plus the tree
 * (2·32 bytes per tile, 16 MiB at the devnet tier).
 * @module
 */
import {
  assertTier,
  buildOpenings,
  HASH_BYTES,
  type Openings,
  type ProofTier,
  prgMatrix,
  samplePositions,
  sampleSeed,
  TAG_A,
  TAG_B,
  TILE_BYTES,
  TILE_DIM,
  TILE_ENTRIES,
  type TileTree,
  tileCount,
  tileLocation,
} from "../chain/proof/index.ts";
import { createJsEngine } from "./engine/jsEngine.ts";
import type { WorkEngine } from "./engine/types.ts";
import { freivaldsCheck, freivaldsCheckSliced, freivaldsVectors } from "./freivalds.ts";
import { type LeafHasher, type ProductResult, sharedLeafHasher } from "./leafHasher.ts";
import {
  buildTileTreeBatched,
  hashProductLeaves,
  hashProductLevels,
  hashUpperLevels,
  placeProductSubtree,
  treeLevels,
} from "./tileHashing.ts";

/** Everything the prover keeps between commit and reveal. */
export interface ProvedChallenge {
  tier: ProofTier;
  seed: Uint8Array;
  /** C_j, row-major n·n int32, for j in [0, m). */
  products: Int32Array[];
  tree: TileTree;
  /** The commitment: tree.root. */
  root: Uint8Array;
}

/** A product that failed its Freivalds check, and what was done about it. */
export interface ProductMismatch {
  j: number;
  /** The engine whose product failed. */
  engine: string;
  /** The engine whose recomputed product passed (undefined: none did, the challenge fails). */
  recomputedWith: string | undefined;
  /** Fallback engines whose products failed too. */
  alsoFailed: string[];
}

export interface CheckOpts {
  /** Freivalds-check every product before it is used (default true). */
  verify?: boolean;
  /** Engines to recompute a failed product with, in order (default: the engine's own `fallbacks`, else the JS reference). */
  fallbacks?: readonly WorkEngine[];
  /** Told of every failed check (default: a process warning on stderr). */
  onMismatch?: (m: ProductMismatch) => void;
  /** The check's random vectors for size n (default: fresh crypto-random ones; tests fix them). */
  vectors?: (n: number) => Float64Array[];
  /** Hash leaves on a worker thread (leafHasher.ts) in computeAndCommit; default: for n ≥ 256. */
  leafWorker?: boolean;
}

function warnMismatch(m: ProductMismatch): void {
  process.emitWarning(
    `product ${m.j} from engine ${m.engine} failed its Freivalds check; ` +
      (m.recomputedWith === undefined
        ? "no fallback engine produced a passing product"
        : `recomputed with ${m.recomputedWith}`),
    "FlopsProverWarning",
  );
}

/** Step 1–2: C_j = A_j·B_j for every j, on `engine`, each product checked (CheckOpts). */
export async function computeProducts(
  tier: ProofTier,
  seed: Uint8Array,
  engine: WorkEngine,
  opts: CheckOpts = {},
): Promise<Int32Array[]> {
  assertTier(tier);
  const { n, m } = tier;
  const verify = opts.verify ?? true;
  const vectors = opts.vectors ?? ((size: number) => freivaldsVectors(size));
  // One A and one Bᵀ buffer reused across j: the engine copies what it needs before resolving.
  const a = new Int8Array(n * n);
  const bt = new Int8Array(n * n);
  const products: Int32Array[] = [];
  for (let j = 0; j < m; j++) {
    prgMatrix(seed, TAG_A, j, n, a);
    prgMatrix(seed, TAG_B, j, n, bt);
    let c = await engine.multiply({ n, a, bt });
    if (verify && !freivaldsCheck(a, bt, c, n, vectors(n))) {
      c = await recompute(j, engine, a, bt, n, vectors, opts);
    }
    products.push(c);
  }
  return products;
}

/** A failed product again on each fallback engine until one passes the check; throws if none does. */
async function recompute(
  j: number,
  engine: WorkEngine,
  a: Int8Array,
  bt: Int8Array,
  n: number,
  vectors: (n: number) => Float64Array[],
  opts: CheckOpts,
): Promise<Int32Array> {
  const report = opts.onMismatch ?? warnMismatch;
  const alsoFailed: string[] = [];
  for (const fallback of opts.fallbacks ?? engine.fallbacks ?? [createJsEngine()]) {
    const c = await fallback.multiply({ n, a, bt });
    if (freivaldsCheck(a, bt, c, n, vectors(n))) {
      report({ j, engine: engine.name, recomputedWith: fallback.name, alsoFailed });
      return c;
    }
    alsoFailed.push(fallback.name);
  }
  report({ j, engine: engine.name, recomputedWith: undefined, alsoFailed });
  throw new Error(`product ${j}: no engine produced a product that passes the Freivalds check`);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Copies tile `tileIndex` (256 bytes: 64 int32 LE, row-major) out of the products into `out`
 * (an Int32Array of 64 whose bytes are the tile on a little-endian host).
 */
function gatherTile(n: number, products: readonly Int32Array[], tileIndex: number, out: Int32Array): void {
  const { j, tileRow, tileCol } = tileLocation(n, tileIndex);
  const c = products[j];
  if (c === undefined) throw new RangeError(`tile ${tileIndex}: no product ${j}`);
  let src = tileRow * TILE_DIM * n + tileCol * TILE_DIM;
  let dst = 0;
  for (let r = 0; r < TILE_DIM; r++) {
    for (let x = 0; x < TILE_DIM; x++) out[dst + x] = c[src + x]!;
    src += n;
    dst += TILE_DIM;
  }
}

function tileBytesOf(words: Int32Array): Uint8Array {
  const bytes = new Uint8Array(words.buffer, words.byteOffset, TILE_BYTES);
  if (LITTLE_ENDIAN) return bytes;
  const le = new Uint8Array(TILE_BYTES);
  const dv = new DataView(le.buffer);
  for (let i = 0; i < TILE_ENTRIES; i++) dv.setInt32(i * 4, words[i]!, true);
  return le;
}

/** The 256 bytes of tile `tileIndex` (a fresh copy). */
export function productTile(n: number, products: readonly Int32Array[], tileIndex: number): Uint8Array {
  const words = new Int32Array(TILE_ENTRIES);
  gatherTile(n, products, tileIndex, words);
  return tileBytesOf(words).slice();
}

/** Step 3: leaf hashes of all tiles in (j, tileRow, tileCol) order, and the tile tree over them. */
export function commitProducts(
  tier: ProofTier,
  products: readonly Int32Array[],
): { root: Uint8Array; tree: TileTree } {
  assertTier(tier);
  if (products.length !== tier.m) throw new RangeError(`commitProducts: expected ${tier.m} products`);
  const leaves = new Uint8Array(tileCount(tier) * HASH_BYTES);
  for (const [j, c] of products.entries()) hashProductLeaves(tier.n, c, j, leaves);
  const tree = buildTileTreeBatched(leaves);
  return { root: tree.root, tree };
}

/** Rows of the Freivalds check, and tiles hashed, per slice of main-thread work (~5 ms each). */
const CHECK_ROWS_PER_SLICE = 128;
const TILES_PER_SLICE = 8192;
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Steps 1–3 overlapped (see the module comment): the same products, tree and root as
 * computeProducts + commitProducts.
 */
export async function computeAndCommit(
  tier: ProofTier,
  seed: Uint8Array,
  engine: WorkEngine,
  opts: CheckOpts = {},
): Promise<{ products: Int32Array[]; tree: TileTree; root: Uint8Array }> {
  assertTier(tier);
  const { n, m } = tier;
  const verify = opts.verify ?? true;
  const vectors = opts.vectors ?? ((size: number) => freivaldsVectors(size));
  const perMatrix = (n / TILE_DIM) ** 2;
  const levels = treeLevels(tileCount(tier));
  const products: Int32Array[] = [];
  const hasher: LeafHasher | undefined = (opts.leafWorker ?? n >= 256) ? sharedLeafHasher() : undefined;
  // With a worker, A and the products live on SharedArrayBuffers, which it reads in place. Not Bᵀ:
  // onnxruntime-node refuses tensors on shared memory (its "Invalid argument"), so Bᵀ is copied.
  const shared = (len: number): Int8Array =>
    hasher ? new Int8Array(new SharedArrayBuffer(len)) : new Int8Array(len);
  // Two A/Bᵀ buffer pairs: the engine fills C_{j+1} from one while C_j is checked against the other.
  const pairs = [0, 1].map(() => ({ a: shared(n * n), bt: new Int8Array(n * n) }));
  let stopped = false;

  async function hashOnMainThread(j: number, c: Int32Array): Promise<void> {
    for (let t = 0; t < perMatrix; t += TILES_PER_SLICE) {
      hashProductLeaves(n, c, j, levels[0]!, t, Math.min(perMatrix, t + TILES_PER_SLICE));
      await yieldToEventLoop();
    }
    hashProductLevels(levels, j, perMatrix);
  }

  async function finishOnMainThread(
    j: number,
    a: Int8Array,
    bt: Int8Array,
    computed: Int32Array,
  ): Promise<void> {
    let c = computed;
    if (
      verify &&
      !(await freivaldsCheckSliced(a, bt, c, n, vectors(n), CHECK_ROWS_PER_SLICE, yieldToEventLoop))
    ) {
      c = await recompute(j, engine, a, bt, n, vectors, opts);
    }
    products[j] = c;
    await hashOnMainThread(j, c);
  }

  // The check and the subtree on the worker; if the worker fails, the same on this thread.
  async function finishOnWorker(
    h: LeafHasher,
    j: number,
    a: Int8Array,
    bt: Int8Array,
    computed: Int32Array,
  ): Promise<void> {
    let c = computed;
    let r: ProductResult;
    try {
      r = await h.run({ n, c, ...(verify ? { check: { a, bt, vectors: vectors(n) } } : {}) });
    } catch {
      if (stopped) return;
      return finishOnMainThread(j, a, bt, c);
    }
    if (!r.ok) {
      c = await recompute(j, engine, a, bt, n, vectors, opts);
      try {
        r = await h.run({ n, c });
      } catch {
        if (stopped) return;
        products[j] = c;
        return hashOnMainThread(j, c);
      }
      if (!r.ok) throw new Error(`product ${j}: the leaf worker refused an unchecked job`);
    }
    if (r.subtree === undefined) throw new Error(`product ${j}: the leaf worker sent no subtree`);
    products[j] = c;
    placeProductSubtree(levels, j, r.subtree);
  }

  // The last product: nothing is left to overlap it with, so its share is split between the two
  // threads: the check on the worker, the hashes here (if the check fails, hashed again).
  async function finishLast(h: LeafHasher, j: number, a: Int8Array, bt: Int8Array, computed: Int32Array) {
    if (!verify) return finishOnWorker(h, j, a, bt, computed);
    const check = h.run({ n, c: computed, check: { a, bt, vectors: vectors(n) }, hash: false });
    // Settled here so that a failure while this thread hashes is not an unhandled rejection.
    const checked = check.then(
      (r) => r.ok,
      () => undefined,
    );
    await hashOnMainThread(j, computed);
    let ok = await checked;
    if (ok === undefined) {
      if (stopped) return;
      ok = await freivaldsCheckSliced(a, bt, computed, n, vectors(n), CHECK_ROWS_PER_SLICE, yieldToEventLoop);
    }
    if (ok) {
      products[j] = computed;
      return;
    }
    const c = await recompute(j, engine, a, bt, n, vectors, opts);
    products[j] = c;
    await hashOnMainThread(j, c);
  }

  try {
    let background: Promise<void> = Promise.resolve();
    for (let j = 0; j < m; j++) {
      const { a, bt } = pairs[j % 2]!;
      prgMatrix(seed, TAG_A, j, n, a);
      prgMatrix(seed, TAG_B, j, n, bt);
      const out = hasher ? new Int32Array(new SharedArrayBuffer(4 * n * n)) : undefined;
      // Buffers of pair j % 2 were last read by finish(j − 2), which the previous round awaited.
      const [c] = await Promise.all([engine.multiply({ n, a, bt, ...(out ? { out } : {}) }), background]);
      background =
        hasher === undefined
          ? finishOnMainThread(j, a, bt, c)
          : j === m - 1
            ? finishLast(hasher, j, a, bt, c)
            : finishOnWorker(hasher, j, a, bt, c);
    }
    await background;
  } finally {
    // The shared worker stays for the next challenge; jobs of an aborted one finish unread.
    stopped = true;
  }
  const tree = hashUpperLevels(levels, Math.log2(perMatrix));
  return { products, tree, root: tree.root };
}

/** Steps 1–3: the whole commit side of a challenge. */
export async function proveChallenge(
  tier: ProofTier,
  seed: Uint8Array,
  engine: WorkEngine,
  opts: CheckOpts = {},
): Promise<ProvedChallenge> {
  const { products, tree, root } = await computeAndCommit(tier, seed, engine, opts);
  return { tier, seed, products, tree, root };
}

/** Step 4: the reveal (`tiles`, `proof` of the reveal tx) once randomness(r2) is known. */
export function buildReveal(proved: ProvedChallenge, randomnessR2: Uint8Array): Openings {
  const { tier, seed, root, tree, products } = proved;
  const positions = samplePositions(tier, sampleSeed(seed, root, randomnessR2));
  return buildOpenings(tree, positions, (t) => productTile(tier.n, products, t));
}
