/**
 * The state commitment: a binary sparse Merkle tree over 32-byte keys, in compact form (a subtree
 * with one leaf is that leaf), stored content-addressed in the KvStore port. Rules and layouts:
 * chain/smt/README.md; hashing: smtHash.ts; proofs: smtProof.ts.
 * @module
 */
import { bytesToHex } from "../bytes.ts";
import { RollupError } from "../errors.ts";
import type { KvStore } from "../kv.ts";
import { PENDING_REC_BYTES, PendingNodes, REC_HASH, REC_PRE, REF_EMPTY, REF_KNOWN } from "./pendingNodes.ts";
import {
  commonPrefixBits,
  keyBit,
  SMT_EMPTY_ROOT,
  SMT_INTERNAL_TAG,
  SMT_LEAF_TAG,
  SMT_MAX_DEPTH,
  SMT_NODE_BYTES,
  SMT_STORED_NODE_BYTES,
} from "./smtHash.ts";
import { SmtNodeCache } from "./smtNodeCache.ts";
import type { SmtProof } from "./smtProof.ts";
import { copyHash, copyPreimage, type Words, words } from "./wordCopy.ts";

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

// Kinds of the node a recursive call returned (through `this.kind`: no tuple per node).
const EMPTY = 0;
const LEAF = 1;
const INTERNAL = 2;
const UNKNOWN = 3;

/*
 * The traversal's scratch buffer, `path`: the hash the update starts from, then one frame per
 * depth holding a copy of the preimage of the node being updated there. Copies, because a cache
 * slot may be overwritten by any load further down. Every REF_KNOWN hash the recursion hands up
 * lives in `path` (at `this.knownOff`): a frame's children are overwritten in place by the hashes
 * its recursive calls return, which is where the parent's join reads them.
 */
const ROOT_AT = 0;
const FRAME0 = 32;
/** A preimage, padded to keep frames 4-aligned (cheaper word copies, wordCopy.ts). */
const FRAME_BYTES = 68;
const PATH_BYTES = FRAME0 + (SMT_MAX_DEPTH + 1) * FRAME_BYTES;
/** Offsets in a frame or a cached preimage: tag, left child (or leaf key), right (or value hash). */
const A = 1;
const B = 33;

/**
 * The scratch of one running update: its pending nodes, and the hashes of the stored nodes it took
 * out of the tree (32 bytes each: every internal node it rebuilt and every leaf it replaced or
 * deleted). Kept between updates, as trees are re-created per block and a per-tree buffer would
 * be re-grown every block; but not one for the process: an update run in steps
 * ({@link SparseMerkleTree.updateSteps}) holds its scratch while paused, and another tree may
 * update meanwhile (a read view's commit, a check) with a scratch of its own.
 */
class UpdateScratch {
  readonly pending = new PendingNodes();
  obsolete = new Uint8Array(32 * 1024);
  obsoleteCount = 0;

  /** Appends the hash at h[off..off+32) to the obsolete list. */
  markObsolete(h: Uint8Array, off: number): void {
    const at = this.obsoleteCount * 32;
    if (at === this.obsolete.length) {
      const grown = new Uint8Array(this.obsolete.length * 2);
      grown.set(this.obsolete);
      this.obsolete = grown;
    }
    const o = this.obsolete;
    for (let i = 0; i < 32; i++) o[at + i] = h[off + i]!;
    this.obsoleteCount++;
  }
}

/** Scratches not in use: one is enough unless an update is paused, so at most two are kept. */
const idleScratch: UpdateScratch[] = [];

function acquireScratch(): UpdateScratch {
  const s = idleScratch.pop() ?? new UpdateScratch();
  s.pending.reset();
  s.obsoleteCount = 0;
  return s;
}

function releaseScratch(s: UpdateScratch): void {
  if (idleScratch.length < 2) idleScratch.push(s);
}

/**
 * Depths above which a stepped update may pause: after each subtree under depth
 * STEP_DEPTH (16 of them), so one slice of the new tree's shape is ~1/16 of it.
 */
