/**
 * The devnet in process: the embedded L1 with the contracts deployed (node/devnet.ts), the
 * sequencer following it and its batcher posting to it (createNode). Under a tx load and with a
 * forced tx sent to the Portal, every L2 block lands on L1 exactly once, the inbox calldata
 * decodes (chain/derive) into exactly the store's blocks, and derivation from the L1 data alone
 * re-executes them into the same block hashes.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createWalletClient, custom, encodeFunctionData, type Hex, parseAbi } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { afterAll, describe, expect, it } from "vitest";
import { DEV_PRIVATE_KEYS } from "../../bridge/l1/devAccounts.ts";
import { bytesToHex, equalBytes } from "../../chain/bytes.ts";
import { batchBlockOf } from "../../chain/derive/batchBlockOf.ts";
import { Deriver } from "../../chain/derive/deriver.ts";
import { TIER_TINY } from "../../chain/params.ts";
import { encodeBatchBlock } from "../../chain/wire/index.ts";
import { startNode } from "../../node/commands/node.ts";
import type { FlopsNode } from "../../node/createNode.ts";
import { type DevnetL1, devGenesis, startDevnetL1 } from "../../node/devnet.ts";
import { createLogger } from "../../node/logger.ts";
import { L2Node } from "../helpers/deriveHarness.ts";
import { postedBatchBlocks, readL1Inputs } from "../helpers/l1Batches.ts";
import { waitFor } from "../helpers/rpc.ts";
import { TestAccount } from "../helpers/testChain.ts";

const dir = mkdtempSync(join(tmpdir(), "flops-batcher-"));
let node: FlopsNode | undefined;
let devL1: DevnetL1 | undefined;

afterAll(async () => {
  await node?.stop();
  await devL1?.close();
  rmSync(dir, { recursive: true, force: true });
});

const CFG = {
  "rpc.addr": "127.0.0.1",
  "rpc.port": 0,
  "rpc.rate-limit": 0,
  "block-time-ms": 200,
  "metrics.enabled": false,
  "metrics.addr": "127.0.0.1",
  "metrics.port": 0,
  "l1.confirmations": 1,
  "batcher.confirmations": 2,
};

describe("integration: the sequencer's batcher on the embedded L1", () => {
  it("every L2 block lands on L1 once; the calldata decodes to the store's blocks and derives to the same hashes", async () => {
    const genesis = devGenesis({ now: BigInt(Date.now()), epochSeconds: 30 });
    devL1 = await startDevnetL1({ datadir: dir, genesis });
    const d = devL1.deployment;
    node = await startNode({
      datadir: dir,
      genesis,
      genesisInitOnly: true,
      cfg: CFG,
      beaconUrls: [],
      log: createLogger({ level: "warn", destination: 2 }),
      l1: { client: devL1.client, deployment: d, batcher: devL1.batcher },
    });
    const chainId = genesis.params.l2ChainId;
    const accounts = Array.from({ length: 60 }, (_, i) => TestAccount.fromSeed(9000 + i, chainId));
    for (const a of accounts) {
      for (const tx of [a.sign({ kind: "register" }), a.sign({ kind: "challenge", tier: TIER_TINY.id })]) {
        const r = await node.sequencer.submit(tx.raw);
        expect(r.ok).toBe(true);
      }
    }
    // A forced tx (Portal.forceTransaction): the sequencer must include it in the first block of
    // its L1 block's origin, as derivation will.
    const forcedBy = TestAccount.fromSeed(8999, chainId);
    const forced = forcedBy.sign({ kind: "register" });
    const wallet = createWalletClient({
      chain: foundry,
      transport: custom(devL1.l1),
      account: privateKeyToAccount(DEV_PRIVATE_KEYS[2]!),
    });
    await wallet.sendTransaction({
      to: d.contracts.Portal,
      data: encodeFunctionData({
        abi: parseAbi(["function forceTransaction(bytes signedTx) returns (uint256)"]),
        functionName: "forceTransaction",
        args: [bytesToHex(forced.raw) as Hex],
      }),
    });
    const n = node;
    await waitFor(
      async () => (await n.backend.getReceipt(forced.hash)) !== undefined,
      30_000,
      "the forced tx",
    );
    await waitFor(async () => (n.batcher!.lastPosted?.last ?? 0n) >= 40n, 60_000, "40 blocks posted");
    await node.stop();
    const posted = n.batcher!.lastPosted!.last;
    const head = n.core.head.header.number;
    node = undefined;

    const inputs = await readL1Inputs(devL1.client, d);
    const { blocks, drops } = postedBatchBlocks(inputs, genesis.params);
    expect(drops).toEqual([]);
    // Exactly once each, in order, 1..posted (the tail after `posted` may or may not be out).
    const numbers = blocks.map((b) => b.batch.timestamp);
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(blocks.length).toBeGreaterThanOrEqual(Number(posted));
    const store = n.backend;
    let forcedCount = 0;
    for (let k = 1; k <= blocks.length; k++) {
      const stored = await store.getBlockByNumber(BigInt(k));
      expect(stored, `block ${k}`).toBeDefined();
      const fc = stored!.block.txs.findIndex((t) => equalBytes(t.hash, forced.hash)) === 0 ? 1 : 0;
      forcedCount += fc;
      const want = encodeBatchBlock(batchBlockOf(stored!.block, fc));
      expect(bytesToHex(encodeBatchBlock(blocks[k - 1]!.batch)), `batch block ${k}`).toBe(bytesToHex(want));
    }
    expect(forcedCount).toBe(1);
    expect(BigInt(blocks.length)).toBeLessThanOrEqual(head);

    // Derivation from L1 alone: the same blocks, hash for hash.
    const verifier = new L2Node(genesis.params, genesis.timestamp, genesis.alloc);
    const g = inputs[0]!.block;
    const deriver = new Deriver(genesis.params, {
      number: 0n,
      hash: verifier.core.head.hash,
      timestamp: genesis.timestamp,
      origin: g,
    });
    let derived = 0;
    for (const input of inputs) {
      expect(deriver.addL1Block(input).ok).toBe(true);
      for (;;) {
        const next = deriver.next();
        if (next.kind === "wait") break;
        expect(next.attrs.source, `block ${next.attrs.number}`).toBe("batch");
        const r = verifier.apply(next.attrs);
        expect(r.replaced).toBeUndefined();
        deriver.advance({ number: next.attrs.number, hash: r.built.hash, timestamp: next.attrs.timestamp });
        const stored = await store.getBlockByNumber(next.attrs.number);
        expect(bytesToHex(r.built.hash), `derived block ${next.attrs.number}`).toBe(bytesToHex(stored!.hash));
        derived++;
      }
    }
    expect(
      deriver.takeDrops().map((x) => JSON.stringify(x, (_k, v) => (typeof v === "bigint" ? String(v) : v))),
    ).toEqual([]);
    expect(derived).toBe(blocks.length);
  }, 120_000);
});
