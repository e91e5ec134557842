/**
 * One block's index entries, as the ops of ONE level batch (with the cursor and an undo record),
 * so a crash leaves the index at the block before or after, never between. Pure over a reader of
 * the index as it stands: no I/O of its own.
 *
 * Append-only entries (the block's tx chunks and address-tx keys) are not listed in the undo
 * record: a rewind derives them again from the block's tx rows. Entries no tx row names
 * (challenges, events, rounds, withdrawals, deposits, nodes) are listed as `created`; mutable ones
 * (totals, per-epoch sums) keep their prior values.
 *
 * The per-tx work is the hot path (5,000 txs a block in bench/explorer.ts): a tx costs one binary
 * row in a chunk (indexer/txChunks.ts) and one key per party, built in place; no JSON, no hex.
 * @module
 */
import { bytesToHex, equalBytes, u64ToBytes } from "../chain/bytes.ts";
import { TX_ERROR } from "../chain/errors.ts";
import type { KvOp } from "../chain/kv.ts";
import { type ChainParams, tierWork } from "../chain/params.ts";
import { drainSteps } from "../chain/steps.ts";
import type { Block, Hash32, Receipt } from "../chain/types.ts";
import { ADDRESS_TX_KEY_LEN, IX, ixKey, metaKey, putAddressTxKey, txPos, u64 } from "./keys.ts";
import { decodeRecord, encodeRecord } from "./recordCodec.ts";
import {
  type BlockRecord,
  type ChallengeRecord,
  type DepositRecord,
  type EpochRecord,
  type EventRecord,
  type RoundRecord,
  type Totals,
  type TxRecord,
  type UndoRecord,
  type WithdrawalRecord,
  ZERO_TOTALS,
} from "./records.ts";
import { CHUNK_TXS, chunkKey, TxChunkWriter } from "./txChunks.ts";

export type IndexParams = Pick<ChainParams, "epochMs" | "tiers" | "flopsPerCredit">;

/** A committed block as the chain store holds it (store/chainStore.ts StoredBlockData). */
export interface IndexedBlock {
  block: Block;
  hash: Hash32;
  receipts: readonly Receipt[];
  senders: readonly Uint8Array[];
  size: number;
}

export interface IndexReader {
  get(key: Uint8Array): Uint8Array | undefined;
}

export const CURSOR_KEY = metaKey("cursor");
export const TOTALS_KEY = metaKey("totals");

/** The parties a tx row has an address-tx entry for: its sender, and its receiver when another. */
export function txParties(t: TxRecord): Uint8Array[] {
  if (!t.to) return t.from ? [t.from] : [];
  if (!t.from) return [t.to];
  return equalBytes(t.to, t.from) ? [t.from] : [t.from, t.to];
}

interface Party {
  address: Uint8Array;
  indexes: number[];
  /** The next party whose address shares these 30 bits. */
  next: Party | undefined;
}

/**
 * A block's address-tx entries: per party, the indexes of its txs, in index order. One entry per
 * party and block, so a block costs a key per distinct address rather than two per tx.
 */
class AddressTxs {
  // Bucketed by 30 bits of the address (a small-integer Map key), then compared in full: no
  // string or hex per tx on the hot path.
  private readonly buckets = new Map<number, Party>();
  private readonly parties: Party[] = [];

  add(t: TxRecord): void {
    if (t.from) this.note(t.from, t.index);
    // A self-transfer notes its index once (the last index noted is this tx's).
    if (t.to) this.note(t.to, t.index);
  }

  private note(a: Uint8Array, index: number): void {
    const h = ((a[0]! & 0x3f) << 24) | (a[1]! << 16) | (a[2]! << 8) | a[3]!;
    const head = this.buckets.get(h);
    for (let p = head; p !== undefined; p = p.next) {
      if (!equalBytes(p.address, a)) continue;
      if (p.indexes[p.indexes.length - 1] !== index) p.indexes.push(index);
      return;
    }
    // A new party heads its bucket's chain (collisions of 30 bits are rare: no array per bucket).
    const p: Party = { address: a, indexes: [index], next: head };
    this.buckets.set(h, p);
    this.parties.push(p);
  }

