/**
 * The state commitment: a binary sparse Merkle tree over 32-byte keys, in compact form (a subtree
 * with one leaf is that leaf), stored content-addressed in the KvStore port. Rules and layouts:
 * chain/smt/README.md; hashing: smtHash.ts; proofs: smtProof.ts.
 * @module
 */
import { bytesToHex } from "../bytes.ts";
import { RollupError } from "../errors.ts";
import { type KvStore, kvKey } from "../kv.ts";
import { MAX_SLOTS, sha256Slots, slotOffset } from "./sha256Batch.ts";
import {
  commonPrefixBits,
  isEmptyHash,
  keyBit,
  SMT_EMPTY_ROOT,
  SMT_INTERNAL_TAG,
  SMT_LEAF_TAG,
  SMT_NODE_BYTES,
} from "./smtHash.ts";
import { SmtNodeCache } from "./smtNodeCache.ts";
import type { SmtProof } from "./smtProof.ts";

export interface SmtChange {
  /** 32 bytes; callers hash their own keys. */
  key: Uint8Array;
  /** 32 bytes; callers hash their own values. `null` deletes the key. */
  valueHash: Uint8Array | null;
}

export interface SmtOpts {
  /**
   * First byte of every node's storage key: `prefix ‖ nodeHash(32) -> preimage(65)`. Default 0x02,
   * the state tree's (KV_PREFIX.SMT_STATE in chain/state/keys.ts, listed in store/prefixes.ts).
   */
  prefix?: number;
  /**
   * Node cache. Default: a small private one (2^16 slots), which only helps a tree instance that
   * lives across blocks. A node should create one `new SmtNodeCache()` (2^20 slots) for the process
   * and pass it to every tree it creates, including trees re-created per block.
   */
  cache?: SmtNodeCache;
}

export const SMT_DEFAULT_PREFIX = 0x02;
const PRIVATE_CACHE_BITS = 16;

/*
 * In-memory node record, 98 bytes: the storage key and value back to back, so one allocation
 * serves the KV write, the cache and the parent's reference to the hash.
 *   [0]       storage prefix
 *   [1..33)   node hash
 *   [33..98)  preimage: 0x00 ‖ key ‖ valueHash (leaf) or 0x01 ‖ left ‖ right (internal)
 */
const REC_BYTES = 1 + 32 + SMT_NODE_BYTES;
const P = 33; // preimage offset
const A = P + 1; // leaf key / left child
const B = P + 33; // leaf valueHash / right child

// Kinds of the node a recursive call returned (through `this.kind`: no tuple per node).
const EMPTY = 0;
const LEAF = 1;
const INTERNAL = 2;
const UNKNOWN = 3;
// Refs returned by the recursion besides pending indexes (>= 0).
const REF_EMPTY = -1;
const REF_KNOWN = -2;
const EMPTY_HASH = new Uint8Array(32);

// Records are carved out of shared slabs: V8 allocates typed arrays over 64 bytes off-heap, and
// one such allocation per node (plus the GC of their backing stores) cost more than the hashing.
// A slab lives while any of its records is referenced (KvStore, overlay, cache).
const SLAB_RECORDS = 64;
const SLAB_BYTES = SLAB_RECORDS * REC_BYTES;

export class SparseMerkleTree {
  private readonly kv: KvStore;
  private readonly prefix: number;
  private rootHash: Uint8Array;
  private readonly cache: SmtNodeCache;
  /** Reused key buffer for reads: KvReader.get does not keep the key. */
  private readonly readKey = new Uint8Array(33);
  /** Kind of the node the last recursive call returned. */
  private kind = EMPTY;
  private slab = new ArrayBuffer(0);
  private slabOff = 0;
  /** Side channel of the recursion: the hash behind REF_KNOWN. */
  private known: Uint8Array = EMPTY_HASH;
  /** Nodes created by the running update, not yet hashed; children as pending indexes or -1. */
  private readonly pending: Uint8Array[] = [];
  private readonly pendLeft: number[] = [];
  private readonly pendRight: number[] = [];
  /** 0 for a leaf, else 1 + the highest pending child (-1 when none). */
  private readonly pendHeight: number[] = [];

