/**
 * challenge_lifecycles_per_s (issue 12 item 2): devnet-tier challenge lifecycles (challenge →
 * commit → reveal, real proofs, PASSED) completed per second of timed phases, end to end over
 * HTTP JSON-RPC against a real node (node/commands/node.ts startNode: temp datadir, devnet genesis
 * with its local 1 s beacon, 1 s blocks, rate limiting off), driven by the separate load process
 * (bench/loadgen.mjs: keep-alive HTTP, one tx per request, 64 in flight, inclusion from newHeads).
 *
 * A product cannot exist before its seed round, and a devnet-tier challenge costs 1–3 s of compute
 * here (4 products of n = 2048 on the fastest admitted engine, `prove_challenge_s`), so the nodes
 * (accounts) run in cohorts and the compute is untimed, between timed phases, as the peer harness's
 * `anvil-lifecycle` does. Setup (untimed): the engine is warmed and one challenge timed beside the
 * running node; every node registers. Then per cohort k (and one more round to finish the last):
 *   timed phase P_k: commits of cohort k−1 and challenges of cohort k (one load run);
 *   untimed: wait until cohort k is ACTIVE (seed round in) and cohort k−1 SAMPLED (sample round in),
 *            build k−1's reveals (then its products are dropped: 80 MiB per challenge);
 *   timed phase Q_k: reveals of cohort k−1; then read their records (PASSED counted);
 *   untimed: compute cohort k's products and roots.
 * A commit must land within the tier's 30 s window after its seed round: the cohort is shrunk
 * (reported) when cohort × the timed challenge exceeds COMPUTE_BUDGET_MS, and a node whose window
 * runs out while the cohort computes is left out and counted (`lost.overCommitWindow`).
 * Value: PASSED records / Σ phase windows, a window being first send → last inclusion (the load
 * process's `included / rate`). A phase holds one cohort's txs, which fit in one block, so the
 * figure is bound by block cadence (two block waits per cohort), not by the node's work, and grows
 * with the cohort: a lower bound on capacity; the ceiling below shows how far the work is from it.
 *
 * Beside it: the EVM equivalent from the peer harness's measured gas (bench/evmLifecycleGas.ts) at a
 * 60 M-gas-per-12 s L1 and a 60 M-gas-per-2 s L2, and the ratios.
 * Ceiling, measured in this run after the node stops (bench/emptyRoute.ts): the same request bodies
 * (this run's own challenge, commit and reveal requests, cycled), same load process and 64 in flight,
 * against an empty fastify JSON-RPC route: HTTP + JSON framing alone, in requests/s ÷ 3 per lifecycle.
 *
 * Sizes: `--lifecycle-nodes N` (default 48; --quick 8) and `--lifecycle-cohort W` (default 12;
 * --quick 4), read from the bench's own command line. Memory: a cohort's products, W × 80 MiB.
 */

