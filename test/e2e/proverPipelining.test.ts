/**
 * Pipelining against a real node (issue 8 item 3): the node in this process (level store, the
 * sequencer, the JSON-RPC server, a local beacon; 200 ms blocks) and the prover over JSON-RPC. A
 * genesis with maxOpenChallenges 4 lets one prover keep several challenges open at once: it asks
 * for the next while the others wait for their rounds, and computes one at a time. Pipelining
 * does not depend on the devnet's timings: the chain has fastGenesis's shorter batch delay, so
 * each challenge waits ~2.5 s for its sample round instead of ~5 s.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startNode } from "../../node/commands/node.ts";
import type { FlopsNode } from "../../node/createNode.ts";
import { createLogger } from "../../node/logger.ts";
import { createJsEngine } from "../../prover/engine/index.ts";
import { createProver } from "../../prover/proverClient.ts";
import { createRpcClient } from "../../prover/rpcClient.ts";
import { fastGenesis } from "../helpers/fastGenesis.ts";
import { TestAccount } from "../helpers/testChain.ts";

const dir = mkdtempSync(join(tmpdir(), "flops-pipeline-"));
let node: FlopsNode | undefined;
afterAll(async () => {
  await node?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("e2e: a pipelined prover on a node", () => {
  it("keeps more than one challenge open (maxOpenChallenges 4), all pass", async () => {
    const genesis = fastGenesis();
    expect(genesis.params.maxOpenChallenges).toBe(4);
    node = await startNode({
      datadir: join(dir, "node"),
      genesis,
      genesisInitOnly: true,
      cfg: {
        "rpc.addr": "127.0.0.1",
        "rpc.port": 0,
        "rpc.rate-limit": 0,
        "rpc.max-connections-per-ip": 64,
        "block-time-ms": 200,
        "metrics.enabled": false,
        "metrics.addr": "127.0.0.1",
        "metrics.port": 0,
      },
      beaconUrls: [],
      log: createLogger({ level: "error", format: "json", destination: 2 }),
    });
    const account = TestAccount.fromSeed(8100, genesis.params.l2ChainId);
    const stop = new AbortController();
    const chain = createRpcClient({ url: node.rpcUrl, signal: stop.signal });
    const prover = createProver(
      {
        privateKey: account.privateKey,
        dataDir: join(dir, "prover"),
        tier: "tiny",
        maxChallenges: 4,
        pollIntervalMs: 50,
      },
      { chain, engine: createJsEngine() },
    );
    // The node's own count of open challenges, read whenever the prover moves a challenge on.
    const open: number[] = [];
    prover.onEvent((e) => {
      if (e.type === "challengeRequested" || e.type === "committed") {
        void chain.getNode(account.address).then(
          (n) => open.push(n?.openChallenges ?? 0),
          () => {},
        );
      }
    });
    const summary = await prover.run(stop.signal);
    stop.abort();
    expect(summary).toMatchObject({ challenges: 4, passed: 4, failed: 0, skipped: 0 });
    expect(Math.max(...open)).toBeGreaterThan(1);
    expect(Math.max(...open)).toBeLessThanOrEqual(4);
  }, 60_000);
});
