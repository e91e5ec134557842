/**
 * The explorer's lists and lookups over the index: each list is ONE range read of at most
 * `limit + 1` entries (the extra one says whether a next page exists), plus, for lists of
 * references (address txs, node challenges), one point read per item: time independent of the
 * chain's length. Keyset pagination: a page's `next` is its last item's key, as text.
 *
 * Tx lists read tx chunks (indexer/txChunks.ts, up to 64 rows an entry): a page of `limit` rows
 * reads entries until it holds `limit + 1` rows, at most `limit + 1` entries (a chunk holds at
 * least one row) and usually one to three.
 * @module
 */
import { bytesToHex, bytesToU64, hexToBytes } from "../chain/bytes.ts";
import type { Address, Hash32 } from "../chain/types.ts";
import type { LevelKv } from "../store/levelKv.ts";
import { CURSOR_KEY, type IndexParams, TOTALS_KEY } from "./indexBlock.ts";
import { IX, ixKey, prefixEnd, u64 } from "./keys.ts";
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
import { CHUNK_TXS, chunkBlockTxCount, chunkKey, chunkStart, decodeChunk, rowAt } from "./txChunks.ts";

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

interface TxPos {
  block: bigint;
  index: number;
}

/** "block:index", the cursor of tx lists. */
function parseTxCursor(s: string): TxPos {
  const m = /^(\d{1,20}):(\d{1,10})$/.exec(s);
  if (!m) throw new IndexCursorError(`bad cursor: ${JSON.stringify(s.slice(0, 40))}`);
  const index = Number(m[2]);
  if (index > 0xffffffff) throw new IndexCursorError("bad cursor: out of range");
  return { block: parseU64(m[1]!), index };
}

function parseAddressCursor(s: string): Uint8Array {
  if (!/^0x[0-9a-fA-F]{40}$/.test(s))
    throw new IndexCursorError(`bad cursor: ${JSON.stringify(s.slice(0, 44))}`);
  return hexToBytes(s);
}

const txCursor = (t: TxRecord): string => `${t.blockNumber}:${t.index}`;

