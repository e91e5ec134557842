/**
 * End to end: `flops devnet` (the command `npm start` runs) as a real process: node, local beacon
 * and prover processes. Its provers earn credits and reach a multiplier above 1.0, and viem's
 * public client reads the chain through the eth_* facade.
 */
import { rmSync } from "node:fs";
import { createPublicClient, http } from "viem";
import { afterAll, describe, expect, it } from "vitest";
import { type Spawned, spawnFlops } from "../helpers/nodeProcess.ts";
import { rpcResult, waitFor } from "../helpers/rpc.ts";

let devnet: Spawned | undefined;
let datadir: string | undefined;

afterAll(async () => {
  if (devnet && devnet.child.exitCode === null) {
    devnet.child.kill("SIGKILL");
    await devnet.exited;
  }
  if (datadir) rmSync(datadir, { recursive: true, force: true });
});

interface NodeJson {
  credits: string;
  multiplierBps: string;
  passed: number;
}

describe("e2e: devnet", () => {
  it("default: provers earn credits and reach a multiplier above 1.0; viem reads the chain", async () => {
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
      "--status-interval",
      "2",
    ]);
    const url = (await devnet.waitForOutput(/JSON-RPC\s+(http:\/\/\S+)/, 30_000))[1]!;
    datadir = (await devnet.waitForOutput(/datadir\s+(\S+)/, 5_000))[1]!;
    const provers = [
      ...(await devnet.waitForOutput(/prover-1 (0x[0-9a-f]{40})/, 30_000)).input!.matchAll(
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

    devnet.child.kill("SIGINT");
    expect((await devnet.exited).code).toBe(0);
  }, 150_000);
});
