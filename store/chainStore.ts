/**
 * The node's chain database: blocks, receipts, the tx index, the head pointer, the genesis
 * document, the pending-tx journal, and (through the KV port) the chain core's state. Each block
 * is ONE atomic batch: state ops + block + receipts + index + head + journal removals, so a crash
 * at any moment leaves either the old head or the new one, never a mix.
 *
 * Durability (docs/SECURITY.md §10): every batch that a caller is told is written is fsynced
 * first (`sync: true`): genesis, each block (before the sequencer serves it), and each group
 * commit of the pending journal (before a tx is answered as accepted). So neither a process crash
 * nor a power cut takes back a served block or an accepted tx. Journal removals ride in the same
 * group commits; see {@link ChainStore.removePending}.
 * @module
 */
import {
  bytesToHex,
  bytesToU64,
  concatAll,
  concatBytes,
  hexToBytes,
  u32ToBytes,
  u64ToBytes,
} from "../chain/bytes.ts";
import type { Head } from "../chain/chainCore.ts";
import type { OpenChannelRef } from "../chain/derive/channelBank.ts";
import { RollupError } from "../chain/errors.ts";
import { type GenesisDoc, genesisFromJson, genesisToJson } from "../chain/genesisDoc.ts";
import { utf8 } from "../chain/hash.ts";
import type { KvOp } from "../chain/kv.ts";
import { NS } from "../chain/state/keys.ts";
import type { Address, Block, Hash32, SignedTx, StoredBlock } from "../chain/types.ts";
import { blockHash, decodeBlock, decodeReceipt, encodeBlock, encodeReceipt } from "../chain/wire/index.ts";
import { BlockCache, type BlockCacheLimits, blockRecordCost, DEFAULT_BLOCK_CACHE } from "./blockCache.ts";
import { LevelKv } from "./levelKv.ts";
import { PREFIX } from "./prefixes.ts";
import { fileSmtGarbage } from "./smtDeathRow.ts";
import {
  DEFAULT_SMT_PRUNE_LIMITS,
  readSmtPruneCursor,
  type SmtPruneLimits,
  smtPruneBatch,
  smtStateAvailableFrom,
} from "./smtPruner.ts";
import {
  DEFAULT_STATE_RECORD_CACHE,
  StateRecordCache,
  type StateRecordCacheLimits,
} from "./stateRecordCache.ts";

/** A block as stored: the one declaration is chain/types.ts `StoredBlock` (the API serves the same). */
export type StoredBlockData = StoredBlock;

/** A block to commit: its record and its canonical bytes. */
export interface BlockToCommit extends StoredBlockData {
  /**
   * encodeBlock(block), as ChainCore.build returns it: written as they are, never re-encoded, and
   * `size` must equal their length. Absent only for callers that hand-make a block (benchmarks):
   * the store then encodes it once itself.
   */
  encoded?: Uint8Array;
}

const HEAD_KEY = concatBytes(Uint8Array.of(PREFIX.META), utf8("head"));
const GENESIS_KEY = concatBytes(Uint8Array.of(PREFIX.META), utf8("genesis"));
const UNDO_PRUNED_KEY = concatBytes(Uint8Array.of(PREFIX.META), utf8("undoPruned"));
/** Content-addressed state (SMT nodes: key = hash of value): never changed in place, so never undone. */
const NO_UNDO_PREFIXES = new Set<number>([PREFIX.SMT_STATE, PREFIX.SMT_WITHDRAWALS]);
/** Whether `key` holds content-addressed state (never changed in place, so never in an undo record). */
export function isContentAddressed(key: Uint8Array): boolean {
  return NO_UNDO_PREFIXES.has(key[0]!);
}
/**
 * A block's batch (its state, block, receipts and index ops: ~30k ops at ~5k txs) is filled in
 * slices of this many ms, handing the event loop back between them (store/levelKv.ts), and then
 * written at once. The block's writer holds the serial node-write lane meanwhile; the journal's
 * groups may be written in between: they put txs not yet in any block, never the keys a block
 * batch deletes (a block's txs were journaled before they were selected).
 */
