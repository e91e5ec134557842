/**
 * The devnet in process: the embedded L1 with the contracts deployed (node/devnet.ts), the
 * sequencer following it and its batcher posting to it (createNode). Under a tx load and with a
 * forced tx sent to the Portal, every L2 block lands on L1 exactly once, the inbox calldata
 * decodes (chain/derive) into exactly the store's blocks, and derivation from the L1 data alone
 * re-executes them into the same block hashes.
 */
import { createWalletClient, custom, encodeFunctionData, type Hex, parseAbi } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { afterAll, describe, expect, it } from "vitest";
import { DEV_PRIVATE_KEYS } from "../../bridge/l1/devAccounts.ts";
import { bytesToHex, equalBytes } from "../../chain/bytes.ts";
import { batchBlockOf } from "../../chain/derive/batchBlockOf.ts";
import { encodeBatchBlock } from "../../chain/wire/index.ts";
import {
  deriveFromL1,
  type InProcessDevnet,
  postedBatchBlocks,
  readL1Inputs,
  startInProcessDevnet,
  submitLoad,
} from "../helpers/l1Batches.ts";
import { waitFor } from "../helpers/rpc.ts";
import { TestAccount } from "../helpers/testChain.ts";

let devnet: InProcessDevnet | undefined;
afterAll(async () => {
  await devnet?.close();
});

describe("integration: the sequencer's batcher on the embedded L1", () => {
  it("every L2 block lands on L1 once; the calldata decodes to the store's blocks and derives to the same hashes", async () => {
    devnet = await startInProcessDevnet({ prefix: "flops-batcher-" });
    const { genesis, devL1, node } = devnet;
    const d = devL1.deployment;
    const chainId = genesis.params.l2ChainId;
    await submitLoad(node, chainId, 9000, 60);
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
    const derived: Array<{ number: bigint; source: string; replaced: unknown; hash: Uint8Array }> = [];
    const { drops: derivationDrops } = deriveFromL1(genesis, inputs, (attrs, r) => {
      derived.push({ number: attrs.number, source: attrs.source, replaced: r.replaced, hash: r.built.hash });
      return undefined;
    });
    for (const b of derived) {
      expect(b.source, `block ${b.number}`).toBe("batch");
      expect(b.replaced).toBeUndefined();
      const stored = await store.getBlockByNumber(b.number);
      expect(bytesToHex(b.hash), `derived block ${b.number}`).toBe(bytesToHex(stored!.hash));
    }
    expect(
      derivationDrops.map((x) => JSON.stringify(x, (_k, v) => (typeof v === "bigint" ? String(v) : v))),
    ).toEqual([]);
    expect(derived.length).toBe(blocks.length);
  }, 120_000);
});
