/**
 * The prover's fast path for the commitment's hashing (the definitions are chain/proof's:
 * leaf = sha256(0x00 ‖ tile), node = sha256(0x01 ‖ left ‖ right)).
 *
 * - Leaves are hashed per product (`hashProductLeaves`), over a range of its tiles, so the prover
 *   can hash product j while the engine computes product j+1 (proveChallenge.ts).
 * - Inner nodes are 65-byte messages, exactly what the batched WASM SIMD sha256 of the state tree
 *   hashes (chain/smt/sha256Batch.ts: ~0.2 µs a node against ~1 µs for a node:crypto call); the
 *   2^18 nodes of a devnet challenge drop from ~0.3 s to well under 0.1 s. Tests check every root
 *   against chain/proof's `buildTileTree`.
 * @module
 */
import {
  HASH_BYTES,
  leafHash,
  TILE_BYTES,
  TILE_DIM,
  TILE_ENTRIES,
  type TileTree,
} from "../chain/proof/index.ts";
import {
  createSha256SlotKernel,
  MAX_SLOTS,
  type Sha256SlotKernel,
  slotOffset,
} from "../chain/smt/sha256Batch.ts";

let kernel: Sha256SlotKernel | undefined;

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

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
  const side = n / TILE_DIM;
  const base = j * side * side;
  const words = new Int32Array(TILE_ENTRIES);
  const tile = new Uint8Array(words.buffer);
  const dv = new DataView(words.buffer);
  for (let t = fromTile; t < toTile; t++) {
    const tileRow = Math.floor(t / side);
    const tileCol = t - tileRow * side;
    let src = tileRow * TILE_DIM * n + tileCol * TILE_DIM;
    let dst = 0;
    for (let r = 0; r < TILE_DIM; r++) {
      if (LITTLE_ENDIAN) words.set(c.subarray(src, src + TILE_DIM), dst);
      else for (let x = 0; x < TILE_DIM; x++) dv.setInt32((dst + x) * 4, c[src + x]!, true);
      src += n;
      dst += TILE_DIM;
    }
    leaves.set(leafHash(tile.subarray(0, TILE_BYTES)), (base + t) * HASH_BYTES);
  }
}

/** The tile tree over `leafHashes` (a power of two of them), inner nodes hashed in batches. */
export function buildTileTreeBatched(leafHashes: Uint8Array): TileTree {
  const count = leafHashes.length / HASH_BYTES;
  if (!Number.isInteger(count) || count < 1 || (count & (count - 1)) !== 0) {
    throw new RangeError(`buildTileTree: leaf count must be a power of two, got ${count}`);
  }
  kernel ??= createSha256SlotKernel();
  const k = kernel;
  const levels: Uint8Array[] = [leafHashes];
  let cur = leafHashes;
  while (cur.length > HASH_BYTES) {
    const half = cur.length / (2 * HASH_BYTES);
    const next = new Uint8Array(half * HASH_BYTES);
    for (let start = 0; start < half; start += MAX_SLOTS) {
      const batch = Math.min(MAX_SLOTS, half - start);
      for (let s = 0; s < batch; s++) {
        const off = slotOffset(s);
        const i = start + s;
        k.mem[off] = 0x01;
        k.mem.set(cur.subarray(2 * i * HASH_BYTES, (2 * i + 2) * HASH_BYTES), off + 1);
      }
      k.hash(batch);
      for (let s = 0; s < batch; s++) {
        const off = slotOffset(s);
        next.set(k.mem.subarray(off, off + HASH_BYTES), (start + s) * HASH_BYTES);
      }
    }
    levels.push(next);
    cur = next;
  }
  return { depth: levels.length - 1, levels, root: cur };
}
