/**
 * Batcher crash and restart under load (issue 9): `flops devnet` (embedded L1 in process, the
 * batcher posting to it) under a tx load is SIGKILLed at random points three times and restarted
 * on the same datadir. Afterwards every L2 block lands on L1 exactly once: all batcher txs on L1,
 * decoded with chain/derive, carry each block 1..M once and none twice, M covering every block the
 * node had built before its last restart (only the newest, not yet posted tail may be missing).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPublicClient, http, type PublicClient } from "viem";
import { afterAll, describe, expect, it } from "vitest";
import { parseDeployment } from "../../bridge/deployment.ts";
import { bytesToHex } from "../../chain/bytes.ts";
import { genesisFromJson } from "../../chain/genesisDoc.ts";
import { TIER_TINY } from "../../chain/params.ts";
import type { SignedTx } from "../../chain/types.ts";
import { postedBatchBlocks, readL1Inputs } from "../helpers/l1Batches.ts";
import { type Spawned, spawnFlops } from "../helpers/nodeProcess.ts";
import { rpc, rpcResult, waitFor } from "../helpers/rpc.ts";
import { TestAccount } from "../helpers/testChain.ts";

const dir = mkdtempSync(join(tmpdir(), "flops-batcher-crash-"));
const running: Spawned[] = [];

afterAll(() => {
  for (const s of running) s.child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

async function startDevnet(): Promise<{ proc: Spawned; url: string; l1Url: string }> {
  const proc = spawnFlops([
    "devnet",
    "--provers",
    "0",
    "--datadir",
    dir,
    "--block-time-ms",
    "200",
    "--rpc.port",
    "0",
    "--rpc.rate-limit",
    "0",
    "--l1.port",
    "0",
    "--log.level",
    "warn",
  ]);
  running.push(proc);
  const url = (await proc.waitForOutput(/JSON-RPC\s+(http:\/\/\S+)/, 60_000))[1]!;
  const l1Url = (await proc.waitForOutput(/L1\s+embedded, chain \d+, JSON-RPC (http:\/\/\S+)/, 5_000))[1]!;
  return { proc, url, l1Url };
}

describe("e2e: batcher crash safety", () => {
  it("SIGKILL three times under load: every L2 block lands on L1 exactly once", async () => {
    let { proc, url, l1Url } = await startDevnet();
    const chainId = BigInt(await rpcResult<string>(url, "eth_chainId"));
    const accounts = Array.from({ length: 300 }, (_, i) => TestAccount.fromSeed(7000 + i, chainId));
    const txs: SignedTx[] = accounts.flatMap((a) => [
      a.sign({ kind: "register" }),
      a.sign({ kind: "challenge", tier: TIER_TINY.id }),
    ]);
    let next = 0;
    let current = url;
    let stop = false;
    const sender = async () => {
      while (next < txs.length && !stop) {
        const tx = txs[next++]!;
        try {
          await rpc(current, "flops_sendRawTransaction", [bytesToHex(tx.raw)]);
        } catch {
          await new Promise((r) => setTimeout(r, 100)); // the node is down: the load goes on after
        }
      }
    };
    const load = Promise.all(Array.from({ length: 4 }, sender));

    let builtBeforeLastRestart = 0n;
    for (let kill = 0; kill < 3; kill++) {
      // A random point: mid-channel, mid-post, between a post and its receipt...
      await new Promise((r) => setTimeout(r, 1500 + Math.floor(Math.random() * 3500)));
      builtBeforeLastRestart = BigInt(await rpcResult<string>(current, "eth_blockNumber"));
      proc.child.kill("SIGKILL");
      await proc.exited;
      ({ proc, url, l1Url } = await startDevnet());
      current = url;
    }
    // Let the batcher post what was built before the last kill (and some more).
    const head = BigInt(await rpcResult<string>(url, "eth_blockNumber"));
    expect(head).toBeGreaterThanOrEqual(builtBeforeLastRestart);
    const deployment = parseDeployment(readFileSync(join(dir, "l1-deployment.json"), "utf8"));
    const genesis = genesisFromJson(readFileSync(join(dir, "genesis.json"), "utf8"));
    const client = createPublicClient({ transport: http(l1Url) }) as PublicClient;
    let decoded: ReturnType<typeof postedBatchBlocks> | undefined;
    await waitFor(
      async () => {
        decoded = postedBatchBlocks(await readL1Inputs(client, deployment), genesis.params);
        return decoded.blocks.length >= Number(head);
      },
      60_000,
      `blocks 1..${head} on L1`,
    );
    stop = true;
    await load;
    const { blocks, drops } = decoded!;
    if (process.env.BATCHER_CRASH_DEBUG)
      for (const p of running)
        console.log(
          p
            .output()
            .split("\n")
            .filter((l) => /batcher|l1txm|error|warn/i.test(l))
            .join("\n"),
        );
    expect(drops).toEqual([]);
    // No block twice: each parent hash (one per block) appears once.
    const parents = blocks.map((b) => bytesToHex(b.batch.parentHash));
    expect(new Set(parents).size).toBe(parents.length);
    // None missing: batch block k is block k of the node (its parent is block k − 1), in order.
    for (let k = 1; k <= blocks.length; k++) {
      const parent = await rpcResult<{ hash: string }>(url, "eth_getBlockByNumber", [
        `0x${(k - 1).toString(16)}`,
        false,
      ]);
      expect(parents[k - 1], `batch block ${k}'s parent`).toBe(parent.hash);
    }
    proc.child.kill("SIGKILL");
    await proc.exited;
  }, 240_000);
});
