/**
 * An insertion-ordered hash map from byte-string keys to values: MemoryKv's storage (kv.ts).
 *
 * Why not a JS Map keyed by latin1 strings: at a few 100k entries (an SMT benchmark writes ~34,000
 * nodes per block) each insert costs ~0.6 µs, a string allocated per key plus a chained bucket walk
 * that dereferences the other keys' strings (cache misses). Here the keys are copied into one byte
 * arena and found through an open-addressing table of entry indexes, each with the entry's hash
 * beside it: no object per key, and about one cache miss per lookup. ~0.15 µs per insert.
 *
 * The hash is not seeded (chain/ has no randomness). Linear probing (the default) is the fastest
 * in large tables (a collision's next slot is on the same cache line), but any key that lands in
 * a cluster makes it longer: keys ground to land near each other (~2^k / size tries each in a
 * table of 2^k slots) make operations linear. Fine for MemoryKv (tests, benchmarks). Maps over
 * keys that senders influence (a block's writes and records: OverlayKv, StateDb) pass
 * `untrustedKeys`: double hashing, the step taken from the hash's high 16 bits, so keys that
 * share a slot but not their step take different paths and no cluster forms out of slot
 * collisions alone: a chain of j probes needs j keys alike in k + 16 bits of their hash (~2^30
 * tries per key for a block's tables, when the keys are hash outputs such as node hashes and
 * addresses; the other keys, u64 ids, are assigned by the chain).
 * @module
 */

const MIN_CAPACITY = 16;

export class BytesMap<V> {
  /** Number of live entries (read-only outside). */
  size = 0;
  /** Entries, live and deleted, in insertion order; entry e's key is arena[keyAt[e], +keyLen[e]). */
  private count = 0;
  private arena: Uint8Array;
  private arenaEnd = 0;
  private keyAt: Int32Array;
  private keyLen: Int32Array;
  private hashOf: Int32Array;
  private dead: Uint8Array;
  private vals: (V | undefined)[] = [];
  /**
   * Open addressing (linear probing, or double hashing for untrusted keys: module doc), at most
   * half full. Slot s: [2s] entry index + 1 (0 when free), [2s+1] that entry's hash, so that a
   * probe rejects other keys without a second miss.
   */
  private table: Int32Array;
  private readonly untrustedKeys: boolean;

  /**
   * `expected`: the entries to make room for up front (each growth rehashes every entry and copies
   * the arrays; a block's writes would grow the map a dozen times from empty). `untrustedKeys`:
   * keys that senders influence (module doc).
   */
  constructor(opts: { expected?: number; untrustedKeys?: boolean } = {}) {
    const expected = opts.expected ?? 0;
    this.untrustedKeys = opts.untrustedKeys === true;
    let cap = MIN_CAPACITY;
    while (cap < expected + 1) cap *= 2;
    this.arena = new Uint8Array(cap * 32);
    this.keyAt = new Int32Array(cap);
    this.keyLen = new Int32Array(cap);
    this.hashOf = new Int32Array(cap);
    this.dead = new Uint8Array(cap);
    this.table = new Int32Array(cap * 4);
  }

  get(key: Uint8Array): V | undefined {
    const s = this.find(key, hashBytes(key));
    if (s < 0) return undefined;
    return this.vals[this.table[2 * s]! - 1];
  }

  /** Like Map.set: an existing key keeps its place in the order; a deleted one goes last. */
  set(key: Uint8Array, value: V): void {
    const h = hashBytes(key);
    let s = this.find(key, h);
    if (s >= 0 && this.dead[this.table[2 * s]! - 1] === 0) {
      this.vals[this.table[2 * s]! - 1] = value;
      return;
    }
    if (this.count + 1 > this.table.length / 4) {
      this.rebuild();
      s = this.find(key, h);
    }
    // A deleted key's entry gives its table slot to the new one.
    const at = 2 * (s >= 0 ? s : -s - 1);
    this.table[at] = this.append(key, h, value) + 1;
    this.table[at + 1] = h;
  }

  delete(key: Uint8Array): boolean {
    const s = this.find(key, hashBytes(key));
    if (s < 0) return false;
    const e = this.table[2 * s]! - 1;
    if (this.dead[e] === 1) return false;
    // The entry stays in the table (probe chains pass over it) until the next rebuild.
    this.dead[e] = 1;
    this.vals[e] = undefined;
    this.size--;
    return true;
  }

  /** Live entries in insertion order; each key is a fresh copy. */
  *entries(): IterableIterator<[Uint8Array, V]> {
    for (let e = 0; e < this.count; e++) {
      if (this.dead[e] === 1) continue;
      yield [this.arena.slice(this.keyAt[e]!, this.keyAt[e]! + this.keyLen[e]!), this.vals[e] as V];
    }
  }

