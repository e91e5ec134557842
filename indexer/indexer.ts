/**
 * The explorer's indexer: follows the chain store's committed blocks into its own LevelDB
 * (`<datadir>/indexer/`, keys in indexer/keys.ts) and answers the explorer's lists as bounded
 * range reads.
 *
 * Following: {@link Indexer.notify} (the node calls it on each new head) schedules a catch-up
 * that runs after the caller's turn, never inside it, one block per batch and a macrotask
 * between blocks, so block production never waits on indexing. A catch-up first walks back
 * while the index's cursor block is no longer the chain's block at that height (the store
 * rewound: a verifier's L1 reorg, a sequencer's crash recovery), undoing one block per batch,
 * then indexes forward to the chain's head. Each block is ONE batch with the cursor, so a restart
 * resumes from the cursor: no rescan from genesis.
 * @module
 */
import { setImmediate as yieldTurn } from "node:timers/promises";
import { bytesToHex, bytesToU64, equalBytes, hexToBytes } from "../chain/bytes.ts";
import type { KvOp } from "../chain/kv.ts";
import { LevelKv } from "../store/levelKv.ts";
import { CURSOR_KEY, type IndexedBlock, type IndexParams, indexBlockSteps, txParties } from "./indexBlock.ts";
import { addressTxKey, IX, ixKey, metaKey, u64 } from "./keys.ts";
import { decodeRecord } from "./recordCodec.ts";
import type { BlockRecord, UndoRecord } from "./records.ts";
import { chunkKey, decodeChunk } from "./txChunks.ts";

/**
 * The layout of the block-derived entries (prefixes 0x00–0x0f). 1: a JSON row and a hash key per
 * tx; 2: binary tx chunks, positions from the chain store. An index of another layout is cleared
 * at open and built again from the chain (batch rows, 0x10, are not derived and stay).
 */
export const INDEX_FORMAT = 2;
const FORMAT_KEY = metaKey("format");
/**
 * The index database's memtable: 32 MiB, as the chain store's (store/chainStore.ts
 * `CHAIN_WRITE_BUFFER_BYTES`), against LevelDB's 4 MiB default. Measured beside it with
 * rpcIngest, 3 alternating pairs: 6,089 / 5,488 / 5,960 → 6,179 / 7,097 / 6,445 tx/s, the node's
 * CPU 219 / 241 / 223 → 213 / 189 / 208 µs a tx (docs/BENCHMARKS.md, seventh round). Up to two
 * memtables are held under writes.
 */
export const INDEX_WRITE_BUFFER_BYTES = 32 * 1024 * 1024;
/** How long one slice of indexing a block may hold the thread, ms (as the sequencer's build). */
const SLICE_MS = 4;
/** The block-derived prefixes end before the batch log's (IX.BATCH). */
const DERIVED_END = Uint8Array.of(IX.BATCH);

/** The chain the indexer follows: store/chainStore.ts's ChainStore fits. */
export interface IndexerSource {
  head(): { header: { number: bigint }; hash: Uint8Array } | undefined;
  getBlock(n: bigint): IndexedBlock | undefined;
}

export interface IndexerOpts {
  /** The indexer's own database folder (`<datadir>/indexer`). */
  dir: string;
  params: IndexParams;
}

export interface IndexerModules {
  source: IndexerSource;
  /** Called when a catch-up fails (it is retried on the next notify). */
  onError?: (err: unknown) => void;
}

export interface IndexCursor {
  number: bigint;
  hash: Uint8Array;
}

export class Indexer {
  /** Blocks indexed (and undone) since open: restart tests assert there was no rescan. */
  blocksIndexed = 0;
  blocksUndone = 0;
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;

  private constructor(
    readonly kv: LevelKv,
    private readonly opts: IndexerOpts,
    private readonly m: IndexerModules,
  ) {}

  static async open(opts: IndexerOpts, m: IndexerModules): Promise<Indexer> {
    const kv = new LevelKv(opts.dir, { writeBufferSize: INDEX_WRITE_BUFFER_BYTES });
    await kv.open();
    const format = kv.get(FORMAT_KEY);
    const current = Uint8Array.of(0, 0, 0, INDEX_FORMAT);
    if (format === undefined || !equalBytes(format, current)) {
      // Rows of another layout (or none, in a fresh DB: the clear is then a no-op) would decode
      // wrong: start over from the chain, which the first catch-up does from an empty cursor.
      await kv.db.clear({ gte: Uint8Array.of(IX.META), lt: DERIVED_END });
      await kv.write([{ type: "put", key: FORMAT_KEY, value: current }]);
    }
    return new Indexer(kv, opts, m);
  }

  /** The last indexed block; undefined: nothing indexed yet. */
  cursor(): IndexCursor | undefined {
    const v = this.kv.get(CURSOR_KEY);
    return v === undefined ? undefined : { number: bytesToU64(v, 0), hash: v.slice(8, 40) };
  }