  ops(block: bigint): KvOp[] {
    const block8 = u64ToBytes(block);
    let total = 0;
    for (const p of this.parties) total += p.indexes.length;
    // Every entry's key and value as views of two buffers: two allocations a block, not two a party.
    const keys = new Uint8Array(ADDRESS_TX_KEY_LEN * this.parties.length);
    const values = new Uint8Array(4 * total);
    const out: KvOp[] = [];
    let k = 0;
    let v = 0;
    for (const { address, indexes } of this.parties) {
      const start = v;
      for (const i of indexes) {
        values[v++] = i >>> 24;
        values[v++] = (i >>> 16) & 0xff;
        values[v++] = (i >>> 8) & 0xff;
        values[v++] = i & 0xff;
      }
      out.push({
        type: "put",
        key: putAddressTxKey(keys, k, address, block8),
        value: values.subarray(start, v),
      });
      k += ADDRESS_TX_KEY_LEN;
    }
    return out;
  }
}

/** The batch that indexes `b` on top of the index `db` holds (whose cursor is b's parent). */
export function indexBlockOps(b: IndexedBlock, params: IndexParams, db: IndexReader): KvOp[] {
  return drainSteps(indexBlockSteps(b, params, db));
}

/** Signed txs indexed between two pauses of {@link indexBlockSteps} (~0.2 ms of work at most). */
const STEP_TXS = 256;

/**
 * {@link indexBlockOps} in steps: it pauses (yields) after every {@link STEP_TXS} signed txs, so
 * the indexer can hand its thread back in the middle of a large block (a 5k-tx block is ~50–90 ms
 * of work in one piece) and resume. The caller must keep `db` unchanged until the batch is
 * returned and written: the indexer is the index's only writer and indexes one block at a time.
 */
