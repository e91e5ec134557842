/**
 * The SMT garbage collector's sweep (docs/PROTOCOL.md Appendix D "Storage"). `prune(keepFrom)`
 * promises that no proof or read will ever be asked against a root older than block keepFrom;
 * the sweep then walks the death rows (store/smtDeathRow.ts) of blocks 1..keepFrom in order and
 * deletes each listed node whose birth stamp is below the row's block.
 *
 * Why that is safe: a node listed in block b's row was in tree b-1; if it is in some tree c >= b
 * it was written again by a block in (b, c] (a tree update writes every node it adds, and reuses
 * only nodes of the tree it starts from), so its stamp is above b; if block b itself rebuilt it,
 * its stamp is b. So "stamp < b" means no tree from b on holds it, and with b <= keepFrom no
 * retained root (keepFrom..head) reaches it.
 *
 * Each batch is bounded (nodes examined, rows read) and is ONE atomic write of its deletions with
 * the advanced cursor (META "smtPruned"), so a crash leaves the cursor and the deletions together;
 * deleting a node that is already gone is a no-op, so a batch may run twice. Its reads go through
 * level's asynchronous getMany (a read that stalls on a busy disk never holds the event loop), and
 * they and the write must not interleave with a block commit that writes nodes (a block may write
 * a listed node again between our read of its stamp and our delete): ChainStore runs both one at
 * a time.
 * @module
 */
import { setImmediate, setTimeout } from "node:timers/promises";
import { concatBytes } from "../chain/bytes.ts";
import { utf8 } from "../chain/hash.ts";
import type { KvOp, KvReader } from "../chain/kv.ts";
import { PREFIX } from "./prefixes.ts";
import { birthOf, deathRowKey, SMT_TREES } from "./smtDeathRow.ts";

const CURSOR_KEY = concatBytes(Uint8Array.of(PREFIX.META), utf8("smtPruned"));

export interface SmtPruneLimits {
  /** Death-row entries examined per batch: one node read each, at most one delete. */
  maxNodes: number;
  /** Death-row keys read per batch (two per block), bounding a walk over blocks with no deaths. */
  maxRows: number;
}

/**
 * Batch bounds: the main thread only builds the batch's ops (its reads run on level's thread pool);
 * the bounds keep each write, and the wait of a block commit behind it, small
 * (bench/smtPrune.ts: smt_prune_batch_hold_ms).
 */
export const DEFAULT_SMT_PRUNE_LIMITS: SmtPruneLimits = { maxNodes: 1024, maxRows: 512 };

/** Where the sweep stands: rows of blocks below `block` are swept; of block `block`, `tree` and `offset`. */
export interface SmtPruneCursor {
  block: bigint;
  /** Index into SMT_TREES. */
  tree: number;
  /** Entries of that row already swept. */
  offset: number;
}

export interface SmtPruneBatch {
  /** The deletions, the swept rows' deletions and the new cursor: write them as one batch. */
  ops: KvOp[];
  deleted: number;
  examined: number;
  next: SmtPruneCursor;
  /** Every row up to keepFrom is swept. */
  done: boolean;
}

/** Reads the sweep needs, off the main thread (level's getMany): a stalled read never holds the event loop. */
export interface SmtPruneReader {
  getMany(keys: Uint8Array[]): Promise<Array<Uint8Array | undefined>>;
}

/** Cursor layout: u64 block ‖ u8 tree ‖ u32 offset. Absent: nothing swept yet (genesis has no row). */
function decodeCursor(v: Uint8Array | undefined): SmtPruneCursor {
  if (v === undefined) return { block: 1n, tree: 0, offset: 0 };
  const dv = new DataView(v.buffer, v.byteOffset, v.byteLength);
  return { block: dv.getBigUint64(0), tree: dv.getUint8(8), offset: dv.getUint32(9) };
}

export function readSmtPruneCursor(kv: KvReader): SmtPruneCursor {
  return decodeCursor(kv.get(CURSOR_KEY));
}

function encodeCursor(c: SmtPruneCursor): Uint8Array {
  const out = new Uint8Array(13);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, c.block);
  dv.setUint8(8, c.tree);
  dv.setUint32(9, c.offset);
  return out;
}

/**
 * The lowest block whose state is still whole: the sweep of row b breaks tree b-1, so with rows
 * below `block` swept, trees from block-1 on are intact (from `block` on while its rows are half done).
 */
export function smtStateAvailableFrom(c: SmtPruneCursor): bigint {
  if (c.tree > 0 || c.offset > 0) return c.block;
  return c.block > 0n ? c.block - 1n : 0n;
}

