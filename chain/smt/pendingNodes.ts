/**
 * The new nodes of one tree update (phase 1 creates them, phase 2 hashes them), as records in one
 * growable typed buffer addressed by index. A 5,000-change block creates ~34,000 nodes; a JS object
 * or a Uint8Array view per node cost more in allocation and GC than the hashing itself.
 *
 * Record i, at `i * PENDING_REC_BYTES` in `recs` (4-aligned, for wordCopy.ts):
 *   [0..32)    node hash (filled by `hashAll`)
 *   [32..97)   preimage: 0x00 ‖ key ‖ valueHash (leaf) or 0x01 ‖ left ‖ right (internal)
 *   [97..105)  birth stamp, always zero here: the node's stored value is [32..105), preimage ‖
 *              stamp, and the store writes the block number into the stamp (README "Storage")
 *   [105..108) padding
 * @module
 */

import { MAX_SLOTS, sha256Slots, slotOffset } from "./sha256Batch.ts";
import { SMT_INTERNAL_TAG, SMT_LEAF_TAG } from "./smtHash.ts";
import { copyHash, copyPreimage, type Words, words } from "./wordCopy.ts";

export const PENDING_REC_BYTES = 108;
/** Offsets in a record: hash, preimage (the node's KV value starts there), and the preimage's two halves. */
export const REC_HASH = 0;
export const REC_PRE = 32;
const REC_A = REC_PRE + 1;
const REC_B = REC_PRE + 33;

/** Child refs besides pending indexes (>= 0): an empty subtree, or an existing node's hash. */
export const REF_EMPTY = -1;
export const REF_KNOWN = -2;

const INITIAL_CAPACITY = 1024;

/** The kernel's memory never grows, so this view stays valid. */
const kernelMem = words(sha256Slots.mem);

export class PendingNodes {
  /** Number of records. */
  count = 0;
  recs: Words = words(new Uint8Array(INITIAL_CAPACITY * PENDING_REC_BYTES));
  /** Pending children (-1: none, the preimage holds the hash); height 0 for a leaf. */
  private left = new Int32Array(INITIAL_CAPACITY);
  private right = new Int32Array(INITIAL_CAPACITY);
  private height = new Int32Array(INITIAL_CAPACITY);
  /** The node's slot in the cache's positional region (SmtNodeCache), or -1 (too deep, or unknown). */
  pos = new Int32Array(INITIAL_CAPACITY);
  /** Scratch for hashAll's counting sort. */
  private order = new Int32Array(INITIAL_CAPACITY);

  /** Drops every record. */
  reset(): void {
    this.count = 0;
  }

  /** A new leaf; returns its index. */
  leaf(key: Uint8Array, valueHash: Uint8Array): number {
    const i = this.add(-1, -1, 0);
    // A leaf's depth is known only once the compact rule has moved it up: the tree sets it then.
    this.pos[i] = -1;
    const r = i * PENDING_REC_BYTES;
    const recs = this.recs.u8;
    recs[r + REC_PRE] = SMT_LEAF_TAG;
    for (let j = 0; j < 32; j++) recs[r + REC_A + j] = key[j]!;
    for (let j = 0; j < 32; j++) recs[r + REC_B + j] = valueHash[j]!;
    return i;
  }

  /**
   * A new internal node over two refs; returns its index. A REF_KNOWN child's hash is read now
   * from `known` at `lOff` / `rOff`; a pending child's is filled in by hashAll. `pos`: its slot in
   * the cache's positional region, or -1.
   */
  internal(lRef: number, rRef: number, known: Words, lOff: number, rOff: number, pos: number): number {
    const lh = lRef >= 0 ? this.height[lRef]! : -1;
    const rh = rRef >= 0 ? this.height[rRef]! : -1;
    const i = this.add(lRef >= 0 ? lRef : -1, rRef >= 0 ? rRef : -1, Math.max(lh, rh) + 1);
    this.pos[i] = pos;
    const r = i * PENDING_REC_BYTES;
    this.recs.u8[r + REC_PRE] = SMT_INTERNAL_TAG;
    this.setChild(r + REC_A, lRef, known, lOff);
    this.setChild(r + REC_B, rRef, known, rOff);
    return i;
  }

