/**
 * The typed state of one block in flight: records are read through the KV port, cached and
 * mutated in memory, and written back at `commit()`, which also updates both SMTs in one batch
 * each and returns the new roots. All writes land in the KvStore given (an OverlayKv per block),
 * so the node commits a block as one atomic batch, or drops it.
 * @module
 */
import { concatBytes, u64ToBytes, ZERO_HASH } from "../bytes.ts";
import { BytesMap } from "../bytesMap.ts";
import { NO_PREFIX, sha256Each } from "../commitment/sha256Short.ts";
import { withdrawalKey, withdrawalLeaf } from "../commitment/withdrawalLeaf.ts";
import type { KvStore } from "../kv.ts";
import { type SmtChange, type SmtNodeCache, SparseMerkleTree } from "../smt/index.ts";
import type { Account, Address, Challenge, NodeRecord, Withdrawal } from "../types.ts";
import {
  decodeAccount,
  decodeChallenge,
  decodeNodeRecord,
  decodeWithdrawal,
  encodeAccount,
  encodeChallenge,
  encodeNodeRecord,
  encodeWithdrawal,
} from "../wire/index.ts";
import { flatKey, KV_PREFIX, type Namespace, NS, smtKey } from "./keys.ts";
import {
  type DeadlineEntry,
  decodeBucket,
  decodeIds,
  decodeMeta,
  encodeBucket,
  encodeIds,
  encodeMeta,
  type Meta,
} from "./records.ts";

interface Codec<T> {
  encode(v: T): Uint8Array;
  decode(b: Uint8Array): T;
}

const ACCOUNT: Codec<Account> = { encode: encodeAccount, decode: decodeAccount };
const NODE: Codec<NodeRecord> = { encode: encodeNodeRecord, decode: decodeNodeRecord };
const CHALLENGE: Codec<Challenge> = { encode: encodeChallenge, decode: decodeChallenge };
const WITHDRAWAL: Codec<Withdrawal> = { encode: encodeWithdrawal, decode: decodeWithdrawal };
const BUCKET: Codec<DeadlineEntry[]> = { encode: encodeBucket, decode: decodeBucket };
const IDS: Codec<bigint[]> = { encode: encodeIds, decode: decodeIds };
const META: Codec<Meta> = { encode: encodeMeta, decode: decodeMeta };
const RAW: Codec<Uint8Array> = { encode: (v) => v, decode: (b) => b };

interface Entry {
  ns: Namespace;
  id: Uint8Array;
  value: unknown;
  dirty: boolean;
  codec: Codec<unknown>;
}

const META_ID = Uint8Array.of(0);
const DEPOSIT_MARK = Uint8Array.of(1);

export interface StateRoots {
  stateRoot: Uint8Array;
  withdrawalsRoot: Uint8Array;
}

export const EMPTY_ROOT = ZERO_HASH;

/** SMT node caches shared across blocks (a tree is created per block; its cache must outlive it). */
export interface SmtCaches {
  state?: SmtNodeCache;
  withdrawals?: SmtNodeCache;
}

export class StateDb {
  /**
   * Records read or written in this block, by flat key (FLAT ‖ ns ‖ id), and the same entries in
   * the order they were first touched (commit's order). A BytesMap, not a Map keyed by strings:
   * no string built per lookup (several per tx).
   */
  private readonly cache = new BytesMap<Entry>({ untrustedKeys: true });
  private readonly entries: Entry[] = [];
  private readonly newWithdrawals: Withdrawal[] = [];
  /** Obsolete SMT nodes of this StateDb's commits so far, per tree prefix. */
  private readonly obsolete = new Map<number, Uint8Array>();

  constructor(
    readonly kv: KvStore,
    readonly parentRoots: StateRoots,
    private readonly caches: SmtCaches = {},
  ) {}

  private load<T>(ns: Namespace, id: Uint8Array, codec: Codec<T>): T | undefined {
    const fk = scratchFlatKey(ns, id);
    const hit = this.cache.get(fk);
    if (hit) return hit.value as T | undefined;
    const raw = this.kv.get(fk);
    const value = raw === undefined ? undefined : codec.decode(raw);
    this.add(fk, { ns, id, value, dirty: false, codec: codec as Codec<unknown> });
    return value;
  }

  private store<T>(ns: Namespace, id: Uint8Array, codec: Codec<T>, value: T | undefined): void {
    const fk = scratchFlatKey(ns, id);
    const hit = this.cache.get(fk);
    if (hit) {
      hit.value = value;
      hit.dirty = true;
    } else this.add(fk, { ns, id, value, dirty: true, codec: codec as Codec<unknown> });
  }

  private add(fk: Uint8Array, e: Entry): void {
    this.cache.set(fk, e);
    this.entries.push(e);
  }