/**
 * One bounded batch of the sweep up to `keepFrom` (rows of blocks <= keepFrom): three reads (the
 * cursor, up to maxRows rows, up to maxNodes nodes), no writes; the caller writes `ops` atomically,
 * with no block write between these reads and that write.
 */
export async function smtPruneBatch(
  kv: SmtPruneReader,
  keepFrom: bigint,
  limits: SmtPruneLimits,
): Promise<SmtPruneBatch> {
  const start = decodeCursor((await kv.getMany([CURSOR_KEY]))[0]);
  // The rows this batch may reach, in sweep order.
  const rowAt: Array<{ block: bigint; tree: number }> = [];
  for (let { block, tree } = start; block <= keepFrom && rowAt.length < limits.maxRows; ) {
    rowAt.push({ block, tree });
    if (++tree === SMT_TREES.length) {
      tree = 0;
      block++;
    }
  }
  const rowKeys = rowAt.map((r) => deathRowKey(r.block, SMT_TREES[r.tree]!));
  const rows = rowKeys.length ? await kv.getMany(rowKeys) : [];
  // Take entries row by row until the node budget is spent.
  const ops: KvOp[] = [];
  const nodeKeys: Uint8Array[] = [];
  const nodeBlock: bigint[] = [];
  let next: SmtPruneCursor = { ...start };
  let offset = start.offset;
  for (let i = 0; i < rowAt.length; i++) {
    const { block, tree } = rowAt[i]!;
    const row = rows[i];
    const n = row === undefined ? 0 : row.length >>> 5;
    const end = Math.min(n, offset + (limits.maxNodes - nodeKeys.length));
    for (let j = offset; j < end; j++) {
      const k = new Uint8Array(33);
      k[0] = SMT_TREES[tree]!;
      k.set(row!.subarray(j * 32, j * 32 + 32), 1);
      nodeKeys.push(k);
      nodeBlock.push(block);
    }
    if (end < n) {
      next = { block, tree, offset: end };
      break;
    }
    if (row !== undefined) ops.push({ type: "del", key: rowKeys[i]! });
    next =
      tree + 1 === SMT_TREES.length
        ? { block: block + 1n, tree: 0, offset: 0 }
        : { block, tree: tree + 1, offset: 0 };
    offset = 0;
    if (nodeKeys.length >= limits.maxNodes) break;
  }
  const nodes = nodeKeys.length ? await kv.getMany(nodeKeys) : [];
  let deleted = 0;
  for (let i = 0; i < nodeKeys.length; i++) {
    const stored = nodes[i];
    if (stored !== undefined && birthOf(stored) < nodeBlock[i]!) {
      ops.push({ type: "del", key: nodeKeys[i]! });
      deleted++;
    }
  }
  ops.push({ type: "put", key: CURSOR_KEY, value: encodeCursor(next) });
  return { ops, deleted, examined: nodeKeys.length, next, done: next.block > keepFrom };
}

/** The store side the background loop drives (ChainStore). */
export interface SmtPruneTarget {
  pruneState(keepFrom: bigint): Promise<{ done: boolean }>;
}

export interface PruneLoopOpts {
  /** The oldest block whose state must stay provable, asked before each batch; undefined: nothing yet. */
  keepFrom: () => bigint | undefined;
  /** Pause once caught up (and after an error), in ms. */
  idleMs: number;
}

export interface PruneLoopModules {
  target: SmtPruneTarget;
  onError: (e: unknown) => void;
}

export interface PruneLoop {
  /** Stops after the batch in flight (if any) is written. */
  stop(): Promise<void>;
}

/**
 * Runs the sweep in the background: batch after batch (yielding to the event loop between
 * them) while behind, one check per `idleMs` once caught up.
 */
export function startPruneLoop(opts: PruneLoopOpts, modules: PruneLoopModules): PruneLoop {
  const ac = new AbortController();
  const run = async (): Promise<void> => {
    while (!ac.signal.aborted) {
      let idle = true;
      try {
        const k = opts.keepFrom();
        if (k !== undefined && k > 0n) idle = (await modules.target.pruneState(k)).done;
      } catch (e) {
        modules.onError(e);
      }
      try {
        if (idle) await setTimeout(opts.idleMs, undefined, { signal: ac.signal });
        else await setImmediate(undefined, { signal: ac.signal });
      } catch {
        // aborted: the loop condition ends it
      }
    }
  };
  const done = run();
  return {
    stop() {
      ac.abort();
      return done;
    },
  };
}
