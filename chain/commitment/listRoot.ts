/**
 * Binary Merkle root over a list of 32-byte hashes (block tx root and receipts root):
 * leaf = sha256(0x00 ‖ item), node = sha256(0x01 ‖ left ‖ right), an odd node at a level is
 * paired with 32 zero bytes, the empty list has the zero root. The count is mixed in at the top,
 * root = sha256(0x02 ‖ u64be count ‖ 32 zero bytes ‖ tree) (73 bytes: the zero bytes have been in
 * every root since genesis, so they are consensus), so lists of different lengths never share a
 * root.
 *
 * A block has thousands of items, so nothing here is one node:crypto call per hash: the leaves (33
 * bytes) go through the one-block batch kernel (sha256Short.ts), the nodes (65-byte preimages, the
 * SMT's shape) through the SMT's batch kernel a level at a time, MAX_SLOTS per call; only the top
 * stays on node:crypto.
 * @module
 */
import { ZERO_HASH } from "../bytes.ts";
import { sha256 } from "../hash.ts";
import { MAX_SLOTS, sha256Slots, slotOffset } from "../smt/sha256Batch.ts";
import { NO_PREFIX, sha256Each, sha256EachItem } from "./sha256Short.ts";

const LEAF = 0x00;
const top = new Uint8Array(73);
const topView = new DataView(top.buffer);

/** The root over `items` (32 bytes each): the tx root over tx hashes. */
export function listRoot(items: readonly Uint8Array[]): Uint8Array {
  const n = items.length;
  if (n === 0) return ZERO_HASH;
  // Level hashes back to back, leaves first; each level overwrites the start of the one below.
  const level = new Uint8Array(n * 32);
  sha256Each(items, LEAF, level);
  return treeRoot(level, n);
}

/**
 * listRoot over sha256 of each message (the receipts root over encoded receipts), without a
 * node:crypto call per message.
 */
export function hashedListRoot(messages: readonly Uint8Array[]): Uint8Array {
  const n = messages.length;
  if (n === 0) return ZERO_HASH;
  const level = new Uint8Array(n * 32);
  sha256Each(messages, NO_PREFIX, level);
  sha256EachItem(level, n, LEAF, level);
  return treeRoot(level, n);
}

function treeRoot(level: Uint8Array, n: number): Uint8Array {
  let width = n;
  while (width > 1) {
    const parents = (width + 1) >> 1;
    for (let first = 0; first < parents; first += MAX_SLOTS) {
      // Node j reads children 2j and 2j+1, which its batch has loaded before node j is written.
      hashNodes(level, first, Math.min(MAX_SLOTS, parents - first), width);
    }
    width = parents;
  }
  top[0] = 2;
  topView.setBigUint64(1, BigInt(n)); // bytes 9..40 stay zero
  top.set(level.subarray(0, 32), 41);
  return sha256(top);
}

/** Nodes first..first+count-1 of the level above `width` children in `level`, written in place. */
function hashNodes(level: Uint8Array, first: number, count: number, width: number): void {
  const { mem } = sha256Slots;
  // Byte loops, not subarray + set: a subarray view costs more than copying 64 bytes.
  for (let s = 0; s < count; s++) {
    const off = slotOffset(s);
    const from = 64 * (first + s);
    const bytes = 2 * (first + s) + 1 < width ? 64 : 32;
    mem[off] = 1;
    for (let b = 0; b < bytes; b++) mem[off + 1 + b] = level[from + b]!;
    for (let b = bytes; b < 64; b++) mem[off + 1 + b] = 0;
  }
  sha256Slots.hash(count);
  for (let s = 0; s < count; s++) {
    const off = slotOffset(s);
    const to = 32 * (first + s);
    for (let b = 0; b < 32; b++) level[to + b] = mem[off + b]!;
  }
}
