/**
 * The explorer's lists and lookups over the index: each list is ONE range read of at most
 * `limit + 1` entries (the extra one says whether a next page exists), plus, for lists of
 * references (address txs, node challenges), one point read per item: time independent of the
 * chain's length. Keyset pagination: a page's `next` is its last item's key, as text.
 * @module
 */
import { bytesToHex, bytesToU64, hexToBytes } from "../chain/bytes.ts";
import type { Address, Hash32 } from "../chain/types.ts";
import type { LevelKv } from "../store/levelKv.ts";
import { type IndexParams, TOTALS_KEY } from "./indexBlock.ts";
import { IX, ixKey, prefixEnd, txPos, u64 } from "./keys.ts";
import { decodeRecord } from "./recordCodec.ts";
import {
  type BatchRecord,
  type BlockRecord,
  type ChallengeRecord,
  type DepositRecord,
  type EpochRecord,
  type EventRecord,
  type RoundRecord,
  type Totals,
  type TxRecord,
  type WithdrawalRecord,
  ZERO_TOTALS,
} from "./records.ts";

export interface IndexPage<T> {
  items: T[];
  next: string | null;
}

export interface IndexPageQuery {
  limit: number;
  cursor?: string;
}

/** A cursor that does not parse as the list's key. */
export class IndexCursorError extends Error {
  override readonly name = "IndexCursorError";
}

const U64_MAX = (1n << 64n) - 1n;

function parseU64(s: string): bigint {
  if (!/^\d{1,20}$/.test(s)) throw new IndexCursorError(`bad cursor: ${JSON.stringify(s.slice(0, 40))}`);
  const v = BigInt(s);
  if (v > U64_MAX) throw new IndexCursorError("bad cursor: out of range");
  return v;
}

/** "block:index", the cursor of tx lists. */
function parseTxCursor(s: string): Uint8Array {
  const m = /^(\d{1,20}):(\d{1,10})$/.exec(s);
  if (!m) throw new IndexCursorError(`bad cursor: ${JSON.stringify(s.slice(0, 40))}`);
  const i = Number(m[2]);
  if (i > 0xffffffff) throw new IndexCursorError("bad cursor: out of range");
  return txPos(parseU64(m[1]!), i);
}

function parseAddressCursor(s: string): Uint8Array {
  if (!/^0x[0-9a-fA-F]{40}$/.test(s))
    throw new IndexCursorError(`bad cursor: ${JSON.stringify(s.slice(0, 44))}`);
  return hexToBytes(s);
}

const txCursor = (t: TxRecord): string => `${t.blockNumber}:${t.index}`;

export class IndexReads {
  constructor(
    private readonly kv: LevelKv,
    private readonly params: IndexParams,
  ) {}

  /**
   * Up to `limit` entries under `prefix`, after the key suffix `after` (newest first when
   * `reverse`), and whether more exist.
   */
  private async range(
    prefix: Uint8Array,
    limit: number,
    after: Uint8Array | undefined,
    reverse: boolean,
  ): Promise<{ entries: Array<[Uint8Array, Uint8Array]>; more: boolean }> {
    const bound = after === undefined ? undefined : new Uint8Array([...prefix, ...after]);
    const range = reverse
      ? { gte: prefix, lt: bound ?? prefixEnd(prefix), reverse: true, limit: limit + 1 }
      : bound === undefined
        ? { gte: prefix, lt: prefixEnd(prefix), limit: limit + 1 }
        : { gt: bound, lt: prefixEnd(prefix), limit: limit + 1 };
    const entries: Array<[Uint8Array, Uint8Array]> = [];
    for await (const [k, v] of this.kv.db.iterator(range)) {
      entries.push([
        new Uint8Array(k.buffer, k.byteOffset, k.byteLength),
        new Uint8Array(v.buffer, v.byteOffset, v.byteLength),
      ]);
    }
    const more = entries.length > limit;
    if (more) entries.length = limit;
    return { entries, more };
  }

  private async records<T>(
    prefix: Uint8Array,
    q: IndexPageQuery,
    after: Uint8Array | undefined,
    reverse: boolean,
    cursorOf: (t: T) => string,
  ): Promise<IndexPage<T>> {
    const { entries, more } = await this.range(prefix, q.limit, after, reverse);
    const items = entries.map(([, v]) => decodeRecord<T>(v));
    return { items, next: more && items.length > 0 ? cursorOf(items[items.length - 1]!) : null };
  }

  private get<T>(key: Uint8Array): T | undefined {
    const v = this.kv.get(key);
    return v === undefined ? undefined : decodeRecord<T>(v);
  }

  totals(): Totals {
    return this.get<Totals>(TOTALS_KEY) ?? { ...ZERO_TOTALS };
  }

  // --- blocks ---
  blocks(q: IndexPageQuery): Promise<IndexPage<BlockRecord>> {
    const after = q.cursor === undefined ? undefined : u64(parseU64(q.cursor));
    return this.records(Uint8Array.of(IX.BLOCK), q, after, true, (b: BlockRecord) => b.number.toString());
  }

  block(n: bigint): BlockRecord | undefined {
    return n > U64_MAX || n < 0n ? undefined : this.get<BlockRecord>(ixKey(IX.BLOCK, u64(n)));
  }

  blockNumber(hash: Hash32): bigint | undefined {
    const v = this.kv.get(ixKey(IX.BLOCK_HASH, hash));
    return v === undefined ? undefined : bytesToU64(v, 0);
  }