const STEP_DEPTH = 4;
/** Written nodes between two looks at `stop` in a stepped update's phase 2. */
const WRITE_STEP = 1024;

export class SparseMerkleTree {
  private readonly kv: KvStore;
  private rootHash: Uint8Array;
  private readonly cache: SmtNodeCache;
  /** Slots in the cache's positional region (SmtNodeCache): positions below this are in it. */
  private readonly topSlots: number;
  /** Reused storage key, prefix ‖ hash, for reads and writes: a KvStore does not keep keys. */
  private readonly nodeKey = new Uint8Array(33);
  private readonly path = new Uint8Array(PATH_BYTES);
  private readonly pathWords: Words = words(this.path);
  /** Kind of the node the last recursive call returned. */
  private kind = EMPTY;
  /** Where in `path` the hash behind the last REF_KNOWN lies. */
  private knownOff = 0;
  private lastObsolete: Uint8Array = new Uint8Array(0);
  /** The running update's scratch (set by updateSteps for its duration). */
  private sc!: UpdateScratch;
  /** this.sc.pending, one load nearer (phase 1 adds ~13 nodes a change through it). */
  private pending!: PendingNodes;

  constructor(kv: KvStore, root?: Uint8Array, opts?: SmtOpts) {
    const prefix = opts?.prefix ?? SMT_DEFAULT_PREFIX;
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > 255) {
      throw new RollupError("SMT_INVALID_ARGUMENT", `smt: prefix must be a byte, got ${prefix}`);
    }
    this.kv = kv;
    this.nodeKey[0] = prefix;
    this.cache = opts?.cache ?? new SmtNodeCache(PRIVATE_CACHE_BITS);
    this.topSlots = 2 ** (this.cache.topDepth + 1) - 1;
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
   * The nodes the last `update` made obsolete: hashes (32 bytes each, concatenated) of stored
   * nodes of the old tree that the new tree no longer holds, plus any it rebuilt identically
   * (written again by the same update). Every node of the old tree that is not in the new one is
   * listed. The store's garbage collector keeps these lists per block (README "Storage").
   */
  get obsolete(): Uint8Array {
    return this.lastObsolete;
  }

  /**
   * Applies a batch (one per block) and returns the new root. A `null` valueHash deletes; deleting
   * an absent key is a no-op; when a key appears twice, the last change wins. New nodes are written
   * to the KvStore; nothing is deleted (older roots stay provable until the store prunes them),
   * and the nodes taken out of the tree are listed in `obsolete`.
   */
  update(changes: readonly SmtChange[]): Uint8Array {
    this.lastObsolete = new Uint8Array(0);
    if (changes.length === 0) return this.root;
    const { keys, vals } = sortChanges(changes);
    const sc = this.begin();
    try {
      const rootPos = this.rootPos(undefined);
      const ref = this.updateNode(ROOT_AT, 0, rootPos, keys, vals, 0, keys.length);
      if (ref >= 0 && this.kind === LEAF) sc.pending.pos[ref] = rootPos;
      if (ref < 0) return this.end(sc, this.refRoot(ref));
      sc.pending.hashAll();
      const out = this.hashedNodes();
      this.writeNodes(out, 0, sc.pending.count);
      return this.end(sc, this.nodeHashOf(out, ref));
    } finally {
      releaseScratch(sc);
    }
  }

