/**
 * SMT garbage collection (store/smtPruner.ts) over LevelKv, at the smt bench's scale: a tree of
 * 100,000 keys, then blocks of 5,000 mixed changes (60% overwrite, 30% insert, 10% delete) written
 * as the node writes them (birth stamps and death rows filed by fileSmtGarbage), then a sweep of
 * every block's death row in default-sized batches.
 * - smt_prune_nodes_per_s: death-row entries swept per second (one node read each, a delete for
 *   most), batch writes included. Ceiling, same run: raw getSync reads/s of stored node keys (the
 *   read every entry needs), random order.
 * - smt_prune_batch_hold_ms: the longest a default batch holds the event loop (its synchronous
 *   stretches, between its asynchronous reads and write), as the lateness of a 1 ms timer while
 *   it runs. Extras: median and p99, and the same probe around 5 ms sleeps (idleLag*): the
 *   machine's own timer jitter, which the batch figures include.
 *   smt_prune_nodes_per_s carries the node count before and after the sweep.
 */
import { hash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { OverlayKv } from "../chain/kv.ts";
import { type SmtChange, SmtNodeCache, SparseMerkleTree } from "../chain/smt/index.ts";
import { KV_PREFIX } from "../chain/state/keys.ts";
import { LevelKv } from "../store/levelKv.ts";
import { PREFIX } from "../store/prefixes.ts";
import { fileSmtGarbage } from "../store/smtDeathRow.ts";
import { DEFAULT_SMT_PRUNE_LIMITS, smtPruneBatch } from "../store/smtPruner.ts";
import { ceilingFields } from "./ceiling.ts";
import type { BenchOpts, BenchResult } from "./types.ts";

const TREE_KEYS = 100_000;
const BLOCK = 5_000;

function h32(tag: number, i: number): Uint8Array {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(tag);
  b.writeUInt32BE(i, 4);
  const d = hash("sha256", b, "buffer") as unknown as Buffer;
  return new Uint8Array(d.buffer, d.byteOffset, 32);
}

async function countNodes(kv: LevelKv): Promise<{ n: number; sample: Uint8Array[] }> {
  let n = 0;
  const sample: Uint8Array[] = [];
  for await (const k of kv.db.keys({
    gte: Uint8Array.of(PREFIX.SMT_STATE),
    lt: Uint8Array.of(PREFIX.SMT_STATE + 1),
  })) {
    if (n++ % 7 === 0) sample.push(new Uint8Array(k));
  }
  return { n, sample };
}

/**
 * Runs an async step and records the longest synchronous stretch it held the event loop for: a
 * 1 ms interval timer's lateness while the step runs (the loop cannot fire it during a stretch).
 */
async function timedSync<T>(step: () => Promise<T>, out: number[]): Promise<T> {
  let last = performance.now();
  let worst = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 1);
    last = now;
  }, 1);
  const t = performance.now();
  try {
    const r = await step();
    worst = Math.max(worst, performance.now() - last);
    return r;
  } finally {
    clearInterval(timer);
    out.push(Math.min(worst, performance.now() - t));
  }
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

function median(xs: number[]): number {
  return quantile(xs, 0.5);
}

export async function run(opts: BenchOpts): Promise<BenchResult[]> {
  const blocks = opts.quick ? 3 : 8;
  const dir = mkdtempSync(join(tmpdir(), "flops-bench-smtprune-"));
  const kv = new LevelKv(dir);
  try {
    await kv.open();
    const overlay = new OverlayKv(kv);
    const tree = new SparseMerkleTree(overlay, undefined, {
      prefix: KV_PREFIX.SMT_STATE,
      cache: new SmtNodeCache(),
    });
    const live: Uint8Array[] = [];
    let next = 0;
    let step = 0;
    const insert = (): SmtChange => {
      const key = h32(0, next);
      live.push(key);
      return { key, valueHash: h32(1, next++) };
    };
    const commit = async (n: bigint, changes: SmtChange[]) => {
      tree.update(changes);
      // As StateDb.commit hands the obsolete list to the store.
      if (tree.obsolete.length)
        overlay.put(Uint8Array.of(KV_PREFIX.SMT_OBSOLETE, KV_PREFIX.SMT_STATE), tree.obsolete);
      await kv.write(fileSmtGarbage(overlay.ops(), n));
      overlay.discard();
    };
    await commit(0n, Array.from({ length: TREE_KEYS }, insert));
    for (let b = 1; b <= blocks; b++) {
      const changes: SmtChange[] = [];
      for (let j = 0; j < BLOCK; j++) {
        const s = step++;
        const pick = (s * 2_654_435_761) % live.length;
        if (j % 10 < 6) changes.push({ key: live[pick]!, valueHash: h32(2, s) });
        else if (j % 10 < 9) changes.push(insert());
        else {
          const key = live[pick]!;
          live[pick] = live[live.length - 1]!;
          live.pop();
          changes.push({ key, valueHash: null });
        }
      }
      await commit(BigInt(b), changes);
    }
    const before = await countNodes(kv);

    // Ceiling: raw stamp reads, random stored node keys.
    const keys = before.sample;
    for (let i = keys.length - 1; i > 0; i--) {
      const j = (i * 2_654_435_761) % (i + 1);
      [keys[i], keys[j]] = [keys[j]!, keys[i]!];
    }
    const r0 = performance.now();
    for (const k of keys) kv.get(k);
    const readsPerS = keys.length / ((performance.now() - r0) / 1000);

    const holds: number[] = [];
    let examined = 0;
    let deleted = 0;
    const s0 = performance.now();
    for (;;) {
      // The batch's synchronous stretches hold the loop; its reads and write run on level's pool.
      const batch = await timedSync(
        () => smtPruneBatch(kv.db, BigInt(blocks), DEFAULT_SMT_PRUNE_LIMITS),
        holds,
      );
      await kv.write(batch.ops);
      examined += batch.examined;
      deleted += batch.deleted;
      if (batch.done) break;
    }
    const sweepS = (performance.now() - s0) / 1000;
    // The same probe around steps that hold nothing (a 5 ms sleep): this machine's own timer jitter.
    const idle: number[] = [];
    for (let i = 0; i < Math.min(holds.length, 200); i++) await timedSync(() => sleep(5), idle);
    const after = await countNodes(kv);
    const value = Math.round(examined / sweepS);
    return [
      {
        name: "smt_prune_nodes_per_s",
        value,
        unit: "nodes/s",
        ...ceilingFields(
          value,
          readsPerS,
          "raw level getSync reads/s of stored node keys (one per swept entry)",
        ),
        examined,
        deleted,
        batches: holds.length,
        nodesBefore: before.n,
        nodesAfter: after.n,
        treeKeys: TREE_KEYS,
        blocks,
        blockSize: BLOCK,
      },
      {
        name: "smt_prune_batch_hold_ms",
        value: Number(Math.max(...holds).toFixed(2)),
        unit: "ms",
        medianMs: Number(median(holds).toFixed(2)),
        p99Ms: Number(quantile(holds, 0.99).toFixed(2)),
        idleLagMedianMs: Number(median(idle).toFixed(2)),
        idleLagP99Ms: Number(quantile(idle, 0.99).toFixed(2)),
        idleLagMaxMs: Number(Math.max(...idle).toFixed(2)),
        maxNodesPerBatch: DEFAULT_SMT_PRUNE_LIMITS.maxNodes,
      },
    ];
  } finally {
    await kv.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}
