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
 *
 * Ceilings, measured in this run (bench/ceiling.ts): raw sha256 node hashes/s of 65-byte node
 * preimages, with the batch kernel the tree uses (WASM SIMD where it compiles) and with node:crypto
 * one call per node, each divided by the node hashes per update counted in the timed blocks: the
 * update rate if hashing were the only cost. For the level figure, the sum of that hashing and the
 * raw batched level puts (the same batch size, 32 B keys, 65 B values) per update.
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
import { createSha256SlotKernel, MAX_SLOTS, sha256Slots } from "../chain/smt/sha256Batch.ts";
import { LevelKv } from "../store/levelKv.ts";
import { ceilingFields, opsPerSecond } from "./ceiling.ts";
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

/** Raw node hashes/s of a slot kernel: MAX_SLOTS 65-byte preimages per call, for `ms`. */
function kernelHashesPerS(kind: "wasm" | "node", ms: number): number | undefined {
  let k: ReturnType<typeof createSha256SlotKernel>;
  try {
    k = createSha256SlotKernel(kind);
  } catch {
    return undefined; // no WebAssembly SIMD here: only the node:crypto figure
  }
  k.mem.fill(0x5a, 0, k.mem.length >> 1);
  return opsPerSecond(() => k.hash(MAX_SLOTS), ms, 4) * MAX_SLOTS;
}

/** Counts the node hashes the tree asks of its kernel while `f` runs. */
function countingHashes<T>(f: () => T): { result: T; hashes: number } {
  const hash = sha256Slots.hash;
  let hashes = 0;
  sha256Slots.hash = (n: number) => {
    hashes += n;
    hash.call(sha256Slots, n);
  };
  try {
    return { result: f(), hashes };
  } finally {
    sha256Slots.hash = hash;
  }
}

/** Raw level batched puts/s: batches of `batch` fresh 32 B keys with 65 B values, for `ms`. */
async function levelPutsPerS(kv: LevelKv, batch: number, ms: number): Promise<number> {
  const value = new Uint8Array(65).fill(7);
  let puts = 0;
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    const ops = [];
    for (let i = 0; i < batch; i++) ops.push({ type: "put" as const, key: h32(77, n++), value });
    await kv.write(ops);
    puts += batch;
    elapsed = performance.now() - start;
  } while (elapsed < ms);
  return (puts / elapsed) * 1000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

export async function run(opts: BenchOpts): Promise<BenchResult[]> {
  const blocks = opts.quick ? 3 : 8;
  const warmup = 2;
  const results: BenchResult[] = [];
  // From the memory run, for the level figure's ceiling.
  let hashesPerUpdate = 0;
  let treeHps = 0;

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
    let hashes = 0;
    for (let b = 0; b < warmup + blocks; b++) {
      const changes = w.block(BLOCK);
      // The counter costs one add per batch of up to 256 hashes: inside the timing, negligible.
      const s = performance.now();
      const counted = countingHashes(() => tree.update(changes));
      if (b >= warmup) {
        times.push(performance.now() - s);
        hashes += counted.hashes;
      }
    }
    const total = times.reduce((a, b) => a + b, 0);
    hashesPerUpdate = hashes / (blocks * BLOCK);
    const ms = opts.quick ? 150 : 500;
    const nodeHps = kernelHashesPerS("node", ms)!;
    const wasmHps = kernelHashesPerS("wasm", ms);
    treeHps = sha256Slots.kind === "wasm" && wasmHps !== undefined ? wasmHps : nodeHps;
    const value = Math.round((blocks * BLOCK) / (total / 1000));
    results.push({
      name: "smt_update_per_s",
      value,
      unit: "updates/s",
      ...ceilingFields(
        value,
        treeHps / hashesPerUpdate,
        `raw ${sha256Slots.kind} sha256 node hashes/s ÷ ${hashesPerUpdate.toFixed(2)} hashes per update`,
      ),
      hashesPerUpdate: Number(hashesPerUpdate.toFixed(2)),
      kernel: sha256Slots.kind,
      nodeCryptoHashesPerS: Math.round(nodeHps),
      ...(wasmHps === undefined ? {} : { wasmHashesPerS: Math.round(wasmHps) }),
      ratioNodeCrypto: Number((value / (nodeHps / hashesPerUpdate)).toFixed(3)),
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
    let puts = 0;
    for (let b = 0; b < warmup + blocks; b++) {
      const changes = w.block(BLOCK);
      const s = performance.now();
      tree.update(changes);
      const c = performance.now();
      const ops = overlay.ops();
      await kv.write(ops);
      overlay.discard();
      const e = performance.now();
      if (b >= warmup) {
        times.push(e - s);
        commitTimes.push(e - c);
        for (const op of ops) if (op.type === "put") puts++;
      }
    }
    const total = times.reduce((a, b) => a + b, 0);
    const putsPerUpdate = puts / (blocks * BLOCK);
    const putsPerS = await levelPutsPerS(kv, Math.round(puts / blocks), opts.quick ? 500 : 1500);
    const ceiling = 1 / (hashesPerUpdate / treeHps + putsPerUpdate / putsPerS);
    const value = Math.round((blocks * BLOCK) / (total / 1000));
    results.push({
      name: "smt_update_level_per_s",
      value,
      unit: "updates/s",
      ...ceilingFields(
        value,
        ceiling,
        `per update: ${hashesPerUpdate.toFixed(2)} raw node hashes + ${putsPerUpdate.toFixed(2)} raw batched level puts`,
      ),
      levelPutsPerS: Math.round(putsPerS),
      putsPerUpdate: Number(putsPerUpdate.toFixed(2)),
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