  /**
   * {@link update} in steps: after each step it asks `stop()` and, when it says so, pauses (the
   * generator yields) so that a caller with an event loop can hand its thread back; running it to
   * the end gives exactly update's root, writes and obsolete list, however often it paused.
   * Between two steps nothing may write this tree's KvStore, nor update this tree; other trees
   * may update. Without `stop` it is `update`.
   */
  *updateSteps(changes: readonly SmtChange[], stop?: () => boolean): Generator<void, Uint8Array, void> {
    if (stop === undefined) return this.update(changes);
    this.lastObsolete = new Uint8Array(0);
    if (changes.length === 0) return this.root;
    const { keys, vals } = sortChanges(changes);
    const sc = this.begin();
    try {
      const rootPos = this.rootPos(undefined);
      const ref = yield* this.updateTop(ROOT_AT, 0, rootPos, keys, vals, 0, keys.length, stop);
      if (ref >= 0 && this.kind === LEAF) sc.pending.pos[ref] = rootPos;
      if (ref < 0) return this.end(sc, this.refRoot(ref));
      yield* sc.pending.hashAllSteps(stop);
      const out = this.hashedNodes();
      const n = sc.pending.count;
      for (let from = 0; from < n; from += WRITE_STEP) {
        this.writeNodes(out, from, Math.min(n, from + WRITE_STEP));
        if (stop()) yield;
      }
      return this.end(sc, this.nodeHashOf(out, ref));
    } finally {
      releaseScratch(sc);
    }
  }

  /** Starts an update: its scratch, and the root's hash where phase 1 reads it. */
  private begin(): UpdateScratch {
    const sc = acquireScratch();
    this.sc = sc;
    this.pending = sc.pending;
    this.path.set(this.rootHash, ROOT_AT);
    return sc;
  }

  /** Ends an update at root `next`: returns a copy of it. */
  private end(sc: UpdateScratch, next: Uint8Array): Uint8Array {
    this.rootHash = next;
    this.lastObsolete = sc.obsolete.slice(0, sc.obsoleteCount * 32);
    return next.slice();
  }

  /** The root when phase 1 returned no pending node: empty, or an existing node's hash. */
  private refRoot(ref: number): Uint8Array {
    return ref === REF_EMPTY ? SMT_EMPTY_ROOT.slice() : this.path.slice(this.knownOff, this.knownOff + 32);
  }

  /** The value hash stored under `key` at the current root (or at `root`), or undefined. */
  get(key: Uint8Array, root?: Uint8Array): Uint8Array | undefined {
    checkHash(key, "key");
    const cur = this.path;
    cur.set(root === undefined ? this.rootHash : checkHash(root, "root"), ROOT_AT);
    const mem = this.cache.mem;
    let pos = this.rootPos(root);
    for (let d = 0; ; d++) {
      if (isZero32(cur, ROOT_AT)) return undefined;
      const o = this.load(cur, ROOT_AT, pos);
      if (mem[o] === SMT_LEAF_TAG) return equal32(mem, o + A, key) ? mem.slice(o + B, o + B + 32) : undefined;
      const bit = keyBit(key, d);
      copy32(mem, bit === 0 ? o + A : o + B, cur, ROOT_AT);
      pos = this.childPos(pos, bit);
    }
  }

  /**
   * An inclusion proof when `key` is present at the current root (or at `root`, which must still
   * be stored), an exclusion proof otherwise. Check it with verifySmtProof.
   */
  prove(key: Uint8Array, root?: Uint8Array): SmtProof {
    checkHash(key, "key");
    const siblings: Uint8Array[] = [];
    const cur = this.path;
    cur.set(root === undefined ? this.rootHash : checkHash(root, "root"), ROOT_AT);
    const mem = this.cache.mem;
    let pos = this.rootPos(root);
    for (let d = 0; ; d++) {
      if (isZero32(cur, ROOT_AT)) return { siblings };
      const o = this.load(cur, ROOT_AT, pos);
      if (mem[o] === SMT_LEAF_TAG) {
        if (equal32(mem, o + A, key)) return { siblings };
        return {
          siblings,
          leaf: { key: mem.slice(o + A, o + A + 32), valueHash: mem.slice(o + B, o + B + 32) },
        };
      }
      const bit = keyBit(key, d);
      const sibling = bit === 0 ? o + B : o + A;
      siblings.push(mem.slice(sibling, sibling + 32));
      copy32(mem, bit === 0 ? o + A : o + B, cur, ROOT_AT);
      pos = this.childPos(pos, bit);
    }
  }

