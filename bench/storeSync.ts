/**
 * What fsync costs on the store's write paths on this machine: ChainStore as the node runs it
 * (every block commit and every journal group commit synced) against the same code with the
 * sync option dropped. The figures behind docs/SECURITY.md §10.
 *
 * - journal_ingest_tx_per_s (+ _nosync): 64 writers (rpc_ingest keeps 64 requests in flight),
 *   each journals a tx (ChainStore.addPending, 150 B) and waits for it before the next, for a
 *   fixed time. Also the p50/p99 wait per tx and the mean group size. This is the store's ceiling,
 *   far above rpc_ingest's (which pays HTTP, decoding and sender recovery per tx).
 * - ingest_model_tx_per_s (+ _nosync): the same, but each tx first holds the main thread for
 *   148 µs, what rpc_ingest costs per tx on this machine (docs/BENCHMARKS.md): a model of the
 *   node's ingest, whose limit is its main thread while the fsync runs on libuv's thread pool. The
 *   question it answers: does the fsync's wait cut the node's ingest, or does it overlap with the
 *   main thread's work on the next group?
 * - block_commit_ms (+ _nosync): ChainStore.commitBlock of a 5,000-tx block (0.8 MB record) with
 *   15,000 state ops of 65 B (SMT nodes), median over the blocks.
 *
 * With `--rpc`: also rpc_ingest_tx_per_s itself (bench/rpcIngest.ts, the real node over HTTP),
 * synced against unsynced, `--rounds N` pairs (default 2). Unsynced drops the option in
 * LevelKv.write for this process only.
 *
 * Modes alternate (unsynced, synced, unsynced, ...) so load drift on a shared machine hits both
 * alike. Each synced figure carries the unsynced one of the same run as its ceiling and the ratio
 * (bench/ceiling.ts); bench/run.ts runs this module as "storeSync". Run alone: `node --import tsx bench/storeSync.ts [--quick] [--json] [--rpc]`; or export
 * `run`.
 * @module
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { KvOp } from "../chain/kv.ts";
import type { BlockHeader, SignedTx } from "../chain/types.ts";
import { blockHash } from "../chain/wire/index.ts";
import { ChainStore, type StoredBlockData } from "../store/chainStore.ts";
import { LevelKv } from "../store/levelKv.ts";
import { ceilingFields } from "./ceiling.ts";
import { machineLoad, median, percentile, tempDir } from "./nodeKit.ts";
import type { BenchOpts, BenchResult } from "./types.ts";

const WRITERS = 64;
/** Main-thread time per tx in the ingest model (rpc_ingest's ~148 µs a tx, docs/BENCHMARKS.md). */
const MODEL_TX_CPU_MS = 0.148;
const BLOCK_TXS = 5000;
const STATE_OPS = 15_000;

/** Only `hash` and `raw` reach the journal; a real signature would only cost signing time. */
function fakeTx(): SignedTx {
  return { hash: randomBytes(32), raw: randomBytes(150) } as unknown as SignedTx;
}

async function openStore(dir: string, sync: boolean): Promise<ChainStore> {
  const store = await ChainStore.open(dir);
  if (!sync) {
    const write = store.kv.write.bind(store.kv);
    store.kv.write = (ops) => write(ops); // the same batches, without { sync: true }
  }
  return store;
}

interface IngestRun {
  txPerS: number;
  /** Each tx's wait for its group commit, ms. */
  waits: number[];
  /** Each group commit's write (batch + fsync when synced), ms. */
  groupWrites: number[];
}

function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy: the event loop is held, as the node's admission path holds it
  }
}

