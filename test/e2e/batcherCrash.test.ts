/**
 * Batcher crash and restart under load (issue 9): `flops devnet` (embedded L1 in process, the
 * batcher posting to it) under a tx load is SIGKILLed at random points three times and restarted
 * on the same datadir. Afterwards every L2 block lands on L1 exactly once: all batcher txs on L1,
 * decoded with chain/derive, carry each of the node's blocks 1..M and none twice, M covering every
 * block the node had built before its last restart. Blocks a kill left off L1 for longer than
 * maxBatchDelayMs are rewound at the restart and built again (sequencer/rewind.ts): their old
 * versions may be on L1 too (the tx manager lands what it had journaled). The node's chain is the
 * one derivation from L1 alone makes, at every height up to its safe head.
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
import { parseResult } from "../../rpc/method.ts";
import { FLOPS_RPC } from "../../rpc/methods.ts";
import { deriveFromL1, postedBatchBlocks, readL1Inputs } from "../helpers/l1Batches.ts";
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
    // The claim is the batcher's: a verifier (one more process to start each time, seconds of
    // CPU) is not needed to read what landed on L1 (the test decodes the inbox itself).
    "--no-verifier",
    // Nor are operators and the challenger: five more processes per start (twenty over the four
    // starts) took the 2-core box to a load of 10 and the test from ~45 s to ~80 s. The devnet's
    // proposer posts outputs itself; the batcher, its tx manager and the rewind are the same.
    "--operators",
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
      // A random point: mid-channel, mid-post, between a post and its receipt... The batcher
      // posts each block within about 2 s (1 s L1 blocks): 1 to 3.5 s lands anywhere in a cycle.
      await new Promise((r) => setTimeout(r, 1000 + Math.floor(Math.random() * 2500)));
      builtBeforeLastRestart = BigInt(await rpcResult<string>(current, "eth_blockNumber"));
      proc.child.kill("SIGKILL");
      await proc.exited;
      ({ proc, url, l1Url } = await startDevnet());
      current = url;
    }
    // Let the batcher post what was built before the last kill (and some more), and the node's
    // own derivation (follow mode) confirm it from L1: blocks up to its safe head no longer move
    // (a restart may rewind a few unposted blocks, and derivation may replace a block L1 decided
    // otherwise; both happen above the safe head).
    let head = 0n;
    await waitFor(
      async () => {
        const s = parseResult(FLOPS_RPC.syncStatus, await rpcResult(url, "flops_syncStatus"));
        head = s.safeL2.number;
        return head > builtBeforeLastRestart + 5n;
      },
      90_000,
      "the node's safe head past the blocks built before the last restart",
    );
    const deployment = parseDeployment(readFileSync(join(dir, "l1-deployment.json"), "utf8"));
    const genesis = genesisFromJson(readFileSync(join(dir, "genesis.json"), "utf8"));
    const client = createPublicClient({ transport: http(l1Url) }) as PublicClient;
    let decoded: ReturnType<typeof postedBatchBlocks> | undefined;
    // The node's blocks 0..head: each below head is the parent of one batch block on L1.
    const nodeHashes: string[] = [];
    for (let k = 0n; k <= head; k++)
      nodeHashes.push(
        (await rpcResult<{ hash: string }>(url, "eth_getBlockByNumber", [`0x${k.toString(16)}`, false])).hash,
      );
    await waitFor(
      async () => {
        decoded = postedBatchBlocks(await readL1Inputs(client, deployment), genesis.params);
        const parents = new Set(decoded.blocks.map((b) => bytesToHex(b.batch.parentHash)));
        return nodeHashes.slice(0, -1).every((h) => parents.has(h as `0x${string}`));
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
    // A restart may rewind blocks a kill left off L1 past maxBatchDelayMs (sequencer/rewind.ts):
    // their old frames still mined are dropped by derivation (late, or a channel never completed).
    for (const d of drops) expect(d.reason).toBe("timed out");
    // No batch block twice: a copy is allowed only of a rewound block whose new version came out
    // the same (stamped at its origin's time: docs/NEXT.md), and derivation drops it.
    const keys = blocks.map((b) => `${bytesToHex(b.batch.parentHash)}:${b.batch.timestamp}`);
    const twice = blocks.filter((_, i) => keys.indexOf(keys[i]!) !== i);
    expect(twice.filter((b) => b.batch.timestamp % 1000n !== 0n)).toEqual([]);
    // None missing: every block of the node is on L1 (above: each of its blocks is a batch block's
    // parent). Blocks a restart rewound are on L1 too, in their old version: extra batch blocks
    // whose parent is a node block but which are not the node's next block (derivation drops them).

    // And the chain is the one L1 decides: a derivation from L1 data alone makes the node's hash
    // at every height up to its safe head.
    const { last } = deriveFromL1(genesis, await readL1Inputs(client, deployment), (attrs, r) => {
      expect(bytesToHex(r.built.hash), `block ${attrs.number}`).toBe(nodeHashes[Number(attrs.number)]);
      return attrs.number >= head ? "stop" : undefined;
    });
    expect(last.number).toBe(head);
    proc.child.kill("SIGKILL");
    await proc.exited;
  }, 240_000);
});
