/**
 * The store's cache of decoded blocks: least-recently-used, bounded by bytes AND by count. A count
 * alone is no bound on memory: blocks go up to `maxBlockBytes` (8 MiB), so 512 of them could hold
 * 4 GiB. Each entry is charged the bytes it was stored as (block, receipts and senders: the record
 * in level), which its decoded form keeps alive (decoded fields are views over those bytes), plus
 * the decoded objects' overhead ({@link blockRecordCost}).
 * @module
 */

export interface BlockCacheLimits {
  /** Most bytes charged to cached blocks together. */
  maxBytes: number;
  /** Most blocks cached. */
  maxBlocks: number;
}

/** 64 MiB: eight blocks of the largest size (8 MiB), or the last 512 small ones. */
export const DEFAULT_BLOCK_CACHE: Readonly<BlockCacheLimits> = { maxBytes: 64 * 1024 * 1024, maxBlocks: 512 };

/**
 * What one cached block is charged: its stored record's bytes plus 1 KiB per tx for the decoded
 * objects around them (a decoded transfer costs ~0.9 KiB of heap beyond its bytes, measured on
 * Node 20; its receipt a little more), so a block of many tiny txs is not undercharged.
 */
export function blockRecordCost(recordBytes: number, txCount: number): number {
  return recordBytes + txCount * 1024;
}

export class BlockCache<V> {
  /** Insertion order is recency order: the first entry is the least recently used. */
  private readonly entries = new Map<bigint, { value: V; bytes: number }>();
  private total = 0;

  constructor(readonly limits: Readonly<BlockCacheLimits> = DEFAULT_BLOCK_CACHE) {}

  /** Bytes charged to the cached blocks. */
  get bytes(): number {
    return this.total;
  }

  /** Number of cached blocks. */
  get size(): number {
    return this.entries.size;
  }

  has(number: bigint): boolean {
    return this.entries.has(number);
  }

  /** The cached block, made the most recently used. */
  get(number: bigint): V | undefined {
    const e = this.entries.get(number);
    if (!e) return undefined;
    this.entries.delete(number);
    this.entries.set(number, e);
    return e.value;
  }

  /**
   * Caches `value` as charged `bytes`, evicting the least recently used until both bounds hold. A
   * block bigger than the whole byte bound is not cached at all (reads decode it from level).
   */
  set(number: bigint, value: V, bytes: number): void {
    this.delete(number);
    if (bytes > this.limits.maxBytes || this.limits.maxBlocks < 1) return;
    this.entries.set(number, { value, bytes });
    this.total += bytes;
    for (const [n, e] of this.entries) {
      if (this.total <= this.limits.maxBytes && this.entries.size <= this.limits.maxBlocks) break;
      this.entries.delete(n);
      this.total -= e.bytes;
    }
  }

  delete(number: bigint): void {
    const e = this.entries.get(number);
    if (!e) return;
    this.entries.delete(number);
    this.total -= e.bytes;
  }
}
