/**
 * rpc_read_req_per_s: flops_getNode over HTTP JSON-RPC on a state of 100,000 registered nodes,
 * load from a SEPARATE process (bench/loadgen.mjs "read" mode: 32 keep-alive connections, one
 * request in flight on each, raw sockets so the client stays cheap), against a node started here
 * (startNode, rate limiting off). Addresses cycle through 10,000 distinct registered nodes.
 * Target ≥ 20,000 req/s (ceiling: one fastify core ≈ 42k simple req/s, perf-ceilings §6; the
 * load generator takes the other core).
 *
 * The state is built fast and untimed: 10 blocks of 10,000 register txs through ChainCore.build
 * over the node's own store (ChainStore), then the node resumes that datadir.
 *
 * Ceiling, measured in this run before the node starts: the same load process, mode, requests and
 * 32 connections against an empty route on a fastify server with the node's settings
 * (bench/emptyRoute.ts), a warm-up of up to 1 s, then 3 s (--quick: 1.5 s).
 */

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { bytesToHex } from "../chain/bytes.ts";
import { ChainCore } from "../chain/chainCore.ts";
import type { GenesisDoc } from "../chain/genesisDoc.ts";
import type { FlopsNode } from "../node/createNode.ts";
import { devGenesis } from "../node/devnet.ts";
import { ChainStore } from "../store/chainStore.ts";
import { ceilingFields } from "./ceiling.ts";
import { emptyRouteLoad } from "./emptyRoute.ts";
import {
  BenchAccount,
  type LoadReport,
  machineLoad,
  median,
  runLoad,
  startBenchNode,
  tempDir,
} from "./nodeKit.ts";
import type { BenchOpts, BenchResult } from "./types.ts";

const NODES = 100_000;
const PER_BLOCK = 10_000;
const CONCURRENCY = 32;
const DISTINCT_READS = 10_000;

/** Writes genesis + NODES registrations into `dir`; returns the genesis and the node addresses. */
async function buildState(dir: string): Promise<{ genesis: GenesisDoc; addresses: string[] }> {
  const genesis = devGenesis({ now: BigInt(Date.now()), epochSeconds: 30 });
  const store = await ChainStore.open(join(dir, "chain"));
  const addresses: string[] = [];
  try {
    const g = ChainCore.genesis(store.kv, { timestamp: genesis.timestamp, alloc: [] });
    await store.writeGenesis(genesis, g.head, g.ops);
    const core = new ChainCore(genesis.params, store.kv, g.head);
    for (let b = 0; b * PER_BLOCK < NODES; b++) {
      const accts = Array.from({ length: PER_BLOCK }, (_, i) =>
        BenchAccount.fromSeed("read-node", b * PER_BLOCK + i, genesis.params.l2ChainId),
      );
      const timestamp = genesis.timestamp + BigInt(b + 1);
      const built = core.build({
        timestamp,
        l1Origin: { number: 0n, hash: new Uint8Array(32), timestamp: timestamp / 1000n },
        systemTxs: [],
        txs: accts.map((a) => ({ tx: a.sign({ kind: "register" }), from: a.address })),
      });
      if (built.rejected.length) throw new Error(`rpcRead: ${built.rejected.length} registrations rejected`);
      const senders = accts.map((a) => a.address);
      await store.commitBlock(
        { block: built.block, hash: built.hash, receipts: built.receipts, senders, size: 0 },
        built.ops,
      );
      core.advance({ header: built.block.header, hash: built.hash });
      for (const a of senders) addresses.push(bytesToHex(a));
    }
  } finally {
    await store.close();
  }
  return { genesis, addresses };
}

export async function run(opts: BenchOpts): Promise<BenchResult[]> {
  const rounds = opts.quick ? 1 : 3;
  const durationMs = opts.quick ? 5000 : 10_000;
  const tmp = tempDir("read");
  let node: FlopsNode | undefined;
  let child: ReturnType<typeof runLoad>["child"] | undefined;
  try {
    const tState = performance.now();
    const { genesis, addresses } = await buildState(join(tmp.dir, "node"));
    const stateSeconds = (performance.now() - tState) / 1000;
    const file = join(tmp.dir, "reads.txt");
    const step = Math.floor(addresses.length / DISTINCT_READS);
    let body = "";
    for (let i = 0; i < DISTINCT_READS; i++) {
      body += `{"jsonrpc":"2.0","id":${i},"method":"flops_getNode","params":["${addresses[(i * step + (i % step)) % addresses.length]}"]}\n`;
    }
    writeFileSync(file, body);
    const ceilingMs = opts.quick ? 1500 : 3000;
    const empty = await emptyRouteLoad(
      { mode: "read", file, concurrency: CONCURRENCY, maxRequests: 2_000_000 },
      ceilingMs,
    );

    node = await startBenchNode(join(tmp.dir, "node"), genesis, 1000);
    const reports: Array<LoadReport & { load: string; nodeCores: number }> = [];
    for (let r = 0; r < rounds; r++) {
      const loadBefore = machineLoad();
      const load = runLoad(
        {
          mode: "read",
          url: node.rpcUrl,
          file,
          concurrency: CONCURRENCY,
          durationMs,
          warmupMs: 2000,
          maxRequests: 2_000_000,
        },
        durationMs + 60_000,
      );
      child = load.child;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const rep = await load.done;
      const cpu = process.cpuUsage(cpu0);
      const nodeCores = (cpu.user + cpu.system) / 1e6 / ((performance.now() - t0) / 1000);
      reports.push({ ...rep, load: `${loadBefore} → ${machineLoad()}`, nodeCores });
    }
    const rates = reports.map((r) => r.rate);
    const mid = reports[rates.indexOf(median(rates))]!;
    const bad = reports.reduce((s, r) => s + r.rejected + r.errors, 0);
    return [
      {
        name: "rpc_read_req_per_s",
        value: Math.round(mid.rate),
        unit: "req/s",
        ...ceilingFields(
          Math.round(mid.rate),
          empty.rate,
          `empty fastify route, same loadgen, ${CONCURRENCY} connections, ${ceilingMs / 1000} s`,
        ),
        ...(empty.rejected + empty.errors > 0 ? { ceilingFailed: empty.rejected + empty.errors } : {}),
        target: 20_000,
        rounds: rates.map((x) => Math.round(x)),
        failed: bad,
        ...(mid.firstError ? { firstError: mid.firstError } : {}),
        p50Ms: Number((mid.p50 ?? 0).toFixed(2)),
        p99Ms: Number((mid.p99 ?? 0).toFixed(2)),
        perSecondMin: Math.min(...mid.perSecond),
        perSecondMax: Math.max(...mid.perSecond),
        concurrency: CONCURRENCY,
        windowSeconds: durationMs / 1000,
        nodes: NODES,
        nodeProcessCores: Number(mid.nodeCores.toFixed(2)),
        loadgenCores: Number((mid.cpuSeconds / (mid.seconds + 2)).toFixed(2)),
        stateBuildSeconds: Number(stateSeconds.toFixed(1)),
        load: reports.map((r) => r.load).join(" | "),
        quick: opts.quick,
      },
    ];
  } finally {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    await node?.stop();
    tmp.cleanup();
  }
}
