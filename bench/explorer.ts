/**
 * The explorer's figures (issue 11):
 *
 * - `explorer_index_blocks_per_s`: blocks of 5,000 transfers indexed per second (indexBlockOps +
 *   one level batch each, as the indexer does), against a ceiling of raw level batch writes of the
 *   same keys and values. The target is ≥ 10× the sequencer's block rate (2 blocks/s at 500 ms).
 * - `explorer_list_p99_ms` for `/api/v2/transactions` and `/api/v2/nodes` (pages of 50) with
 *   1,000,000 indexed txs (`--quick`: 100,000), at 500 req/s open-loop over real HTTP (keep-alive),
 *   against the p99 of an empty GET route on the same kind of fastify server at the same rate in
 *   the same run. Target ≤ 20 ms.
 *
 * The index is built through the indexer's own write path (indexBlockOps) from SYNTHETIC decoded
 * blocks: transfers with made-up hashes and signatures (the indexer reads actions, senders and
 * receipts, never signatures), so a million txs need no million signatures. The node list reads
 * node records through an RPC backend stub answering a fixed record (the state read is not what
 * is measured). The load generator runs in this process (one event loop with the server): both
 * the figure and its ceiling pay that.
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
import type { Block, Receipt, SignedTx } from "../chain/types.ts";
import { type IndexedBlock, indexBlockOps } from "../indexer/indexBlock.ts";
import { IndexReads } from "../indexer/indexReads.ts";
import { IX, ixKey } from "../indexer/keys.ts";
import { createExplorerReads } from "../node/explorerReads.ts";
import { LevelKv } from "../store/levelKv.ts";
import { ceilingFields } from "./ceiling.ts";
import type { BenchOpts, BenchResult } from "./types.ts";

const TXS_PER_BLOCK = 5000;
const RATE = 500;
const SEQUENCER_BLOCKS_PER_S = 2;

function syntheticBlock(n: bigint, parentHash: Uint8Array, senders: Uint8Array[]): IndexedBlock {
  const txs: SignedTx[] = [];
  const receipts: Receipt[] = [];
  const from: Uint8Array[] = [];
  for (let i = 0; i < TXS_PER_BLOCK; i++) {
    const hash = randomBytes(32);
    txs.push({
      body: {
        chainId: 1n,
        nonce: BigInt(i),
        action: { kind: "transfer", to: senders[(i + 1) % senders.length]!, amount: 1n },
      },
      bodyBytes: new Uint8Array(0),
      signature: new Uint8Array(65),
      raw: new Uint8Array(0),
      hash,
    });
    receipts.push({ txHash: hash, status: "success" });
    from.push(senders[i % senders.length]!);
  }
  const z = new Uint8Array(32);
  const block: Block = {
    header: {
      number: n,
      parentHash,
      timestamp: 1_700_000_000_000n + n * 500n,
      l1Origin: { number: 0n, hash: z, timestamp: 1_700_000_000n },
      stateRoot: z,
      withdrawalsRoot: z,
      txRoot: z,
      receiptsRoot: z,
    },
    systemTxs: [],
    txs,
  };
  return { block, hash: randomBytes(32), receipts, senders: from, size: TXS_PER_BLOCK * 120 };
}

/** Open-loop GETs at `rate`/s for `ms`; latencies in ms. */
async function load(url: string, rate: number, ms: number): Promise<number[]> {
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
  await kv.open();
  await raw.open();
  const beacon = createLocalBeacon(deriveBeaconSecretKey("flops/bench"), {
    genesisTime: 1_700_000_000n,
    periodSeconds: 1n,
  });
  const params = defaultParams(beacon.config);
  const senders = Array.from({ length: 1000 }, () => randomBytes(20));
  const results: BenchResult[] = [];
  try {
    // --- indexing: indexBlockOps + write, vs raw writes of the same ops ---
    let parent: Uint8Array = new Uint8Array(32);
    let indexMs = 0;
    let rawMs = 0;
    for (let n = 0n; n < BigInt(blocks); n++) {
      const b = syntheticBlock(n, parent, senders);
      parent = b.hash;
      const t0 = performance.now();
      const ops = indexBlockOps(b, params, kv);
      await kv.write(ops);
      const t1 = performance.now();
      // The ceiling: the same keys and values, written as one batch to a database of their own.
      await raw.write(
        ops.map((o) => (o.type === "put" ? { ...o, key: concatBytes(Uint8Array.of(0x7f), o.key) } : o)),
      );
      rawMs += performance.now() - t1;
      indexMs += t1 - t0;
    }
    const idxRate = (blocks * 1000) / indexMs;
    const rawRate = (blocks * 1000) / rawMs;
    results.push({
      name: "explorer_index_blocks_per_s",
      value: Number(idxRate.toFixed(2)),
      unit: "blocks/s",
      ...ceilingFields(idxRate, rawRate, "raw level batch writes of the same keys and values"),
      txsPerBlock: TXS_PER_BLOCK,
      blocks,
      sequencerMultiple: Number((idxRate / SEQUENCER_BLOCKS_PER_S).toFixed(1)),
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
      await load(`${url}/api/v2/transactions?limit=50`, RATE, 500); // warm-up
      const ceiling = p99(await load(`${emptyUrl}/`, RATE, ms));
      for (const [route, path] of [
        ["transactions", "/api/v2/transactions?limit=50"],
        ["nodes", "/api/v2/nodes?limit=50"],
      ] as const) {
        const v = p99(await load(`${url}${path}`, RATE, ms));
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
    await rm(dir, { recursive: true, force: true });
  }
  return results;
}
