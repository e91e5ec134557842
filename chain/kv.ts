/**
 * The key-value port the chain core reads and writes state through. Reads are synchronous
 * (level's `getSync` or memory), so the state transition stays synchronous and deterministic.
 * Writes go into an overlay; the node commits the overlay's ops as one atomic batch per block.
 * @module
 */

/**
 * Synchronous reads. Keys and values are raw bytes. Implementations do not keep `key` past the
 * call, in reads and writes alike: callers may reuse one key buffer (the SMT does, per node).
 */
export interface KvReader {
  get(key: Uint8Array): Uint8Array | undefined;
}

export type KvOp = { type: "put"; key: Uint8Array; value: Uint8Array } | { type: "del"; key: Uint8Array };

export interface KvStore extends KvReader {
  /** Keeps `value` itself (no copy): callers must not modify it afterwards. */
  put(key: Uint8Array, value: Uint8Array): void;
  del(key: Uint8Array): void;
}

import { BytesMap } from "./bytesMap.ts";

const fromCharCode = String.fromCharCode;

/** Map key for bytes: a latin1 string (one char per byte) is cheap to build and compare. */
export function kvKey(k: Uint8Array): string {
  // Fixed-arity calls for the hot lengths, SMT node keys (prefix ‖ hash, 33) and hashes (32):
  // V8 spreads a Uint8Array into `apply` through a slow generic path (~2x slower per key).
  if (k.length === 33) {
    // biome-ignore format: one argument per byte, kept compact
    return fromCharCode(k[0]!, k[1]!, k[2]!, k[3]!, k[4]!, k[5]!, k[6]!, k[7]!, k[8]!, k[9]!, k[10]!,
      k[11]!, k[12]!, k[13]!, k[14]!, k[15]!, k[16]!, k[17]!, k[18]!, k[19]!, k[20]!, k[21]!, k[22]!,
      k[23]!, k[24]!, k[25]!, k[26]!, k[27]!, k[28]!, k[29]!, k[30]!, k[31]!, k[32]!);
  }
  if (k.length === 32) {
    // biome-ignore format: one argument per byte, kept compact
    return fromCharCode(k[0]!, k[1]!, k[2]!, k[3]!, k[4]!, k[5]!, k[6]!, k[7]!, k[8]!, k[9]!, k[10]!,
      k[11]!, k[12]!, k[13]!, k[14]!, k[15]!, k[16]!, k[17]!, k[18]!, k[19]!, k[20]!, k[21]!, k[22]!,
      k[23]!, k[24]!, k[25]!, k[26]!, k[27]!, k[28]!, k[29]!, k[30]!, k[31]!);
  }
  return fromCharCode.apply(null, k as unknown as number[]);
}

/** In-memory store: tests, benchmarks and the overlay's base in memory-only runs. */
export class MemoryKv implements KvStore {
  private readonly entries = new BytesMap<Uint8Array>();
  get(key: Uint8Array): Uint8Array | undefined {
    return this.entries.get(key);
  }
  put(key: Uint8Array, value: Uint8Array): void {
    this.entries.set(key, value);
  }
  del(key: Uint8Array): void {
    this.entries.delete(key);
  }
  apply(ops: Iterable<KvOp>): void {
    for (const op of ops) {
      if (op.type === "put") this.put(op.key, op.value);
      else this.del(op.key);
    }
  }
  get size(): number {
    return this.entries.size;
  }
  /**
   * The contents keyed by kvKey strings, in insertion order, for inspection in tests. A snapshot:
   * writing to it does not reach the store.
   */
  get map(): Map<string, Uint8Array> {
    const out = new Map<string, Uint8Array>();
    for (const [k, v] of this.entries.entries()) out.set(kvKey(k), v);
    return out;
  }
}

const DELETED = new Uint8Array(0);

/**
 * Entries an overlay makes room for up front: the size of the last one listed, as the next block
 * is most likely alike. Capped, so that a large genesis does not size every block after it.
 */
let overlaySizeHint = 0;
const OVERLAY_SIZE_HINT_MAX = 1 << 16;

/**
 * Buffers writes over a base reader. `ops()` lists the net changes (last write wins), in
 * insertion order, for one atomic batch; `discard()` drops them (a block that failed).
 *
 * The writes live in a BytesMap (keys copied into one arena, no string per key): a block writes
 * ~10^4 keys, mostly SMT nodes, and a Map keyed by latin1 strings cost a string and a hash-table
 * entry each (~13% of `ChainCore.check` in bench/stf.ts's profile). Keys that senders influence: `untrustedKeys` (bytesMap.ts).
 */
export class OverlayKv implements KvStore {
  private writes = new BytesMap<Uint8Array>({ expected: overlaySizeHint, untrustedKeys: true });
  constructor(readonly base: KvReader) {}
  get(key: Uint8Array): Uint8Array | undefined {
    const w = this.writes.get(key);
    if (w !== undefined) return w === DELETED ? undefined : w;
    return this.base.get(key);
  }
  put(key: Uint8Array, value: Uint8Array): void {
    this.writes.set(key, value);
  }
  del(key: Uint8Array): void {
    this.writes.set(key, DELETED);
  }
  ops(): KvOp[] {
    overlaySizeHint = Math.min(this.writes.size, OVERLAY_SIZE_HINT_MAX);
    const out: KvOp[] = [];
    this.writes.forEach((v, key) => {
      out.push(v === DELETED ? { type: "del", key } : { type: "put", key, value: v });
    });
    return out;
  }
  get size(): number {
    return this.writes.size;
  }
  discard(): void {
    this.writes = new BytesMap<Uint8Array>({ expected: overlaySizeHint, untrustedKeys: true });
  }
}
