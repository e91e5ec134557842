/**
 * The KV port over LevelDB (`level` 10, i.e. classic-level 3): synchronous reads through
 * `getSync` (~3.5 µs, against ~40 µs for `await get`; perf-ceilings §3), and writes as one atomic
 * chained batch per call (the node writes one per block). Chain code sees it as a KvReader; an
 * OverlayKv over it buffers a block's writes, and `write(overlay.ops())` commits them.
 * @module
 */
import { Level } from "level";
import { RollupError } from "../chain/errors.ts";
import type { KvOp, KvReader } from "../chain/kv.ts";

export interface LevelWriteOpts {
  /** fsync before resolving (default false: survives a process crash, not a power cut). */
  sync?: boolean;
  /**
   * Hand the event loop back (one `setImmediate`) after each this many ms of filling the batch.
   * A block's batch is tens of thousands of ops (~1 µs each into the native batch, plus the
   * collector): built in one piece it held the thread 40–300 ms. The batch is still written with
   * one `write`, so it stays atomic; the caller keeps other writers of the same keys out meanwhile.
   * Default: one piece.
   */
  sliceMs?: number;
}

/** Ops put into a batch between two clock reads when slicing. */
const SLICE_CHECK_OPS = 256;

/** LevelDB's own sizes (classic-level's options); unset ones keep classic-level's defaults. */
export interface LevelTuning {
  /**
   * Bytes of writes buffered in memory (the memtable) before LevelDB writes them out as a level-0
   * table (default 4 MiB). Up to two are held at once (one being written out). A larger one means
   * fewer tables and less compaction work for the same writes.
   */
  writeBufferSize?: number;
}

export class LevelKv implements KvReader {
  readonly dir: string;
  /** The database itself, for repositories that need more than the port (iterators). */
  readonly db: Level<Uint8Array, Uint8Array>;

  constructor(
    dir: string,
    /** As given (what LevelDB was opened with, where set). */
    readonly tuning: LevelTuning = {},
  ) {
    this.dir = dir;
    const { writeBufferSize } = tuning;
    if (
      writeBufferSize !== undefined &&
      (!Number.isSafeInteger(writeBufferSize) || writeBufferSize < 1 << 20 || writeBufferSize > 1 << 30)
    )
      // classic-level reads it as a uint32: a larger value would wrap.
      throw new RangeError(`LevelKv: writeBufferSize ${writeBufferSize} is not an integer in [1 MiB, 1 GiB]`);
    this.db = new Level<Uint8Array, Uint8Array>(dir, {
      keyEncoding: "view",
      valueEncoding: "view",
      ...(writeBufferSize === undefined ? {} : { writeBufferSize }),
    });
  }

  /** Opens (creating if missing). Throws STORE_LOCKED when another process or instance holds it. */
  async open(): Promise<void> {
    try {
      await this.db.open();
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      const causeCode = (e as { cause?: { code?: unknown } }).cause?.code;
      if (code === "LEVEL_LOCKED" || causeCode === "LEVEL_LOCKED") {
        throw new RollupError(
          "STORE_LOCKED",
          `database already in use: ${this.dir}`,
          { dir: this.dir },
          { cause: e },
        );
      }
      throw new RollupError(
        "STORE_OPEN_FAILED",
        `cannot open database ${this.dir}: ${(e as Error).message}`,
        { dir: this.dir },
        { cause: e },
      );
    }
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  get(key: Uint8Array): Uint8Array | undefined {
    const v = this.db.getSync(key);
    // classic-level hands back a Buffer; give callers a plain Uint8Array, whose slice() copies
    // (Buffer's slice() shares memory, a trap for code written against MemoryKv).
    return v === undefined ? undefined : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  }

  /**
   * Applies `ops` in order as ONE atomic batch: all or nothing. A chained batch, the fastest
   * form (array batches with options can run ~4x slower in a cold process; perf-ceilings §3).
   */
  async write(ops: readonly KvOp[], opts?: LevelWriteOpts): Promise<void> {
    if (ops.length === 0) return;
    const batch = this.db.batch();
    const sliceMs = opts?.sliceMs ?? Number.POSITIVE_INFINITY;
    try {
      let until = performance.now() + sliceMs;
      for (let i = 0; i < ops.length; i++) {
        const op = ops[i]!;
        if (op.type === "put") batch.put(op.key, op.value);
        else batch.del(op.key);
        if (i % SLICE_CHECK_OPS === SLICE_CHECK_OPS - 1 && performance.now() >= until) {
          await new Promise<void>((r) => setImmediate(r));
          until = performance.now() + sliceMs;
        }
      }
    } catch (e) {
      await batch.close();
      throw e;
    }
    await (opts?.sync === true ? batch.write({ sync: true }) : batch.write());
  }
}