  // --- accounts ---
  getAccount(a: Address): Account {
    return this.load(NS.ACCOUNT, a, ACCOUNT) ?? { nonce: 0n, credits: 0n };
  }
  /** Stores the account (it may be the object getAccount returned, mutated). */
  setAccount(a: Address, acc: Account): void {
    this.store(NS.ACCOUNT, a, ACCOUNT, acc);
  }

  // --- nodes ---
  getNode(a: Address): NodeRecord | undefined {
    return this.load(NS.NODE, a, NODE);
  }
  setNode(a: Address, n: NodeRecord): void {
    this.store(NS.NODE, a, NODE, n);
  }

  // --- challenges ---
  getChallenge(id: bigint): Challenge | undefined {
    return this.load(NS.CHALLENGE, u64ToBytes(id), CHALLENGE);
  }
  setChallenge(c: Challenge): void {
    this.store(NS.CHALLENGE, u64ToBytes(c.id), CHALLENGE, c);
  }
  /** Record expiry (PROTOCOL §3): the id stays spent (ids come from meta.nextChallengeId only). */
  deleteChallenge(id: bigint): void {
    this.store(NS.CHALLENGE, u64ToBytes(id), CHALLENGE, undefined);
  }

  // --- deadline buckets (one per second) ---
  getBucket(sec: bigint): DeadlineEntry[] {
    return this.load(NS.DEADLINES, u64ToBytes(sec), BUCKET) ?? [];
  }
  setBucket(sec: bigint, entries: DeadlineEntry[]): void {
    this.store(NS.DEADLINES, u64ToBytes(sec), BUCKET, entries.length === 0 ? undefined : entries);
  }

  // --- rounds awaited and stored ---
  getAwaited(round: bigint): bigint[] {
    return this.load(NS.AWAITED, u64ToBytes(round), IDS) ?? [];
  }
  setAwaited(round: bigint, ids: bigint[]): void {
    this.store(NS.AWAITED, u64ToBytes(round), IDS, ids.length === 0 ? undefined : ids);
  }
  getRound(round: bigint): Uint8Array | undefined {
    return this.load(NS.ROUND, u64ToBytes(round), RAW);
  }
  setRound(round: bigint, signature: Uint8Array): void {
    this.store(NS.ROUND, u64ToBytes(round), RAW, signature);
  }
  /** Record expiry (PROTOCOL §3): an included round is never awaited again, so never re-included. */
  deleteRound(round: bigint): void {
    this.store(NS.ROUND, u64ToBytes(round), RAW, undefined);
  }

  // --- deposits and withdrawals ---
  hasDeposit(depositId: bigint): boolean {
    return this.load(NS.DEPOSIT, u64ToBytes(depositId), RAW) !== undefined;
  }
  markDeposit(depositId: bigint): void {
    this.store(NS.DEPOSIT, u64ToBytes(depositId), RAW, DEPOSIT_MARK);
  }
  getWithdrawal(index: bigint): Withdrawal | undefined {
    return this.load(NS.WITHDRAWAL, u64ToBytes(index), WITHDRAWAL);
  }
  addWithdrawal(w: Withdrawal): void {
    this.store(NS.WITHDRAWAL, u64ToBytes(w.index), WITHDRAWAL, w);
    this.newWithdrawals.push(w);
  }

  // --- meta ---
  getMeta(): Meta {
    const m = this.load(NS.META, META_ID, META);
    if (!m) throw new Error("state: meta record missing (state not initialised with genesis)");
    return m;
  }
  hasMeta(): boolean {
    return this.load(NS.META, META_ID, META) !== undefined;
  }
  setMeta(m: Meta): void {
    this.store(NS.META, META_ID, META, m);
  }

  /**
   * Writes every dirty record to the KV (flat view) and both SMTs, in one batch each; returns
   * the new roots. The StateDb may keep being used afterwards (the cache stays valid).
   */
  commit(): StateRoots {
    const changes = this.flatChanges();
    const stateTree = this.stateTree();
    const stateRoot = changes.length ? stateTree.update(changes) : this.parentRoots.stateRoot;
    return this.endCommit(stateTree, stateRoot);
  }

  /**
   * {@link commit} in steps: the state tree's update pauses when `stop()` says so
   * (SparseMerkleTree.updateSteps), the rest runs in one piece (the flat records and their value
   * hashes, ~15% of a commit; the withdrawals tree, a few leaves a block). Running it to the end
   * gives exactly commit's roots and writes. Nothing may read or write this StateDb in between.
   */
  *commitSteps(stop?: () => boolean): Generator<void, StateRoots, void> {
    if (stop === undefined) return this.commit();
    const changes = this.flatChanges();
    const stateTree = this.stateTree();
    const stateRoot = changes.length
      ? yield* stateTree.updateSteps(changes, stop)
      : this.parentRoots.stateRoot;
    return this.endCommit(stateTree, stateRoot);
  }