  // --- update: phase 1, the new tree's shape ---------------------------------------------------
  // keys[lo..hi) are sorted, distinct, and share their first `d` bits (the path to the node whose
  // hash is at path[hOff]). Each function returns a ref: a pending (new, not yet hashed) node's
  // index, REF_EMPTY, or REF_KNOWN with the hash of an existing node at path[this.knownOff]; and
  // its kind in `this.kind`. Hashing waits for phase 2, so that nodes can be hashed many at a time.
  // `pos`: the node's slot in the cache's positional region, or -1 (SmtNodeCache).

  /**
   * updateNode for the top STEP_DEPTH levels of a stepped update: the same steps (see there), with
   * a pause after each child subtree when `stop()` says so. Its frames are in `path`, which
   * nothing else touches, and what the children return (kind, knownOff) is read before a pause.
   */
  private *updateTop(
    hOff: number,
    d: number,
    pos: number,
    keys: Uint8Array[],
    vals: (Uint8Array | null)[],
    lo: number,
    hi: number,
    stop: () => boolean,
  ): Generator<void, number, void> {
    const path = this.path;
    if (d >= STEP_DEPTH || isZero32(path, hOff)) return this.updateNode(hOff, d, pos, keys, vals, lo, hi);
    const f = this.openFrame(hOff, d, pos);
    if (path[f] === SMT_LEAF_TAG) return this.updateLeaf(hOff, f, d, pos, keys, vals, lo, hi);
    this.sc.markObsolete(path, hOff);
    const m = splitAt(keys, d, lo, hi);
    const lRef = yield* this.topChild(f + A, d + 1, this.childPos(pos, 0), keys, vals, lo, m, stop);
    const lk = this.kind;
    const rRef = yield* this.topChild(f + B, d + 1, this.childPos(pos, 1), keys, vals, m, hi, stop);
    return this.join(lRef, lk, rRef, this.kind, f, pos);
  }

  /**
   * One child of a node updateTop rebuilds, whose hash is at path[at], under changes
   * keys[lo..hi) (none: untouched), then a pause if `stop()` says so. Its kind stays in
   * `this.kind` across the pause: nothing else runs on this tree meanwhile.
   */
  private *topChild(
    at: number,
    d: number,
    pos: number,
    keys: Uint8Array[],
    vals: (Uint8Array | null)[],
    lo: number,
    hi: number,
    stop: () => boolean,
  ): Generator<void, number, void> {
    if (hi <= lo) return this.untouched(at);
    const ref = this.settled(yield* this.updateTop(at, d, pos, keys, vals, lo, hi, stop), at);
    if (stop()) yield;
    return ref;
  }

  private updateNode(
    hOff: number,
    d: number,
    pos: number,
    keys: Uint8Array[],
    vals: (Uint8Array | null)[],
    lo: number,
    hi: number,
  ): number {
    const path = this.path;
    if (isZero32(path, hOff)) return this.build(d, pos, keys, vals, lo, hi);
    const f = this.openFrame(hOff, d, pos);
    if (path[f] === SMT_LEAF_TAG) return this.updateLeaf(hOff, f, d, pos, keys, vals, lo, hi);
    // An internal node under changes is always rebuilt (join makes a new one, identical at worst).
    this.sc.markObsolete(path, hOff);
    const m = splitAt(keys, d, lo, hi);
    const lRef =
      m > lo
        ? this.settled(this.updateNode(f + A, d + 1, this.childPos(pos, 0), keys, vals, lo, m), f + A)
        : this.untouched(f + A);
    const lk = this.kind;
    const rRef =
      hi > m
        ? this.settled(this.updateNode(f + B, d + 1, this.childPos(pos, 1), keys, vals, m, hi), f + B)
        : this.untouched(f + B);
    return this.join(lRef, lk, rRef, this.kind, f, pos);
  }