  /** Schedules a catch-up (coalesced: one runs at a time, and one more if asked meanwhile). */
  notify(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => {
      this.running = undefined;
    });
  }

  /** Catches up now and resolves when the index reaches the chain's head as it was seen. */
  async sync(): Promise<void> {
    while (this.running) await this.running;
    this.running = this.catchUp();
    try {
      await this.running;
    } finally {
      this.running = undefined;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    while (this.running) await this.running.catch(() => undefined);
    await this.kv.close();
  }

  private async loop(): Promise<void> {
    // After the caller's turn: a new head's listener returns at once.
    await yieldTurn();
    do {
      this.again = false;
      try {
        await this.catchUp();
      } catch (err) {
        this.m.onError?.(err);
        return;
      }
    } while (this.again && !this.closed);
  }

  private async catchUp(): Promise<void> {
    const { source } = this.m;
    // Walk back while the cursor's block is not the chain's (rewound, or replaced by a reorg).
    for (let c = this.cursor(); c !== undefined && !this.closed; c = this.cursor()) {
      const b = source.getBlock(c.number);
      if (b && equalBytes(b.hash, c.hash)) break;
      await this.undoBlock(c.number);
      await yieldTurn();
    }
    const head = source.head();
    if (head === undefined) return;
    const target = head.header.number;
    for (let n = (this.cursor()?.number ?? -1n) + 1n; n <= target && !this.closed; n++) {
      const b = source.getBlock(n);
      // Gone meanwhile (a rewind under us): the next catch-up walks back.
      if (!b) return;
      const c = this.cursor();
      if (n > 0n && c && !equalBytes(b.block.header.parentHash, c.hash)) return;
      // In slices: a large block's index batch is built and filled a few ms at a time, handing
      // the thread back between them (the sequencer's admission runs in between), then written
      // as one batch. Nothing else writes the index meanwhile (one catch-up at a time).
      const steps = indexBlockSteps(b, this.opts.params, this.kv);
      let until = performance.now() + SLICE_MS;
      let r = steps.next();
      while (!r.done) {
        if (performance.now() >= until) {
          await yieldTurn();
          if (this.closed) return;
          until = performance.now() + SLICE_MS;
        }
        r = steps.next();
      }
      await this.kv.write(r.value, { sliceMs: SLICE_MS });
      this.blocksIndexed++;
      // A macrotask between blocks: timers (the sequencer's block ticks) run in between.
      await yieldTurn();
    }
  }

  /** Takes block `n` (the cursor's) back out of the index: one batch with the cursor. */
  private async undoBlock(n: bigint): Promise<void> {
    const blockBytes = this.kv.get(ixKey(IX.BLOCK, u64(n)));
    const undoBytes = this.kv.get(ixKey(IX.UNDO, u64(n)));
    if (!blockBytes || !undoBytes) throw new Error(`indexer: block ${n} has no record to undo`);
    const block = decodeRecord<BlockRecord>(blockBytes);
    const undo = decodeRecord<UndoRecord>(undoBytes);
    const ops: KvOp[] = [];
    // The block's address-tx entries: one per distinct party of its txs.
    const parties = new Map<string, Uint8Array>();
    for await (const [k, v] of this.kv.db.iterator({
      gte: chunkKey(IX.TX, n, 0),
      lt: chunkKey(IX.TX, n + 1n, 0),
    })) {
      const key = new Uint8Array(k);
      const first = new DataView(key.buffer).getUint32(9);
      for (const t of decodeChunk(n, first, new Uint8Array(v))) {
        for (const a of txParties(t)) parties.set(bytesToHex(a), a);
      }
      ops.push({ type: "del", key });
    }
    for (const a of parties.values()) ops.push({ type: "del", key: addressTxKey(a, u64(n)) });
    for (const k of undo.created) ops.push({ type: "del", key: hexToBytes(k) });
    for (const [k, prior] of undo.prior) {
      ops.push(
        prior === null
          ? { type: "del", key: hexToBytes(k) }
          : { type: "put", key: hexToBytes(k), value: hexToBytes(prior) },
      );
    }
    ops.push({ type: "del", key: ixKey(IX.BLOCK, u64(n)) });
    ops.push({ type: "del", key: ixKey(IX.BLOCK_HASH, block.hash) });
    ops.push({ type: "del", key: ixKey(IX.UNDO, u64(n)) });
    const parent = n > 0n ? this.kv.get(ixKey(IX.BLOCK, u64(n - 1n))) : undefined;
    if (parent) {
      const p = decodeRecord<BlockRecord>(parent);
      ops.push({ type: "put", key: CURSOR_KEY, value: new Uint8Array([...u64(p.number), ...p.hash]) });
    } else ops.push({ type: "del", key: CURSOR_KEY });
    await this.kv.write(ops);
    this.blocksUndone++;
  }
}
