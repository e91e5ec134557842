/**
 * Flat state records (prefix STATE_FLAT) as the database holds them, kept across heads. The chain
 * core makes a new StateDb per block and per head (its record cache lives one head), so without
 * this every sender's first read after a block went to LevelDB (`getSync`, a miss in the memtable
 * then a walk of the table files), in admission, the mempool's prune and sweep, and execution.
 *
 * Coherent with the database, never ahead of it nor behind it: {@link ChainStore} is the only
 * writer of flat state, and tells this cache after each batch that wrote some (`applied`, with the
 * batch's ops, once it is on disk) or that may have changed them in a way it does not list
 * (`clear`: a rewind, a failed write). A block that is built and never committed writes nothing
 * here (its ops live in its OverlayKv), so nothing of a dropped block is ever served. A read
 * during a write may be served the value before the write, as LevelDB itself may serve it; the
 * write's `applied` then sets every key it wrote.
 *
 * Values are shared, never copied: callers must not modify what `get` returns (the KvReader
 * contract MemoryKv already holds them to). Absence is cached too (fresh accounts are read before
 * their first write). Bounded by bytes and count; the oldest entries go first (a write or a miss
 * makes an entry the newest).
 * @module
 */
import { type KvOp, type KvReader, kvKey } from "../chain/kv.ts";
import { PREFIX } from "./prefixes.ts";

export interface StateRecordCacheLimits {
  /** Charged bytes at most: each entry costs its value's length + {@link ENTRY_OVERHEAD}. */
  maxBytes: number;
  maxEntries: number;
}

/** ~24 MiB, 128k records: every account of a busy chain, a few times what a block touches. */
export const DEFAULT_STATE_RECORD_CACHE: StateRecordCacheLimits = {
  maxBytes: 24 * 1024 * 1024,
  maxEntries: 1 << 17,
};

/** A Map entry, its key string (a flat key is 10–34 bytes) and the value view's object. */
const ENTRY_OVERHEAD = 160;
/** Records larger than this are read through, never held (a big deadline bucket, say). */
const MAX_VALUE_BYTES = 64 * 1024;
/** Cached absence. */
const ABSENT = null;

const fromCharCode = String.fromCharCode;

/**
 * The map key of a flat key, one char per byte. Fixed arity for the hot lengths (prefix, namespace
 * and an address or a u64 id): kvKey's generic path spreads through `apply`.
 */
function recordKey(k: Uint8Array): string {
  if (k.length === 22) {
    // biome-ignore format: one argument per byte, kept compact
    return fromCharCode(k[0]!, k[1]!, k[2]!, k[3]!, k[4]!, k[5]!, k[6]!, k[7]!, k[8]!, k[9]!, k[10]!,
      k[11]!, k[12]!, k[13]!, k[14]!, k[15]!, k[16]!, k[17]!, k[18]!, k[19]!, k[20]!, k[21]!);
  }
  if (k.length === 10)
    return fromCharCode(k[0]!, k[1]!, k[2]!, k[3]!, k[4]!, k[5]!, k[6]!, k[7]!, k[8]!, k[9]!);
  return kvKey(k);
}

export class StateRecordCache implements KvReader {
  private readonly entries = new Map<string, Uint8Array | typeof ABSENT>();
  private bytes = 0;

  constructor(
    private readonly db: KvReader,
    private readonly limits: StateRecordCacheLimits = DEFAULT_STATE_RECORD_CACHE,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: Uint8Array): Uint8Array | undefined {
    if (key[0] !== PREFIX.STATE_FLAT) return this.db.get(key);
    const k = recordKey(key);
    const hit = this.entries.get(k);
    if (hit !== undefined) return hit === ABSENT ? undefined : hit;
    const v = this.db.get(key);
    this.hold(k, v);
    return v;
  }

  /** A batch holding `ops` is on disk: its flat records are what the database now holds. */
  applied(ops: readonly KvOp[]): void {
    for (const op of ops) {
      if (op.key[0] !== PREFIX.STATE_FLAT) continue;
      const k = recordKey(op.key);
      this.drop(k);
      this.hold(k, op.type === "put" ? op.value : undefined);
    }
  }

  /** Forgets everything (the database changed in a way no op list describes). */
  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  private hold(k: string, v: Uint8Array | undefined): void {
    if (v !== undefined && v.length > MAX_VALUE_BYTES) return;
    this.entries.set(k, v ?? ABSENT);
    this.bytes += cost(v);
    if (this.bytes <= this.limits.maxBytes && this.entries.size <= this.limits.maxEntries) return;
    for (const old of this.entries.keys()) {
      this.drop(old);
      if (this.bytes <= this.limits.maxBytes && this.entries.size <= this.limits.maxEntries) return;
    }
  }

  private drop(k: string): void {
    const v = this.entries.get(k);
    if (v === undefined) return;
    this.entries.delete(k);
    this.bytes -= cost(v ?? undefined);
  }
}

function cost(v: Uint8Array | undefined): number {
  return ENTRY_OVERHEAD + (v?.length ?? 0);
}
