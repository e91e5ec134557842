/**
 * The sequencer derives its own L1 data (bridge/derivation follow mode; PROTOCOL §5 "Sequencer
 * obligations"): the devnet in process (the embedded L1, the sequencer with its batcher).
 *
 * - While it runs, every block it built is confirmed by derivation: its safe head (and
 *   flops_syncStatus's) moves past the blocks holding its txs, with nothing adopted or replaced.
 * - Down longer than maxSequencerDrift + maxBatchDelayMs, L1 decides default blocks (D8) where
 *   it posted nothing. At its restart the sequencer adopts them before it builds: its chain holds
 *   exactly the blocks derivation from L1 data alone makes (before, it built over its old head
 *   while every verifier had the default blocks: a fork), and it builds on them (D8's catch-up).
 * - A censoring sequencer leaves a forced tx out: L1's block (with it, D7) differs from the one it
 *   built, so derivation rewinds the sequencer to the block before and adopts L1's; the sequencer
 *   builds on it, and derivation from L1 alone reproduces its head.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createWalletClient, custom, encodeFunctionData, type Hex, parseAbi } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { afterAll, describe, expect, it } from "vitest";
import { DEV_PRIVATE_KEYS } from "../../bridge/l1/devAccounts.ts";
import { bytesToHex } from "../../chain/bytes.ts";
import type { FlopsNode } from "../../node/createNode.ts";
import { type DevnetL1, devGenesis, startDevnetL1 } from "../../node/devnet.ts";
import { deriveFromL1, readL1Inputs, startSequencerOnL1 } from "../helpers/l1Batches.ts";
import { waitFor } from "../helpers/rpc.ts";
import { TestAccount } from "../helpers/testChain.ts";

const dir = mkdtempSync(join(tmpdir(), "flops-seq-follow-"));
const dir2 = mkdtempSync(join(tmpdir(), "flops-seq-censor-"));
let node: FlopsNode | undefined;
let devL1: DevnetL1 | undefined;

afterAll(async () => {
  await node?.stop();
  await devL1?.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(dir2, { recursive: true, force: true });
});

/** Txs from fresh accounts, included; returns the highest block holding one. */
async function includeTxs(n: FlopsNode, seed: number, count: number): Promise<bigint> {
  const chainId = n.genesis.params.l2ChainId;
  const txs = Array.from({ length: count }, (_, i) =>
    TestAccount.fromSeed(seed + i, chainId).sign({ kind: "register" }),
  );
  for (const tx of txs) expect((await n.sequencer.submit(tx.raw)).ok).toBe(true);
  let top = 0n;
  await waitFor(
    async () => {
      for (const tx of txs) {
        const t = await n.backend.getTransaction(tx.hash);
        if (t?.kind !== "signed" || t.location === null) return false;
        if (t.location.blockNumber > top) top = t.location.blockNumber;
      }
      return true;
    },
    20_000,
    "the txs in blocks",
  );
  return top;
}

