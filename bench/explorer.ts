/**
 * The explorer's figures (issue 11):
 *
 * - `explorer_index_blocks_per_s`: blocks of 5,000 transfers indexed per second (indexBlockOps +
 *   one level batch each, as the indexer does), against a ceiling of raw level batch writes of the
 *   same keys and values. The target is ≥ 10× the sequencer's block rate (2 blocks/s at 500 ms).
 *   The transfers run between 1,000 accounts (each sends and receives 5 a block); a tx's
 *   address entries are one per party and block (indexer/keys.ts), so the figure also reports
 *   `distinctPartiesBlocksPerS`: blocks whose 10,000 parties are all different (the worst case,
 *   two address entries a tx), measured on a few blocks in a database of their own.
 * - `explorer_list_p99_ms` for `/api/v2/transactions` and `/api/v2/nodes` (pages of 50) with
 *   1,000,000 indexed txs (`--quick`: 100,000), at 500 req/s open-loop over real HTTP (keep-alive),
 *   against the p99 of an empty GET route on the same kind of fastify server at the same rate in
 *   the same run. Target ≤ 20 ms. Half the transactions requests ask for a page deep in the index
 *   (a cursor at a random position), half for the newest page.
 *
 * The index is built through the indexer's own write path (indexBlockOps, one batch a block:
 * 200 blocks for the full run's 1M txs, ~10 s) from SYNTHETIC decoded blocks: transfers with
 * made-up hashes and signatures (the indexer reads actions, senders and receipts, never
 * signatures), so a million txs need no million signatures. The node list reads node records
 * through an RPC backend stub answering a fixed record (the state read is not what is measured).
 * The load generator runs in this process (one event loop with the server): both the figure and
 * its ceiling pay that.
 * @module
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify, { LogController } from "fastify";
import type { RpcBackend } from "../api/ports.ts";
import { createApiServer } from "../api/server.ts";
import { createLocalBeacon, deriveBeaconSecretKey } from "../chain/beacon/index.ts";
import { concatBytes, u64ToBytes } from "../chain/bytes.ts";
import { defaultParams } from "../chain/params.ts";
import { type IndexedBlock, type IndexParams, indexBlockOps } from "../indexer/indexBlock.ts";
import { IndexReads } from "../indexer/indexReads.ts";
import { IX, ixKey } from "../indexer/keys.ts";
import { createExplorerReads } from "../node/explorerReads.ts";
import { LevelKv } from "../store/levelKv.ts";
import { syntheticTransferBlock } from "../test/helpers/syntheticBlocks.ts";
import { ceilingFields } from "./ceiling.ts";
import type { BenchOpts, BenchResult } from "./types.ts";

const TXS_PER_BLOCK = 5000;
const RATE = 500;
const SEQUENCER_BLOCKS_PER_S = 2;

/** Block `n` of 5,000 transfers: tx i from `from[i % len]` to `to[i % len]`. */
function syntheticBlock(
  n: bigint,
  parentHash: Uint8Array,
  from: Uint8Array[],
  to: Uint8Array[],
): IndexedBlock {
  return syntheticTransferBlock({
    number: n,
    parentHash,
    hash: randomBytes(32),
    timestamp: 1_700_000_000_000n + n * 500n,
    // One random buffer for the block's hashes: the generator's garbage is not the indexer's cost.
    txHashes: randomBytes(32 * TXS_PER_BLOCK),
    from: (i) => from[i % from.length]!,
    to: (i) => to[i % to.length]!,
    size: TXS_PER_BLOCK * 120,
  });
}

