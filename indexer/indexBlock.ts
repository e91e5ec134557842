/**
 * One block's index entries, as the ops of ONE level batch (with the cursor and an undo record),
 * so a crash leaves the index at the block before or after, never between. Pure over a reader of
 * the index as it stands: no I/O of its own.
 *
 * Append-only entries (tx, tx-hash, address-tx) are not listed in the undo record: a rewind
 * derives them again from the block's tx records. Entries no tx record names (challenges, events,
 * rounds, withdrawals, deposits, nodes) are listed as `created`; mutable ones (totals, per-epoch
 * sums) keep their prior values.
 * @module
 */
import { bytesToHex, equalBytes, u64ToBytes } from "../chain/bytes.ts";
import { TX_ERROR } from "../chain/errors.ts";
import type { KvOp } from "../chain/kv.ts";
import { type ChainParams, tierWork } from "../chain/params.ts";
import type { Block, Hash32, Receipt } from "../chain/types.ts";
import { IX, ixKey, metaKey, txPos, u64 } from "./keys.ts";
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

/** The keys a tx record implies (deleted again on a rewind). */
export function txKeys(t: TxRecord): Uint8Array[] {
  const pos = txPos(t.blockNumber, t.index);
  const keys = [ixKey(IX.TX, pos), ixKey(IX.TX_HASH, t.hash)];
  if (t.from) keys.push(ixKey(IX.ADDRESS_TX, t.from, pos));
  if (t.to && (!t.from || !equalBytes(t.to, t.from))) keys.push(ixKey(IX.ADDRESS_TX, t.to, pos));
  return keys;
}

/** The batch that indexes `b` on top of the index `db` holds (whose cursor is b's parent). */
export function indexBlockOps(b: IndexedBlock, params: IndexParams, db: IndexReader): KvOp[] {
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
  const put = (t: TxRecord): void => {
    const pos = txPos(n, t.index);
    ops.push({ type: "put", key: ixKey(IX.TX, pos), value: encodeRecord(t) });
    ops.push({ type: "put", key: ixKey(IX.TX_HASH, t.hash), value: pos });
    // The address entries point at the tx record: no value of their own.
    for (const k of txKeys(t).slice(2)) ops.push({ type: "put", key: k, value: new Uint8Array(0) });
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
