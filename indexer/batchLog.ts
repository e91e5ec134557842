/**
 * The batches this node's batcher landed on L1, kept in the indexer's DB (prefix `IX.BATCH`) for
 * the explorer's batch list. Not derived from blocks: the batcher reports each landing (node/
 * sequencerL1.ts), and a block does not say which batch carried it, so these rows live beside
 * the block index rather than in its per-block undo records.
 *
 * - One row per landing, numbered 0, 1, 2… in landing order, each written as ONE level batch
 *   (with the rows it supersedes deleted in the same batch): a crash leaves whole rows only.
 * - A row keeps its last block's hash. A rewind (sequencer/lateWatch.ts drops blocks whose batch
 *   landed late; a crash rewind at start) replaces blocks above some height, and batches cover
 *   ascending L2 ranges, so the rows pointing at replaced blocks are a tail of the log:
 *   {@link BatchLog.prune} (run on every new head) drops that tail, and a new landing whose range
 *   starts at or below the newest row's last block supersedes those rows.
 * - Writes are serialized here (the next index is read from the log itself).
 * @module
 */
import { equalBytes } from "../chain/bytes.ts";
import type { KvOp } from "../chain/kv.ts";
import type { LevelKv } from "../store/levelKv.ts";
import type { IndexerSource } from "./indexer.ts";
import { IX, ixKey, prefixEnd, u64 } from "./keys.ts";
import { decodeRecord, encodeRecord } from "./recordCodec.ts";
import type { BatchRecord } from "./records.ts";

/** What the batcher reports of a landed channel. */
export type LandedBatch = Omit<BatchRecord, "index" | "lastBlockHash">;

/** Rows one prune looks at, at most (a rewind replaces a few channels' blocks; the next head goes on). */
const PRUNE_SCAN = 256;

const PREFIX = Uint8Array.of(IX.BATCH);

export class BatchLog {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly kv: LevelKv,
    private readonly source: Pick<IndexerSource, "getBlock">,
  ) {}

  /**
   * Appends a landed batch; undefined when its last block is no longer the chain's (rewound
   * between the landing and now: L1 holds it, the chain does not use it).
   */
  record(b: LandedBatch): Promise<BatchRecord | undefined> {
    return this.serial(async () => {
      const last = this.source.getBlock(b.lastBlock);
      if (!last) return undefined;
      const ops: KvOp[] = [];
      let index = 0n;
      for await (const row of this.newest(PRUNE_SCAN)) {
        // A re-post of blocks an older row covers (after a rewind): the new row replaces it.
        if (row.lastBlock >= b.firstBlock) {
          ops.push({ type: "del", key: ixKey(IX.BATCH, u64(row.index)) });
          index = row.index;
        } else {
          index = row.index + 1n;
          break;
        }
      }
      const rec: BatchRecord = { ...b, index, lastBlockHash: last.hash };
      ops.push({ type: "put", key: ixKey(IX.BATCH, u64(index)), value: encodeRecord(rec) });
      await this.kv.write(ops);
      return rec;
    });
  }

  /** Drops the rows whose last block a rewind replaced (a tail); answers how many. */
  prune(): Promise<number> {
    return this.serial(async () => {
      const ops: KvOp[] = [];
      for await (const row of this.newest(PRUNE_SCAN)) {
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