/** Indexes `count` blocks from `first` into `kv` (and the same ops, raw, into `raw`): ms spent on each. */
async function indexBlocks(
  kv: LevelKv,
  raw: LevelKv | undefined,
  params: IndexParams,
  first: bigint,
  count: number,
  parties: () => { from: Uint8Array[]; to: Uint8Array[] },
): Promise<{ indexMs: number; rawMs: number; parent: Uint8Array }> {
  let parent: Uint8Array = new Uint8Array(32);
  let indexMs = 0;
  let rawMs = 0;
  for (let n = first; n < first + BigInt(count); n++) {
    const { from, to } = parties();
    const b = syntheticBlock(n, parent, from, to);
    parent = b.hash;
    const t0 = performance.now();
    const ops = indexBlockOps(b, params, kv);
    await kv.write(ops);
    const t1 = performance.now();
    indexMs += t1 - t0;
    if (raw) {
      // The ceiling: the same keys and values, written as one batch to a database of their own.
      await raw.write(
        ops.map((o) => (o.type === "put" ? { ...o, key: concatBytes(Uint8Array.of(0x7f), o.key) } : o)),
      );
      rawMs += performance.now() - t1;
    }
  }
  return { indexMs, rawMs, parent };
}

/** Open-loop GETs at `rate`/s for `ms` (request i to `urlOf(i)`); latencies in ms. */
async function load(urlOf: (i: number) => string, rate: number, ms: number): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const lat: number[] = [];
  const pending: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; ; i++) {
    const due = start + (i * 1000) / rate;
    if (due - start > ms) break;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(
      new Promise<void>((resolve, reject) => {
        // Latency from when the request was due: a late send counts against it (open loop).
        const url = urlOf(i);
        const req = request(url, { agent }, (res) => {
          res.resume();
          res.on("end", () => {
            if (res.statusCode !== 200) reject(new Error(`${url}: HTTP ${res.statusCode}`));
            lat.push(performance.now() - due);
            resolve();
          });
        });
        req.on("error", reject);
        req.end();
      }),
    );
  }
  await Promise.all(pending);
  agent.destroy();
  return lat;
}

function p99(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.99))]!;
}