  /** Copies the existing node whose hash is at path[hOff] (slot `pos`) into frame `d`; returns the frame. */
  private openFrame(hOff: number, d: number, pos: number): number {
    const f = FRAME0 + d * FRAME_BYTES;
    copyPreimage(this.cache.words, this.load(this.path, hOff, pos), this.pathWords, f);
    return f;
  }

  /** A child's ref as its update returned it; a known node's hash is copied to path[at], its place in the frame. */
  private settled(ref: number, at: number): number {
    if (ref === REF_KNOWN) copyHash(this.pathWords, this.knownOff, this.pathWords, at);
    return ref;
  }

  /** The ref of a child no change reaches, whose hash is at path[at] (its kind: empty, or not known yet). */
  private untouched(at: number): number {
    const ref = isZero32(this.path, at) ? REF_EMPTY : REF_KNOWN;
    this.kind = ref === REF_EMPTY ? EMPTY : UNKNOWN;
    return ref;
  }

  /**
   * Changes landing on an existing leaf, whose hash is at path[hOff] and preimage in frame `f`:
   * the subtree becomes (changes ∪ that leaf).
   */
  private updateLeaf(
    hOff: number,
    f: number,
    d: number,
    pos: number,
    keys: Uint8Array[],
    vals: (Uint8Array | null)[],
    lo: number,
    hi: number,
  ): number {
    const path = this.path;
    if (hi - lo === 1) {
      // The common case in a block: one change below this leaf.
      const key = keys[lo]!;
      const val = vals[lo]!;
      if (equal32(path, f + A, key)) {
        if (val !== null && equal32(path, f + B, val)) {
          this.kind = LEAF;
          return this.knownRef(hOff);
        }
        this.sc.markObsolete(path, hOff);
        if (val === null) return this.empty();
        this.kind = LEAF;
        return this.pending.leaf(key, val);
      }
      // Below: the leaf stays in the tree, as it is (a no-op delete) or under a new split.
      if (val === null) {
        this.kind = LEAF;
        return this.knownRef(hOff);
      }
      // An insert next to a lone leaf: the two leaves split at their first differing bit `p`,
      // under a chain of one-child internal nodes from depth p-1 up to d.
      const fresh = this.pending.leaf(key, val);
      const p = commonPrefixBits(path.subarray(f + A, f + A + 32), key);
      const freshPos = this.posOf(key, p + 1);
      this.pending.pos[fresh] = freshPos;
      // The old leaf moves down to be fresh's sibling (slots 2q+1 and 2q+2 are siblings).
      this.moved(hOff, f, freshPos < 0 ? -1 : freshPos & 1 ? freshPos + 1 : freshPos - 1);
      let node =
        keyBit(key, p) === 0
          ? this.pending.internal(fresh, REF_KNOWN, this.pathWords, 0, hOff, this.posOf(key, p))
          : this.pending.internal(REF_KNOWN, fresh, this.pathWords, hOff, 0, this.posOf(key, p));
      for (let i = p - 1; i >= d; i--) {
        node =
          keyBit(key, i) === 0
            ? this.pending.internal(node, REF_EMPTY, this.pathWords, 0, 0, this.posOf(key, i))
            : this.pending.internal(REF_EMPTY, node, this.pathWords, 0, 0, this.posOf(key, i));
      }
      this.kind = INTERNAL;
      return node;
    }
    // General case: merge the leaf into the sorted slice (unless a change overrides it) and
    // rebuild the subtree. Re-creates the old leaf's node (one extra hash); rare in practice. Listed
    // as obsolete all the same: a node listed and rewritten by the same block is kept (README).
    this.sc.markObsolete(path, hOff);
    const leafKey = path.slice(f + A, f + A + 32);
    const leafVal = path.slice(f + B, f + B + 32);
    const mk: Uint8Array[] = [];
    const mv: (Uint8Array | null)[] = [];
    let placed = false;
    for (let i = lo; i < hi; i++) {
      const k = keys[i]!;
      if (!placed) {
        const c = compare32(leafKey, k);
        if (c <= 0) {
          placed = true;
          if (c < 0) {
            mk.push(leafKey);
            mv.push(leafVal);
          }
        }
      }
      mk.push(k);
      mv.push(vals[i]!);
    }
    if (!placed) {
      mk.push(leafKey);
      mv.push(leafVal);
    }
    return this.build(d, pos, mk, mv, 0, mk.length);
  }