import { closeSync, openSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { beaconRandomness } from "../chain/beacon/index.ts";
import { bytesToHex } from "../chain/bytes.ts";
import { TIER_DEVNET } from "../chain/params.ts";
import { challengeSeed } from "../chain/proof/index.ts";
import { CHALLENGE_STATUS, type Challenge, type ChallengeStatus, type SignedTx } from "../chain/types.ts";
import type { FlopsNode } from "../node/createNode.ts";
import { devGenesis } from "../node/devnet.ts";
import { selectEngines } from "../prover/engine/index.ts";
import { buildReveal, type ProvedChallenge, proveChallenge } from "../prover/proveChallenge.ts";
import { createRpcClient, type RpcClient } from "../prover/rpcClient.ts";
import { ceilingFields } from "./ceiling.ts";
import { emptyRouteLoad } from "./emptyRoute.ts";
import {
  EVM_L1,
  EVM_L2,
  EVM_LIFECYCLE_GAS,
  evmLifecycleGas,
  evmLifecyclesPerSecond,
} from "./evmLifecycleGas.ts";
import { BenchAccount, machineLoad, runLoad, startBenchNode, tempDir } from "./nodeKit.ts";
import type { BenchOpts, BenchResult } from "./types.ts";

const CONCURRENCY = 64;
const BLOCK_TIME_MS = 1000;
/** A cohort's untimed compute must end well inside the 30 s commit window (waits, sign, send, a block). */
const COMPUTE_BUDGET_MS = 18_000;
/** A commit is computed only while this much of its window is left: a phase, a block, a margin. */
const COMMIT_MARGIN_MS = 5_000n;
/** Seed and sample rounds come ~5 s after inclusion (maxBatchDelay 4 s, 1 s rounds); generous. */
const STATUS_WAIT_MS = 30_000;
const POLL_MS = 200;
/** Lifecycles' worth of request bodies cycled through the empty-route ceiling. */
const CEILING_LIFECYCLES = 1200;
/** The empty route's window (half of it warm-up): short, so the lines above outlast it (~50 MB). */
const CEILING_MS = 1000;

/** `--name N` from the bench's command line (run.ts passes unknown flags through untouched). */
function intArg(name: string): number | undefined {
  const i = process.argv.indexOf(name);
  if (i < 0) return undefined;
  const v = Number(process.argv[i + 1]);
  if (!Number.isInteger(v) || v < 1 || v > 10_000)
    throw new RangeError(`${name}: expected an integer 1..10000`);
  return v;
}

function requestLine(tx: SignedTx, id: number): string {
  return `${bytesToHex(tx.hash)} {"jsonrpc":"2.0","id":${id},"method":"flops_sendRawTransaction","params":["${bytesToHex(tx.raw)}"]}\n`;
}

interface Node {
  acct: BenchAccount;
  challengeTx?: SignedTx;
  id?: bigint;
  /** The challenge as last read (its round signatures give the seed and the samples). */
  record?: Challenge;
  proved?: ProvedChallenge | undefined;
}

interface Phase {
  name: string;
  txs: Record<string, number>;
  windowSeconds: number;
  blocks: number;
  p50ms: number | null;
  p99ms: number | null;
  load: string;
}

const round = (x: number, d: number): number => Number(x.toFixed(d));

export async function run(opts: BenchOpts): Promise<BenchResult[]> {
  const nodesTotal = intArg("--lifecycle-nodes") ?? (opts.quick ? 8 : 48);
  const cohortWanted = intArg("--lifecycle-cohort") ?? (opts.quick ? 4 : 12);
  const tmp = tempDir("lifecycles");
  let node: FlopsNode | undefined;
  let engines: Awaited<ReturnType<typeof selectEngines>> | undefined;
  let child: ReturnType<typeof runLoad>["child"] | undefined;
  const loadStart = machineLoad();
  try {
    const genesis = devGenesis({ now: BigInt(Date.now()), epochSeconds: 30 });
    const chainId = genesis.params.l2ChainId;
    const nodes: Node[] = Array.from({ length: nodesTotal }, (_, i) => ({
      acct: BenchAccount.fromSeed("lifecycle", i, chainId),
    }));

    // Engine first, warmed: ORT builds its session on the first run.
    engines = await selectEngines("auto");
    const engine = engines.engine;
    await proveChallenge(TIER_DEVNET, new Uint8Array(32).fill(1), engine);

    node = await startBenchNode(join(tmp.dir, "node"), genesis, BLOCK_TIME_MS);
    // Timed with the node running beside it, as the cohorts' compute will be.
    const t0 = performance.now();
    await proveChallenge(TIER_DEVNET, new Uint8Array(32).fill(2), engine);
    const computeOneS = (performance.now() - t0) / 1000;
    const cohortSize = Math.max(
      1,
      Math.min(cohortWanted, nodesTotal, Math.floor(COMPUTE_BUDGET_MS / 1000 / computeOneS)),
    );
    const url = node.rpcUrl;
    const client: RpcClient = createRpcClient({ url });
    const wsUrl = `${url.replace("http", "ws")}/ws`;
    const ceilingLines: string[][] = [[], [], []];
    let fileNo = 0;

    /** One load run of `txs`; returns its window (first send → last inclusion) and notes. */
    async function phase(name: string, txs: SignedTx[], kinds: Record<string, number>): Promise<Phase> {
      const file = join(tmp.dir, `phase-${fileNo++}.txt`);
      writeFileSync(file, txs.map((t, i) => requestLine(t, i)).join(""));
      const head0 = (await client.head()).number;
      const load = runLoad(
        { mode: "ingest", url, wsUrl, file, concurrency: CONCURRENCY, durationMs: 120_000, drainMs: 30_000 },
        180_000,
      );
      child = load.child;
      const r = await load.done;
      if (r.ok !== txs.length || r.notIncluded !== 0) {
        throw new Error(
          `${name}: ${r.ok}/${txs.length} accepted, ${r.notIncluded} not included: ${r.firstError ?? ""}`,
        );
      }
      return {
        name,
        txs: kinds,
        windowSeconds: round(r.included! / r.rate, 3),
        blocks: Number((await client.head()).number - head0),
        p50ms: r.p50 === undefined ? null : Math.round(r.p50),
        p99ms: r.p99 === undefined ? null : Math.round(r.p99),
        load: machineLoad(),
      };
    }

    /** Polls until every challenge reaches `want`; returns them, and those that settled otherwise. */
    async function waitFor(
      cohort: Node[],
      want: ChallengeStatus,
    ): Promise<{ ok: Node[]; lost: Challenge[] }> {
      const ok: Node[] = [];
      const lost: Challenge[] = [];
      let open = [...cohort];
      const until = performance.now() + STATUS_WAIT_MS;
      while (open.length > 0) {
        const still: Node[] = [];
        for (const n of open) {
          const c = (await client.getChallenge(n.id!))!;
          if (c.status === want) {
            n.record = c;
            ok.push(n);
          } else if (["PASSED", "FAILED", "EXPIRED", "CANCELLED"].includes(c.status)) lost.push(c);
          else still.push(n);
        }
        open = still;
        if (open.length === 0) break;
        if (performance.now() > until) throw new Error(`${open.length} challenges never reached ${want}`);
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
      return { ok, lost };
    }

    // Setup (untimed): every node registers.
    await phase(
      "register",
      nodes.map((n) => n.acct.sign({ kind: "register" })),
      { register: nodesTotal },
    );

    const cohorts: Node[][] = [];
    for (let i = 0; i < nodesTotal; i += cohortSize) cohorts.push(nodes.slice(i, i + cohortSize));
    const phases: Phase[] = [];
    const lostBy: Record<string, number> = {};
    let passed = 0;
    let computeS = 0;
    let computed = 0;
    let lastS = computeOneS;
    let revealBytes = 0;
    let committing: Node[] = [];
    const tRun = performance.now();

    for (let k = 0; k <= cohorts.length; k++) {
      const challenging = cohorts[k] ?? [];
      // P_k: commits of cohort k−1 (signed at the end of the last round), challenges of cohort k.
      const commits = committing.map((n) =>
        n.acct.sign({ kind: "commit", challengeId: n.id!, root: n.proved!.root }),
      );
      for (const n of challenging) n.challengeTx = n.acct.sign({ kind: "challenge", tier: TIER_DEVNET.id });
      const pTxs = [...commits, ...challenging.map((n) => n.challengeTx!)];
      phases.push(await phase(`P${k}`, pTxs, { commit: commits.length, challenge: challenging.length }));
      for (const [i, t] of commits.entries()) ceilingLines[1]!.push(requestLine(t, i));
      for (const [i, n] of challenging.entries()) ceilingLines[0]!.push(requestLine(n.challengeTx!, i));

      for (const n of challenging) {
        const rc = await client.getReceipt(n.challengeTx!.hash);
        if (rc?.status !== "success" || rc.challengeId === undefined) {
          throw new Error(`challenge of ${bytesToHex(n.acct.address)}: ${rc?.error ?? "no receipt"}`);
        }
        n.id = rc.challengeId;
      }

      // Untimed: seed rounds of cohort k, sample rounds of cohort k−1.
      const active = await waitFor(challenging, CHALLENGE_STATUS.ACTIVE);
      const sampled = await waitFor(committing, CHALLENGE_STATUS.SAMPLED);
      for (const c of [...active.lost, ...sampled.lost]) lostBy[c.status] = (lostBy[c.status] ?? 0) + 1;

      // Q_k: reveals of cohort k−1 (built untimed, then the products are dropped).
      if (sampled.ok.length > 0) {
        const reveals = sampled.ok.map((n) => {
          const { tiles, proof } = buildReveal(n.proved!, beaconRandomness(n.record!.r2Signature!));
          n.proved = undefined;
          const tx = n.acct.sign({ kind: "reveal", challengeId: n.id!, tiles, proof });
          revealBytes += tx.raw.length;
          return tx;
        });
        phases.push(await phase(`Q${k}`, reveals, { reveal: reveals.length }));
        for (const [i, t] of reveals.entries()) ceilingLines[2]!.push(requestLine(t, i));
        for (const n of sampled.ok) {
          const c = (await client.getChallenge(n.id!))!;
          if (c.status === CHALLENGE_STATUS.PASSED) passed++;
          else lostBy[c.status] = (lostBy[c.status] ?? 0) + 1;
        }
      }
      for (const n of committing) n.proved = undefined;

      // Untimed: cohort k's products and roots (its commits go out in P_{k+1}).
      // A node whose commit could no longer land in time is left out (counted), not sent late.
      const tc = performance.now();
      committing = [];
      for (const n of active.ok) {
        const c = n.record!;
        // This compute is expected to take as long as the last one, ×1.5 for a load that moves.
        if (BigInt(Date.now() + Math.round(1500 * lastS)) > c.deadline - COMMIT_MARGIN_MS) {
          lostBy.overCommitWindow = (lostBy.overCommitWindow ?? 0) + 1;
          continue;
        }
        const seed = challengeSeed(chainId, c.id, c.node, beaconRandomness(c.r1Signature!));
        const t = performance.now();
        n.proved = await proveChallenge(TIER_DEVNET, seed, engine);
        lastS = (performance.now() - t) / 1000;
        computed++;
        committing.push(n);
      }
      computeS += (performance.now() - tc) / 1000;
    }
    const runSeconds = (performance.now() - tRun) / 1000;
    const loadEnd = machineLoad();
    await node.stop();
    node = undefined;

    if (passed === 0) throw new Error(`no lifecycle passed (lost: ${JSON.stringify(lostBy)})`);

    // Ceiling: this run's own request bodies, one lifecycle's three at a time, cycled.
    const ceilingFile = join(tmp.dir, "ceiling.txt");
    const fd = openSync(ceilingFile, "w");
    try {
      for (let i = 0; i < CEILING_LIFECYCLES; i++) {
        for (const lines of ceilingLines) writeSync(fd, lines[i % lines.length]!);
      }
    } finally {
      closeSync(fd);
    }
    const empty = await emptyRouteLoad(
      { mode: "ingest", file: ceilingFile, concurrency: CONCURRENCY, drainMs: 0 },
      CEILING_MS,
    );
    if (!(empty.rate > 0)) throw new Error("ceiling: the request bodies ran out before the warm-up ended");
    const ceilingLifecycles = empty.rate / 3;

    const windowS = phases.reduce((s, p) => s + p.windowSeconds, 0);
    const value = passed / windowS;
    const gas = evmLifecycleGas();
    const l1 = evmLifecyclesPerSecond(EVM_L1, gas);
    const l2 = evmLifecyclesPerSecond(EVM_L2, gas);
    return [
      {
        name: "challenge_lifecycles_per_s",
        value: round(value, 2),
        unit: "lifecycles/s",
        ...ceilingFields(
          value,
          ceilingLifecycles,
          `empty fastify route, this run's challenge/commit/reveal requests, same loadgen, ${CONCURRENCY} in flight, ${CEILING_MS / 1000} s, ÷ 3 requests per lifecycle`,
        ),
        ...(empty.rejected + empty.errors > 0 ? { ceilingFailed: empty.rejected + empty.errors } : {}),
        tier: `${TIER_DEVNET.name} (n=${TIER_DEVNET.n}, m=${TIER_DEVNET.m}, k=${TIER_DEVNET.k})`,
        lifecyclesPassed: passed,
        nodes: nodesTotal,
        cohortSize,
        ...(cohortSize < Math.min(cohortWanted, nodesTotal) ? { cohortShrunkFrom: cohortWanted } : {}),
        cohorts: cohorts.length,
        ...(Object.keys(lostBy).length > 0 ? { lost: lostBy } : {}),
        timedSeconds: round(windowS, 2),
        phases,
        meanRevealTxBytes: Math.round(revealBytes / Math.max(1, passed)),
        engine: engine.name,
        computeOneChallengeS: round(computeS / Math.max(1, computed), 2),
        warmComputeS: round(computeOneS, 2),
        untimedComputeS: round(computeS, 1),
        runSeconds: round(runSeconds, 1),
        blockTimeMs: BLOCK_TIME_MS,
        evmGasPerLifecycle: gas,
        evmGasSource: EVM_LIFECYCLE_GAS.source,
        evmL1LifecyclesPerS: round(l1.gasBound, 3),
        evmL1PackedLifecyclesPerS: round(l1.packed, 3),
        evmL2LifecyclesPerS: round(l2.gasBound, 3),
        evmL2PackedLifecyclesPerS: round(l2.packed, 3),
        ratioVsEvmL1: round(value / l1.gasBound, 1),
        ratioVsEvmL2: round(value / l2.gasBound, 1),
        load: `${loadStart} → ${loadEnd}`,
        quick: opts.quick,
      },
    ];
  } finally {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    await node?.stop();
    await engines?.close();
    tmp.cleanup();
  }
}