export async function run(opts: BenchOpts): Promise<BenchResult[]> {
  const totalTxs = opts.quick ? 100_000 : 1_000_000;
  const blocks = totalTxs / TXS_PER_BLOCK;
  const dir = await mkdtemp(join(tmpdir(), "flops-bench-explorer-"));
  const kv = new LevelKv(join(dir, "index"));
  const raw = new LevelKv(join(dir, "raw"));
  const distinctKv = new LevelKv(join(dir, "distinct"));
  await kv.open();
  await raw.open();
  await distinctKv.open();
  const beacon = createLocalBeacon(deriveBeaconSecretKey("flops/bench"), {
    genesisTime: 1_700_000_000n,
    periodSeconds: 1n,
  });
  const params = defaultParams(beacon.config);
  const senders = Array.from({ length: 1000 }, () => randomBytes(20));
  const results: BenchResult[] = [];
  try {
    // --- indexing: indexBlockOps + write, vs raw writes of the same ops ---
    const shared = { from: senders, to: [...senders.slice(1), senders[0]!] };
    const { indexMs, rawMs, parent } = await indexBlocks(kv, raw, params, 0n, blocks, () => shared);
    const idxRate = (blocks * 1000) / indexMs;
    const rawRate = (blocks * 1000) / rawMs;
    // The worst case for the address entries: 10,000 different parties in every block.
    const distinctBlocks = opts.quick ? 3 : 5;
    const distinct = await indexBlocks(distinctKv, undefined, params, 0n, distinctBlocks, () => {
      // Views of one random buffer, as the hashes: the generator's garbage stays out of the timing.
      const slab = randomBytes(20 * 2 * TXS_PER_BLOCK);
      const at = (i: number) => slab.subarray(20 * i, 20 * i + 20);
      return {
        from: Array.from({ length: TXS_PER_BLOCK }, (_, i) => at(i)),
        to: Array.from({ length: TXS_PER_BLOCK }, (_, i) => at(TXS_PER_BLOCK + i)),
      };
    });
    const distinctRate = (distinctBlocks * 1000) / distinct.indexMs;
    results.push({
      name: "explorer_index_blocks_per_s",
      value: Number(idxRate.toFixed(2)),
      unit: "blocks/s",
      ...ceilingFields(idxRate, rawRate, "raw level batch writes of the same keys and values"),
      txsPerBlock: TXS_PER_BLOCK,
      blocks,
      sequencerMultiple: Number((idxRate / SEQUENCER_BLOCKS_PER_S).toFixed(1)),
      distinctPartiesBlocksPerS: Number(distinctRate.toFixed(2)),
      distinctPartiesSequencerMultiple: Number((distinctRate / SEQUENCER_BLOCKS_PER_S).toFixed(1)),
    });

    // --- list latency over HTTP at a fixed rate ---
    for (const a of senders.slice(0, 200))
      await kv.write([{ type: "put", key: ixKey(IX.NODE, a), value: u64ToBytes(0n) }]);
    const record = {
      registeredAt: 0n,
      streak: 3,
      lastLiveEpoch: 1n,
      currentEpoch: 2n,
      epochWork: 0n,
      epochFailed: false,
      openChallenges: 0,
      passed: 5,
      failed: 0,
      expired: 0,
      cancelled: 0,
      totalWork: 1n,
      totalCredits: 1n,
      lastThroughput: 1n,
    };
    const backend = {
      getNode: (address: Uint8Array) => ({ address, record, credits: 1n, streak: 3, multiplierBps: 13_000n }),
      syncStatus: () => ({
        unsafeL2: { number: 0n, hash: parent, timestamp: 0n },
        safeL2: { number: 0n, hash: parent, timestamp: 0n },
        finalizedL2: { number: 0n, hash: parent, timestamp: 0n },
      }),
    } as unknown as RpcBackend;
    const reads = createExplorerReads({ index: new IndexReads(kv, params), backend });
    const api = await createApiServer({
      rpc: { backend, limits: { rateLimit: false } },
      explorer: reads,
      // One load process from one address: the per-IP cap lifted, as bench/emptyRoute.ts lifts it.
      connections: { maxConnectionsPerIp: 4096 },
    });
    const url = await api.listen({ host: "127.0.0.1", port: 0 });
    const empty = Fastify({ logController: new LogController({ disableRequestLogging: true }) });
    empty.get("/", (_req, reply) => {
      reply.header("content-type", "application/json").send("{}");
    });
    const emptyUrl = await empty.listen({ host: "127.0.0.1", port: 0 });
    const ms = opts.quick ? 2000 : 6000;
    try {
      // Half the pages deep in the index: a cursor at a random position (the newest page alone
      // would read one block's chunks, always the same ones).
      const deep = (i: number) =>
        i % 2 === 0
          ? "/api/v2/transactions?limit=50"
          : `/api/v2/transactions?limit=50&block_number=${Math.floor(Math.random() * blocks)}&index=${Math.floor(Math.random() * TXS_PER_BLOCK)}`;
      await load((i) => `${url}${deep(i)}`, RATE, 500); // warm-up
      const ceiling = p99(await load(() => `${emptyUrl}/`, RATE, ms));
      for (const [route, path] of [
        ["transactions", deep],
        ["nodes", () => "/api/v2/nodes?limit=50"],
      ] as const) {
        const v = p99(await load((i) => `${url}${path(i)}`, RATE, ms));
        results.push({
          name: `explorer_list_p99_ms_${route}`,
          value: Number(v.toFixed(2)),
          unit: "ms",
          ...ceilingFields(v, ceiling, `p99 of an empty GET route at ${RATE} req/s, same run`, "time"),
          indexedTxs: totalTxs,
          rate: RATE,
        });
      }
    } finally {
      await api.close();
      await empty.close();
    }
  } finally {
    await kv.close();
    await raw.close();
    await distinctKv.close();
    await rm(dir, { recursive: true, force: true });
  }
  return results;
}
