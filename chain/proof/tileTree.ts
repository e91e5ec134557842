/**
 * The tile tree and its multiproofs (PROTOCOL §3).
 *
 *   leaf(t)       = sha256(0x00 ‖ tile_t)            (tile_t: 256 bytes, see geometry.ts)
 *   node(l, r)    = sha256(0x01 ‖ l ‖ r)
 * A perfect binary tree over the T = m·(n/8)² leaves in tile-index order: level 0 holds the leaf
 * hashes, level h+1 index i = node(level h index 2i, level h index 2i+1), level log2(T) is the root.
 * The 0x00/0x01 prefixes keep a leaf from ever parsing as an inner node (second-preimage safety).
 *
 * Multiproof for a set S of leaf indexes (canonical order):
 *   K_0 = S, distinct, ascending.
 *   for h = 0 … depth−1:
 *     for each i in K_h, ascending:
 *       if i is even and i+1 ∈ K_h: both children known; i+1 is consumed with i (skip it)
 *       else: emit the hash of the sibling i XOR 1 at level h (32 bytes)
 *     K_{h+1} = { ⌊i/2⌋ : i ∈ K_h }, ascending
 * The proof is the emitted hashes concatenated: level by level from the leaves up, ascending index
 * within a level. Its length is fixed by S and the depth alone (`multiproofSize`), so a verifier
 * rejects any proof of another length before hashing anything.
 * @module
 */
import { sha256 } from "../hash.ts";
import { HASH_BYTES, TILE_BYTES } from "./geometry.ts";

// Scratch buffers for the prefixed hash inputs; chain/ is single-threaded per isolate, and each
// call copies its output out of the returned digest before the next call.
const leafInput = new Uint8Array(1 + TILE_BYTES); // [0] stays 0x00
const nodeInput = new Uint8Array(1 + 2 * HASH_BYTES);
nodeInput[0] = 0x01;

/** sha256(0x00 ‖ tile). */
export function leafHash(tile: Uint8Array): Uint8Array {
  if (tile.length !== TILE_BYTES) throw new RangeError(`leafHash: tile must be ${TILE_BYTES} bytes`);
  leafInput.set(tile, 1);
  return sha256(leafInput);
}

/** sha256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  nodeInput.set(left, 1);
  nodeInput.set(right, 1 + HASH_BYTES);
  return sha256(nodeInput);
}

/**
 * A whole tile tree: `levels[0]` = the leaf hashes (32 bytes each, concatenated), `levels[h]` the
 * 2^(depth−h) hashes of level h, `levels[depth]` = the 32-byte root.
 */
export interface TileTree {
  readonly depth: number;
  readonly levels: readonly Uint8Array[];
  readonly root: Uint8Array;
}

/** Builds every level above the given leaf hashes (their count must be a power of two). */
export function buildTileTree(leafHashes: Uint8Array): TileTree {
  const count = leafHashes.length / HASH_BYTES;
  if (!Number.isInteger(count) || count < 1 || (count & (count - 1)) !== 0) {
    throw new RangeError(`buildTileTree: leaf count must be a power of two, got ${count}`);
  }
  const levels: Uint8Array[] = [leafHashes];
  let cur = leafHashes;
  while (cur.length > HASH_BYTES) {
    const half = cur.length / (2 * HASH_BYTES);
    const next = new Uint8Array(half * HASH_BYTES);
    for (let i = 0; i < half; i++) {
      // node input = 0x01 ‖ cur[2i] ‖ cur[2i+1]: the two children are adjacent, one 64-byte copy.
      nodeInput.set(cur.subarray(2 * i * HASH_BYTES, (2 * i + 2) * HASH_BYTES), 1);
      next.set(sha256(nodeInput), i * HASH_BYTES);
    }
    levels.push(next);
    cur = next;
  }
  return { depth: levels.length - 1, levels, root: cur };
}

/** Hash of node `index` at level `level`. */
export function treeNode(tree: TileTree, level: number, index: number): Uint8Array {
  const l = tree.levels[level];
  if (l === undefined || index < 0 || (index + 1) * HASH_BYTES > l.length) {
    throw new RangeError(`treeNode: no node ${index} at level ${level}`);
  }
  return l.subarray(index * HASH_BYTES, (index + 1) * HASH_BYTES);
}

