/**
 * End to end: `flops devnet` (the command `npm start` runs) as a real process: the embedded L1,
 * the sequencer with its batcher and proposer, a verifier process deriving the chain from L1 over
 * HTTP, and prover processes. One devnet serves every case (it is the slowest part): its provers
 * earn credits and reach a multiplier above 1.0, viem reads the chain, the verifier derives the
 * sequencer's blocks exactly, the status lines show three heads, the explorer's pages work in
 * Chromium (test/browser/devnetPages.ts: the same devnet, not a second one: ~40 s saved), its four
 * dev operators attest the outputs on the rollup's own oracle, and Ctrl-C stops it all.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createPublicClient, http } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readDeployment } from "../../bridge/deployment.ts";
import { ATTESTED_ORACLE_ABI } from "../../bridge/operators/operatorAbi.ts";
import { launchChromium } from "../browser/chromium.ts";
import { checkDevnetPages } from "../browser/devnetPages.ts";
import { type Spawned, spawnFlops } from "../helpers/nodeProcess.ts";
import { rpcResult, waitFor } from "../helpers/rpc.ts";

let devnet: Spawned | undefined;
let datadir: string | undefined;
let url: string;
let verifierUrl: string;

beforeAll(async () => {
  devnet = spawnFlops([
    "devnet",
    "--provers",
    "2",
    "--tier",
    "tiny",
    "--epoch-seconds",
    "8",
    "--block-time-ms",
    "200",
    "--rpc.port",
    "0",
    // Every height is read from both nodes below.
    "--rpc.rate-limit",
    "0",
    "--status-interval",
    "2",
  ]);
  url = (await devnet.waitForOutput(/JSON-RPC\s+(http:\/\/\S+)/, 60_000))[1]!;
  datadir = (await devnet.waitForOutput(/datadir\s+(\S+)/, 5_000))[1]!;
}, 70_000);

afterAll(async () => {
  // A SIGKILLed devnet takes its verifier along (its IPC channel closes: bin/flops.mjs).
  if (devnet && devnet.child.exitCode === null) {
    devnet.child.kill("SIGKILL");
    await devnet.exited;
  }
  if (datadir) rmSync(datadir, { recursive: true, force: true });
});

/** The verifier log's first lines about dropped batches. */
function droppedBatches(): string {
  const lines = readFileSync(join(datadir!, "verifier.log"), "utf8").split("\n");
  return lines
    .filter((l) => l.includes("dropped"))
    .slice(0, 3)
    .join("\n");
}

interface NodeJson {
  credits: string;
  multiplierBps: string;
  passed: number;
}

interface BlockJson {
  hash: string;
  stateRoot: string;
}

interface SyncJson {
  unsafeL2: { number: string };
  safeL2: { number: string; hash: string };
}

