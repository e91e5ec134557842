/**
 * prover_throughput_gops: proven work (the work of PASSED challenges, 2·n³·m each at the devnet
 * tier) per wall-clock second of one prover on a devnet (issue 8 item 3). The node runs in this
 * process (500 ms blocks, the devnet genesis: 1 s beacon rounds, 2 s maxBatchDelay), the prover
 * talks to it over JSON-RPC with the fastest admitted engine. Two runs on the same node, each
 * with a fresh key, timed from the key's registration to its last verdict:
 * - pipelined: up to maxOpenChallenges (4) in flight, `--max-in-flight` at its default, for 4
 *   challenges (one wave; `--quick`: 2);
 * - ceiling: one challenge alone (`--max-in-flight 1`), the loop before pipelining.
 * The ratio (> 1 when pipelining helps) is what holds from run to run; on this 2-core machine the
 * node's block building and the prover share the process.
 */

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { tierWork } from "../chain/params.ts";
import type { FlopsNode } from "../node/createNode.ts";
import { devGenesis } from "../node/devnet.ts";
import { selectEngines } from "../prover/engine/index.ts";
import { createProver } from "../prover/proverClient.ts";
import { createRpcClient } from "../prover/rpcClient.ts";
import { ceilingFields } from "./ceiling.ts";
import { BenchAccount, machineLoad, startBenchNode, tempDir } from "./nodeKit.ts";
import type { BenchOpts, BenchResult } from "./types.ts";

interface Measured {
  gops: number;
  seconds: number;
  passed: number;
  skipped: number;
  /** Most challenges open on chain at once (sampled at each prover event). */
  maxOpen: number;
}

export async function run(opts: BenchOpts): Promise<BenchResult[]> {
  const tmp = tempDir("prover-throughput");
  let node: FlopsNode | undefined;
  const engines = await selectEngines("auto", {
    onRefused: (r) => process.stderr.write(`proverThroughput: engine ${r.engine} refused: ${r.reason}\n`),
  });
  try {
    const genesis = devGenesis({ now: BigInt(Date.now()), epochSeconds: 30 });
    node = await startBenchNode(join(tmp.dir, "node"), genesis, 500);
    const url = node.rpcUrl;
    const tier = genesis.params.tiers.find((t) => t.name === "devnet")!;
    const loadBefore = machineLoad();

    const measure = async (key: number, maxInFlight: number, challenges: number): Promise<Measured> => {
      const account = BenchAccount.fromSeed("prover-throughput", key, genesis.params.l2ChainId);
      const dataDir = join(tmp.dir, `prover-${key}`);
      mkdirSync(dataDir, { recursive: true });
      const stop = new AbortController();
      const chain = createRpcClient({ url, signal: stop.signal });
      const prover = createProver(
        {
          privateKey: account.privateKey,
          dataDir,
          tier: tier.id,
          maxChallenges: challenges,
          maxInFlight,
          pollIntervalMs: 100,
        },
        { chain, engine: engines.engine },
      );
      let start = 0;
      let maxOpen = 0;
      prover.onEvent((e) => {
        if (e.type === "registered") start = performance.now();
        if (e.type === "challengeRequested" || e.type === "committed" || e.type === "sampled") {
          void chain.getNode(account.address).then(
            (n) => {
              maxOpen = Math.max(maxOpen, n?.openChallenges ?? 0);
            },
            () => {},
          );
        }
      });
      // A hard stop, in case a challenge stalls: what passed by then is what counts.
      const timer = setTimeout(() => stop.abort(), 40_000);
      try {
        const summary = await prover.run(stop.signal);
        const seconds = (performance.now() - start) / 1000;
        return {
          gops: Number(summary.work) / seconds / 1e9,
          seconds: Number(seconds.toFixed(2)),
          passed: summary.passed,
          skipped: summary.skipped + summary.failed,
          maxOpen,
        };
      } finally {
        clearTimeout(timer);
        stop.abort();
      }
    };

    // One at a time first (it also warms the engine and the node), then pipelined: one full
    // wave of maxOpenChallenges (the round waits overlap, the computes queue). Longer runs raise
    // the ratio a little (8 challenges: 3.2×) but do not fit the bench's minute.
    const serial = await measure(1, 1, 1);
    const pipelined = await measure(2, genesis.params.maxOpenChallenges, opts.quick ? 2 : 4);
    return [
      {
        name: "prover_throughput_gops",
        value: Number(pipelined.gops.toFixed(2)),
        unit: "GOP/s",
        ...ceilingFields(
          pipelined.gops,
          serial.gops,
          "the same prover one challenge at a time (--max-in-flight 1)",
        ),
        engine: engines.engine.name,
        tier: tier.name,
        work_per_challenge: Number(tierWork(tier)),
        pipelined,
        serial,
        blockTimeMs: 500,
        load: `${loadBefore} → ${machineLoad()}`,
      },
    ];
  } finally {
    await node?.stop();
    await engines.close();
    tmp.cleanup();
  }
}