const WRITE_SLICE_MS = 4;

/** Undo records deleted per {@link ChainStore.pruneUndo} call at most (one bounded batch). */
const MAX_UNDO_PRUNE = 4096;

/**
 * Where a derived block came from on L1: the verifier's cursor, written with the block
 * (PROTOCOL §5 "Resets"). The header holds the origin's number, hash and time.
 */
export interface DerivedFrom {
  originParentHash: Hash32;
  /** The L1 block whose data decided this block (its batch's inclusion block, or the one that closed its window). */
  l1Number: bigint;
  l1Hash: Hash32;
  /**
   * The channel bank before L1 block `l1Number` was judged: a restart rewinds to the last block
   * derived before it and rebuilds the bank from these (PROTOCOL §5 "Resets"). Absent in
   * records written before the rule.
   */
  channels?: readonly OpenChannelRef[];
}
/** One channel in a DERIVED record: id(16) ‖ u64 openedAt ‖ u32 firstFrame. */
const CHANNEL_REF_BYTES = 28;

function encodeDerivedFrom(from: DerivedFrom): Uint8Array {
  const parts = [from.originParentHash, u64ToBytes(from.l1Number), from.l1Hash];
  if (from.channels !== undefined) {
    parts.push(Uint8Array.of(from.channels.length));
    for (const c of from.channels)
      parts.push(hexToBytes(c.id), u64ToBytes(c.openedAt), u32ToBytes(c.firstFrame));
  }
  return concatAll(parts);
}

function decodeDerivedFrom(v: Uint8Array): DerivedFrom {
  const from: DerivedFrom = {
    originParentHash: v.slice(0, 32),
    l1Number: bytesToU64(v, 32),
    l1Hash: v.slice(40, 72),
  };
  if (v.length === 72) return from;
  const n = v[72]!;
  if (v.length !== 73 + n * CHANNEL_REF_BYTES)
    throw new RollupError("STORE_CORRUPT", "a DERIVED record has a bad length");
  const channels: OpenChannelRef[] = [];
  for (let i = 0; i < n; i++) {
    const o = 73 + i * CHANNEL_REF_BYTES;
    const view = new DataView(v.buffer, v.byteOffset + o + 24, 4);
    channels.push({
      id: bytesToHex(v.subarray(o, o + 16)),
      openedAt: bytesToU64(v, o + 16),
      firstFrame: view.getUint32(0),
    });
  }
  return { ...from, channels };
}
const decoder = new TextDecoder();

function key(prefix: number, id: Uint8Array): Uint8Array {
  const k = new Uint8Array(1 + id.length);
  k[0] = prefix;
  k.set(id, 1);
  return k;
}

/** (u32be length ‖ bytes)*. No spread of the items: ~130k arguments overflow the stack. */
function encodeList(items: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const i of items) total += 4 + i.length;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  let off = 0;
  for (const i of items) {
    dv.setUint32(off, i.length);
    out.set(i, off + 4);
    off += 4 + i.length;
  }
  return out;
}

function decodeList(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let off = 0; off < bytes.length; ) {
    const len = dv.getUint32(off);
    out.push(bytes.subarray(off + 4, off + 4 + len));
    off += 4 + len;
  }
  return out;
}

/**
 * One group commit of the pending journal: its ops, and the one promise every caller whose ops it
 * holds waits on (settled when the batch is synced or failed), not a promise and a waiter per tx.
 */
interface JournalGroup {
  ops: KvOp[];
  written: Promise<void>;
  resolve(): void;
  reject(e: unknown): void;
}

function journalGroup(): JournalGroup {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const written = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { ops: [], written, resolve, reject };
}