  /** A subtree from scratch out of the non-null entries of keys[lo..hi). Never yields REF_KNOWN. */
  private build(
    d: number,
    pos: number,
    keys: Uint8Array[],
    vals: (Uint8Array | null)[],
    lo: number,
    hi: number,
  ): number {
    if (hi - lo <= 1) {
      const v = hi === lo ? null : vals[lo]!;
      if (v === null) return this.empty();
      this.kind = LEAF;
      return this.pending.leaf(keys[lo]!, v);
    }
    const m = splitAt(keys, d, lo, hi);
    const lRef = this.build(d + 1, this.childPos(pos, 0), keys, vals, lo, m);
    const lk = this.kind;
    const rRef = this.build(d + 1, this.childPos(pos, 1), keys, vals, m, hi);
    // No known children, so no frame to read them from.
    return this.join(lRef, lk, rRef, this.kind, -1, pos);
  }

  /**
   * The node over two children, applying the compact rule (a lone leaf moves up). REF_KNOWN
   * children's hashes are in frame `f`, at f+A and f+B. `pos`: the node's slot, or -1.
   */
  private join(lRef: number, lk: number, rRef: number, rk: number, f: number, pos: number): number {
    if (lRef === REF_EMPTY) {
      if (rRef === REF_EMPTY) return this.empty();
      if (rk === LEAF || (rk === UNKNOWN && this.isLeaf(f + B, this.childPos(pos, 1)))) {
        this.kind = LEAF;
        this.knownOff = f + B;
        if (rRef === REF_KNOWN) this.movedUp(f + B, this.childPos(pos, 1), pos);
        return rRef;
      }
    } else if (
      rRef === REF_EMPTY &&
      (lk === LEAF || (lk === UNKNOWN && this.isLeaf(f + A, this.childPos(pos, 0))))
    ) {
      this.kind = LEAF;
      this.knownOff = f + A;
      if (lRef === REF_KNOWN) this.movedUp(f + A, this.childPos(pos, 0), pos);
      return lRef;
    }
    // A new leaf's depth is settled by the compact rule, bottom up: here, under the internal node
    // it ends below (or at the root: update()). A join that only moved it up sets nothing.
    if (lRef >= 0 && lk === LEAF) this.pending.pos[lRef] = this.childPos(pos, 0);
    if (rRef >= 0 && rk === LEAF) this.pending.pos[rRef] = this.childPos(pos, 1);
    this.kind = INTERNAL;
    return this.pending.internal(lRef, rRef, this.pathWords, f + A, f + B, pos);
  }

  private empty(): number {
    this.kind = EMPTY;
    return REF_EMPTY;
  }

  private knownRef(hOff: number): number {
    this.knownOff = hOff;
    return REF_KNOWN;
  }

  /** Whether the existing node whose hash is at path[hOff] (slot `pos`, or -1) is a leaf. */
  private isLeaf(hOff: number, pos: number): boolean {
    return this.cache.mem[this.load(this.path, hOff, pos)] === SMT_LEAF_TAG;
  }

  /*
   * A stored node that changes depth without being rewritten (a leaf moved down by an insert
   * beside it, or up by a delete beside it) is copied to its new place in the cache: by position
   * only, it would no longer be found there, and the next block would read it from the store.
   */

  /** The stored leaf whose hash is at path[hOff] and preimage in frame `f` now sits at `toPos`. */
  private moved(hOff: number, f: number, toPos: number): void {
    if (toPos >= 0) this.cache.putAt(toPos, this.path, hOff, this.path, f);
    else this.cache.put(this.path, hOff, this.path, f);
  }