async function journalIngest(dir: string, sync: boolean, ms: number, txCpuMs = 0): Promise<IngestRun> {
  const store = await openStore(dir, sync);
  const groupWrites: number[] = [];
  const write = store.kv.write.bind(store.kv);
  store.kv.write = async (ops, o) => {
    const t = performance.now();
    await write(ops, o);
    groupWrites.push(performance.now() - t);
  };
  const waits: number[] = [];
  const end = performance.now() + ms;
  let done = 0;
  const writer = async () => {
    while (performance.now() < end) {
      if (txCpuMs > 0) {
        spin(txCpuMs);
        await new Promise<void>((r) => setImmediate(r)); // let the other writers' turns come
      }
      const t = performance.now();
      await store.addPending(fakeTx());
      waits.push(performance.now() - t);
      done++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: WRITERS }, writer));
  const elapsed = performance.now() - t0;
  await store.close();
  return { txPerS: (done / elapsed) * 1000, waits, groupWrites };
}

function syntheticBlock(number: number): { b: StoredBlockData; ops: KvOp[] } {
  const zero = new Uint8Array(32);
  const header: BlockHeader = {
    number: BigInt(number),
    parentHash: zero,
    timestamp: 1_700_000_000_000n + BigInt(number) * 1000n,
    l1Origin: { number: 0n, hash: zero, timestamp: 0n },
    stateRoot: zero,
    withdrawalsRoot: zero,
    txRoot: zero,
    receiptsRoot: zero,
  };
  // Raw bytes are never decoded on the commit path: random bytes of a transfer's size will do.
  const txs = Array.from({ length: BLOCK_TXS }, fakeTx);
  const b: StoredBlockData = {
    block: { header, systemTxs: [], txs },
    hash: blockHash(header),
    receipts: txs.map((tx) => ({ txHash: tx.hash, status: "success" })),
    senders: txs.map(() => randomBytes(20)),
    size: 0,
  };
  const ops: KvOp[] = Array.from({ length: STATE_OPS }, () => ({
    type: "put",
    key: randomBytes(33),
    value: randomBytes(65),
  }));
  return { b, ops };
}

async function blockCommits(dir: string, sync: boolean, blocks: number, from: number): Promise<number[]> {
  const store = await openStore(dir, sync);
  const out: number[] = [];
  for (let n = from; n < from + blocks; n++) {
    const { b, ops } = syntheticBlock(n);
    const t = performance.now();
    await store.commitBlock(b, ops);
    out.push(performance.now() - t);
  }
  await store.close();
  return out;
}

export async function run(opts: BenchOpts): Promise<BenchResult[]> {
  const rounds = opts.quick ? 2 : 4;
  const ingestMs = opts.quick ? 1500 : 4000;
  const blocksPerRound = opts.quick ? 3 : 6;
  const tmp = tempDir("storesync");
  const loadBefore = machineLoad();
  try {
    const ingest: Record<"sync" | "nosync", IngestRun[]> = { sync: [], nosync: [] };
    const model: Record<"sync" | "nosync", IngestRun[]> = { sync: [], nosync: [] };
    const commit: Record<"sync" | "nosync", number[]> = { sync: [], nosync: [] };
    let block = 1;
    for (let r = 0; r < rounds; r++) {
      for (const sync of [false, true]) {
        const mode = sync ? "sync" : "nosync";
        const dir = join(tmp.dir, `${mode}-${r}`);
        ingest[mode].push(await journalIngest(dir, sync, ingestMs));
        model[mode].push(await journalIngest(`${dir}-model`, sync, ingestMs, MODEL_TX_CPU_MS));
        commit[mode].push(...(await blockCommits(dir, sync, blocksPerRound, block)));
        block += blocksPerRound;
      }
    }
    const load = `${loadBefore} → ${machineLoad()}`;
    const r1 = (x: number) => Number(x.toFixed(1));
    const r2 = (x: number) => Number(x.toFixed(2));
    const out: BenchResult[] = [];
    for (const mode of ["sync", "nosync"] as const) {
      const suffix = mode === "sync" ? "" : "_nosync";
      const runs = ingest[mode];
      const waits = runs.flatMap((x) => x.waits).sort((a, b) => a - b);
      const groupWrites = runs.flatMap((x) => x.groupWrites).sort((a, b) => a - b);
      out.push({
        name: `journal_ingest_tx_per_s${suffix}`,
        value: Math.round(median(runs.map((x) => x.txPerS))),
        unit: "tx/s",
        runs: runs.map((x) => Math.round(x.txPerS)),
        waitP50Ms: r2(percentile(waits, 50)),
        waitP99Ms: r2(percentile(waits, 99)),
        groupWriteP50Ms: r2(percentile(groupWrites, 50)),
        groupWriteP99Ms: r2(percentile(groupWrites, 99)),
        txsPerGroup: r1(waits.length / groupWrites.length),
        writers: WRITERS,
        load,
      });
      const m = model[mode];
      const mWaits = m.flatMap((x) => x.waits).sort((a, b) => a - b);
      out.push({
        name: `ingest_model_tx_per_s${suffix}`,
        value: Math.round(median(m.map((x) => x.txPerS))),
        unit: "tx/s",
        runs: m.map((x) => Math.round(x.txPerS)),
        waitP50Ms: r2(percentile(mWaits, 50)),
        waitP99Ms: r2(percentile(mWaits, 99)),
        txsPerGroup: r1(mWaits.length / m.reduce((n, x) => n + x.groupWrites.length, 0)),
        txCpuMs: MODEL_TX_CPU_MS,
        load,
      });
      out.push({
        name: `block_commit_ms${suffix}`,
        value: r1(median(commit[mode])),
        unit: "ms",
        min: r1(Math.min(...commit[mode])),
        max: r1(Math.max(...commit[mode])),
        blockTxs: BLOCK_TXS,
        stateOps: STATE_OPS,
        load,
      });
    }
    return withSyncRatios(out);
  } finally {
    tmp.cleanup();
  }
}

