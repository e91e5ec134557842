/**
 * A bounded cache of SMT nodes, keyed by node hash. Direct-mapped: a node evicts whatever sat in
 * its slot, so lookups and inserts are O(1) with no bookkeeping. Content-addressed entries never go
 * stale (a hash always names the same preimage), so one cache can serve every tree instance of a
 * process, across blocks: create one and pass it in SmtOpts.cache.
 *
 * The slots live in one typed buffer, `hash(32) ‖ preimage(65) ‖ 3 bytes of padding` each (4-aligned,
 * for wordCopy.ts), and entries are copied in:
 * no JS object per node for the garbage collector to trace, and no cached view keeping a whole
 * block's node buffer alive. A lookup returns an offset into `mem`, valid until the next `put`.
 *
 * Besides the hash-indexed slots, a second region holds the tree's top by position: the node at
 * depth d ≤ `topDepth` whose path is the d-bit prefix p sits in slot 2^d − 1 + p (a heap layout:
 * a node's children are at 2·pos + 1 and 2·pos + 2). Why: a hash picks a random slot of 100 MiB,
 * so every load and every store of a node missed the CPU's caches and its TLB (in the stf
 * replay's profile, the first byte compared in `find` and the first word written in `putWords`
 * were ~10% of the CPU). A block's update walks its changes in key order, so at each depth the
 * positions it touches only go up, and the top's 2^17 slots (12.5 MiB) fit in the L3 cache.
 * Each block rewrites the top's nodes in place, so the region holds the current tree's top and
 * needs no eviction policy. A lookup by position still compares the hash: a slot that holds
 * another tree's node, or an older version, is a miss, never a wrong answer.
 *
 * Default-size caches (`new SmtNodeCache()`) all use the process's one buffer. The OS commits a
 * buffer's pages on first touch, and at 100 MiB that is the cost to avoid: ~25,600 page faults,
 * ~0.45 s of CPU on the 2-core dev VM (~17 µs per 4 KiB page), which a fresh cache per ChainCore
 * paid again in its first blocks (a quarter to a third of a replay's CPU in bench/stf.ts). Sharing
 * is safe for the same reason as sharing across trees: an entry is a function of its hash.
 * @module
 */

import { copyHash, copyPreimage, type Words, words } from "./wordCopy.ts";

/** Default log2 slot count: 2^20 slots of 100 bytes (100 MiB; pages are committed as slots fill). */
export const SMT_CACHE_DEFAULT_BITS = 20;

/** Default deepest level kept by position: depths 0..16, 2^17 − 1 slots (12.5 MiB). */
export const SMT_CACHE_TOP_DEPTH = 16;
const SLOT_BYTES = 100;

/** The default-size caches' slots, one buffer per process (module doc). Allocated on first use. */
let processSlots: Uint8Array | undefined;

export class SmtNodeCache {
  /** The slots. An all-zero slot is empty: no node hashes to zero. */
  readonly mem: Uint8Array;
  /** `mem` with its DataView, for wordCopy.ts. */
  readonly words: Words;
  private readonly mask: number;
  /** Deepest level of the positional region (module doc); -1: no such region. */
  readonly topDepth: number;
  /** Offset of slot 0 of the positional region in `mem`. */
  private readonly topBase: number;

  /**
   * `bits`: log2 of the slot count, 0..24 (0 keeps one slot, in effect no cache): a cache of its
   * own. Without `bits`: 2^SMT_CACHE_DEFAULT_BITS slots shared with every other default-size cache
   * of the process (module doc), so `clear()` empties them all.
   */
  constructor(bits?: number) {
    if (bits !== undefined && (!Number.isInteger(bits) || bits < 0 || bits > 24)) {
      throw new RangeError(`SmtNodeCache: bits must be an integer in 0..24, got ${bits}`);
    }
    // A sized cache keeps a top of depth bits − 4 (an eighth of its hash slots' count), and none
    // below 16 slots: a one-slot cache stays, in effect, no cache.
    const shared = bits === undefined;
    let top = SMT_CACHE_TOP_DEPTH;
    if (bits === undefined) bits = SMT_CACHE_DEFAULT_BITS;
    else top = bits >= 4 ? Math.min(SMT_CACHE_TOP_DEPTH, bits - 4) : -1;
    const bytes = SLOT_BYTES * ((1 << bits) + (2 ** (top + 1) - 1));
    if (shared) {
      processSlots ??= new Uint8Array(bytes);
      this.mem = processSlots;
    } else this.mem = new Uint8Array(bytes);
    this.words = words(this.mem);
    this.mask = (1 << bits) - 1;
    this.topDepth = top;
    this.topBase = SLOT_BYTES << bits;
  }

