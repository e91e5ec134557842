/**
 * State commitment (chain/smt) throughput and proof sizes.
 * - smt_update_per_s: key updates per second including root recomputation, in blocks of 5,000
 *   changes (60% overwrite an existing key, 30% insert a new key, 10% delete) on a tree of
 *   100,000 keys over MemoryKv (every new node written to it). Target >= 100,000.
 * - smt_update_level_per_s: the same over LevelKv as the node runs it: tree over an OverlayKv,
 *   then the block's node writes committed as one level batch; the commit is inside the timing.
 * - smt_proof_bytes: compressed proof size at 100,000 keys (inclusion mean; max and exclusion
 *   figures as extras).
 * - smt_verify_per_s: verifySmtProof (node:crypto sha256) of inclusion proofs at 100,000 keys.
 */
import { hash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryKv, OverlayKv } from "../chain/kv.ts";
import {
  encodeSmtProof,
  type SmtChange,
  SmtNodeCache,
  SparseMerkleTree,
  verifySmtProof,
} from "../chain/smt/index.ts";
import { LevelKv } from "../store/levelKv.ts";
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

/** Deterministic workload: the initial keys, then blocks of mixed changes over the live set. */
class Workload {
  private readonly live: Uint8Array[] = [];
  private next = 0;
  private step = 0;

  initial(n: number): SmtChange[] {
    const out: SmtChange[] = [];
    for (let i = 0; i < n; i++) out.push(this.insert());
    return out;
  }

  block(size: number): SmtChange[] {
    const out: SmtChange[] = [];
    for (let j = 0; j < size; j++) {
      const s = this.step++;
      const r = j % 10;
      // Spread picks over the live set with a large odd stride (no repeats within a block).
      const pick = (s * 2_654_435_761) % this.live.length;
      if (r < 6) out.push({ key: this.live[pick]!, valueHash: h32(2, s) });
      else if (r < 9) out.push(this.insert());
      else {
        const key = this.live[pick]!;
        this.live[pick] = this.live[this.live.length - 1]!;
        this.live.pop();
        out.push({ key, valueHash: null });
      }
    }
    return out;
  }

  sample(i: number): Uint8Array {
    return this.live[(i * 7919) % this.live.length]!;
  }

  private insert(): SmtChange {
    const key = h32(0, this.next);
    this.live.push(key);
    return { key, valueHash: h32(1, this.next++) };
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

export async function run(opts: BenchOpts): Promise<BenchResult[]> {
  const blocks = opts.quick ? 3 : 8;
  const warmup = 2;
  const results: BenchResult[] = [];

  // --- in memory -------------------------------------------------------------------------------
  {
    const w = new Workload();
    // One process-wide cache, as the node should run it (SmtOpts.cache).
    const tree = new SparseMerkleTree(new MemoryKv(), undefined, { cache: new SmtNodeCache() });
    const init = w.initial(TREE_KEYS);
    const t0 = performance.now();
    tree.update(init);
    const buildMs = performance.now() - t0;
    const times: number[] = [];
    for (let b = 0; b < warmup + blocks; b++) {
      const changes = w.block(BLOCK);
      const s = performance.now();
      tree.update(changes);
      if (b >= warmup) times.push(performance.now() - s);
    }
    const total = times.reduce((a, b) => a + b, 0);
    results.push({
      name: "smt_update_per_s",
      value: Math.round((blocks * BLOCK) / (total / 1000)),
      unit: "updates/s",
      blockSize: BLOCK,
      treeKeys: TREE_KEYS,
      blockMsMedian: Number(median(times).toFixed(1)),
      blockMsMax: Number(Math.max(...times).toFixed(1)),
      buildPerS: Math.round(TREE_KEYS / (buildMs / 1000)),
    });

    const root = tree.root;
    const incl: number[] = [];
    const excl: number[] = [];
    const proofs = [];
    for (let i = 0; i < 1000; i++) {
      const key = w.sample(i);
      const p = tree.prove(key);
      proofs.push({ key, value: tree.get(key)!, p });
      incl.push(encodeSmtProof(p).length);
      excl.push(encodeSmtProof(tree.prove(h32(9, i))).length);
    }
    const mean = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) / xs.length);
    results.push({
      name: "smt_proof_bytes",
      value: mean(incl),
      unit: "bytes",
      max: Math.max(...incl),
      exclusionMean: mean(excl),
      exclusionMax: Math.max(...excl),
      treeKeys: TREE_KEYS,
    });
    const v0 = performance.now();
    let ok = 0;
    for (let r = 0; r < 3; r++)
      for (const { key, value, p } of proofs) if (verifySmtProof(root, key, value, p)) ok++;
    const vMs = performance.now() - v0;
    if (ok !== 3 * proofs.length) throw new Error("bench smt: a proof failed to verify");
    results.push({ name: "smt_verify_per_s", value: Math.round(ok / (vMs / 1000)), unit: "proofs/s" });
  }

  // --- over LevelKv ------------------------------------------------------------------------------
  const dir = mkdtempSync(join(tmpdir(), "flops-bench-smt-"));
  const kv = new LevelKv(dir);
  try {
    await kv.open();
    const w = new Workload();
    const overlay = new OverlayKv(kv);
    const tree = new SparseMerkleTree(overlay, undefined, { cache: new SmtNodeCache() });
    tree.update(w.initial(TREE_KEYS));
    await kv.write(overlay.ops());
    overlay.discard();
    const times: number[] = [];
    const commitTimes: number[] = [];
    for (let b = 0; b < warmup + blocks; b++) {
      const changes = w.block(BLOCK);
      const s = performance.now();
      tree.update(changes);
      const c = performance.now();
      await kv.write(overlay.ops());
      overlay.discard();
      const e = performance.now();
      if (b >= warmup) {
        times.push(e - s);
        commitTimes.push(e - c);
      }
    }
    const total = times.reduce((a, b) => a + b, 0);
    results.push({
      name: "smt_update_level_per_s",
      value: Math.round((blocks * BLOCK) / (total / 1000)),
      unit: "updates/s",
      blockSize: BLOCK,
      treeKeys: TREE_KEYS,
      blockMsMedian: Number(median(times).toFixed(1)),
      commitMsMedian: Number(median(commitTimes).toFixed(1)),
    });
  } finally {
    if (kv.db.status === "open") await kv.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}
