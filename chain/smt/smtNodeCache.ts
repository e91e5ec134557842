/**
 * A bounded cache of SMT node records, keyed by node hash. Direct-mapped: a node evicts whatever
 * sat in its slot, so lookups and inserts are O(1) with no bookkeeping. Content-addressed entries
 * never go stale (a hash always names the same preimage), so one cache can serve every tree
 * instance of a process, across blocks: create one and pass it in SmtOpts.cache.
 * @module
 */

/** Default log2 slot count: 2^20 slots; at most ~1M records of ~180 B each when full. */
export const SMT_CACHE_DEFAULT_BITS = 20;

export class SmtNodeCache {
  private readonly slots: (Uint8Array | undefined)[];
  private readonly mask: number;

  /** `bits`: log2 of the slot count, 0..24 (0 keeps one slot, in effect no cache). */
  constructor(bits: number = SMT_CACHE_DEFAULT_BITS) {
    if (!Number.isInteger(bits) || bits < 0 || bits > 24) {
      throw new RangeError(`SmtNodeCache: bits must be an integer in 0..24, got ${bits}`);
    }
    this.slots = new Array<Uint8Array | undefined>(1 << bits);
    this.mask = (1 << bits) - 1;
  }

  /**
   * The record whose hash is `h` (records hold the hash at bytes 1..32, see sparseMerkleTree.ts),
   * or undefined.
   */
  get(h: Uint8Array): Uint8Array | undefined {
    const rec = this.slots[slotOf(h, 0) & this.mask];
    if (rec === undefined) return undefined;
    for (let i = 0; i < 32; i++) if (rec[1 + i] !== h[i]) return undefined;
    return rec;
  }

  set(rec: Uint8Array): void {
    this.slots[slotOf(rec, 1) & this.mask] = rec;
  }

  clear(): void {
    this.slots.fill(undefined);
  }
}

/** Slot from a hash's first 4 bytes at `off` (hashes are uniform: no further mixing). */
function slotOf(b: Uint8Array, off: number): number {
  return (b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!;
}
