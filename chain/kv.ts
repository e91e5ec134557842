/**
 * The key-value port the chain core reads and writes state through. Reads are synchronous
 * (level's `getSync` or memory), so the state transition stays synchronous and deterministic.
 * Writes go into an overlay; the node commits the overlay's ops as one atomic batch per block.
 * @module
 */

/** Synchronous reads. Keys and values are raw bytes. */
export interface KvReader {
  get(key: Uint8Array): Uint8Array | undefined;
}

export type KvOp = { type: "put"; key: Uint8Array; value: Uint8Array } | { type: "del"; key: Uint8Array };

export interface KvStore extends KvReader {
  put(key: Uint8Array, value: Uint8Array): void;
  del(key: Uint8Array): void;
}

/** Map key for bytes: a latin1 string (one char per byte) is cheap to build and compare. */
export function kvKey(key: Uint8Array): string {
  return String.fromCharCode.apply(null, key as unknown as number[]);
}

export function kvKeyToBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** In-memory store: tests, benchmarks and the overlay's base in memory-only runs. */
export class MemoryKv implements KvStore {
  readonly map = new Map<string, Uint8Array>();
  get(key: Uint8Array): Uint8Array | undefined {
    return this.map.get(kvKey(key));
  }
  put(key: Uint8Array, value: Uint8Array): void {
    this.map.set(kvKey(key), value);
  }
  del(key: Uint8Array): void {
    this.map.delete(kvKey(key));
  }
  apply(ops: Iterable<KvOp>): void {
    for (const op of ops) {
      if (op.type === "put") this.put(op.key, op.value);
      else this.del(op.key);
    }
  }
  get size(): number {
    return this.map.size;
  }
}

const DELETED = new Uint8Array(0);

/**
 * Buffers writes over a base reader. `ops()` lists the net changes (last write wins), in
 * insertion order, for one atomic batch; `discard()` drops them (a block that failed).
 */
export class OverlayKv implements KvStore {
  private readonly writes = new Map<string, Uint8Array>();
  constructor(readonly base: KvReader) {}
  get(key: Uint8Array): Uint8Array | undefined {
    const w = this.writes.get(kvKey(key));
    if (w !== undefined) return w === DELETED ? undefined : w;
    return this.base.get(key);
  }
  put(key: Uint8Array, value: Uint8Array): void {
    this.writes.set(kvKey(key), value);
  }
  del(key: Uint8Array): void {
    this.writes.set(kvKey(key), DELETED);
  }
  ops(): KvOp[] {
    const out: KvOp[] = [];
    for (const [k, v] of this.writes) {
      const key = kvKeyToBytes(k);
      out.push(v === DELETED ? { type: "del", key } : { type: "put", key, value: v });
    }
    return out;
  }
  get size(): number {
    return this.writes.size;
  }
  discard(): void {
    this.writes.clear();
  }
}
