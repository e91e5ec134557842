/**
 * The node's chain database: blocks, receipts, the tx index, the head pointer, the genesis
 * document, the pending-tx journal, and (through the KV port) the chain core's state. Each block
 * is ONE atomic batch: state ops + block + receipts + index + head + journal removals, so a crash
 * at any moment leaves either the old head or the new one, never a mix.
 * @module
 */
import { bytesToU64, concatBytes, u32ToBytes, u64ToBytes } from "../chain/bytes.ts";
import type { Head } from "../chain/chainCore.ts";
import { type GenesisDoc, genesisFromJson, genesisToJson } from "../chain/genesisDoc.ts";
import { utf8 } from "../chain/hash.ts";
import type { KvOp } from "../chain/kv.ts";
import { NS } from "../chain/state/keys.ts";
import type { Address, Block, Hash32, Receipt, SignedTx } from "../chain/types.ts";
import { blockHash, decodeBlock, decodeReceipt, encodeBlock, encodeReceipt } from "../chain/wire/index.ts";
import { LevelKv, type LevelWriteOpts } from "./levelKv.ts";
import { PREFIX } from "./prefixes.ts";

export interface StoredBlockData {
  block: Block;
  hash: Hash32;
  receipts: Receipt[];
  senders: Address[];
  /** Bytes of the block's canonical encoding. */
  size: number;
}

const HEAD_KEY = concatBytes(Uint8Array.of(PREFIX.META), utf8("head"));
const GENESIS_KEY = concatBytes(Uint8Array.of(PREFIX.META), utf8("genesis"));
const decoder = new TextDecoder();

function key(prefix: number, id: Uint8Array): Uint8Array {
  const k = new Uint8Array(1 + id.length);
  k[0] = prefix;
  k.set(id, 1);
  return k;
}

/** (u32be length ‖ bytes)* */
function encodeList(items: readonly Uint8Array[]): Uint8Array {
  return concatBytes(...items.flatMap((i) => [u32ToBytes(i.length), i]));
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

export class ChainStore {
  private readonly recent = new Map<bigint, StoredBlockData>();
  private pendingOps: KvOp[] = [];
  private pendingWaiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  private flushScheduled = false;

  private constructor(readonly kv: LevelKv) {}

  static async open(dir: string): Promise<ChainStore> {
    const kv = new LevelKv(dir);
    await kv.open();
    return new ChainStore(kv);
  }

  async close(): Promise<void> {
    await this.flushPending();
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
    await this.kv.write(
      [
        ...stateOps,
        { type: "put", key: GENESIS_KEY, value: utf8(genesisToJson(doc)) },
        ...this.blockOps({ block, hash: head.hash, receipts: [], senders: [], size: 0 }),
      ],
      { sync: true },
    );
  }

  // --- blocks ---
  /** The ops that store a block; sets `b.size` from the encoding it makes. */
  private blockOps(b: StoredBlockData): KvOp[] {
    const num = u64ToBytes(b.block.header.number);
    const blockBytes = encodeBlock(b.block);
    b.size = blockBytes.length;
    const record = encodeList([
      blockBytes,
      encodeList(b.receipts.map(encodeReceipt)),
      concatBytes(...b.senders),
    ]);
    const ops: KvOp[] = [
      { type: "put", key: key(PREFIX.BLOCK, num), value: record },
      { type: "put", key: key(PREFIX.BLOCK_NUMBER, b.hash), value: num },
      { type: "put", key: HEAD_KEY, value: concatBytes(num, b.hash) },
    ];
    let index = 0;
    for (const { txHash: h } of b.receipts) {
      ops.push({ type: "put", key: key(PREFIX.TX_INDEX, h), value: concatBytes(num, u32ToBytes(index++)) });
    }
    return ops;
  }

  /**
   * Persists a block with its state ops, and drops its txs from the pending journal: one atomic
   * batch. `sync` fsyncs (power-cut safety); a process crash is survived either way.
   */
  async commitBlock(b: StoredBlockData, stateOps: readonly KvOp[], opts?: LevelWriteOpts): Promise<void> {
    const ops: KvOp[] = [...stateOps, ...this.blockOps(b)];
    for (const tx of b.block.txs) ops.push({ type: "del", key: key(PREFIX.PENDING, tx.hash) });
    await this.kv.write(ops, opts);
    this.remember(b);
  }

  private remember(b: StoredBlockData): void {
    this.recent.set(b.block.header.number, b);
    if (this.recent.size > 512) this.recent.delete(this.recent.keys().next().value!);
  }

  getBlock(number: bigint): StoredBlockData | undefined {
    const hit = this.recent.get(number);
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
    this.remember(data);
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
   * Journals an admitted tx; resolves once it is on disk (with every other tx admitted in the
   * same tick: one batch), so an "accepted" answer survives a crash.
   */
  addPending(tx: SignedTx): Promise<void> {
    this.pendingOps.push({ type: "put", key: key(PREFIX.PENDING, tx.hash), value: tx.raw });
    return new Promise((resolve, reject) => {
      this.pendingWaiters.push({ resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => void this.flushPending());
      }
    });
  }

  /** Drops journal entries (txs replaced or refused after admission). */
  async removePending(hashes: readonly Hash32[]): Promise<void> {
    await this.kv.write(hashes.map((h) => ({ type: "del", key: key(PREFIX.PENDING, h) })));
  }

  private async flushPending(): Promise<void> {
    this.flushScheduled = false;
    const ops = this.pendingOps;
    const waiters = this.pendingWaiters;
    this.pendingOps = [];
    this.pendingWaiters = [];
    if (ops.length === 0) return;
    try {
      await this.kv.write(ops);
      for (const w of waiters) w.resolve();
    } catch (e) {
      for (const w of waiters) w.reject(e);
    }
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