export function* indexBlockSteps(
  b: IndexedBlock,
  params: IndexParams,
  db: IndexReader,
): Generator<void, KvOp[], void> {
  const h = b.block.header;
  const n = h.number;
  const ops: KvOp[] = [];
  const undo: UndoRecord = { prior: [], created: [] };
  // Mutable keys: the value as this block leaves it (so a second change in the block sees the first).
  const dirty = new Map<string, { key: Uint8Array; value: Uint8Array }>();
  const readMutable = (key: Uint8Array): Uint8Array | undefined =>
    dirty.get(bytesToHex(key))?.value ?? db.get(key);
  const writeMutable = (key: Uint8Array, value: Uint8Array): void => {
    const hex = bytesToHex(key);
    if (!dirty.has(hex)) {
      const prior = db.get(key);
      undo.prior.push([hex, prior === undefined ? null : bytesToHex(prior)]);
    }
    dirty.set(hex, { key, value });
  };
  const create = (key: Uint8Array, value: Uint8Array): void => {
    ops.push({ type: "put", key, value });
    undo.created.push(bytesToHex(key));
  };
  const totalsBytes = db.get(TOTALS_KEY);
  const totals: Totals = totalsBytes ? decodeRecord<Totals>(totalsBytes) : { ...ZERO_TOTALS };
  const epoch = h.timestamp / params.epochMs;
  const newChallenges = new Map<bigint, ChallengeRecord>();
  const challengeOf = (id: bigint): ChallengeRecord | undefined => {
    const c = newChallenges.get(id);
    if (c) return c;
    const v = db.get(ixKey(IX.CHALLENGE, u64(id)));
    return v ? decodeRecord<ChallengeRecord>(v) : undefined;
  };
  const addEpoch = (key: Uint8Array, f: (e: EpochRecord) => void): void => {
    const v = readMutable(key);
    const e: EpochRecord = v
      ? decodeRecord<EpochRecord>(v)
      : { epoch, work: 0n, credits: 0n, passes: 0, fails: 0 };
    f(e);
    writeMutable(key, encodeRecord(e));
  };
  const event = (id: bigint, index: number, e: EventRecord): void =>
    create(ixKey(IX.CHALLENGE_EVENT, u64(id), txPos(n, index)), encodeRecord(e));

  const nSys = b.block.systemTxs.length;
  const chunks = new TxChunkWriter(h.timestamp, b.receipts.length);
  let chunkFirst = 0;
  const parties = new AddressTxs();
  // Txs come in index order (system txs, then signed), so a chunk is full every CHUNK_TXS rows.
  const put = (t: TxRecord): void => {
    chunks.add(t);
    if (chunks.count === CHUNK_TXS) {
      ops.push({ type: "put", key: chunkKey(IX.TX, n, chunkFirst), value: chunks.take() });
      chunkFirst += CHUNK_TXS;
    }
    parties.add(t);
  };
  const base = (index: number, r: Receipt, kind: TxRecord["kind"]): TxRecord => {
    const t: TxRecord = {
      hash: r.txHash,
      blockNumber: n,
      index,
      timestamp: h.timestamp,
      kind,
      status: r.status,
    };
    if (r.error !== undefined) t.error = r.error;
    if (r.challengeId !== undefined) t.challengeId = r.challengeId;
    if (r.credits !== undefined) t.credits = r.credits;
    return t;
  };

  for (let i = 0; i < nSys; i++) {
    const s = b.block.systemTxs[i]!;
    const r = b.receipts[i]!;
    const t = base(i, r, s.kind);
    if (s.kind === "beacon" && r.status === "success") {
      const round: RoundRecord = { round: s.round, blockNumber: n, time: h.timestamp, txHash: r.txHash };
      create(ixKey(IX.ROUND, u64(s.round)), encodeRecord(round));
    } else if (s.kind === "deposit") {
      t.to = s.to;
      t.amount = s.amount;
      if (r.status === "success") {
        const d: DepositRecord = {
          depositId: s.depositId,
          to: s.to,
          amount: s.amount,
          l1BlockNumber: s.l1BlockNumber,
          l2BlockNumber: n,
          timestamp: h.timestamp,
          txHash: r.txHash,
        };
        create(ixKey(IX.DEPOSIT, u64(s.depositId)), encodeRecord(d));
        totals.creditsMinted += r.credits ?? s.amount;
      }
    } else if (s.kind === "revoke") {
      t.challengeId = s.challengeId;
      if (r.status === "success") totals.creditsBurned += r.credits ?? 0n;
    }
    put(t);
  }

  for (let j = 0; j < b.block.txs.length; j++) {
    if (j % STEP_TXS === STEP_TXS - 1) yield;
    const tx = b.block.txs[j]!;
    const from = b.senders[j]!;
    const index = nSys + j;
    const r = b.receipts[index]!;
    const a = tx.body.action;
    const t = base(index, r, a.kind);
    t.from = from;
    const ok = r.status === "success";
    switch (a.kind) {
      case "register":
        if (ok) {
          create(ixKey(IX.NODE, from), u64ToBytes(n));
          totals.nodes++;
        }
        break;
      case "challenge":
        if (ok && r.challengeId !== undefined) {
          const c: ChallengeRecord = {
            id: r.challengeId,
            node: from,
            tier: a.tier,
            requestedAt: h.timestamp,
          };
          newChallenges.set(c.id, c);
          create(ixKey(IX.CHALLENGE, u64(c.id)), encodeRecord(c));
          create(ixKey(IX.NODE_CHALLENGE, from, u64(c.id)), new Uint8Array(0));
          event(c.id, index, { kind: "requested", time: h.timestamp, blockNumber: n, txHash: r.txHash });
          totals.challenges++;
        }
        break;
      case "commit":
        if (ok)
          event(a.challengeId, index, {
            kind: "committed",
            time: h.timestamp,
            blockNumber: n,
            txHash: r.txHash,
          });
        break;
      case "reveal": {
        // A reveal that fails its openings settles the challenge FAILED; other failures (too early,
        // too late, not the owner) leave it as it was and are no step of its life.
        const passed = ok;
        const failed = !ok && r.error === TX_ERROR.BAD_OPENING;
        if (!passed && !failed) break;
        event(a.challengeId, index, {
          kind: passed ? "passed" : "failed",
          time: h.timestamp,
          blockNumber: n,
          txHash: r.txHash,
        });
        const c = challengeOf(a.challengeId);
        const tier = c ? params.tiers.find((x) => x.id === c.tier) : undefined;
        const work = passed && tier ? tierWork(tier) : 0n;
        const credits = passed ? (r.credits ?? 0n) : 0n;
        // credits = work·mult·10^18 / (10000·flopsPerCredit) (chain/state/liveness.ts), so
        // mult = credits·10000·flopsPerCredit / (work·10^18), exact up to the one rounding.
        const mult =
          work > 0n ? (credits * 10_000n * params.flopsPerCredit) / (work * 10n ** 18n) : undefined;
        const apply = (e: EpochRecord): void => {
          e.work += work;
          e.credits += credits;
          if (passed) e.passes++;
          else e.fails++;
          if (mult !== undefined)
            e.multiplierBps = mult + (needsRoundUp(work, mult, credits, params) ? 1n : 0n);
        };
        addEpoch(ixKey(IX.NODE_EPOCH, from, u64(epoch)), apply);
        addEpoch(ixKey(IX.EPOCH, u64(epoch)), apply);
        totals.creditsMinted += credits;
        break;
      }
      case "transfer":
        t.to = a.to;
        t.amount = a.amount;
        break;
      case "withdraw":
        t.to = a.to;
        t.amount = a.amount;
        if (ok) {
          const w: WithdrawalRecord = {
            index: totals.withdrawals,
            from,
            to: a.to,
            amount: a.amount,
            l2BlockNumber: n,
            timestamp: h.timestamp,
            txHash: r.txHash,
          };
          create(ixKey(IX.WITHDRAWAL, u64(w.index)), encodeRecord(w));
          totals.withdrawals++;
          totals.creditsBurned += r.credits ?? a.amount;
        }
        break;
    }
    put(t);
  }

  if (chunks.count > 0) ops.push({ type: "put", key: chunkKey(IX.TX, n, chunkFirst), value: chunks.take() });
  for (const op of parties.ops(n)) ops.push(op);

  const record: BlockRecord = {
    number: n,
    hash: b.hash,
    parentHash: h.parentHash,
    timestamp: h.timestamp,
    txCount: b.receipts.length,
    signedTxCount: b.block.txs.length,
    size: b.size,
    l1Origin: { number: h.l1Origin.number, hash: h.l1Origin.hash, timestamp: h.l1Origin.timestamp },
    stateRoot: h.stateRoot,
    withdrawalsRoot: h.withdrawalsRoot,
    txRoot: h.txRoot,
    receiptsRoot: h.receiptsRoot,
  };
  ops.push({ type: "put", key: ixKey(IX.BLOCK, u64(n)), value: encodeRecord(record) });
  ops.push({ type: "put", key: ixKey(IX.BLOCK_HASH, b.hash), value: u64(n) });
  totals.blocks++;
  totals.txs += BigInt(b.receipts.length);
  writeMutable(TOTALS_KEY, encodeRecord(totals));
  for (const { key, value } of dirty.values()) ops.push({ type: "put", key, value });
  ops.push({ type: "put", key: ixKey(IX.UNDO, u64(n)), value: encodeRecord(undo) });
  ops.push({ type: "put", key: CURSOR_KEY, value: new Uint8Array([...u64(n), ...b.hash]) });
  return ops;
}

/** Whether integer division rounded the multiplier down past its true value (credits were floored once). */
function needsRoundUp(work: bigint, mult: bigint, credits: bigint, params: IndexParams): boolean {
  const at = (m: bigint) => (work * m * 10n ** 18n) / (10_000n * params.flopsPerCredit);
  return at(mult) < credits && at(mult + 1n) <= credits;
}