export interface ChainStoreOpts {
  /** Bounds of the decoded-block cache (default {@link DEFAULT_BLOCK_CACHE}). */
  blockCache?: BlockCacheLimits;
  /** Bounds of the flat state record cache (default {@link DEFAULT_STATE_RECORD_CACHE}). */
  stateCache?: StateRecordCacheLimits;
  /** LevelDB's memtable size, bytes (default {@link CHAIN_WRITE_BUFFER_BYTES}). */
  writeBufferSize?: number;
}

/**
 * The chain database's memtable: 32 MiB, against LevelDB's 4 MiB default. At full ingest the
 * store writes ~1 KB a tx (each tx journaled then deleted, the block's txs and receipts again, new
 * tree nodes and their death rows: ~6 MB/s at 6k tx/s), so 4 MiB memtables meant a level-0 table
 * every ~0.7 s and compaction on the other core all the time. Measured (docs/BENCHMARKS.md,
 * seventh round): the node's CPU per tx −8–9% in alternating pairs (258 / 228 → 237 / 208 µs),
 * its cores 1.37 → 1.29. Memory: up to two memtables held (one being written out), filled only
 * as writes arrive; the write-ahead log replayed at open is as large at most.
 */
export const CHAIN_WRITE_BUFFER_BYTES = 32 * 1024 * 1024;