  /** A block's txs in block order; the cursor is the last index. */
  blockTxs(n: bigint, q: IndexPageQuery): Promise<IndexPage<TxRecord>> {
    let after: Uint8Array | undefined;
    if (q.cursor !== undefined) {
      if (!/^\d{1,10}$/.test(q.cursor) || Number(q.cursor) > 0xffffffff)
        throw new IndexCursorError("bad cursor: expected a tx index");
      after = txPos(n, Number(q.cursor)).subarray(8);
    }
    return this.records(ixKey(IX.TX, u64(n)), q, after, false, (t: TxRecord) => t.index.toString());
  }

  // --- transactions ---
  txs(q: IndexPageQuery): Promise<IndexPage<TxRecord>> {
    const after = q.cursor === undefined ? undefined : parseTxCursor(q.cursor);
    return this.records(Uint8Array.of(IX.TX), q, after, true, txCursor);
  }

  tx(hash: Hash32): TxRecord | undefined {
    const pos = this.kv.get(ixKey(IX.TX_HASH, hash));
    return pos === undefined ? undefined : this.get<TxRecord>(ixKey(IX.TX, pos));
  }

  async addressTxs(address: Address, q: IndexPageQuery): Promise<IndexPage<TxRecord>> {
    const after = q.cursor === undefined ? undefined : parseTxCursor(q.cursor);
    const { entries, more } = await this.range(ixKey(IX.ADDRESS_TX, address), q.limit, after, true);
    const items: TxRecord[] = [];
    for (const [k] of entries) {
      const t = this.get<TxRecord>(ixKey(IX.TX, k.subarray(21)));
      if (t) items.push(t);
    }
    return { items, next: more && items.length > 0 ? txCursor(items[items.length - 1]!) : null };
  }

  /** Indexed txs that involve `address`: counted by a bounded scan, capped at `cap`. */
  async addressTxCount(address: Address, cap: number): Promise<number> {
    let n = 0;
    const prefix = ixKey(IX.ADDRESS_TX, address);
    for await (const _ of this.kv.db.keys({ gte: prefix, lt: prefixEnd(prefix), limit: cap })) n++;
    return n;
  }

  // --- nodes and challenges ---
  async nodes(q: IndexPageQuery): Promise<IndexPage<Address>> {
    const after = q.cursor === undefined ? undefined : parseAddressCursor(q.cursor);
    const { entries, more } = await this.range(Uint8Array.of(IX.NODE), q.limit, after, false);
    const items = entries.map(([k]) => k.slice(1));
    return { items, next: more && items.length > 0 ? bytesToHex(items[items.length - 1]!) : null };
  }

  isNode(address: Address): boolean {
    return this.kv.get(ixKey(IX.NODE, address)) !== undefined;
  }

  /** A node's challenge ids, newest first. */
  async nodeChallenges(address: Address, q: IndexPageQuery): Promise<IndexPage<bigint>> {
    const after = q.cursor === undefined ? undefined : u64(parseU64(q.cursor));
    const { entries, more } = await this.range(ixKey(IX.NODE_CHALLENGE, address), q.limit, after, true);
    const items = entries.map(([k]) => bytesToU64(k, 21));
    return { items, next: more && items.length > 0 ? items[items.length - 1]!.toString() : null };
  }

  challenge(id: bigint): ChallengeRecord | undefined {
    return id > U64_MAX || id < 0n ? undefined : this.get<ChallengeRecord>(ixKey(IX.CHALLENGE, u64(id)));
  }

  /** The steps txs marked, oldest first (a challenge has at most a handful). */
  async challengeEvents(id: bigint): Promise<EventRecord[]> {
    const { entries } = await this.range(ixKey(IX.CHALLENGE_EVENT, u64(id)), 16, undefined, false);
    return entries.map(([, v]) => decodeRecord<EventRecord>(v));
  }

  round(r: bigint): RoundRecord | undefined {
    return r > U64_MAX || r < 0n ? undefined : this.get<RoundRecord>(ixKey(IX.ROUND, u64(r)));
  }

  /** The newest `points` epochs of a node, oldest first. */
  async nodeHistory(address: Address, points: number): Promise<EpochRecord[]> {
    const { entries } = await this.range(ixKey(IX.NODE_EPOCH, address), points, undefined, true);
    return entries.map(([, v]) => decodeRecord<EpochRecord>(v)).reverse();
  }

  /** The newest `points` epochs of the whole chain, oldest first. */
  async epochs(points: number): Promise<EpochRecord[]> {
    const { entries } = await this.range(Uint8Array.of(IX.EPOCH), points, undefined, true);
    return entries.map(([, v]) => decodeRecord<EpochRecord>(v)).reverse();
  }

  get epochMs(): bigint {
    return this.params.epochMs;
  }

  // --- bridge ---
  withdrawals(q: IndexPageQuery): Promise<IndexPage<WithdrawalRecord>> {
    const after = q.cursor === undefined ? undefined : u64(parseU64(q.cursor));
    return this.records(Uint8Array.of(IX.WITHDRAWAL), q, after, true, (w: WithdrawalRecord) =>
      w.index.toString(),
    );
  }

  /** Batches this node landed on L1 (indexer/batchLog.ts), newest first. */
  batches(q: IndexPageQuery): Promise<IndexPage<BatchRecord>> {
    const after = q.cursor === undefined ? undefined : u64(parseU64(q.cursor));
    return this.records(Uint8Array.of(IX.BATCH), q, after, true, (b: BatchRecord) => b.index.toString());
  }

  batch(i: bigint): BatchRecord | undefined {
    return i > U64_MAX || i < 0n ? undefined : this.get<BatchRecord>(ixKey(IX.BATCH, u64(i)));
  }

  deposits(q: IndexPageQuery): Promise<IndexPage<DepositRecord>> {
    const after = q.cursor === undefined ? undefined : u64(parseU64(q.cursor));
    return this.records(Uint8Array.of(IX.DEPOSIT), q, after, true, (d: DepositRecord) =>
      d.depositId.toString(),
    );
  }
}
