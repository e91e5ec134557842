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
  /**
   * `put` for a content-addressed value (an SMT node: the key names the value's hash, so a key
   * never gets another value), which a store may file without indexing it until something reads
   * or writes a key that could be it. Optional: callers fall back to `put`.
   */
  putContent?(key: Uint8Array, value: Uint8Array): void;
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
 *
 * SMT nodes (`putContent`) skip the map: they are filed in a list, their keys packed in one
 * buffer, and go into the map only when a read or write meets a key with their first byte (the
 * tree's prefix), which keeps put's exact semantics. A block's tree update writes its nodes once,
 * after every read of that tree: the map never sees them (~8% of stf's check, hashing and probing
 * ~13 nodes per tx into a table nothing reads).
 */
export class OverlayKv implements KvStore {
  private writes: BytesMap<Uint8Array>;
  /** Filed content writes: keys (packed), values, and which first bytes they have. */
  private filedKeys = new Uint8Array(0);
  private filedEnd = 0;
  private filedLen: number[] = [];
  private filedVals: Uint8Array[] = [];
  private readonly filedPrefixes = new Uint8Array(256);
  /**
   * `expected`: entries to make room for up front; default the last listed overlay's size (the
   * next block is most likely alike). A head's read view (admission, RPC) passes 0: at ~5k-tx
   * blocks the hint is ~10^4 entries, a few MB zero-filled per head for a map hardly written.
   */
  constructor(
    readonly base: KvReader,
    opts?: { expected?: number },
  ) {
    this.writes = new BytesMap<Uint8Array>({
      expected: opts?.expected ?? overlaySizeHint,
      untrustedKeys: true,
    });
  }
  get(key: Uint8Array): Uint8Array | undefined {
    if (this.filedPrefixes[key[0]!] === 1) this.indexFiled();
    const w = this.writes.get(key);
    if (w !== undefined) return w === DELETED ? undefined : w;
    return this.base.get(key);
  }
  put(key: Uint8Array, value: Uint8Array): void {
    if (this.filedPrefixes[key[0]!] === 1) this.indexFiled();
    this.writes.set(key, value);
  }
  del(key: Uint8Array): void {
    if (this.filedPrefixes[key[0]!] === 1) this.indexFiled();
    this.writes.set(key, DELETED);
  }
  putContent(key: Uint8Array, value: Uint8Array): void {
    const n = key.length;
    if (n === 0) {
      this.put(key, value);
      return;
    }
    if (this.filedEnd + n > this.filedKeys.length) {
      const grown = new Uint8Array(Math.max(this.filedKeys.length * 2, this.filedEnd + n, 64 * 1024));
      grown.set(this.filedKeys.subarray(0, this.filedEnd));
      this.filedKeys = grown;
    }
    this.filedKeys.set(key, this.filedEnd);
    this.filedEnd += n;
    this.filedLen.push(n);
    this.filedVals.push(value);
    this.filedPrefixes[key[0]!] = 1;
  }
  ops(): KvOp[] {
    const out: KvOp[] = [];
    this.writes.forEach((v, key) => {
      out.push(v === DELETED ? { type: "del", key } : { type: "put", key, value: v });
    });
    // Filed writes after the map's: no key is in both (indexFiled), so the order between the two
    // groups changes nothing. Their keys are views of one copy of the packed buffer.
    const keys = this.filedKeys.slice(0, this.filedEnd);
    let at = 0;
    for (let i = 0; i < this.filedLen.length; i++) {
      const n = this.filedLen[i]!;
      out.push({ type: "put", key: keys.subarray(at, at + n), value: this.filedVals[i]! });
      at += n;
    }
    overlaySizeHint = Math.min(this.writes.size, OVERLAY_SIZE_HINT_MAX);
    return out;
  }
  get size(): number {
    return this.writes.size + this.filedLen.length;
  }
  discard(): void {
    this.writes = new BytesMap<Uint8Array>({ expected: overlaySizeHint, untrustedKeys: true });
    this.dropFiled();
  }

  /** Moves the filed writes into the map, in their order: from here on they are plain puts. */
  private indexFiled(): void {
    const keys = this.filedKeys;
    let at = 0;
    for (let i = 0; i < this.filedLen.length; i++) {
      const n = this.filedLen[i]!;
      this.writes.set(keys.subarray(at, at + n), this.filedVals[i]!);
      at += n;
    }
    this.dropFiled();
  }

  private dropFiled(): void {
    this.filedEnd = 0;
    this.filedLen = [];
    this.filedVals = [];
    this.filedPrefixes.fill(0);
  }
}
