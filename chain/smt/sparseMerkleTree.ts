/**
 * The state commitment: a binary sparse Merkle tree over 32-byte keys, in compact form (a subtree
 * with one leaf is that leaf), stored content-addressed in the KvStore port. Rules and layouts:
 * chain/smt/README.md; hashing: smtHash.ts; proofs: smtProof.ts.
 * @module
 */
import { bytesToHex } from "../bytes.ts";
import { RollupError } from "../errors.ts";
import { type KvStore, kvKey } from "../kv.ts";
import {
  commonPrefixBits,
  isEmptyHash,
  keyBit,
  SMT_EMPTY_ROOT,
  SMT_INTERNAL_TAG,
  SMT_LEAF_TAG,
  SMT_NODE_BYTES,
  sha256Raw,
} from "./smtHash.ts";
import type { SmtProof } from "./smtProof.ts";

export interface SmtChange {
  /** 32 bytes; callers hash their own keys. */
  key: Uint8Array;
  /** 32 bytes; callers hash their own values. `null` deletes the key. */
  valueHash: Uint8Array | null;
}

export interface SmtOpts {
  /**
   * First byte of every node's storage key: `prefix ‖ nodeHash(32) -> preimage(65)`. Default 0x01,
   * the state tree's prefix in store/prefixes.ts (chain/ cannot import store/, so it is repeated).
   */
  prefix?: number;
  /**
   * log2 of the node cache's slot count (default 19: 524,288 slots, at most ~90 MB). 0 turns the
   * cache off. The cache is direct-mapped: a node evicts whatever sat in its slot.
   */
  cacheBits?: number;
}

export const SMT_DEFAULT_PREFIX = 0x01;

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

// Kinds returned by the recursion (through `this.kind`, to avoid allocating a tuple per node).
const EMPTY = 0;
const LEAF = 1;
const INTERNAL = 2;
const UNKNOWN = 3;

export class SparseMerkleTree {
  private readonly kv: KvStore;
  private readonly prefix: number;
  private rootHash: Uint8Array;
  private readonly cache: (Uint8Array | undefined)[];
  private readonly cacheMask: number;
  /** Reused key buffer for reads: KvReader.get does not keep the key. */
  private readonly readKey = new Uint8Array(33);
  /** Kind of the node the last recursive call returned. */
  private kind = EMPTY;

  constructor(kv: KvStore, root?: Uint8Array, opts?: SmtOpts) {
    const prefix = opts?.prefix ?? SMT_DEFAULT_PREFIX;
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > 255) {
      throw new RollupError("SMT_INVALID_ARGUMENT", `smt: prefix must be a byte, got ${prefix}`);
    }
    const cacheBits = opts?.cacheBits ?? 19;
    if (!Number.isInteger(cacheBits) || cacheBits < 0 || cacheBits > 24) {
      throw new RollupError("SMT_INVALID_ARGUMENT", `smt: cacheBits must be 0..24, got ${cacheBits}`);
    }
    this.kv = kv;
    this.prefix = prefix;
    this.readKey[0] = prefix;
    this.cache = cacheBits === 0 ? [] : new Array<Uint8Array | undefined>(1 << cacheBits);
    this.cacheMask = cacheBits === 0 ? -1 : (1 << cacheBits) - 1;
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
    const next = this.updateNode(this.rootHash, 0, keys, vals, 0, keys.length);
    this.rootHash = next.slice();
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

  // --- update recursion -------------------------------------------------------------------------
  // keys[lo..hi) are sorted, distinct, and share their first `d` bits (the path to node `h`).
  // Every function returns the new subtree's hash and leaves its kind in `this.kind`.