  /** Writes the dirty records as flat KV entries; returns their state-tree changes. */
  private flatChanges(): SmtChange[] {
    const changes: SmtChange[] = [];
    // The value hashes in one batch through the short-message kernel (a block's records are
    // mostly accounts of ~20 bytes): a node:crypto call per record cost ~1.2 µs, almost all of it
    // call overhead. `hashed[j]` is the change whose value is `encoded[j]`.
    const encoded: Uint8Array[] = [];
    const hashed: SmtChange[] = [];
    for (const e of this.entries) {
      if (!e.dirty) continue;
      e.dirty = false;
      const fk = scratchFlatKey(e.ns, e.id);
      if (e.value === undefined) {
        this.kv.del(fk);
        changes.push({ key: memoSmtKey(e, fk), valueHash: null });
      } else {
        const bytes = e.codec.encode(e.value);
        this.kv.put(fk, bytes);
        const change: SmtChange = { key: memoSmtKey(e, fk), valueHash: null };
        changes.push(change);
        encoded.push(bytes);
        hashed.push(change);
      }
    }
    const valueHashes = new Uint8Array(32 * encoded.length);
    sha256Each(encoded, NO_PREFIX, valueHashes);
    for (let j = 0; j < hashed.length; j++) hashed[j]!.valueHash = valueHashes.subarray(32 * j, 32 * j + 32);
    return changes;
  }

  private stateTree(): SparseMerkleTree {
    return new SparseMerkleTree(this.kv, this.parentRoots.stateRoot, {
      prefix: KV_PREFIX.SMT_STATE,
      ...(this.caches.state ? { cache: this.caches.state } : {}),
    });
  }

  /** After the state tree's update: its obsolete list, the withdrawals tree, the new roots. */
  private endCommit(stateTree: SparseMerkleTree, stateRoot: Uint8Array): StateRoots {
    this.putObsolete(KV_PREFIX.SMT_STATE, stateTree.obsolete);
    let withdrawalsRoot = this.parentRoots.withdrawalsRoot;
    if (this.newWithdrawals.length) {
      const wTree = new SparseMerkleTree(this.kv, withdrawalsRoot, {
        prefix: KV_PREFIX.SMT_WITHDRAWALS,
        ...(this.caches.withdrawals ? { cache: this.caches.withdrawals } : {}),
      });
      withdrawalsRoot = wTree.update(
        this.newWithdrawals.map((w) => ({ key: withdrawalKey(w.index), valueHash: withdrawalLeaf(w) })),
      );
      this.newWithdrawals.length = 0;
      this.putObsolete(KV_PREFIX.SMT_WITHDRAWALS, wTree.obsolete);
    }
    const roots = { stateRoot, withdrawalsRoot };
    (this as { parentRoots: StateRoots }).parentRoots = roots;
    return roots;
  }

  /**
   * Hands the nodes a tree update made obsolete to the store, under SMT_OBSOLETE ‖ tree (the store
   * files them by block number for its garbage collector: store/smtDeathRow.ts). Kept per StateDb
   * and written whole, never read back from the KV: a second commit in the same block adds to the
   * list, and a store that keeps the key (a MemoryKv in tests) does not make it grow.
   */
  private putObsolete(tree: number, hashes: Uint8Array): void {
    if (hashes.length === 0) return;
    const prev = this.obsolete.get(tree);
    const all = prev === undefined ? hashes : concatBytes(prev, hashes);
    this.obsolete.set(tree, all);
    this.kv.put(Uint8Array.of(KV_PREFIX.SMT_OBSOLETE, tree), all);
  }
}

/** Flat keys built in place, one buffer per id length: the KvStore port keeps no key (kv.ts). */
const flatKeys: Uint8Array[] = [];

/** flatKey(ns, id) in a buffer reused by the next call: for handing to the KvStore only. */
function scratchFlatKey(ns: Namespace, id: Uint8Array): Uint8Array {
  let k = flatKeys[id.length];
  if (k === undefined) {
    k = flatKey(ns, id);
    flatKeys[id.length] = k;
    return k;
  }
  k[1] = ns;
  k.set(id, 2);
  return k;
}

/**
 * SMT keys of recently committed records, by flat key: a block mostly touches records that recent
 * blocks touched too, and the key costs a sha256 call. A pure function of the record's name, so
 * never stale (no rewind or dropped block can make an entry wrong), and shared by every StateDb of
 * the process. Bounded (~400 B an entry, the digest's buffers included): emptied when full, so
 * hostile blocks that touch fresh records cannot grow it.
 */
let smtKeys = new BytesMap<Uint8Array>({ untrustedKeys: true });
const SMT_KEY_MEMO_MAX = 1 << 14;

/** The SMT key of entry `e`, whose flat key is `fk`. */
function memoSmtKey(e: Entry, fk: Uint8Array): Uint8Array {
  let k = smtKeys.get(fk);
  if (k === undefined) {
    if (smtKeys.size >= SMT_KEY_MEMO_MAX) smtKeys = new BytesMap<Uint8Array>({ untrustedKeys: true });
    k = smtKey(e.ns, e.id);
    smtKeys.set(fk, k);
  }
  return k;
}