  constructor(kv: KvStore, root?: Uint8Array, opts?: SmtOpts) {
    const prefix = opts?.prefix ?? SMT_DEFAULT_PREFIX;
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > 255) {
      throw new RollupError("SMT_INVALID_ARGUMENT", `smt: prefix must be a byte, got ${prefix}`);
    }
    this.kv = kv;
    this.prefix = prefix;
    this.readKey[0] = prefix;
    this.cache = opts?.cache ?? new SmtNodeCache(PRIVATE_CACHE_BITS);
    this.rootHash = root === undefined ? SMT_EMPTY_ROOT.slice() : checkHash(root, "root").slice();
  }

  /** The current root (a copy). 32 zero bytes for the empty tree. */
  get root(): Uint8Array {
    return this.rootHash.slice();
  }

  /**
   * Moves the tree to another stored root without writing anything: for rolling back after the
   * caller discarded the KV writes of a failed block, or for reopening at a known root.
   */
  setRoot(root: Uint8Array): void {
    this.rootHash = checkHash(root, "root").slice();
  }

  /**
   * Applies a batch (one per block) and returns the new root. A `null` valueHash deletes; deleting
   * an absent key is a no-op; when a key appears twice, the last change wins. New nodes are written
   * to the KvStore; nothing is deleted (older roots stay provable).
   */
  update(changes: readonly SmtChange[]): Uint8Array {
    if (changes.length === 0) return this.root;
    // Dedupe (last wins) and sort by key. Latin1 strings compare in byte order, and V8 sorts
    // them much faster than a byte-compare callback.
    const last = new Map<string, number>();
    for (let i = 0; i < changes.length; i++) {
      const c = changes[i]!;
      checkHash(c.key, "key");
      if (c.valueHash !== null) checkHash(c.valueHash, "valueHash");
      last.set(kvKey(c.key), i);
    }
    const order = Array.from(last.keys()).sort();
    const keys: Uint8Array[] = new Array(order.length);
    const vals: (Uint8Array | null)[] = new Array(order.length);
    for (let i = 0; i < order.length; i++) {
      const c = changes[last.get(order[i]!)!]!;
      keys[i] = c.key;
      vals[i] = c.valueHash;
    }
    let next: Uint8Array;
    try {
      const ref = this.updateNode(this.rootHash, 0, keys, vals, 0, keys.length);
      next =
        ref >= 0 ? this.hashPending(ref) : ref === REF_EMPTY ? SMT_EMPTY_ROOT.slice() : this.known.slice();
    } finally {
      this.pending.length = 0;
      this.pendLeft.length = 0;
      this.pendRight.length = 0;
      this.pendHeight.length = 0;
      this.known = EMPTY_HASH;
    }
    this.rootHash = next;
    return next.slice();
  }

  /** The value hash stored under `key` at the current root (or at `root`), or undefined. */
  get(key: Uint8Array, root?: Uint8Array): Uint8Array | undefined {
    checkHash(key, "key");
    let h = root === undefined ? this.rootHash : checkHash(root, "root");
    for (let d = 0; ; d++) {
      if (isEmptyHash(h)) return undefined;
      const rec = this.load(h);
      if (rec[P] === SMT_LEAF_TAG) return sameKey(rec, key) ? rec.slice(B, B + 32) : undefined;
      h = keyBit(key, d) === 0 ? rec.subarray(A, A + 32) : rec.subarray(B, B + 32);
    }
  }

  /**
   * An inclusion proof when `key` is present at the current root (or at `root`, which must still
   * be stored), an exclusion proof otherwise. Check it with verifySmtProof.
   */
  prove(key: Uint8Array, root?: Uint8Array): SmtProof {
    checkHash(key, "key");
    const siblings: Uint8Array[] = [];
    let h = root === undefined ? this.rootHash : checkHash(root, "root");
    for (let d = 0; ; d++) {
      if (isEmptyHash(h)) return { siblings };
      const rec = this.load(h);
      if (rec[P] === SMT_LEAF_TAG) {
        if (sameKey(rec, key)) return { siblings };
        return { siblings, leaf: { key: rec.slice(A, A + 32), valueHash: rec.slice(B, B + 32) } };
      }
      if (keyBit(key, d) === 0) {
        siblings.push(rec.slice(B, B + 32));
        h = rec.subarray(A, A + 32);
      } else {
        siblings.push(rec.slice(A, A + 32));
        h = rec.subarray(B, B + 32);
      }
    }
  }

  // --- update: phase 1, the new tree's shape ---------------------------------------------------
  // keys[lo..hi) are sorted, distinct, and share their first `d` bits (the path to node `h`).
  // Each function returns a ref: a pending (new, not yet hashed) node's index, REF_EMPTY, or
  // REF_KNOWN with the hash of an existing node in `this.known`; and its kind in `this.kind`.
  // Hashing waits for phase 2, so that nodes can be hashed many at a time.

  private updateNode(
    h: Uint8Array,
    d: number,
    keys: Uint8Array[],
    vals: (Uint8Array | null)[],
    lo: number,
    hi: number,
  ): number {
    if (isEmptyHash(h)) return this.build(d, keys, vals, lo, hi);
    const rec = this.load(h);
    if (rec[P] === SMT_LEAF_TAG) return this.updateLeaf(h, rec, d, keys, vals, lo, hi);
    const m = splitAt(keys, d, lo, hi);
    let lRef: number;
    let lKnown: Uint8Array;
    let lk: number;
    if (m > lo) {
      lRef = this.updateNode(rec.subarray(A, A + 32), d + 1, keys, vals, lo, m);
      lKnown = this.known;
      lk = this.kind;
    } else {
      lKnown = rec.subarray(A, A + 32);
      lRef = isEmptyHash(lKnown) ? REF_EMPTY : REF_KNOWN;
      lk = lRef === REF_EMPTY ? EMPTY : UNKNOWN;
    }
    let rRef: number;
    let rKnown: Uint8Array;
    let rk: number;
    if (hi > m) {
      rRef = this.updateNode(rec.subarray(B, B + 32), d + 1, keys, vals, m, hi);
      rKnown = this.known;
      rk = this.kind;
    } else {
      rKnown = rec.subarray(B, B + 32);
      rRef = isEmptyHash(rKnown) ? REF_EMPTY : REF_KNOWN;
      rk = rRef === REF_EMPTY ? EMPTY : UNKNOWN;
    }
    return this.join(lRef, lKnown, lk, rRef, rKnown, rk);
  }

  /** Changes landing on an existing leaf: the subtree becomes (changes ∪ that leaf). */
  private updateLeaf(
    h: Uint8Array,
    rec: Uint8Array,
    d: number,
    keys: Uint8Array[],
    vals: (Uint8Array | null)[],
    lo: number,
    hi: number,
  ): number {
    if (hi - lo === 1) {
      // The common case in a block: one change below this leaf.
      const key = keys[lo]!;
      const val = vals[lo]!;
      if (sameKey(rec, key)) {
        if (val === null) return this.empty();
        this.kind = LEAF;
        return sameValue(rec, val) ? this.knownRef(h) : this.newLeaf(key, val);
      }
      if (val === null) {
        this.kind = LEAF;
        return this.knownRef(h);
      }
      // An insert next to a lone leaf: the two leaves split at their first differing bit `p`,
      // under a chain of one-child internal nodes from depth p-1 up to d.
      const fresh = this.newLeaf(key, val);
      const p = commonPrefixBits(rec.subarray(A, A + 32), key);
      let node =
        keyBit(key, p) === 0
          ? this.newInternal(fresh, EMPTY_HASH, REF_KNOWN, h)
          : this.newInternal(REF_KNOWN, h, fresh, EMPTY_HASH);
      for (let i = p - 1; i >= d; i--) {
        node =
          keyBit(key, i) === 0
            ? this.newInternal(node, EMPTY_HASH, REF_EMPTY, EMPTY_HASH)
            : this.newInternal(REF_EMPTY, EMPTY_HASH, node, EMPTY_HASH);
      }
      this.kind = INTERNAL;
      return node;
    }
    // General case: merge the leaf into the sorted slice (unless a change overrides it) and
    // rebuild the subtree. Re-creates the old leaf's node (one extra hash); rare in practice.
    const leafKey = rec.subarray(A, A + 32);
    const mk: Uint8Array[] = [];
    const mv: (Uint8Array | null)[] = [];
    let placed = false;
    for (let i = lo; i < hi; i++) {
      const k = keys[i]!;
      if (!placed) {
        const c = compareKey(rec, k);
        if (c <= 0) {
          placed = true;
          if (c < 0) {
            mk.push(leafKey);
            mv.push(rec.subarray(B, B + 32));
          }
        }
      }
      mk.push(k);
      mv.push(vals[i]!);
    }
    if (!placed) {
      mk.push(leafKey);
      mv.push(rec.subarray(B, B + 32));
    }
    return this.build(d, mk, mv, 0, mk.length);
  }

  /** A subtree from scratch out of the non-null entries of keys[lo..hi). */
  private build(d: number, keys: Uint8Array[], vals: (Uint8Array | null)[], lo: number, hi: number): number {
    if (hi - lo <= 1) {
      const v = hi === lo ? null : vals[lo]!;
      if (v === null) return this.empty();
      this.kind = LEAF;
      return this.newLeaf(keys[lo]!, v);
    }
    const m = splitAt(keys, d, lo, hi);
    const lRef = this.build(d + 1, keys, vals, lo, m);
    const lk = this.kind;
    const rRef = this.build(d + 1, keys, vals, m, hi);
    return this.join(lRef, EMPTY_HASH, lk, rRef, EMPTY_HASH, this.kind);
  }

  /** The node over two children, applying the compact rule (a lone leaf moves up). */
  private join(
    lRef: number,
    lKnown: Uint8Array,
    lk: number,
    rRef: number,
    rKnown: Uint8Array,
    rk: number,
  ): number {
    if (lRef === REF_EMPTY) {
      if (rRef === REF_EMPTY) return this.empty();
      if (rk === LEAF || (rk === UNKNOWN && this.load(rKnown)[P] === SMT_LEAF_TAG)) {
        this.kind = LEAF;
        this.known = rKnown;
        return rRef;
      }
    } else if (
      rRef === REF_EMPTY &&
      (lk === LEAF || (lk === UNKNOWN && this.load(lKnown)[P] === SMT_LEAF_TAG))
    ) {
      this.kind = LEAF;
      this.known = lKnown;
      return lRef;
    }
    this.kind = INTERNAL;
    return this.newInternal(lRef, lKnown, rRef, rKnown);
  }

  private empty(): number {
    this.kind = EMPTY;
    return REF_EMPTY;
  }

  private knownRef(h: Uint8Array): number {
    this.known = h;
    return REF_KNOWN;
  }

  private newLeaf(key: Uint8Array, valueHash: Uint8Array): number {
    const rec = this.alloc();
    rec[P] = SMT_LEAF_TAG;
    rec.set(key, A);
    rec.set(valueHash, B);
    this.pending.push(rec);
    this.pendLeft.push(-1);
    this.pendRight.push(-1);
    this.pendHeight.push(0);
    return this.pending.length - 1;
  }

  /** A new internal node; a pending child's hash is filled in phase 2, a known one now. */
  private newInternal(lRef: number, lKnown: Uint8Array, rRef: number, rKnown: Uint8Array): number {
    const rec = this.alloc();
    rec[P] = SMT_INTERNAL_TAG;
    // Slab memory starts zeroed, so an empty child needs no write.
    if (lRef === REF_KNOWN) rec.set(lKnown, A);
    if (rRef === REF_KNOWN) rec.set(rKnown, B);
    const lh = lRef >= 0 ? this.pendHeight[lRef]! : -1;
    const rh = rRef >= 0 ? this.pendHeight[rRef]! : -1;
    this.pending.push(rec);
    this.pendLeft.push(lRef >= 0 ? lRef : -1);
    this.pendRight.push(rRef >= 0 ? rRef : -1);
    this.pendHeight.push(Math.max(lh, rh) + 1);
    return this.pending.length - 1;
  }

  // --- update: phase 2, hashing and writing ---------------------------------------------------

  /**
   * Hashes the pending nodes in order of height (a node's pending children are all lower), many
   * per kernel call, then writes and caches them. Returns the hash of pending node `rootRef`.
   */
  private hashPending(rootRef: number): Uint8Array {
    const n = this.pending.length;
    // Counting sort of the pending nodes by height.
    let maxH = 0;
    for (let i = 0; i < n; i++) if (this.pendHeight[i]! > maxH) maxH = this.pendHeight[i]!;
    const start = new Int32Array(maxH + 2);
    for (let i = 0; i < n; i++) start[this.pendHeight[i]! + 1]!++;
    for (let h = 1; h <= maxH + 1; h++) start[h]! += start[h - 1]!;
    const order = new Int32Array(n);
    const fill = start.slice(0, maxH + 1);
    for (let i = 0; i < n; i++) order[fill[this.pendHeight[i]!]!++] = i;

    const k = sha256Slots;
    const mem = k.mem;
    const pending = this.pending;
    for (let h = 0; h <= maxH; h++) {
      const end = start[h + 1]!;
      for (let from = start[h]!; from < end; from += MAX_SLOTS) {
        const count = Math.min(MAX_SLOTS, end - from);
        // Byte loops rather than set(subarray(...)): no view allocated per node.
        for (let j = 0; j < count; j++) {
          const id = order[from + j]!;
          const rec = pending[id]!;
          const l = this.pendLeft[id]!;
          const r = this.pendRight[id]!;
          if (l >= 0) copy32(pending[l]!, 1, rec, A);
          if (r >= 0) copy32(pending[r]!, 1, rec, B);
          const off = slotOffset(j);
          mem[off] = rec[P]!;
          copy32(rec, A, mem, off + 1);
          copy32(rec, B, mem, off + 33);
        }
        k.hash(count);
        for (let j = 0; j < count; j++) copy32(mem, slotOffset(j), pending[order[from + j]!]!, 1);
      }
    }
    const prefix = this.prefix;
    for (let i = 0; i < n; i++) {
      const rec = pending[i]!;
      rec[0] = prefix;
      this.kv.put(rec.subarray(0, P), rec.subarray(P));
      this.cache.set(rec);
    }
    return this.pending[rootRef]!.slice(1, P);
  }

  private alloc(): Uint8Array {
    if (this.slabOff === this.slab.byteLength) {
      this.slab = new ArrayBuffer(SLAB_BYTES);
      this.slabOff = 0;
    }
    const rec = new Uint8Array(this.slab, this.slabOff, REC_BYTES);
    this.slabOff += REC_BYTES;
    return rec;
  }

  /** The record of a non-empty node: from the cache, else from the KvStore (then cached). */
  private load(h: Uint8Array): Uint8Array {
    const hit = this.cache.get(h);
    if (hit !== undefined) return hit;
    this.readKey.set(h, 1);
    const value = this.kv.get(this.readKey);
    if (value === undefined) {
      throw new RollupError("SMT_MISSING_NODE", `smt: node ${bytesToHex(h)} is not stored`, {
        hash: bytesToHex(h),
      });
    }
    if (value.length !== SMT_NODE_BYTES || value[0]! > SMT_INTERNAL_TAG) {
      throw new RollupError("SMT_CORRUPT_NODE", `smt: node ${bytesToHex(h)} has a malformed preimage`, {
        hash: bytesToHex(h),
        length: value.length,
      });
    }
    const rec = this.alloc();
    rec[0] = this.prefix;
    rec.set(h, 1);
    rec.set(value, P);
    this.cache.set(rec);
    return rec;
  }
}