  /**
   * Live entries in insertion order, without a [key, value] pair per entry. The keys are views of
   * one copy of the key arena made for this call (one buffer, not one per key: OverlayKv.ops()
   * hands a block's ~10^4 keys on), so they stay as they are whatever the map does next.
   */
  forEach(fn: (value: V, key: Uint8Array) => void): void {
    const keys = this.arena.slice(0, this.arenaEnd);
    for (let e = 0; e < this.count; e++) {
      if (this.dead[e] === 1) continue;
      fn(this.vals[e] as V, keys.subarray(this.keyAt[e]!, this.keyAt[e]! + this.keyLen[e]!));
    }
  }

  /**
   * The table slot of the entry (live or deleted) whose key is `key`, or -(free slot + 1) where
   * it would go.
   */
  private find(key: Uint8Array, h: number): number {
    const table = this.table;
    const mask = (table.length >> 1) - 1;
    const n = key.length;
    const step = this.untrustedKeys ? probeStep(h, mask) : 1;
    for (let s = h & mask; ; s = (s + step) & mask) {
      const e = table[2 * s]! - 1;
      if (e < 0) return -s - 1;
      if (table[2 * s + 1] !== h || this.keyLen[e] !== n) continue;
      const arena = this.arena;
      const at = this.keyAt[e]!;
      let i = 0;
      while (i < n && arena[at + i] === key[i]) i++;
      if (i === n) return s;
    }
  }

  /** A new entry. Room for it: the entry arrays hold half the slots, and set() rebuilds first. */
  private append(key: Uint8Array, h: number, value: V): number {
    const e = this.count;
    if (this.arenaEnd + key.length > this.arena.length) this.growArena(key.length);
    const at = this.arenaEnd;
    this.arena.set(key, at);
    this.arenaEnd = at + key.length;
    this.keyAt[e] = at;
    this.keyLen[e] = key.length;
    this.hashOf[e] = h;
    this.dead[e] = 0;
    this.vals[e] = value;
    this.count = e + 1;
    this.size++;
    return e;
  }

  /** Drops deleted entries, then rehashes into a table at most a quarter full. */
  private rebuild(): void {
    this.compact();
    let cap = MIN_CAPACITY * 2;
    while (cap < (this.count + 1) * 4) cap *= 2;
    if (cap / 2 > this.keyAt.length) {
      this.keyAt = grown(this.keyAt, cap / 2);
      this.keyLen = grown(this.keyLen, cap / 2);
      this.hashOf = grown(this.hashOf, cap / 2);
      this.dead = new Uint8Array(cap / 2);
    }
    const table = new Int32Array(cap * 2);
    const mask = cap - 1;
    for (let e = 0; e < this.count; e++) {
      const h = this.hashOf[e]!;
      const step = this.untrustedKeys ? probeStep(h, mask) : 1;
      let s = h & mask;
      while (table[2 * s] !== 0) s = (s + step) & mask;
      table[2 * s] = e + 1;
      table[2 * s + 1] = h;
    }
    this.table = table;
  }

  /** Moves the live entries down over the deleted ones, keeping their order. */
  private compact(): void {
    if (this.size === this.count) return;
    let n = 0;
    let end = 0;
    for (let e = 0; e < this.count; e++) {
      if (this.dead[e] === 1) continue;
      const at = this.keyAt[e]!;
      const len = this.keyLen[e]!;
      this.arena.copyWithin(end, at, at + len);
      this.keyAt[n] = end;
      this.keyLen[n] = len;
      this.hashOf[n] = this.hashOf[e]!;
      this.vals[n] = this.vals[e];
      end += len;
      n++;
    }
    this.dead.fill(0);
    this.vals.length = n;
    this.count = n;
    this.arenaEnd = end;
  }

  private growArena(need: number): void {
    const arena = new Uint8Array(Math.max(this.arena.length * 2, this.arenaEnd + need));
    arena.set(this.arena.subarray(0, this.arenaEnd));
    this.arena = arena;
  }
}

/**
 * The probe step of hash `h` in a table of mask + 1 slots (a power of two): odd, so that the
 * sequence visits every slot, and from the hash's high bits (module doc).
 */
function probeStep(h: number, mask: number): number {
  return ((h >>> 16) | 1) & mask;
}

/** 32-bit hash of the bytes, with MurmurHash3's mixing steps. */
function hashBytes(k: Uint8Array): number {
  const n = k.length;
  let h = 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    h ^= mix(k[i]! | (k[i + 1]! << 8) | (k[i + 2]! << 16) | (k[i + 3]! << 24));
    h = Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64;
  }
  let t = 0;
  for (let j = n - 1; j >= i; j--) t = (t << 8) | k[j]!;
  if (i < n) h ^= mix(t);
  h ^= n;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

function mix(w: number): number {
  const x = Math.imul(w, 0xcc9e2d51);
  return Math.imul((x << 15) | (x >>> 17), 0x1b873593);
}

function grown(a: Int32Array, cap: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(cap);
  b.set(a);
  return b;
}