/** Gives each synced figure its unsynced twin (same run) as ceiling: rates by value, times inverted. */
function withSyncRatios(results: BenchResult[]): BenchResult[] {
  const byName = new Map(results.map((r) => [r.name, r]));
  return results.map((r) => {
    const twin = byName.get(`${r.name}_nosync`);
    if (twin === undefined) return r;
    const direction = r.unit === "ms" ? "time" : "rate";
    return { ...r, ...ceilingFields(r.value, twin.value, `${twin.name}, same run`, direction) };
  });
}

/** rpc_ingest (bench/rpcIngest.ts) with every level write synced as the node does, and without. */
export async function runRpcIngest(opts: BenchOpts, rounds: number): Promise<BenchResult[]> {
  const { run: ingest } = await import("./rpcIngest.ts");
  const write = LevelKv.prototype.write;
  const out: BenchResult[] = [];
  try {
    for (let r = 0; r < rounds; r++) {
      for (const sync of [false, true]) {
        LevelKv.prototype.write = sync
          ? write
          : function (this: LevelKv, ops) {
              return write.call(this, ops);
            };
        const [rate, p50, p99] = await ingest(opts);
        const suffix = sync ? "" : "_nosync";
        out.push(
          { ...rate!, name: `${rate!.name}${suffix}`, round: r },
          { name: `rpc_ingest_p50_ms${suffix}`, value: p50!.value, unit: "ms", round: r },
          { name: `rpc_ingest_p99_ms${suffix}`, value: p99!.value, unit: "ms", round: r },
        );
      }
    }
  } finally {
    LevelKv.prototype.write = write;
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const args = process.argv;
  const json = args.includes("--json");
  const opts = { quick: args.includes("--quick") };
  const roundsAt = args.indexOf("--rounds");
  const rounds = roundsAt > 0 ? Number(args[roundsAt + 1]) : 2;
  const results = args.includes("--rpc") ? await runRpcIngest(opts, rounds) : await run(opts);
  for (const r of results) {
    const { name, value, unit, ...extra } = r;
    process.stdout.write(
      json
        ? `${JSON.stringify(r)}\n`
        : `${name.padEnd(32)} ${String(value).padStart(10)} ${unit}  ${JSON.stringify(extra)}\n`,
    );
  }
}