describe("e2e: devnet", () => {
  // First: the longest wait, during which the verifier (a process of its own) starts and derives.
  it("default: provers earn credits and reach a multiplier above 1.0; viem reads the chain", async () => {
    const provers = [
      ...(await devnet!.waitForOutput(/prover-1 (0x[0-9a-f]{40})/, 30_000)).input!.matchAll(
        /prover-\d (0x[0-9a-f]{40})/g,
      ),
    ].map((m) => m[1]!);
    expect(new Set(provers).size).toBe(2);

    const best = await waitFor(
      async () => {
        for (const p of provers) {
          const n = await rpcResult<NodeJson | null>(url, "flops_getNode", [p]);
          if (n && BigInt(n.multiplierBps) > 10_000n && BigInt(n.credits) > 0n) return n;
        }
        return undefined;
      },
      90_000,
      "a prover with a multiplier above 1.0",
    );
    expect(best.passed).toBeGreaterThanOrEqual(1);

    const client = createPublicClient({ transport: http(url) });
    expect(await client.getChainId()).toBe(Number(BigInt(await rpcResult<string>(url, "eth_chainId"))));
    const height = await client.getBlockNumber();
    expect(height).toBeGreaterThan(10n);
    const block = await client.getBlock({ blockNumber: height });
    expect(block.number).toBe(height);
    const parent = await client.getBlock({ blockHash: block.parentHash });
    expect(parent.number).toBe(height - 1n);
  }, 150_000);

  it("behavior: the verifier derives the sequencer's blocks from L1: equal hashes and state roots at every height", async () => {
    verifierUrl = (await devnet!.waitForOutput(/verifier {3}JSON-RPC (http:\/\/\S+)/, 120_000))[1]!;
    const sync = await waitFor(
      async () => {
        const s = await rpcResult<SyncJson>(verifierUrl, "flops_syncStatus");
        return BigInt(s.unsafeL2.number) >= 12n && BigInt(s.safeL2.number) >= 1n ? s : undefined;
      },
      60_000,
      "the verifier deriving 12 blocks, some of them safe",
    );
    const derived = BigInt(sync.unsafeL2.number);
    for (let n = 0n; n <= derived; n++) {
      const tag = `0x${n.toString(16)}`;
      const [mine, theirs] = await Promise.all([
        rpcResult<BlockJson | null>(verifierUrl, "eth_getBlockByNumber", [tag, false]),
        rpcResult<BlockJson | null>(url, "eth_getBlockByNumber", [tag, false]),
      ]);
      expect(mine, `verifier block ${n}`).not.toBeNull();
      // A fork's cause is in the verifier's log (a batch dropped: "late", "wrong parent").
      const why = mine!.hash === theirs!.hash ? "" : droppedBatches();
      expect({ n, hash: mine!.hash, stateRoot: mine!.stateRoot }, why).toEqual({
        n,
        hash: theirs!.hash,
        stateRoot: theirs!.stateRoot,
      });
    }
    // Its safe head is one of those blocks: the sequencer's at that height.
    const safe = await rpcResult<BlockJson>(url, "eth_getBlockByNumber", [
      `0x${BigInt(sync.safeL2.number).toString(16)}`,
      false,
    ]);
    expect(safe.hash).toBe(sync.safeL2.hash);
  }, 180_000);

  it("behavior: the status lines show three heads of the sequencer and the verifier, their agreement, the last batch and outputs", async () => {
    const line =
      /verifier {4}unsafe (\d+) {2}safe (\d+) {2}finalized (\d+) {3}agrees with the sequencer at safe (\d+)/;
    const m = await devnet!.waitForOutput(
      new RegExp(
        `${line.source}(?=[\\s\\S]*last batch {2}L2 \\d+\\.\\.\\d+ in L1 block \\d+, tx 0x[0-9a-f]{6}…[0-9a-f]{4})`,
      ),
      30_000,
    );
    expect(Number(m[1])).toBeGreaterThanOrEqual(Number(m[2]));
    expect(Number(m[2])).toBeGreaterThanOrEqual(Number(m[3]));
    expect(m[4]).toBe(m[2]);
    const out = devnet!.output();
    expect(out).toMatch(/sequencer {3}unsafe \d+ {2}safe \d+ {2}finalized \d+/);
    expect(out).toMatch(/outputs {5}\d+ proposed/);
    expect(out).not.toContain("!! VERIFIER");
  }, 40_000);

  it("behavior: the 4 dev operators attest the outputs on the rollup's own oracle (OutputAttested, the status line)", async () => {
    expect(devnet!.output()).toMatch(/operators {2}4 \(EigenLayer stand-in.*FraudProofs 0x[0-9a-fA-F]{40}/);
    const m = await devnet!.waitForOutput(
      /outputs {5}\d+ proposed, the last for L2 block \d+ \(L1 block \d+\), attested (\d)\/(\d)/,
      60_000,
    );
    expect(m[2]).toBe("4");
    expect(Number(m[1])).toBeGreaterThanOrEqual(3);
    // On L1: the deployment names the stack; the oracle's outputs carry OutputAttested events.
    const d = await readDeployment(join(datadir!, "l1-deployment.json"));
    expect(d.fraudProofs).toMatch(/^0x[0-9a-fA-F]{40}$/);
    const l1Url = /JSON-RPC (http:\/\/\S+)\s+BatchInbox/.exec(devnet!.output())![1]!;
    const l1 = createPublicClient({ transport: http(l1Url) });
    const events = await l1.getContractEvents({
      address: d.contracts.OutputOracle,
      abi: ATTESTED_ORACLE_ABI,
      eventName: "OutputAttested",
      fromBlock: BigInt(d.deployBlock),
    });
    expect(events.length).toBeGreaterThanOrEqual(1);
    expect(events[0]!.args.signedStake! * 3n).toBeGreaterThanOrEqual(events[0]!.args.totalStake! * 2n);
    // The challenger re-derives the outputs and agrees with them; no fraud is proven.
    expect(devnet!.output()).toMatch(/challenger watches every output/);
    await devnet!.waitForOutput(/fraud {7}none proven/, 20_000);
    await waitFor(
      async () => {
        const log = join(datadir!, "challenger.log");
        return existsSync(log) && readFileSync(log, "utf8").includes("output agrees");
      },
      60_000,
      "the challenger's agreement with an output (challenger.log)",
    );
    expect(devnet!.output()).not.toMatch(/fraud {7}!!/);
  }, 130_000);

  it("behavior: the explorer in Chromium: home → a prover's node → a challenge timeline → search a block → batches", async () => {
    // Without Chromium this FAILS and says how to install it (test/browser/chromium.ts).
    const browser = await launchChromium();
    try {
      const provers = [...devnet!.output().matchAll(/prover-\d (0x[0-9a-f]{40})/g)].map((m) => m[1]!);
      await checkDevnetPages(browser, url, [...new Set(provers)]);
    } finally {
      await browser.close();
    }
  }, 90_000);

  it("behavior: Ctrl-C stops the devnet cleanly, its verifier with it", async () => {
    devnet!.child.kill("SIGINT");
    expect((await devnet!.exited).code).toBe(0);
    // The verifier was stopped before the devnet exited: nothing answers on its port.
    await expect(rpcResult(verifierUrl, "eth_blockNumber")).rejects.toThrow();
  }, 40_000);
});
