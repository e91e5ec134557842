/**
 * rpc_ingest_tx_per_s: signed txs sent over HTTP JSON-RPC (flops_sendRawTransaction, one tx per
 * request) by a SEPARATE load process (bench/loadgen.mjs: 64 keep-alive connections on raw sockets, one request in
 * flight on each), against a node started here (node/commands/node.ts startNode) on a temp datadir with
 * rate limiting off, a devnet genesis (local beacon) with pre-funded accounts, 1 s blocks.
 *
 * Value: txs accepted AND included in blocks, over first send → last inclusion. Target ≥ 5,000
 * tx/s sustained for 60 s (--quick: 10 s). Also rpc_ingest_p50_ms / rpc_ingest_p99_ms:
 * submit (request issued) → inclusion (newHeads notification of the block holding the tx arrives
 * at the load process over WebSocket /ws). Every tx must be accepted: rejections are reported.
 *
 * Mix (per 20 txs): 18 transfers between the funded accounts (round-robin senders, so no sender
 * nears the mempool's per-sender limits), 1 register + 1 challenge (devnet tier) from fresh
 * accounts. Commit/reveal are left out: they need beacon timing and a proof per challenge, which
 * a throughput run cannot produce honestly at this rate (stf_apply_tx_per_s covers their cost).
 * All txs are signed before the timed window (the client's cost, not the node's).
 *
 * Ceiling, measured in this run before the node starts: the same load process, mode, workload and
 * 64 requests in flight against an empty route on a fastify server with the node's settings
 * (bench/emptyRoute.ts), a warm-up of up to 1 s, then 3 s (--quick: 1.5 s): what HTTP + JSON-RPC framing alone allows.
 */

import { closeSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { bytesToHex } from "../chain/bytes.ts";
import { TIER_DEVNET } from "../chain/params.ts";
import type { SignedTx } from "../chain/types.ts";
import type { FlopsNode } from "../node/createNode.ts";
import { devGenesis } from "../node/devnet.ts";
import { ceilingFields } from "./ceiling.ts";
import { emptyRouteLoad } from "./emptyRoute.ts";
import {
  BenchAccount,
  machineLoad,
  mainThreadCpuSeconds,
  median,
  runLoad,
  startBenchNode,
  tempDir,
} from "./nodeKit.ts";
import type { BenchOpts, BenchResult } from "./types.ts";

const FUNDED = 2000;
export const CONCURRENCY = 64;
/** Txs signed per second of window: the most the run can reach before it runs out. */
const MAX_RATE = 9000;
const BLOCK_TIME_MS = 1000;

function requestLine(tx: SignedTx, id: number): string {
  const h = bytesToHex(tx.hash);
  return `${h} {"jsonrpc":"2.0","id":${id},"method":"flops_sendRawTransaction","params":["${bytesToHex(tx.raw)}"]}\n`;
}

/** Signs the workload into `file` (one line per tx); returns the mix. */
function writeWorkload(
  file: string,
  total: number,
  chainId: bigint,
  funded: BenchAccount[],
): Record<string, number> {
  const fd = openSync(file, "w");
  const mix = { transfer: 0, register: 0, challenge: 0 };
  let fresh = 0;
  let pendingChallenge: BenchAccount | undefined;
  let buf = "";
  try {
    for (let i = 0; i < total; i++) {
      let tx: SignedTx;
      const slot = i % 20;
      if (slot === 9) {
        const a = BenchAccount.fromSeed("ingest-fresh", fresh++, chainId);
        tx = a.sign({ kind: "register" });
        pendingChallenge = a;
        mix.register++;
      } else if (slot === 19 && pendingChallenge) {
        tx = pendingChallenge.sign({ kind: "challenge", tier: TIER_DEVNET.id });
        pendingChallenge = undefined;
        mix.challenge++;
      } else {
        const from = funded[i % FUNDED]!;
        const to = funded[(i * 7 + 13) % FUNDED]!;
        tx = from.sign({ kind: "transfer", to: to.address, amount: 1n + BigInt(i % 1000) });
        mix.transfer++;
      }
      buf += requestLine(tx, i);
      if (buf.length > 1 << 20) {
        writeSync(fd, buf);
        buf = "";
      }
    }
    writeSync(fd, buf);
  } finally {
    closeSync(fd);
  }
  return mix;
}

/**
 * The ingest workload for a window of `durationMs`: a devnet genesis funding the senders, and as
 * many txs as MAX_RATE could send in the window, signed into `dir`/txs.txt. Every node started
 * from this genesis accepts the whole file, so runs may share it.
 */
export function ingestWorkload(dir: string, durationMs: number) {
  const total = Math.ceil((durationMs / 1000) * MAX_RATE);
  const base = devGenesis({ now: BigInt(Date.now()), epochSeconds: 30 });
  const chainId = base.params.l2ChainId;
  const funded = Array.from({ length: FUNDED }, (_, i) => BenchAccount.fromSeed("ingest-funded", i, chainId));
  const genesis = { ...base, alloc: funded.map((a) => ({ address: a.address, credits: 10n ** 24n })) };
  const file = join(dir, "txs.txt");
  const mix = writeWorkload(file, total, chainId, funded);
  return { genesis, file, mix, total };
}

export async function run(opts: BenchOpts): Promise<BenchResult[]> {
  const durationMs = opts.quick ? 10_000 : 60_000;
  const tmp = tempDir("ingest");
  let node: FlopsNode | undefined;
  let child: ReturnType<typeof runLoad>["child"] | undefined;
  try {
    const tSign = performance.now();
    const { genesis, file, mix, total } = ingestWorkload(tmp.dir, durationMs);
    const signSeconds = (performance.now() - tSign) / 1000;
    const ceilingMs = opts.quick ? 1500 : 3000;
    const empty = await emptyRouteLoad(
      { mode: "ingest", file, concurrency: CONCURRENCY, drainMs: 0 },
      ceilingMs,
    );

    node = await startBenchNode(join(tmp.dir, "node"), genesis, BLOCK_TIME_MS);
    const loadBefore = machineLoad();
    const cpu0 = process.cpuUsage();
    const elu0 = performance.eventLoopUtilization();
    const mainCpu0 = mainThreadCpuSeconds();
    // How long the node's event loop was held at a stretch: what any request in flight waits out.
    const loopDelay = monitorEventLoopDelay({ resolution: 5 });
    loopDelay.enable();
    const t0 = performance.now();
    const load = runLoad(
      {
        mode: "ingest",
        url: node.rpcUrl,
        wsUrl: `${node.rpcUrl.replace("http", "ws")}/ws`,
        file,
        concurrency: CONCURRENCY,
        durationMs,
        drainMs: 20_000,
      },
      durationMs + 120_000,
    );
    child = load.child;
    const r = await load.done;
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const elu = performance.eventLoopUtilization(elu0);
    loopDelay.disable();
    const mainCpu1 = mainThreadCpuSeconds();
    const nodeCores = (cpu.user + cpu.system) / 1e6 / wall;
    const loadAfter = machineLoad();
    const perS = r.perSecond.slice(1, -1).length >= 3 ? r.perSecond.slice(1, -1) : r.perSecond;
    const common = { load: `${loadBefore} → ${loadAfter}`, quick: opts.quick };
    const head = node.core.head.header.number;
    return [
      {
        name: "rpc_ingest_tx_per_s",
        value: Math.round(r.rate),
        unit: "tx/s",
        ...ceilingFields(
          Math.round(r.rate),
          empty.rate,
          `empty fastify route, same loadgen, ${CONCURRENCY} in flight, ${ceilingMs / 1000} s`,
        ),
        ...(empty.rejected + empty.errors > 0 ? { ceilingFailed: empty.rejected + empty.errors } : {}),
        target: 5000,
        windowSeconds: Number(r.seconds.toFixed(1)),
        sent: r.sent,
        accepted: r.ok,
        rejected: r.rejected,
        errors: r.errors,
        ...(r.firstError ? { firstError: r.firstError } : {}),
        ...(r.rejected ? { rejectCodes: r.rejectCodes } : {}),
        notIncluded: r.notIncluded,
        acceptRatePerS: Math.round(r.acceptRate ?? 0),
        perSecondMin: Math.min(...perS),
        perSecondMedian: median(perS),
        perSecondMax: Math.max(...perS),
        exhaustedWorkload: r.sent >= total,
        mix,
        concurrency: CONCURRENCY,
        blockTimeMs: BLOCK_TIME_MS,
        blocks: Number(head),
        nodeProcessCores: Number(nodeCores.toFixed(2)),
        // The node's main thread: share of wall time busy, and busy µs per accepted tx.
        nodeMainThreadBusy: Number(elu.utilization.toFixed(2)),
        nodeMainThreadUsPerTx: r.ok ? Math.round((elu.active * 1000) / r.ok) : null,
        // CPU actually run per accepted tx (not inflated by waiting for a core on a busy machine):
        // the main thread alone (Linux), and the whole process with the sig workers.
        nodeMainThreadCpuUsPerTx:
          r.ok && mainCpu0 !== undefined && mainCpu1 !== undefined
            ? Math.round(((mainCpu1 - mainCpu0) * 1e6) / r.ok)
            : null,
        nodeProcessCpuUsPerTx: r.ok ? Math.round((cpu.user + cpu.system) / r.ok) : null,
        // Event-loop delay (a 5 ms timer's lateness): p99 and the longest stall, ms.
        nodeLoopDelayP99Ms: Number((loopDelay.percentile(99) / 1e6).toFixed(1)),
        nodeLoopDelayMaxMs: Number((loopDelay.max / 1e6).toFixed(1)),
        loadgenCores: Number((r.cpuSeconds / wall).toFixed(2)),
        signSeconds: Number(signSeconds.toFixed(1)),
        inclusionVia: r.inclusionVia,
        ...common,
      },
      { name: "rpc_ingest_p50_ms", value: Math.round(r.p50 ?? Number.NaN), unit: "ms", ...common },
      {
        name: "rpc_ingest_p99_ms",
        value: Math.round(r.p99 ?? Number.NaN),
        unit: "ms",
        max: Math.round(r.max ?? 0),
        ...common,
      },
    ];
  } finally {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    await node?.stop();
    tmp.cleanup();
  }
}