  /**
   * Hashes every record, in order of height (a node's pending children are all lower), up to
   * MAX_SLOTS per kernel call, filling in pending children's hashes on the way up.
   */
  hashAll(): void {
    const start = this.sortByHeight();
    for (let h = 0; h + 1 < start.length; h++) {
      const end = start[h + 1]!;
      for (let from = start[h]!; from < end; from += MAX_SLOTS)
        this.hashBatch(from, Math.min(MAX_SLOTS, end - from));
    }
  }

  /**
   * hashAll in steps: after each kernel call it asks `stop()` and pauses (yields) when it says
   * so. Nothing is left in the kernel's memory across a pause, so other trees may hash meanwhile;
   * these records must not change until it is done.
   */
  *hashAllSteps(stop: () => boolean): Generator<void, void, void> {
    const start = this.sortByHeight();
    for (let h = 0; h + 1 < start.length; h++) {
      const end = start[h + 1]!;
      for (let from = start[h]!; from < end; from += MAX_SLOTS) {
        this.hashBatch(from, Math.min(MAX_SLOTS, end - from));
        if (stop()) yield;
      }
    }
  }

  /**
   * Counting sort of the records by height into `order`; returns where each height starts in it
   * (start[h] .. start[h+1]), one entry past the greatest height.
   */
  private sortByHeight(): Int32Array {
    const n = this.count;
    const height = this.height;
    let maxH = 0;
    for (let i = 0; i < n; i++) if (height[i]! > maxH) maxH = height[i]!;
    const start = new Int32Array(maxH + 2);
    for (let i = 0; i < n; i++) start[height[i]! + 1]!++;
    for (let h = 1; h <= maxH + 1; h++) start[h]! += start[h - 1]!;
    const fill = start.slice(0, maxH + 1);
    const order = this.order;
    for (let i = 0; i < n; i++) order[fill[height[i]!]!++] = i;
    return start;
  }

  /** Hashes records order[from .. from+count) in one kernel call, their pending children's hashes filled in first. */
  private hashBatch(from: number, count: number): void {
    const order = this.order;
    const recs = this.recs;
    for (let j = 0; j < count; j++) {
      const id = order[from + j]!;
      const r = id * PENDING_REC_BYTES;
      const l = this.left[id]!;
      const rr = this.right[id]!;
      if (l >= 0) copyHash(recs, l * PENDING_REC_BYTES + REC_HASH, recs, r + REC_A);
      if (rr >= 0) copyHash(recs, rr * PENDING_REC_BYTES + REC_HASH, recs, r + REC_B);
      copyPreimage(recs, r + REC_PRE, kernelMem, slotOffset(j));
    }
    sha256Slots.hash(count);
    for (let j = 0; j < count; j++) {
      copyHash(kernelMem, slotOffset(j), recs, order[from + j]! * PENDING_REC_BYTES + REC_HASH);
    }
  }

  private setChild(at: number, ref: number, known: Words, off: number): void {
    if (ref === REF_KNOWN) copyHash(known, off, this.recs, at);
    // The buffer is reused across updates: an empty child must be zeroed explicitly.
    else if (ref === REF_EMPTY) this.recs.u8.fill(0, at, at + 32);
  }

  private add(l: number, r: number, h: number): number {
    const i = this.count;
    if (i === this.left.length) this.grow();
    this.left[i] = l;
    this.right[i] = r;
    this.height[i] = h;
    this.count = i + 1;
    return i;
  }

  private grow(): void {
    const cap = this.left.length * 2;
    const recs = new Uint8Array(cap * PENDING_REC_BYTES);
    recs.set(this.recs.u8);
    this.recs = words(recs);
    this.left = grown(this.left, cap);
    this.right = grown(this.right, cap);
    this.height = grown(this.height, cap);
    this.pos = grown(this.pos, cap);
    this.order = new Int32Array(cap);
  }
}

function grown(a: Int32Array, cap: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(cap);
  b.set(a);
  return b;
}