  /** Offset in `mem` of the preimage of the node whose hash is `h[off..off+32)`, or -1. */
  find(h: Uint8Array, off: number): number {
    return this.findIn(this.hashSlot(h, off), h, off);
  }

  /**
   * Caches the node with hash `h[hOff..hOff+32)` and preimage `pre[preOff..preOff+65)`; returns
   * the offset of the preimage's copy in `mem`.
   */
  put(h: Uint8Array, hOff: number, pre: Uint8Array, preOff: number): number {
    return this.putIn(this.hashSlot(h, hOff), h, hOff, pre, preOff);
  }

  /**
   * `put` for a node whose hash and preimage sit at `hashAt` and `preAt` of `src` (the update's
   * new nodes): word copies.
   */
  putWords(src: Words, hashAt: number, preAt: number): void {
    this.putWordsIn(this.hashSlot(src.u8, hashAt), src, hashAt, preAt);
  }

  /**
   * `find` in the positional region: slot `pos` (0 ≤ pos < 2^(topDepth+1) − 1; callers check
   * `topDepth`), if it holds the node whose hash is `h[off..off+32)`.
   */
  findAt(pos: number, h: Uint8Array, off: number): number {
    return this.findIn(this.topSlot(pos), h, off);
  }

  /** `put` into the positional region's slot `pos`. */
  putAt(pos: number, h: Uint8Array, hOff: number, pre: Uint8Array, preOff: number): number {
    return this.putIn(this.topSlot(pos), h, hOff, pre, preOff);
  }

  /** `putWords` into the positional region's slot `pos`. */
  putWordsAt(pos: number, src: Words, hashAt: number, preAt: number): void {
    this.putWordsIn(this.topSlot(pos), src, hashAt, preAt);
  }

  /** Copies the entry whose preimage is at `at` in `mem` into slot `pos`; returns its new offset. */
  copyToTop(pos: number, at: number): number {
    const s = this.topSlot(pos);
    if (s + 32 === at) return at;
    this.putWordsIn(s, this.words, at - 32, at);
    return s + 32;
  }

  // The slot's offset in `mem`, chosen by hash or by position; the rest is the same for both.

  private hashSlot(h: Uint8Array, off: number): number {
    return (slotOf(h, off) & this.mask) * SLOT_BYTES;
  }

  private topSlot(pos: number): number {
    return this.topBase + pos * SLOT_BYTES;
  }

  private findIn(s: number, h: Uint8Array, off: number): number {
    const mem = this.mem;
    for (let i = 0; i < 32; i++) if (mem[s + i] !== h[off + i]) return -1;
    return s + 32;
  }

  private putIn(s: number, h: Uint8Array, hOff: number, pre: Uint8Array, preOff: number): number {
    const mem = this.mem;
    for (let i = 0; i < 32; i++) mem[s + i] = h[hOff + i]!;
    for (let i = 0; i < 65; i++) mem[s + 32 + i] = pre[preOff + i]!;
    return s + 32;
  }

  private putWordsIn(s: number, src: Words, hashAt: number, preAt: number): void {
    copyHash(src, hashAt, this.words, s);
    copyPreimage(src, preAt, this.words, s + 32);
  }

  clear(): void {
    this.mem.fill(0);
  }
}

/** Slot from a hash's first 4 bytes at `off` (hashes are uniform: no further mixing). */
function slotOf(b: Uint8Array, off: number): number {
  return (b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!;
}