  private updateNode(
    h: Uint8Array,
    d: number,
    keys: Uint8Array[],
    vals: (Uint8Array | null)[],
    lo: number,
    hi: number,
  ): Uint8Array {
    if (isEmptyHash(h)) return this.build(d, keys, vals, lo, hi);
    const rec = this.load(h);
    if (rec[P] === SMT_LEAF_TAG) return this.updateLeaf(h, rec, d, keys, vals, lo, hi);
    const m = splitAt(keys, d, lo, hi);
    let left = rec.subarray(A, A + 32);
    let right = rec.subarray(B, B + 32);
    let lk = UNKNOWN;
    let rk = UNKNOWN;
    if (m > lo) {
      left = this.updateNode(left, d + 1, keys, vals, lo, m);
      lk = this.kind;
    }
    if (hi > m) {
      right = this.updateNode(right, d + 1, keys, vals, m, hi);
      rk = this.kind;
    }
    return this.join(left, lk, right, rk);
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
  ): Uint8Array {
    if (hi - lo === 1) {
      // The common case in a block: one change below this leaf.
      const key = keys[lo]!;
      const val = vals[lo]!;
      if (sameKey(rec, key)) {
        if (val === null) {
          this.kind = EMPTY;
          return SMT_EMPTY_ROOT;
        }
        this.kind = LEAF;
        return sameValue(rec, val) ? h : this.newLeaf(key, val);
      }
      this.kind = LEAF;
      if (val === null) return h;
      // An insert next to a lone leaf: the two leaves split at their first differing bit `p`,
      // under a chain of one-child internal nodes from depth p-1 up to d.
      const leafKey = rec.subarray(A, A + 32);
      const fresh = this.newLeaf(key, val);
      const p = commonPrefixBits(leafKey, key);
      let node = keyBit(key, p) === 0 ? this.newInternal(fresh, h) : this.newInternal(h, fresh);
      for (let i = p - 1; i >= d; i--) {
        node = keyBit(key, i) === 0 ? this.newInternal(node, SMT_EMPTY_ROOT) : this.newInternal(SMT_EMPTY_ROOT, node);
      }
      this.kind = INTERNAL;
      return node;
    }
    // General case: merge the leaf into the sorted slice (unless a change overrides it) and
    // rebuild the subtree. Costs one extra hash for the old leaf; rare in practice.
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
  private build(d: number, keys: Uint8Array[], vals: (Uint8Array | null)[], lo: number, hi: number): Uint8Array {
    if (hi - lo <= 1) {
      const v = hi === lo ? null : vals[lo]!;
      if (v === null) {
        this.kind = EMPTY;
        return SMT_EMPTY_ROOT;
      }
      this.kind = LEAF;
      return this.newLeaf(keys[lo]!, v);
    }
    const m = splitAt(keys, d, lo, hi);
    const left = this.build(d + 1, keys, vals, lo, m);
    const lk = this.kind;
    const right = this.build(d + 1, keys, vals, m, hi);
    return this.join(left, lk, right, this.kind);
  }

  /** The node over two children, applying the compact rule (a lone leaf moves up). */
  private join(left: Uint8Array, lk: number, right: Uint8Array, rk: number): Uint8Array {
    const lEmpty = lk === EMPTY || (lk === UNKNOWN && isEmptyHash(left));
    const rEmpty = rk === EMPTY || (rk === UNKNOWN && isEmptyHash(right));
    if (lEmpty) {
      if (rEmpty) {
        this.kind = EMPTY;
        return SMT_EMPTY_ROOT;
      }
      if (rk === LEAF || (rk === UNKNOWN && this.load(right)[P] === SMT_LEAF_TAG)) {
        this.kind = LEAF;
        return right;
      }
    } else if (rEmpty && (lk === LEAF || (lk === UNKNOWN && this.load(left)[P] === SMT_LEAF_TAG))) {
      this.kind = LEAF;
      return left;
    }
    this.kind = INTERNAL;
    return this.newInternal(left, right);
  }

  private newInternal(left: Uint8Array, right: Uint8Array): Uint8Array {
    const rec = new Uint8Array(REC_BYTES);
    rec[P] = SMT_INTERNAL_TAG;
    rec.set(left, A);
    rec.set(right, B);
    return this.store(rec);
  }

  private newLeaf(key: Uint8Array, valueHash: Uint8Array): Uint8Array {
    const rec = new Uint8Array(REC_BYTES);
    rec[P] = SMT_LEAF_TAG;
    rec.set(key, A);
    rec.set(valueHash, B);
    return this.store(rec);
  }

  /** Hashes a record's preimage, writes the node, caches it; returns a view of its hash. */
  private store(rec: Uint8Array): Uint8Array {
    rec[0] = this.prefix;
    rec.set(sha256Raw(rec.subarray(P)), 1);
    this.kv.put(rec.subarray(0, P), rec.subarray(P));
    const hash = rec.subarray(1, P);
    if (this.cacheMask >= 0) this.cache[slotOf(hash) & this.cacheMask] = rec;
    return hash;
  }

  /** The record of a non-empty node: from the cache, else from the KvStore (then cached). */
  private load(h: Uint8Array): Uint8Array {
    const slot = slotOf(h) & this.cacheMask;
    if (this.cacheMask >= 0) {
      const hit = this.cache[slot];
      if (hit !== undefined && sameHash(hit, h)) return hit;
    }
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
    const rec = new Uint8Array(REC_BYTES);
    rec[0] = this.prefix;
    rec.set(h, 1);
    rec.set(value, P);
    if (this.cacheMask >= 0) this.cache[slot] = rec;
    return rec;
  }
}

function checkHash(b: Uint8Array, what: string): Uint8Array {
  if (!(b instanceof Uint8Array) || b.length !== 32) {
    throw new RollupError("SMT_INVALID_ARGUMENT", `smt: ${what} must be 32 bytes`, { what });
  }
  return b;
}

/** Cache slot from the hash's first 4 bytes (hashes are uniform, so no further mixing). */
function slotOf(h: Uint8Array): number {
  return (h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!;
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

function sameHash(rec: Uint8Array, h: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) if (rec[1 + i] !== h[i]) return false;
  return true;
}

function sameKey(rec: Uint8Array, key: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) if (rec[A + i] !== key[i]) return false;
  return true;
}

function sameValue(rec: Uint8Array, valueHash: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) if (rec[B + i] !== valueHash[i]) return false;
  return true;
}

/** Byte order of a leaf record's key against `key`. */
function compareKey(rec: Uint8Array, key: Uint8Array): number {
  for (let i = 0; i < 32; i++) {
    const x = rec[A + i]! - key[i]!;
    if (x !== 0) return x;
  }
  return 0;
}