export class ChainStore {
  /** Recently written or read blocks, bounded by bytes and count. */
  readonly blocks: BlockCache<StoredBlockData>;
  /**
   * The state as the chain core should read it: `kv` with the flat records kept across heads
   * (store/stateRecordCache.ts). Every write of flat state goes through this class, which keeps
   * the cache in step ({@link writeState}).
   */
  readonly state: StateRecordCache;
  /** The journal's next group commit, gathering ops until it is written. */
  private group: JournalGroup | undefined;
  private flushScheduled = false;
  /** The group commit in flight: at most one, so a group gathers everything that came meanwhile. */
  private flushing: Promise<void> | undefined;
  /**
   * Writes that add SMT nodes (blocks) and the SMT sweep's batches, one at a time: a sweep batch
   * reads birth stamps and deletes in one step that no block write may interleave with
   * (store/smtPruner.ts).
   */
  private nodeWrites: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly kv: LevelKv,
    opts: ChainStoreOpts,
  ) {
    this.blocks = new BlockCache(opts.blockCache ?? DEFAULT_BLOCK_CACHE);
    this.state = new StateRecordCache(kv, opts.stateCache ?? DEFAULT_STATE_RECORD_CACHE);
  }

  static async open(dir: string, opts: ChainStoreOpts = {}): Promise<ChainStore> {
    const kv = new LevelKv(dir, { writeBufferSize: opts.writeBufferSize ?? CHAIN_WRITE_BUFFER_BYTES });
    await kv.open();
    return new ChainStore(kv, opts);
  }

  async close(): Promise<void> {
    // Every journal op handed to us is written before the database closes.
    while (this.flushing || this.group) {
      if (this.flushing) await this.flushing;
      else await this.flushPending();
    }
    await this.kv.close();
  }

  // --- genesis and head ---
  genesis(): GenesisDoc | undefined {
    const v = this.kv.get(GENESIS_KEY);
    return v === undefined ? undefined : genesisFromJson(decoder.decode(v));
  }

  head(): Head | undefined {
    const v = this.kv.get(HEAD_KEY);
    if (v === undefined) return undefined;
    const b = this.getBlock(bytesToU64(v, 0));
    if (!b) throw new Error("store: head points at a missing block");
    return { header: b.block.header, hash: b.hash };
  }

  /** Writes genesis: its document, its state ops and block 0, in one batch. */
  async writeGenesis(doc: GenesisDoc, head: Head, stateOps: readonly KvOp[]): Promise<void> {
    const block: Block = { header: head.header, systemTxs: [], txs: [] };
    const encoded = encodeBlock(block);
    await this.writeState(
      [
        ...fileSmtGarbage(stateOps, 0n),
        { type: "put", key: GENESIS_KEY, value: utf8(genesisToJson(doc)) },
        ...this.blockOps({ block, hash: head.hash, receipts: [], senders: [], size: encoded.length }, encoded)
          .ops,
      ],
      "applied",
    );
  }

  // --- blocks ---
  /** The ops that store a block whose canonical bytes are `blockBytes`, and its record's size. */
  private blockOps(b: StoredBlockData, blockBytes: Uint8Array): { ops: KvOp[]; recordBytes: number } {
    const num = u64ToBytes(b.block.header.number);
    const record = encodeList([blockBytes, encodeList(b.receipts.map(encodeReceipt)), concatAll(b.senders)]);
    const ops: KvOp[] = [
      { type: "put", key: key(PREFIX.BLOCK, num), value: record },
      { type: "put", key: key(PREFIX.BLOCK_NUMBER, b.hash), value: num },
      { type: "put", key: HEAD_KEY, value: concatBytes(num, b.hash) },
    ];
    let index = 0;
    for (const { txHash: h } of b.receipts) {
      // number ‖ u32 index, made in place: one allocation per tx, not three.
      const loc = new Uint8Array(12);
      loc.set(num);
      loc[8] = index >>> 24;
      loc[9] = (index >>> 16) & 0xff;
      loc[10] = (index >>> 8) & 0xff;
      loc[11] = index & 0xff;
      index++;
      ops.push({ type: "put", key: key(PREFIX.TX_INDEX, h), value: loc });
    }
    return { ops, recordBytes: record.length };
  }

  /**
   * Persists a block with its state ops, and drops its txs from the pending journal: one atomic
   * batch, fsynced before this resolves. The sequencer serves a block only after this, so a power
   * cut can never make it serve a different block at a height it already served. One fsync per
   * block (0.3 to 5 ms here; bench/storeSync.ts) is nothing against the block time.
   */
  async commitBlock(
    b: BlockToCommit,
    stateOps: readonly KvOp[],
    opts: { undo?: boolean } = {},
  ): Promise<void> {
    const blockBytes = b.encoded ?? encodeBlock(b.block);
    if (b.encoded && b.size !== blockBytes.length) {
      throw new Error(`store: block size ${b.size} does not match its ${blockBytes.length} encoded bytes`);
    }
    const { ops: blockOps, recordBytes } = this.blockOps(b, blockBytes);
    const state = fileSmtGarbage(stateOps, b.block.header.number);
    const ops: KvOp[] = [...state, ...blockOps];
    // A sequencer that posts to L1 keeps undo records until its blocks are on L1, so that blocks
    // derivation will drop (posted too late) can be taken back at start (sequencer/rewind.ts).
    if (opts.undo) ops.push(this.undoOp(b.block.header.number, state));
    for (const tx of b.block.txs) ops.push({ type: "del", key: key(PREFIX.PENDING, tx.hash) });
    await this.serialNodeWrite(() => this.writeState(ops, "applied"));
    // A record of its own: the caller's object is left as it was, and the cache holds no copy of
    // the encoded bytes (the record's cost is counted from them already).
    const { block, hash, receipts, senders } = b;
    this.remember({ block, hash, receipts, senders, size: blockBytes.length }, recordBytes);
  }

  /**
   * A verifier's commit: the block as {@link commitBlock} writes it, plus where it came from on L1
   * and an undo record (every state key's value before the block), in the same fsynced batch, so
   * an L1 reorg can take the block back ({@link rewindTo}).
   */
  async commitDerivedBlock(b: BlockToCommit, stateOps: readonly KvOp[], from: DerivedFrom): Promise<void> {
    const blockBytes = b.encoded ?? encodeBlock(b.block);
    if (b.encoded && b.size !== blockBytes.length) {
      throw new Error(`store: block size ${b.size} does not match its ${blockBytes.length} encoded bytes`);
    }
    const num = u64ToBytes(b.block.header.number);
    // Filed first, so the block's death rows get undo entries (absent before: a rewind drops them).
    const state = fileSmtGarbage(stateOps, b.block.header.number);
    const { ops: blockOps, recordBytes } = this.blockOps(b, blockBytes);
    const ops: KvOp[] = [
      ...state,
      ...blockOps,
      {
        type: "put",
        key: key(PREFIX.DERIVED, num),
        value: encodeDerivedFrom(from),
      },
      this.undoOp(b.block.header.number, state),
    ];
    await this.serialNodeWrite(() => this.writeState(ops, "applied"));
    const { block, hash, receipts, senders } = b;
    this.remember({ block, hash, receipts, senders, size: blockBytes.length }, recordBytes);
  }

  /** Block `n`'s undo record: the value before the block of every non-SMT key its `state` ops write. */
  private undoOp(n: bigint, state: readonly KvOp[]): KvOp {
    const undo: Uint8Array[] = [];
    for (const op of state) {
      if (isContentAddressed(op.key)) continue;
      const prior = this.kv.get(op.key);
      undo.push(op.key, prior === undefined ? Uint8Array.of(0) : concatBytes(Uint8Array.of(1), prior));
    }
    return { type: "put", key: key(PREFIX.UNDO, u64ToBytes(n)), value: encodeList(undo) };
  }

  /** The L1 cursor of derived block `n` (undefined: not derived, e.g. genesis or a sequencer's block). */
  derivedFrom(n: bigint): DerivedFrom | undefined {
    const v = this.kv.get(key(PREFIX.DERIVED, u64ToBytes(n)));
    if (v === undefined) return undefined;
    return decodeDerivedFrom(v);
  }

  /**
   * A sequencer's block `n` equals the block derivation made from L1 (bridge/derivation, follow
   * mode): its L1 cursor is written alone, as a verifier's is with its block. Not fsynced: a mark
   * a crash loses is derived again. Marks stay a prefix of the chain (derivation confirms blocks in
   * order; {@link unmarkDerivedAbove} and {@link rewindTo} drop them from the top).
   */
  async markDerived(n: bigint, from: DerivedFrom): Promise<void> {
    await this.kv.write([
      { type: "put", key: key(PREFIX.DERIVED, u64ToBytes(n)), value: encodeDerivedFrom(from) },
    ]);
  }

  /**
   * Drops the L1 cursors of blocks n+1..`through` (default: the head), keeping the blocks: a
   * sequencer's derivation resumes below them (a restart, an L1 reorg) and confirms them again.
   */
  async unmarkDerivedAbove(n: bigint, through?: bigint): Promise<void> {
    const top = through ?? this.head()?.header.number ?? 0n;
    const ops: KvOp[] = [];
    for (let k = n + 1n; k <= top; k++) ops.push({ type: "del", key: key(PREFIX.DERIVED, u64ToBytes(k)) });
    await this.kv.write(ops);
  }

  /**
   * The highest block with an L1 cursor (genesis counts as one): derivation's safe cursor over a
   * sequencer's chain. Binary search: the marks are a prefix of the chain.
   */
  highestDerived(): bigint {
    let lo = 0n;
    let hi = this.head()?.header.number ?? 0n;
    while (lo < hi) {
      const mid = (lo + hi + 1n) / 2n;
      if (this.derivedFrom(mid) !== undefined) lo = mid;
      else hi = mid - 1n;
    }
    return lo;
  }

  /**
   * Block `n`'s undo record as (key, value before the block; undefined: absent) pairs, or
   * undefined when it has none (store/pastState.ts reads the state of an older block through them).
   */
  undoEntries(n: bigint): Array<[Uint8Array, Uint8Array | undefined]> | undefined {
    const v = this.kv.get(key(PREFIX.UNDO, u64ToBytes(n)));
    if (v === undefined) return undefined;
    const items = decodeList(v);
    const out: Array<[Uint8Array, Uint8Array | undefined]> = [];
    for (let i = 0; i < items.length; i += 2) {
      const prior = items[i + 1]!;
      out.push([items[i]!, prior[0] === 1 ? prior.subarray(1) : undefined]);
    }
    return out;
  }

  /**
   * Takes back every block above `n` (an L1 reorg; a sequencer's blocks derivation will drop):
   * their state changes undone, their blocks, tx index entries, cursors and undo records deleted,
   * the head set to `n`, and `repend` (a sequencer's rewound txs) put back in the pending journal:
   * ONE fsynced batch, so a crash leaves the old head, or `n` with those txs journaled. Throws
   * STORE_REWIND when a block above `n` has no undo record (committed without one, or pruned
   * because it was final).
   */
  async rewindTo(n: bigint, repend: readonly SignedTx[] = []): Promise<void> {
    const head = this.head();
    if (head === undefined || n >= head.header.number) return;
    if (n < this.undoPruned())
      throw new RollupError(
        "STORE_REWIND",
        `cannot rewind to ${n}: blocks up to ${this.undoPruned()} are final`,
      );
    const target = this.getBlock(n);
    if (!target) throw new RollupError("STORE_REWIND", `cannot rewind to ${n}: no such block`);
    const ops: KvOp[] = [];
    // Newest first: an older block's prior value comes later in the batch, so it wins.
    for (let k = head.header.number; k > n; k--) {
      const num = u64ToBytes(k);
      const undo = this.kv.get(key(PREFIX.UNDO, num));
      const b = this.getBlock(k);
      if (undo === undefined || !b)
        throw new RollupError("STORE_REWIND", `cannot rewind block ${k}: it has no undo record`);
      const items = decodeList(undo);
      for (let i = 0; i < items.length; i += 2) {
        const k0 = items[i]!;
        const prior = items[i + 1]!;
        ops.push(prior[0] === 1 ? { type: "put", key: k0, value: prior.slice(1) } : { type: "del", key: k0 });
      }
      ops.push({ type: "del", key: key(PREFIX.BLOCK, num) });
      ops.push({ type: "del", key: key(PREFIX.BLOCK_NUMBER, b.hash) });
      for (const r of b.receipts) ops.push({ type: "del", key: key(PREFIX.TX_INDEX, r.txHash) });
      ops.push({ type: "del", key: key(PREFIX.DERIVED, num) });
      ops.push({ type: "del", key: key(PREFIX.UNDO, num) });
    }
    ops.push({ type: "put", key: HEAD_KEY, value: concatBytes(u64ToBytes(n), target.hash) });
    for (const tx of repend) ops.push({ type: "put", key: key(PREFIX.PENDING, tx.hash), value: tx.raw });
    // Serialised with the SMT sweep, whose batches read death rows this batch restores.
    await this.serialNodeWrite(() => this.writeState(ops, "cleared"));
    for (let k = head.header.number; k > n; k--) this.blocks.delete(k);
  }

  /** Whether block `n` has an undo record ({@link rewindTo} can take it back). */
  hasUndo(n: bigint): boolean {
    return this.kv.get(key(PREFIX.UNDO, u64ToBytes(n))) !== undefined;
  }

  /** The highest block whose undo record is gone (0: none pruned). */
  undoPruned(): bigint {
    const v = this.kv.get(UNDO_PRUNED_KEY);
    return v === undefined ? 0n : bytesToU64(v, 0);
  }

  /**
   * Drops the undo records of blocks up to `through` (final: L1 can no longer take them back),
   * at most {@link MAX_UNDO_PRUNE} per call, with the new mark in the same batch.
   */
  async pruneUndo(through: bigint): Promise<void> {
    const from = this.undoPruned() + 1n;
    if (through < from) return;
    const to = through - from >= BigInt(MAX_UNDO_PRUNE) ? from + BigInt(MAX_UNDO_PRUNE) - 1n : through;
    const ops: KvOp[] = [];
    for (let k = from; k <= to; k++) ops.push({ type: "del", key: key(PREFIX.UNDO, u64ToBytes(k)) });
    ops.push({ type: "put", key: UNDO_PRUNED_KEY, value: u64ToBytes(to) });
    await this.kv.write(ops);
  }

  /**
   * One bounded batch of the SMT garbage collector (store/smtPruner.ts): deletes nodes that only
   * roots older than block `keepFrom` reach. `keepFrom` is clamped to the head, and on a chain
   * that keeps undo records (a verifier's; a sequencer's that posts to L1) to the lowest block a
   * rewind may still go back to ({@link undoPruned}), whose tree must stay whole. `done`: caught
   * up with `keepFrom`.
   */
  async pruneState(
    keepFrom: bigint,
    limits: SmtPruneLimits = DEFAULT_SMT_PRUNE_LIMITS,
  ): Promise<{ deleted: number; examined: number; done: boolean }> {
    return this.serialNodeWrite(async () => {
      const head = this.head()?.header.number ?? 0n;
      let k = keepFrom < head ? keepFrom : head;
      if (this.hasUndo(head) && this.undoPruned() < k) k = this.undoPruned();
      const b = await smtPruneBatch(this.kv.db, k, limits);
      await this.kv.write(b.ops);
      return { deleted: b.deleted, examined: b.examined, done: b.done };
    });
  }

  /** The lowest block whose state the store can still prove (older roots may miss pruned nodes). */
  stateAvailableFrom(): bigint {
    return smtStateAvailableFrom(readSmtPruneCursor(this.kv));
  }

  /**
   * Writes a batch that may change flat state, fsynced, then brings {@link state} in step: the
   * batch's flat ops `applied`, or the whole cache `cleared` (a rewind: the blocks' values are
   * gone, and only the database knows the older ones). A failed write clears it too (nothing is
   * known of what reached the disk), so the cache never holds a value the database does not.
   */
  private async writeState(ops: readonly KvOp[], then: "applied" | "cleared"): Promise<void> {
    try {
      await this.kv.write(ops, { sync: true, sliceMs: WRITE_SLICE_MS });
    } catch (e) {
      this.state.clear();
      throw e;
    }
    if (then === "applied") this.state.applied(ops);
    else this.state.clear();
  }

  private serialNodeWrite<T>(write: () => Promise<T>): Promise<T> {
    const run = this.nodeWrites.then(write, write);
    this.nodeWrites = run.catch(() => undefined);
    return run;
  }

  private remember(b: StoredBlockData, recordBytes: number): void {
    const txs = b.block.systemTxs.length + b.block.txs.length;
    this.blocks.set(b.block.header.number, b, blockRecordCost(recordBytes, txs));
  }

  getBlock(number: bigint): StoredBlockData | undefined {
    const hit = this.blocks.get(number);
    if (hit) return hit;
    const v = this.kv.get(key(PREFIX.BLOCK, u64ToBytes(number)));
    if (v === undefined) return undefined;
    const [blockBytes, receiptBytes, senderBytes] = decodeList(v) as [Uint8Array, Uint8Array, Uint8Array];
    const block = decodeBlock(blockBytes);
    const receipts = decodeList(receiptBytes).map(decodeReceipt);
    const senders: Address[] = [];
    for (let i = 0; i < senderBytes.length; i += 20) senders.push(senderBytes.subarray(i, i + 20));
    const data: StoredBlockData = {
      block,
      hash: blockHash(block.header),
      receipts,
      senders,
      size: blockBytes.length,
    };
    this.remember(data, v.length);
    return data;
  }

  getBlockNumber(hash: Hash32): bigint | undefined {
    const v = this.kv.get(key(PREFIX.BLOCK_NUMBER, hash));
    return v === undefined ? undefined : bytesToU64(v, 0);
  }

  getTxLocation(hash: Hash32): { blockNumber: bigint; index: number } | undefined {
    const v = this.kv.get(key(PREFIX.TX_INDEX, hash));
    if (v === undefined) return undefined;
    return { blockNumber: bytesToU64(v, 0), index: new DataView(v.buffer, v.byteOffset + 8, 4).getUint32(0) };
  }

  // --- pending journal (group commit) ---
  /**
   * Journals an admitted tx; resolves once it is on disk and fsynced, so an "accepted" answer
   * survives a process crash and a power cut. Group commit: every tx that arrives while one group
   * is being written goes into the next group (one batch, one fsync), so the fsync's cost is
   * shared and ingest holds (figures in docs/SECURITY.md §10).
   */
  addPending(tx: SignedTx): Promise<void> {
    return this.journal([{ type: "put", key: key(PREFIX.PENDING, tx.hash), value: tx.raw }]);
  }

  /**
   * Drops journal entries (txs replaced or refused after admission). They go through the same
   * queue as additions, so a removal is never written before the addition it undoes.
   */
  removePending(hashes: readonly Hash32[]): Promise<void> {
    if (hashes.length === 0) return Promise.resolve();
    return this.journal(hashes.map((h) => ({ type: "del", key: key(PREFIX.PENDING, h) })));
  }

  private journal(ops: readonly KvOp[]): Promise<void> {
    let g = this.group;
    if (g === undefined) {
      g = journalGroup();
      this.group = g;
      this.scheduleFlush();
    }
    for (const op of ops) g.ops.push(op);
    return g.written;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.flushing) return;
    this.flushScheduled = true;
    setImmediate(() => void this.flushPending());
  }

  /** Writes the waiting group as one synced batch; the next group starts when it is done. */
  private flushPending(): Promise<void> {
    this.flushScheduled = false;
    if (this.flushing) return this.flushing;
    const g = this.group;
    if (g === undefined) return Promise.resolve();
    this.group = undefined;
    const done = this.kv.write(g.ops, { sync: true }).then(g.resolve, g.reject);
    this.flushing = done.finally(() => {
      this.flushing = undefined;
      if (this.group) this.scheduleFlush();
    });
    return this.flushing;
  }

  /** Every journaled raw tx (startup: re-admit them). */
  async loadPending(): Promise<Uint8Array[]> {
    const out: Uint8Array[] = [];
    for await (const v of this.kv.db.values({
      gte: Uint8Array.of(PREFIX.PENDING),
      lt: Uint8Array.of(PREFIX.PENDING + 1),
    })) {
      out.push(new Uint8Array(v));
    }
    return out;
  }

  // --- state scans (ordered by address; chain/state/keys.ts layout) ---
  /** Node addresses in ascending order, starting after `after`, at most `limit`. */
  async listNodeAddresses(limit: number, after?: Address): Promise<Address[]> {
    const base = Uint8Array.of(0x01, NS.NODE);
    const gt = after ? concatBytes(base, after) : undefined;
    const range = gt
      ? { gt, lt: Uint8Array.of(0x01, NS.NODE + 1) }
      : { gte: base, lt: Uint8Array.of(0x01, NS.NODE + 1) };
    const out: Address[] = [];
    for await (const k of this.kv.db.keys({ ...range, limit })) out.push(new Uint8Array(k).subarray(2));
    return out;
  }

  /** Rounds some challenge awaits (startup: rebuild the beacon feed's work list). */
  async listAwaitedRounds(): Promise<bigint[]> {
    const out: bigint[] = [];
    for await (const k of this.kv.db.keys({
      gte: Uint8Array.of(0x01, NS.AWAITED),
      lt: Uint8Array.of(0x01, NS.AWAITED + 1),
    })) {
      out.push(bytesToU64(new Uint8Array(k), 2));
    }
    return out;
  }
}