  /** The stored leaf whose hash is at path[hOff], cached at `fromPos` or by hash, moved up to `toPos`. */
  private movedUp(hOff: number, fromPos: number, toPos: number): void {
    const cache = this.cache;
    const at = fromPos >= 0 ? cache.findAt(fromPos, this.path, hOff) : cache.find(this.path, hOff);
    if (at >= 0 && toPos >= 0) cache.copyToTop(toPos, at);
  }

  /**
   * The root's slot for a walk from `root` (undefined: the current root), or -1. By position only
   * at the current root: an older root's nodes would evict the current top.
   */
  private rootPos(root: Uint8Array | undefined): number {
    return root === undefined && this.topSlots > 0 ? 0 : -1;
  }

  /** The slot of the child (`bit` 0: left) of the node in slot `pos`; -1 when below the region. */
  private childPos(pos: number, bit: number): number {
    if (pos < 0) return -1;
    const c = 2 * pos + 1 + bit;
    return c < this.topSlots ? c : -1;
  }

  /** The slot of the node at depth `d` on `key`'s path; -1 when below the region (depth ≤ 16). */
  private posOf(key: Uint8Array, d: number): number {
    if (d > this.cache.topDepth) return -1;
    return (1 << d) - 1 + (((key[0]! << 8) | key[1]!) >>> (16 - d));
  }

  // --- update: phase 2, hashing and writing ---------------------------------------------------

  /**
   * The hashed pending nodes, copied out of the scratch: the KvStore keeps the values it is
   * given, so they are views of one fresh copy of the records (one buffer per update; copying
   * only the preimages out measured slower).
   */
  private hashedNodes(): Words {
    const pending = this.sc.pending;
    return words(pending.recs.u8.slice(0, pending.count * PENDING_REC_BYTES));
  }

  /**
   * Writes and caches hashed nodes [from, to) of `out` (hashedNodes). The KvStore keeps the
   * values it is given: views of `out`.
   */
  private writeNodes(out: Words, from: number, to: number): void {
    const buf = out.u8.buffer;
    const key = this.nodeKey;
    // Content-addressed: a store that can file them unindexed does (OverlayKv.putContent).
    const kv = this.kv;
    const file = kv.putContent !== undefined;
    const cache = this.cache;
    const posOf = this.pending.pos;
    for (let i = from, r = from * PENDING_REC_BYTES; i < to; i++, r += PENDING_REC_BYTES) {
      copy32(out.u8, r + REC_HASH, key, 1);
      const value = new Uint8Array(buf, r + REC_PRE, SMT_STORED_NODE_BYTES);
      if (file) kv.putContent!(key, value);
      else kv.put(key, value);
      const pos = posOf[i]!;
      if (pos >= 0) cache.putWordsAt(pos, out, r + REC_HASH, r + REC_PRE);
      else cache.putWords(out, r + REC_HASH, r + REC_PRE);
    }
  }

  /** The hash of hashed node `ref` of `out`. */
  private nodeHashOf(out: Words, ref: number): Uint8Array {
    const at = ref * PENDING_REC_BYTES + REC_HASH;
    return out.u8.slice(at, at + 32);
  }

  /**
   * The preimage of the non-empty node whose hash is at h[off]: its offset in the cache's memory,
   * valid until the next load. From the cache, else from the KvStore (then cached). `pos`: the
   * node's slot in the cache's positional region, or -1: it is looked up there first, and a node
   * found elsewhere is placed there.
   */
  private load(h: Uint8Array, off: number, pos: number): number {
    const cache = this.cache;
    if (pos >= 0) {
      const top = cache.findAt(pos, h, off);
      if (top >= 0) return top;
    }
    const hit = cache.find(h, off);
    if (hit >= 0) return pos >= 0 ? cache.copyToTop(pos, hit) : hit;
    copy32(h, off, this.nodeKey, 1);
    const value = this.kv.get(this.nodeKey);
    if (value === undefined) {
      const hex = bytesToHex(h.subarray(off, off + 32));
      throw new RollupError("SMT_MISSING_NODE", `smt: node ${hex} is not stored`, { hash: hex });
    }
    // 65 bytes: a node written before birth stamps existed (README "Storage").
    const len = value.length;
    if ((len !== SMT_STORED_NODE_BYTES && len !== SMT_NODE_BYTES) || value[0]! > SMT_INTERNAL_TAG) {
      const hex = bytesToHex(h.subarray(off, off + 32));
      throw new RollupError("SMT_CORRUPT_NODE", `smt: node ${hex} has a malformed preimage`, {
        hash: hex,
        length: value.length,
      });
    }
    return pos >= 0 ? cache.putAt(pos, h, off, value, 0) : cache.put(h, off, value, 0);
  }
}