describe("integration: the sequencer follows its own L1 data", () => {
  it("confirms its blocks as safe, and after a long downtime adopts the default blocks L1 decided before it builds, and builds on them", async () => {
    const dev = devGenesis({ now: BigInt(Date.now()), epochSeconds: 30 });
    // A short drift, so the downtime that makes default blocks is seconds, not half a minute.
    const genesis = { ...dev, params: { ...dev.params, maxSequencerDriftMs: 5_000n } };
    devL1 = await startDevnetL1({ datadir: dir, genesis });
    const l1 = devL1;
    const logs: string[] = [];
    node = await startSequencerOnL1({ dir, genesis, l1, logs });
    const n1 = node;

    const txBlock = await includeTxs(n1, 9800, 4);
    await waitFor(
      async () => n1.derivation!.status().safeL2.header.number >= txBlock,
      30_000,
      "the txs' block safe",
    );
    const s1 = n1.derivation!.followStats();
    expect(s1.matched).toBeGreaterThanOrEqual(Number(txBlock));
    expect(s1).toMatchObject({ adopted: 0, replaced: 0 });
    const sync = await n1.backend.syncStatus();
    expect(sync.safeL2.number).toBeGreaterThanOrEqual(txBlock);
    expect(bytesToHex(sync.safeL2.hash)).toBe(bytesToHex(n1.derivation!.status().safeL2.hash));

    // A graceful stop: everything built is on L1. Then L1 runs on past the window of the next origin.
    await node.stop();
    node = undefined;
    const oldHead = n1.core.head;
    const p = genesis.params;
    const closesAt =
      oldHead.header.timestamp + p.maxSequencerDriftMs + p.maxBatchDelayMs + 4n * p.l1BlockTimeMs;
    await waitFor(
      async () => (await l1.client.getBlock()).timestamp * 1000n > closesAt,
      40_000,
      "L1 past the sequencing window",
    );

    node = await startSequencerOnL1({ dir, genesis, l1, logs });
    const n2 = node;
    // Adopted at start, before the first new block: the sequencer's chain holds L1's default blocks.
    const s2 = n2.derivation!.followStats();
    expect(s2.adopted).toBeGreaterThan(0);
    expect(s2.replaced).toBe(0);
    const adoptedHead = oldHead.header.number + BigInt(s2.adopted);
    expect(n2.derivation!.status().safeL2.header.number).toBeLessThanOrEqual(adoptedHead);
    const ours = new Map<bigint, string>();
    for (let k = oldHead.header.number + 1n; k <= adoptedHead; k++) {
      const b = await n2.backend.getBlockByNumber(k);
      if (b === undefined) throw new Error(`no block ${k} after the adoption`);
      ours.set(k, bytesToHex(b.hash));
    }
    // It builds on them (D8's catch-up leaves the next origin young enough to land in time; its
    // first blocks may still be replaced by the next default blocks, once, if it came back late in
    // that cycle): new txs become safe.
    const txBlock2 = await includeTxs(n2, 9900, 3);
    await waitFor(
      async () => n2.derivation!.status().safeL2.header.number >= txBlock2,
      40_000,
      "the new txs' block safe",
    );
    await node.stop();
    node = undefined;
    const head = n2.core.head;

    // L1 data alone: the default blocks right after the old head are the very blocks the
    // sequencer adopted; the chain goes on to its head.
    const inputs = await readL1Inputs(l1.client, l1.deployment);
    let defaults = 0;
    const { last } = deriveFromL1(genesis, inputs, (attrs, r) => {
      if (attrs.number > oldHead.header.number && attrs.number <= adoptedHead) {
        expect(attrs.source, `block ${attrs.number}`).toBe("default");
        expect(bytesToHex(r.built.hash), `block ${attrs.number}`).toBe(ours.get(attrs.number));
        defaults++;
      }
      return attrs.number >= head.header.number ? "stop" : undefined;
    });
    expect(defaults).toBe(s2.adopted);
    expect(last.number).toBe(head.header.number);
    expect(bytesToHex(last.hash)).toBe(bytesToHex(head.hash));
  }, 150_000);

  it("replaces a block L1 decides otherwise (a censored forced tx) and builds on L1's", async () => {
    // The first case's L1 would go on mining (CPU) beside this one's until afterAll.
    await devL1?.close();
    devL1 = undefined;
    const genesis = devGenesis({ now: BigInt(Date.now()), epochSeconds: 30 });
    devL1 = await startDevnetL1({ datadir: dir2, genesis });
    const l1 = devL1;
    const logs: string[] = [];
    node = await startSequencerOnL1({ dir: dir2, genesis, l1, logs, censorForcedTxs: true });
    const n = node;
    await includeTxs(n, 9600, 2);
    const forced = TestAccount.fromSeed(9650, genesis.params.l2ChainId).sign({ kind: "register" });
    const wallet = createWalletClient({
      chain: foundry,
      transport: custom(l1.l1),
      account: privateKeyToAccount(DEV_PRIVATE_KEYS[2]!),
    });
    await wallet.sendTransaction({
      to: l1.deployment.contracts.Portal,
      data: encodeFunctionData({
        abi: parseAbi(["function forceTransaction(bytes signedTx) returns (uint256)"]),
        functionName: "forceTransaction",
        args: [bytesToHex(forced.raw) as Hex],
      }),
    });
    await waitFor(
      async () => (await n.backend.getReceipt(forced.hash)) !== undefined,
      40_000,
      "the forced tx in L1's block",
    );
    const stats = n.derivation!.followStats();
    expect(stats.replaced).toBeGreaterThanOrEqual(1);
    expect(stats.adopted).toBeGreaterThanOrEqual(1);
    expect(logs.some((l) => l.includes("differs from the one L1 decides"))).toBe(true);
    const metrics = await n.metrics.render();
    expect(metrics).toMatch(/flops_derivation_follow_blocks_total\{kind="replaced"\} [1-9]/);
    expect(metrics).toMatch(/flops_derivation_follow_blocks_total\{kind="matched"\} [1-9]/);
    // The sequencer builds on L1's block: new txs become safe.
    const after = await includeTxs(n, 9660, 2);
    await waitFor(
      async () => n.derivation!.status().safeL2.header.number >= after,
      30_000,
      "the new txs safe",
    );
    await node.stop();
    node = undefined;
    const head = n.core.head;
    const inputs = await readL1Inputs(l1.client, l1.deployment);
    const { last } = deriveFromL1(genesis, inputs, (attrs) =>
      attrs.number >= head.header.number ? "stop" : undefined,
    );
    expect(last.number).toBe(head.header.number);
    expect(bytesToHex(last.hash)).toBe(bytesToHex(head.hash));
  }, 120_000);
});
