/**
 * rpc_admit_tx_per_s: what admission alone reaches: the node of rpc_ingest_tx_per_s (same
 * genesis, mix, load process and 64 requests in flight) with its block building paused
 * (Sequencer.pauseBuilding) and the mempool's limits lifted, so every accepted tx stays pending
 * and journaled and the node does no block work at all: no build, no state commit, no block
 * write, no index, no newHeads. Value: accepted txs per second over a 15 s window (--quick: 5 s),
 * the mean of two runs (--quick: one).
 *
 * Why: it bounds what moving block production off the main thread (the worker split that
 * issue 12 proposes) can buy on this machine. A split moves that work elsewhere at best for free;
 * it cannot make admission itself cheaper, so a node whose main thread only admitted would still
 * ingest no faster than this. The same run also measures the whole node the same way (building
 * on, same limits, same window, acceptance rather than inclusion, so both sides count alike), in
 * alternating order, and reports admit / full pair by pair (`pairRatios`) and their mean
 * (`splitBound`).
 *
 * Ceiling, as rpc_ingest's: the same load process, mode, workload and 64 requests in flight
 * against an empty fastify route with the node's settings (bench/emptyRoute.ts).
 */

import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { FlopsNode } from "../node/createNode.ts";
import { ceilingFields } from "./ceiling.ts";
import { emptyRouteLoad } from "./emptyRoute.ts";
import { mainThreadCpuSeconds, runLoad, startBenchNode, tempDir } from "./nodeKit.ts";
import { CONCURRENCY, ingestWorkload } from "./rpcIngest.ts";
import type { BenchOpts, BenchResult } from "./types.ts";

const BLOCK_TIME_MS = 1000;

/**
 * Every accepted tx stays pending in admit mode: the pool, each sender's share and the nonce gap
 * (measured from the head, which does not move) must hold the whole window's txs. The same
 * limits apply in full mode, where they never bind.
 */
const LIFTED_MEMPOOL = {
  "mempool.max-txs": 2_000_000,
  "mempool.max-bytes": 2 ** 31 - 1,
  "mempool.max-sender-txs": 1_000_000,
  "mempool.max-sender-bytes": 2 ** 31 - 1,
  "mempool.max-nonce-gap": 1_000_000,
};

interface ModeRun {
  acceptPerS: number;
  rejected: number;
  errors: number;
  firstError?: string;
  nodeProcessCpuUsPerTx: number | null;
  nodeMainThreadCpuUsPerTx: number | null;
  nodeMainThreadBusy: number;
}

async function runMode(
  mode: "admit" | "full",
  dir: string,
  genesis: Parameters<typeof startBenchNode>[1],
  file: string,
  durationMs: number,
): Promise<ModeRun> {
  let node: FlopsNode | undefined;
  let child: ReturnType<typeof runLoad>["child"] | undefined;
  try {
    node = await startBenchNode(dir, genesis, BLOCK_TIME_MS, LIFTED_MEMPOOL);
    if (mode === "admit") {
      if (!node.sequencer) throw new Error("rpcAdmit: the bench node has no sequencer");
      await node.sequencer.pauseBuilding();
    }
    const cpu0 = process.cpuUsage();
    const elu0 = performance.eventLoopUtilization();
    const main0 = mainThreadCpuSeconds();
    const load = runLoad(
      {
        mode: "ingest",
        url: node.rpcUrl,
        file,
        concurrency: CONCURRENCY,
        durationMs,
        drainMs: 0,
        inclusion: false,
      },
      durationMs + 60_000,
    );
    child = load.child;
    const r = await load.done;
    const cpu = process.cpuUsage(cpu0);
    const elu = performance.eventLoopUtilization(elu0);
    const main1 = mainThreadCpuSeconds();
    return {
      acceptPerS: Math.round(r.acceptRate ?? r.rate),
      rejected: r.rejected,
      errors: r.errors,
      ...(r.firstError ? { firstError: r.firstError } : {}),
      nodeProcessCpuUsPerTx: r.ok ? Math.round((cpu.user + cpu.system) / r.ok) : null,
      nodeMainThreadCpuUsPerTx:
        r.ok && main0 !== undefined && main1 !== undefined
          ? Math.round(((main1 - main0) * 1e6) / r.ok)
          : null,
      nodeMainThreadBusy: Number(elu.utilization.toFixed(2)),
    };
  } finally {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    await node?.stop();
  }
}

export async function run(opts: BenchOpts): Promise<BenchResult[]> {
  const durationMs = opts.quick ? 5_000 : 15_000;
  const pairs = opts.quick ? 1 : 2;
  const tmp = tempDir("admit");
  try {
    // Every run starts a fresh node from genesis, so one signed workload serves them all.
    const { genesis, file, mix } = ingestWorkload(tmp.dir, durationMs);
    const ceilingMs = opts.quick ? 1500 : 3000;
    const empty = await emptyRouteLoad(
      { mode: "ingest", file, concurrency: CONCURRENCY, drainMs: 0 },
      ceilingMs,
    );

    const runs: Record<"admit" | "full", ModeRun[]> = { admit: [], full: [] };
    for (let p = 0; p < pairs; p++) {
      // Alternating order, so a drift in the machine's speed weighs on both modes alike.
      const order: Array<"admit" | "full"> = p % 2 === 0 ? ["full", "admit"] : ["admit", "full"];
      for (const mode of order) {
        runs[mode].push(await runMode(mode, join(tmp.dir, `${mode}-${p}`), genesis, file, durationMs));
      }
    }
    // Means, and the ratio pair by pair: two runs of each have no meaningful median.
    const mean = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) / xs.length);
    const admit = mean(runs.admit.map((r) => r.acceptPerS));
    const full = mean(runs.full.map((r) => r.acceptPerS));
    const pairRatios = runs.admit.map((a, i) => Number((a.acceptPerS / runs.full[i]!.acceptPerS).toFixed(2)));
    const failed = [...runs.admit, ...runs.full].reduce((n, r) => n + r.rejected + r.errors, 0);
    return [
      {
        name: "rpc_admit_tx_per_s",
        value: admit,
        unit: "tx/s",
        ...ceilingFields(
          admit,
          empty.rate,
          `empty fastify route, same loadgen, ${CONCURRENCY} in flight, ${ceilingMs / 1000} s`,
        ),
        // The whole node measured alike in the same run, and what a perfect split could buy.
        fullNodeAcceptPerS: full,
        splitBound: Number((pairRatios.reduce((a, b) => a + b, 0) / pairRatios.length).toFixed(2)),
        pairRatios,
        windowSeconds: durationMs / 1000,
        pairs,
        ...(failed > 0
          ? { failed, firstError: [...runs.admit, ...runs.full].find((r) => r.firstError)?.firstError }
          : {}),
        mix,
        admit: runs.admit,
        full: runs.full,
        quick: opts.quick,
      },
    ];
  } finally {
    tmp.cleanup();
  }
}
