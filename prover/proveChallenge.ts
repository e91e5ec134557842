/**
 * One challenge's work on the prover side (PROTOCOL §3):
 *   1. PRG: A_j and B_jᵀ for j in [0, m) from the seed (chain/proof prgMatrix, native ChaCha20)
 *   2. products: C_j = A_j·B_j on a WorkEngine
 *   3. commitment: leaf hashes of every 8×8 tile, the tile tree, its root (→ `commit` tx)
 *   4. later, given randomness(r2): the reveal (tiles + multiproof) for the sampled positions
 * Steps 2–3 are separate functions so tests (and a future pipelined prover) can step in between.
 * Memory: m·n²·4 bytes of products kept for the reveal (64 MiB at the devnet tier) plus the tree
 * (2·32 bytes per tile, 16 MiB at the devnet tier).
 * @module
 */
import {
  assertTier,
  buildOpenings,
  buildTileTree,
  HASH_BYTES,
  leafHash,
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
import type { WorkEngine } from "./engine/types.ts";

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

/** Step 1–2: C_j = A_j·B_j for every j, on `engine`. */
export async function computeProducts(
  tier: ProofTier,
  seed: Uint8Array,
  engine: WorkEngine,
): Promise<Int32Array[]> {
  assertTier(tier);
  const { n, m } = tier;
  // One A and one Bᵀ buffer reused across j: the engine copies what it needs before resolving.
  const a = new Int8Array(n * n);
  const bt = new Int8Array(n * n);
  const products: Int32Array[] = [];
  for (let j = 0; j < m; j++) {
    prgMatrix(seed, TAG_A, j, n, a);
    prgMatrix(seed, TAG_B, j, n, bt);
    products.push(await engine.multiply({ n, a, bt }));
  }
  return products;
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
  const count = tileCount(tier);
  const leaves = new Uint8Array(count * HASH_BYTES);
  const words = new Int32Array(TILE_ENTRIES);
  for (let t = 0; t < count; t++) {
    gatherTile(tier.n, products, t, words);
    leaves.set(leafHash(tileBytesOf(words)), t * HASH_BYTES);
  }
  const tree = buildTileTree(leaves);
  return { root: tree.root, tree };
}

/** Steps 1–3: the whole commit side of a challenge. */
export async function proveChallenge(
  tier: ProofTier,
  seed: Uint8Array,
  engine: WorkEngine,
): Promise<ProvedChallenge> {
  const products = await computeProducts(tier, seed, engine);
  const { root, tree } = commitProducts(tier, products);
  return { tier, seed, products, tree, root };
}

/** Step 4: the reveal (`tiles`, `proof` of the reveal tx) once randomness(r2) is known. */
export function buildReveal(proved: ProvedChallenge, randomnessR2: Uint8Array): Openings {
  const { tier, seed, root, tree, products } = proved;
  const positions = samplePositions(tier, sampleSeed(seed, root, randomnessR2));
  return buildOpenings(tree, positions, (t) => productTile(tier.n, products, t));
}
