/**
 * The batches L1 holds, as derivation reads them, kept in the indexer's DB (prefix `IX.BATCH`) for
 * the explorer's batch list. A row is one L1 block that decided L2 blocks from batcher data: its
 * L2 range, its batcher txs (the last one's hash; bytes and frames summed), its L1 block. Rows come
 * from the node's DerivationDriver (bridge/derivation: `onBatches`), the same on a verifier and on
 * a sequencer (follow mode), so every node shows the same rows and none depends on a batcher's
 * report. A block does not say which batch carried it, so the rows live beside the block index
 * rather than in its per-block undo records.
 *
 * - Numbered 0, 1, 2… in L2 order. Each change is ONE level batch (a row with the rows it
 *   supersedes deleted; a chunk of dropped rows): a crash leaves whole rows only. Derivation awaits
 *   each row before it derives the next L1 block, and after a restart derives the head's L1 block
 *   again: a row lost to a crash is written then.
 * - Idempotent: rows cover ascending L2 ranges, so a row for blocks that start at or below the
 *   newest row's last block supersedes the rows from there on and takes the first one's number.
 *   Derived again after a resume or a reorg, the same blocks from the same L1 data give the same
 *   rows under the same numbers.
 * - {@link BatchLog.rewound}: derivation takes back every block above n (a reorg, a resume): the
 *   rows reaching above n go. {@link BatchLog.prune}: a sequencer's own rewind (sequencer/
 *   lateWatch.ts, a crash rewind at start) replaced blocks: the rows whose last block's hash is no
 *   longer the chain's go (a tail of the log).
 * - Writes are serialized here (the next number is read from the log itself).
 * @module
 */
import { equalBytes } from "../chain/bytes.ts";
import type { KvOp } from "../chain/kv.ts";
import type { LevelKv } from "../store/levelKv.ts";
import type { IndexerSource } from "./indexer.ts";
import { IX, ixKey, prefixEnd, u64 } from "./keys.ts";
import { decodeRecord, encodeRecord } from "./recordCodec.ts";
import type { BatchRecord } from "./records.ts";

/**
 * What derivation tells of one L1 block's decided blocks (bridge/derivation's DecidedBatch, by
 * shape: the indexer does not import the bridge).
 */
export interface DerivedBatch {
  l1Block: { number: bigint };
  firstBlock: bigint;
  lastBlock: bigint;
  lastBlockHash: Uint8Array;
  txs: ReadonlyArray<{ hash: Uint8Array; bytes: number; frames: number }>;
}

/** Rows one scan reads, and one level batch deletes, at most. */
const SCAN = 256;

const PREFIX = Uint8Array.of(IX.BATCH);

export class BatchLog {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly kv: LevelKv,
    private readonly source: Pick<IndexerSource, "getBlock">,
  ) {}

  /** Writes the row of `b` (superseding the rows it re-covers); answers it. */
  decided(b: DerivedBatch): Promise<BatchRecord> {
    return this.serial(async () => {
      const ops: KvOp[] = [];
      let index = 0n;
      for await (const row of this.newest(SCAN)) {
        if (row.lastBlock >= b.firstBlock) {
          ops.push({ type: "del", key: ixKey(IX.BATCH, u64(row.index)) });
          index = row.index;
        } else {
          index = row.index + 1n;
          break;
        }
      }
      const rec = rowOf(b, index);
      ops.push({ type: "put", key: ixKey(IX.BATCH, u64(index)), value: encodeRecord(rec) });
      await this.kv.write(ops);
      return rec;
    });
  }

  /** Drops every row that reaches above L2 block `n` (a chunk per level batch); answers how many. */
  rewound(n: bigint): Promise<number> {
    return this.serial(async () => {
      let dropped = 0;
      for (;;) {
        const ops: KvOp[] = [];
        for await (const row of this.newest(SCAN)) {
          if (row.lastBlock <= n) break;
          ops.push({ type: "del", key: ixKey(IX.BATCH, u64(row.index)) });
        }
        if (ops.length === 0) return dropped;
        await this.kv.write(ops);
        dropped += ops.length;
        if (ops.length < SCAN) return dropped;
      }
    });
  }

  /** Drops the rows whose last block a sequencer's rewind replaced (a tail); answers how many. */
  prune(): Promise<number> {
    return this.serial(async () => {
      const ops: KvOp[] = [];
      for await (const row of this.newest(SCAN)) {
        const b = this.source.getBlock(row.lastBlock);
        if (b && equalBytes(b.hash, row.lastBlockHash)) break;
        ops.push({ type: "del", key: ixKey(IX.BATCH, u64(row.index)) });
      }
      if (ops.length > 0) await this.kv.write(ops);
      return ops.length;
    });
  }

  /** The newest `n` rows, newest first, read lazily (a prune on every head usually reads one). */
  private async *newest(n: number): AsyncGenerator<BatchRecord> {
    for await (const v of this.kv.db.values({ gte: PREFIX, lt: prefixEnd(PREFIX), reverse: true, limit: n }))
      yield decodeRecord<BatchRecord>(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  }

  private serial<T>(f: () => Promise<T>): Promise<T> {
    const run = this.queue.then(f, f);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function rowOf(b: DerivedBatch, index: bigint): BatchRecord {
  let bytes = 0;
  let frames = 0;
  for (const t of b.txs) {
    bytes += t.bytes;
    frames += t.frames;
  }
  const rec: BatchRecord = {
    index,
    l1BlockNumber: b.l1Block.number,
    firstBlock: b.firstBlock,
    lastBlock: b.lastBlock,
    lastBlockHash: b.lastBlockHash,
    bytes,
    frames,
  };
  const last = b.txs[b.txs.length - 1];
  if (last !== undefined) rec.l1TxHash = last.hash;
  return rec;
}