/**
 * The changes' keys and value hashes, sorted by key, keeping the last change of each key. A stable
 * radix sort (4 passes of 8 bits) of indexes on the keys' first 4 bytes as a number, then whole
 * keys compared only within runs of equal first bytes (rare, keys are hashes): no comparator call
 * per comparison (a comparator sort was ~2% of the stf replay, ~3× this).
 */
function sortChanges(changes: readonly SmtChange[]): { keys: Uint8Array[]; vals: (Uint8Array | null)[] } {
  const n = changes.length;
  const head = new Uint32Array(n);
  let order = new Int32Array(n);
  let spare = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = changes[i]!;
    const k = checkHash(c.key, "key");
    if (c.valueHash !== null) checkHash(c.valueHash, "valueHash");
    head[i] = ((k[0]! << 24) | (k[1]! << 16) | (k[2]! << 8) | k[3]!) >>> 0;
    order[i] = i;
  }
  const count = new Int32Array(256);
  for (let shift = 0; shift < 32; shift += 8) {
    count.fill(0);
    for (let j = 0; j < n; j++) count[(head[order[j]!]! >>> shift) & 255]!++;
    let sum = 0;
    for (let b = 0; b < 256; b++) {
      const c = count[b]!;
      count[b] = sum;
      sum += c;
    }
    for (let j = 0; j < n; j++) {
      const i = order[j]!;
      spare[count[(head[i]! >>> shift) & 255]!++] = i;
    }
    const t = order;
    order = spare;
    spare = t;
  }
  // Equal first bytes: insertion sort by the whole key. Only a strictly greater key moves, so a
  // key's changes keep their input order and the last of a run is the last change.
  for (let j = 1; j < n; j++) {
    const i = order[j]!;
    if (head[order[j - 1]!] !== head[i]) continue;
    let k = j - 1;
    while (k >= 0 && head[order[k]!] === head[i] && compare32(changes[order[k]!]!.key, changes[i]!.key) > 0) {
      order[k + 1] = order[k]!;
      k--;
    }
    order[k + 1] = i;
  }
  const keys: Uint8Array[] = [];
  const vals: (Uint8Array | null)[] = [];
  for (let j = 0; j < n; j++) {
    const c = changes[order[j]!]!;
    if (j + 1 < n && compare32(changes[order[j + 1]!]!.key, c.key) === 0) continue;
    keys.push(c.key);
    vals.push(c.valueHash);
  }
  return { keys, vals };
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

function isZero32(b: Uint8Array, off: number): boolean {
  for (let i = 0; i < 32; i++) if (b[off + i] !== 0) return false;
  return true;
}

function equal32(b: Uint8Array, off: number, x: Uint8Array): boolean {
  for (let i = 0; i < 32; i++) if (b[off + i] !== x[i]) return false;
  return true;
}

function copy32(src: Uint8Array, from: number, dst: Uint8Array, to: number): void {
  for (let i = 0; i < 32; i++) dst[to + i] = src[from + i]!;
}

/** Byte order of two keys. */
function compare32(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < 32; i++) {
    const x = a[i]! - b[i]!;
    if (x !== 0) return x;
  }
  return 0;
}
