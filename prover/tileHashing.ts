/**
 * The prover's fast path for the commitment's hashing (the definitions are chain/proof's:
 * leaf = sha256(0x00 ‖ tile), node = sha256(0x01 ‖ left ‖ right)), through the batched WASM SIMD
 * kernel of tileSha256.ts (~0.6 µs a leaf and ~0.25 µs a node against ~1.6 µs and ~1 µs for
 * node:crypto calls). Tests check every level against chain/proof's `buildTileTree`.
 *
 * Product j's (n/8)² tiles are a whole subtree of the tile tree (tile counts are powers of two,
 * geometry.ts), so each product's leaves and the levels above them up to the product's own root
 * are hashed as soon as the product is known (`hashProductLeaves`, `hashProductLevels`: on the
 * leaf worker while the engine computes the next product, proveChallenge.ts); only the log2(m)
 * levels above the products' roots wait for the last product (`hashUpperLevels`).
 * @module
 */
import { HASH_BYTES, TILE_DIM, type TileTree } from "../chain/proof/index.ts";
import { createTileSha256, type TileSha256 } from "./tileSha256.ts";

let kernel: TileSha256 | undefined;
const tileSha256 = (): TileSha256 => {
  kernel ??= createTileSha256();
  return kernel;
};

/**
 * Leaf hashes of tiles [fromTile, toTile) of product `c` (an n×n int32 row-major C_j), written at
 * their global positions in `leaves` (tile index = j·(n/8)² + tileRow·(n/8) + tileCol).
 */
export function hashProductLeaves(
  n: number,
  c: Int32Array,
  j: number,
  leaves: Uint8Array,
  fromTile = 0,
  toTile = (n / TILE_DIM) ** 2,
): void {
  const base = j * (n / TILE_DIM) ** 2;
  tileSha256().leaves(n, c, fromTile, toTile, leaves, (base + fromTile) * HASH_BYTES);
}

function assertPowerOfTwo(leafCount: number): void {
  if (!Number.isSafeInteger(leafCount) || leafCount < 1 || (leafCount & (leafCount - 1)) !== 0) {
    throw new RangeError(`tile tree: leaf count must be a power of two, got ${leafCount}`);
  }
}

/**
 * Empty levels of a tree over `leafCount` leaves (a power of two): level h holds leafCount/2^h
 * hashes; level 0 is `leaves` when given.
 */
export function treeLevels(leafCount: number, leaves?: Uint8Array): Uint8Array[] {
  assertPowerOfTwo(leafCount);
  const levels: Uint8Array[] = [leaves ?? new Uint8Array(leafCount * HASH_BYTES)];
  for (let count = leafCount / 2; count >= 1; count /= 2) levels.push(new Uint8Array(count * HASH_BYTES));
  return levels;
}

/**
 * The levels of one product's subtree packed in one buffer (level h, (n/8)²/2^h hashes, right after
 * level h − 1): what the leaf worker hands back in one transfer. Views of `buffer` when given.
 */
export function subtreeLevels(perMatrix: number, buffer?: ArrayBuffer): Uint8Array[] {
  assertPowerOfTwo(perMatrix);
  const sizes: number[] = [];
  for (let count = perMatrix; count >= 1; count /= 2) sizes.push(count * HASH_BYTES);
  const total = sizes.reduce((s, x) => s + x, 0);
  const buf = buffer ?? new ArrayBuffer(total);
  if (buf.byteLength !== total)
    throw new RangeError(`subtree of ${perMatrix} leaves: ${buf.byteLength} ≠ ${total} bytes`);
  let off = 0;
  return sizes.map((size) => {
    const view = new Uint8Array(buf, off, size);
    off += size;
    return view;
  });
}

/**
 * Levels 1 … log2(perMatrix) of product j's subtree, from its leaves in levels[0]: node i of level
 * h (global index) covers product j when j·perMatrix/2^h ≤ i < (j+1)·perMatrix/2^h.
 */
export function hashProductLevels(levels: readonly Uint8Array[], j: number, perMatrix: number): void {
  const k = tileSha256();
  for (let h = 1, count = perMatrix / 2; count >= 1; h++, count /= 2) {
    const below = levels[h - 1];
    const level = levels[h];
    if (below === undefined || level === undefined) throw new RangeError(`tile tree: no level ${h}`);
    k.nodes(
      below.subarray(2 * j * count * HASH_BYTES, 2 * (j + 1) * count * HASH_BYTES),
      level.subarray(j * count * HASH_BYTES, (j + 1) * count * HASH_BYTES),
    );
  }
}

/** Copies product j's packed subtree (`subtreeLevels`) into the whole tree's levels. */
export function placeProductSubtree(
  levels: readonly Uint8Array[],
  j: number,
  subtree: readonly Uint8Array[],
): void {
  for (const [h, part] of subtree.entries()) {
    const level = levels[h];
    if (level === undefined || (j + 1) * part.length > level.length)
      throw new RangeError(`tile tree: level ${h} too small`);
    level.set(part, j * part.length);
  }
}

/** Hashes every level above `fromLevel` from the one below it; returns the tree. */
export function hashUpperLevels(levels: Uint8Array[], fromLevel: number): TileTree {
  const k = tileSha256();
  for (let h = fromLevel + 1; h < levels.length; h++) k.nodes(levels[h - 1]!, levels[h]!);
  return { depth: levels.length - 1, levels, root: levels[levels.length - 1]! };
}

/** The tile tree over `leafHashes` (a power of two of them), inner nodes hashed in batches. */
export function buildTileTreeBatched(leafHashes: Uint8Array): TileTree {
  const count = leafHashes.length / HASH_BYTES;
  if (!Number.isInteger(count))
    throw new RangeError(`buildTileTree: ${leafHashes.length} bytes of leaf hashes`);
  return hashUpperLevels(treeLevels(count, leafHashes), 0);
}