function checkHash(b: Uint8Array, what: string): Uint8Array {
  if (!(b instanceof Uint8Array) || b.length !== 32) {
    throw new RollupError("SMT_INVALID_ARGUMENT", `smt: ${what} must be 32 bytes`, { what });
  }
  return b;
}

/**
 * First index in [lo, hi) whose bit `d` is 1. The keys are sorted and share bits 0..d-1, so bit
 * `d` goes 0...0 1...1 over the slice: binary search.
 */
function splitAt(keys: Uint8Array[], d: number, lo: number, hi: number): number {
  const byte = d >> 3;
  const mask = 0x80 >> (d & 7);
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]![byte]! & mask) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function sameKey(rec: Uint8Array, key: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) if (rec[A + i] !== key[i]) return false;
  return true;
}

function sameValue(rec: Uint8Array, valueHash: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) if (rec[B + i] !== valueHash[i]) return false;
  return true;
}

function copy32(src: Uint8Array, from: number, dst: Uint8Array, to: number): void {
  for (let i = 0; i < 32; i++) dst[to + i] = src[from + i]!;
}

/** Byte order of a leaf record's key against `key`. */
function compareKey(rec: Uint8Array, key: Uint8Array): number {
  for (let i = 0; i < 32; i++) {
    const x = rec[A + i]! - key[i]!;
    if (x !== 0) return x;
  }
  return 0;
}