/** Blocks a tx page walks back through by point reads before it turns to one range read. */
const WALK_BLOCKS = 256;

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
  /** Newest first. Every number from 0 to the head is indexed, so a page is `limit + 1` point reads. */
  async blocks(q: IndexPageQuery): Promise<IndexPage<BlockRecord>> {
    const head = this.head();
    const items: BlockRecord[] = [];
    if (head === undefined) return { items, next: null };
    const c = q.cursor === undefined ? undefined : parseU64(q.cursor);
    let n = c === undefined || c > head ? head : c - 1n;
    for (let k = 0; k <= q.limit && n >= 0n; k++, n--) {
      const b = this.block(n);
      if (b) items.push(b);
    }
    const more = items.length > q.limit;
    if (more) items.length = q.limit;
    return { items, next: more ? items[items.length - 1]!.number.toString() : null };
  }

  block(n: bigint): BlockRecord | undefined {
    return n > U64_MAX || n < 0n ? undefined : this.get<BlockRecord>(ixKey(IX.BLOCK, u64(n)));
  }

  blockNumber(hash: Hash32): bigint | undefined {
    const v = this.kv.get(ixKey(IX.BLOCK_HASH, hash));
    return v === undefined ? undefined : bytesToU64(v, 0);
  }

  /**
   * Up to `max` tx rows from the chunk entries in `range` (one bounded iterator), in the read's
   * order, those `keep` accepts. A chunk holds at least one row, so `max` entries are enough.
   */
  private async chunkRows(
    range: { gte: Uint8Array; lt: Uint8Array; reverse: boolean },
    max: number,
    keep: (block: bigint, index: number) => boolean,
  ): Promise<TxRecord[]> {
    const rows: TxRecord[] = [];
    if (max <= 0) return rows;
    for await (const [k, v] of this.kv.db.iterator({ ...range, limit: max })) {
      const dv = new DataView(k.buffer, k.byteOffset, k.byteLength);
      const block = dv.getBigUint64(1);
      const chunk = decodeChunk(
        block,
        dv.getUint32(9),
        new Uint8Array(v.buffer, v.byteOffset, v.byteLength),
        (i) => keep(block, i),
      );
      if (range.reverse) chunk.reverse();
      for (const t of chunk) if (rows.length < max) rows.push(t);
      if (rows.length >= max) break;
    }
    return rows;
  }

  /** The newest indexed block's number; undefined: nothing indexed. */
  private head(): bigint | undefined {
    const v = this.kv.get(CURSOR_KEY);
    return v === undefined ? undefined : bytesToU64(v, 0);
  }

  /**
   * Appends to `out` block `b`'s rows with index < `before`, newest first, until `out` holds
   * `want`: point reads of chunks whose keys follow from the block's tx count (no iterator).
   */
  private blockRowsBefore(b: bigint, before: number, want: number, out: TxRecord[]): void {
    // A block with txs has a chunk at 0: one point read tells an empty block.
    const zero = this.kv.get(chunkKey(IX.TX, b, 0));
    if (zero === undefined) return;
    const end = Math.min(before, chunkBlockTxCount(zero));
    for (let s = chunkStart(end - 1); s >= 0 && end > 0 && out.length < want; s -= CHUNK_TXS) {
      const v = s === 0 ? zero : this.kv.get(chunkKey(IX.TX, b, s));
      if (v === undefined) continue;
      // Only the rows the page still needs: the highest indexes under `end`.
      const from = Math.min(end, s + CHUNK_TXS) - (want - out.length);
      const rows = decodeChunk(b, s, v, (i) => i < end && i >= from);
      for (let k = rows.length - 1; k >= 0 && out.length < want; k--) out.push(rows[k]!);
    }
  }

  private page(rows: TxRecord[], limit: number, cursorOf: (t: TxRecord) => string): IndexPage<TxRecord> {
    const more = rows.length > limit;
    if (more) rows.length = limit;
    return { items: rows, next: more && rows.length > 0 ? cursorOf(rows[rows.length - 1]!) : null };
  }

  /** A block's txs in block order; the cursor is the last index. Point reads of its chunks. */
  async blockTxs(n: bigint, q: IndexPageQuery): Promise<IndexPage<TxRecord>> {
    let after = -1;
    if (q.cursor !== undefined) {
      if (!/^\d{1,10}$/.test(q.cursor) || Number(q.cursor) > 0xffffffff)
        throw new IndexCursorError("bad cursor: expected a tx index");
      after = Number(q.cursor);
    }
    const rows: TxRecord[] = [];
    const zero = this.kv.get(chunkKey(IX.TX, n, 0));
    const count = zero === undefined ? 0 : chunkBlockTxCount(zero);
    for (let s = chunkStart(after + 1); s < count && rows.length <= q.limit; s += CHUNK_TXS) {
      const v = this.kv.get(chunkKey(IX.TX, n, s));
      if (v === undefined) break;
      for (const t of decodeChunk(n, s, v, (i) => i > after)) if (rows.length <= q.limit) rows.push(t);
    }
    return this.page(rows, q.limit, (t) => t.index.toString());
  }

  // --- transactions ---
  /**
   * Every tx, newest first; the cursor is "block:index" of the last one shown. Walks back from
   * the cursor's block (or the head) by point reads, a block at a time; past {@link WALK_BLOCKS}
   * blocks (a stretch of empty ones) the rest is one bounded range read.
   */
  async txs(q: IndexPageQuery): Promise<IndexPage<TxRecord>> {
    const c = q.cursor === undefined ? undefined : parseTxCursor(q.cursor);
    const head = this.head();
    const rows: TxRecord[] = [];
    if (head === undefined) return { items: rows, next: null };
    const want = q.limit + 1;
    // A cursor past the head (hostile or stale) pages from the head: every row is before it.
    let b = c === undefined || c.block > head ? head : c.block;
    let before = c === undefined || c.block > head ? Number.POSITIVE_INFINITY : c.index;
    for (let walked = 0; rows.length < want; walked++) {
      if (walked === WALK_BLOCKS) {
        const lt = chunkKey(IX.TX, b + 1n, 0);
        for (const t of await this.chunkRows(
          { gte: Uint8Array.of(IX.TX), lt, reverse: true },
          want - rows.length,
          () => true,
        ))
          rows.push(t);
        break;
      }
      this.blockRowsBefore(b, before, want, rows);
      if (b === 0n) break;
      b--;
      before = Number.POSITIVE_INFINITY;
    }
    return this.page(rows, q.limit, txCursor);
  }

  /**
   * The tx at a position (the chain store's tx index gives a hash's position: node/explorerReads.ts);
   * undefined when not indexed there. The caller compares hashes: the store may be ahead of the index.
   */
  txAt(block: bigint, index: number): TxRecord | undefined {
    if (block < 0n || block > U64_MAX || !Number.isInteger(index) || index < 0 || index > 0xffffffff)
      return undefined;
    const first = chunkStart(index);
    const v = this.kv.get(chunkKey(IX.TX, block, first));
    return v === undefined ? undefined : rowAt(block, first, v, index);
  }

  /**
   * An address's txs, newest first: its entries (one per block it took part in) read newest
   * first, until `limit + 1` txs. An entry holds at least one tx, and only the cursor's block can
   * hold none before the cursor: `limit + 2` entries at most, then one chunk read per tx.
   */
  async addressTxs(address: Address, q: IndexPageQuery): Promise<IndexPage<TxRecord>> {
    const c = q.cursor === undefined ? undefined : parseTxCursor(q.cursor);
    const prefix = ixKey(IX.ADDRESS_TX, address);
    const lt =
      c === undefined || c.block === U64_MAX
        ? prefixEnd(prefix)
        : ixKey(IX.ADDRESS_TX, address, u64(c.block + 1n));
    const positions: TxPos[] = [];
    for await (const [k, v] of this.kv.db.iterator({ gte: prefix, lt, reverse: true, limit: q.limit + 2 })) {
      const block = new DataView(k.buffer, k.byteOffset, k.byteLength).getBigUint64(21);
      const dv = new DataView(v.buffer, v.byteOffset, v.byteLength);
      for (let o = v.byteLength - 4; o >= 0 && positions.length <= q.limit; o -= 4) {
        const index = dv.getUint32(o);
        if (c === undefined || block < c.block || index < c.index) positions.push({ block, index });
      }
      if (positions.length > q.limit) break;
    }
    const more = positions.length > q.limit;
    if (more) positions.length = q.limit;
    const items: TxRecord[] = [];
    // Neighbouring positions often share a chunk: read each chunk once.
    let held: { block: bigint; first: number; value: Uint8Array | undefined } | undefined;
    for (const p of positions) {
      const first = chunkStart(p.index);
      if (held?.block !== p.block || held.first !== first)
        held = { block: p.block, first, value: this.kv.get(chunkKey(IX.TX, p.block, first)) };
      const t = held.value && rowAt(p.block, first, held.value, p.index);
      if (t) items.push(t);
    }
    return { items, next: more && items.length > 0 ? txCursor(items[items.length - 1]!) : null };
  }

  /** Indexed txs that involve `address`: counted by a bounded scan (`cap` entries), capped at `cap`. */
  async addressTxCount(address: Address, cap: number): Promise<number> {
    let n = 0;
    const prefix = ixKey(IX.ADDRESS_TX, address);
    for await (const v of this.kv.db.values({ gte: prefix, lt: prefixEnd(prefix), limit: cap })) {
      n += v.byteLength / 4;
      if (n >= cap) return cap;
    }
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