function checkLeafIndexes(leafIndexes: readonly number[], depth: number): void {
  const leaves = 2 ** depth;
  for (let t = 0; t < leafIndexes.length; t++) {
    const i = leafIndexes[t]!;
    if (!Number.isSafeInteger(i) || i < 0 || i >= leaves)
      throw new RangeError(`leaf index ${i} out of range`);
    if (t > 0 && i <= leafIndexes[t - 1]!)
      throw new RangeError("leaf indexes must be ascending and distinct");
  }
}

/**
 * Walks the canonical multiproof order for ascending distinct leaf indexes, calling `sibling(level,
 * index)` for each hash the proof carries, in proof order. Returns the number of hashes.
 */
function walkMultiproof(
  leafIndexes: readonly number[],
  depth: number,
  sibling?: (level: number, index: number) => void,
): number {
  let known = leafIndexes.slice();
  let count = 0;
  for (let h = 0; h < depth; h++) {
    const next: number[] = [];
    for (let t = 0; t < known.length; t++) {
      const i = known[t]!;
      if (i % 2 === 0 && known[t + 1] === i + 1) t++;
      else {
        sibling?.(h, i % 2 === 0 ? i + 1 : i - 1);
        count++;
      }
      next.push(Math.floor(i / 2));
    }
    known = next;
  }
  return count;
}

/** Number of 32-byte hashes in the multiproof of these leaves (ascending, distinct). */
export function multiproofSize(leafIndexes: readonly number[], depth: number): number {
  checkLeafIndexes(leafIndexes, depth);
  return walkMultiproof(leafIndexes, depth);
}

/** The canonical multiproof (see module doc) of ascending distinct `leafIndexes` in `tree`. */
export function buildMultiproof(tree: TileTree, leafIndexes: readonly number[]): Uint8Array {
  checkLeafIndexes(leafIndexes, tree.depth);
  const size = walkMultiproof(leafIndexes, tree.depth);
  const proof = new Uint8Array(size * HASH_BYTES);
  let p = 0;
  walkMultiproof(leafIndexes, tree.depth, (level, index) => {
    proof.set(treeNode(tree, level, index), p);
    p += HASH_BYTES;
  });
  return proof;
}

/**
 * The root implied by leaf hashes at ascending distinct `leafIndexes` and a canonical multiproof,
 * or a string saying why the proof cannot be used (wrong length). The caller compares the root.
 */
export function rootFromMultiproof(
  leafIndexes: readonly number[],
  leafHashes: readonly Uint8Array[],
  proof: Uint8Array,
  depth: number,
): Uint8Array | string {
  if (leafIndexes.length === 0) return "no leaves";
  if (leafHashes.length !== leafIndexes.length) return "one leaf hash per index expected";
  checkLeafIndexes(leafIndexes, depth);
  const expected = walkMultiproof(leafIndexes, depth);
  if (proof.length !== expected * HASH_BYTES) {
    return `proof must be ${expected * HASH_BYTES} bytes (${expected} hashes), got ${proof.length}`;
  }
  let known = leafIndexes.slice();
  let hashes = leafHashes.slice();
  let p = 0;
  for (let h = 0; h < depth; h++) {
    const nextIdx: number[] = [];
    const nextHashes: Uint8Array[] = [];
    for (let t = 0; t < known.length; t++) {
      const i = known[t]!;
      const self = hashes[t]!;
      let parent: Uint8Array;
      if (i % 2 === 0 && known[t + 1] === i + 1) {
        parent = nodeHash(self, hashes[t + 1]!);
        t++;
      } else {
        const sib = proof.subarray(p, p + HASH_BYTES);
        p += HASH_BYTES;
        parent = i % 2 === 0 ? nodeHash(self, sib) : nodeHash(sib, self);
      }
      nextIdx.push(Math.floor(i / 2));
      nextHashes.push(parent);
    }
    known = nextIdx;
    hashes = nextHashes;
  }
  return hashes[0]!;
}
