/**
 * The explorer's L1 columns on the devnet in process (the embedded L1 with the contracts, the
 * sequencer and its batcher, createNode's wiring): once blocks land, GET /api/v2/batches lists
 * them with the L1 block and the L1 tx of their last frame (checked against L1's receipt: a
 * BatchInbox call in that block), and a withdrawal on /api/v2/withdrawals carries its status as
 * the Portal and the oracle tell it (no output posted here: waiting-for-output).
 */
import { getAddress, type Hex } from "viem";
import { afterAll, describe, expect, it } from "vitest";
import { bytesToHex } from "../../chain/bytes.ts";
import { type InProcessDevnet, startInProcessDevnet } from "../helpers/l1Batches.ts";
import { waitFor } from "../helpers/rpc.ts";
import { TestAccount } from "../helpers/testChain.ts";

const CREDIT = 10n ** 18n;

interface BatchJson {
  number: string;
  l1_block_number: string;
  l1_transaction_hash: string | null;
  l2_block_start: string;
  l2_block_end: string;
  frames: number;
}

let devnet: InProcessDevnet | undefined;
afterAll(async () => {
  await devnet?.close();
});

async function getJson<T>(url: string): Promise<T> {
  const r = await fetch(url);
  expect(r.status).toBe(200);
  return (await r.json()) as T;
}

describe("integration: the explorer's batches and withdrawals' L1 status on the devnet", () => {
  it("lists landed batches with their L1 block and tx; a withdrawal shows its L1 status", async () => {
    // An address is the key's, whatever the chain id: fund it before the chain exists.
    const seed = 7100;
    const probe = TestAccount.fromSeed(seed, 0n);
    devnet = await startInProcessDevnet({
      prefix: "flops-explorer-l1-",
      alloc: [{ address: probe.address, credits: 10n * CREDIT }],
    });
    const { node, devL1, genesis } = devnet;
    const alice = TestAccount.fromSeed(seed, genesis.params.l2ChainId);
    const bob = new Uint8Array(20).fill(0xb0);
    const tx = alice.sign({ kind: "withdraw", to: bob, amount: 2n * CREDIT });
    const admitted = await node.sequencer.submit(tx.raw);
    expect(admitted.ok).toBe(true);
    const look = await waitFor(async () => node.backend.getReceipt(tx.hash), 30_000, "the withdraw tx");
    expect(look.receipt.status).toBe("success");
    const withdrawBlock = look.location.blockNumber;

    // Batches land every few hundred ms; wait until one covers the withdrawal's block.
    const base = node.rpcUrl;
    const batches = await waitFor(
      async () => {
        const p = await getJson<{ items: BatchJson[] }>(`${base}/api/v2/batches`);
        return p.items.some((b) => BigInt(b.l2_block_end) >= withdrawBlock) ? p.items : undefined;
      },
      60_000,
      "a batch covering the withdrawal's block",
    );
    // Newest first, numbered without gaps, ranges ascending and adjacent.
    const asc = [...batches].reverse();
    asc.forEach((b, i) => {
      expect(b.number).toBe(String(Number(asc[0]!.number) + i));
      if (i > 0) expect(BigInt(b.l2_block_start)).toBe(BigInt(asc[i - 1]!.l2_block_end) + 1n);
    });
    for (const b of batches) {
      expect(b.l1_transaction_hash).toMatch(/^0x[0-9a-f]{64}$/);
      const r = await devL1.client.getTransactionReceipt({ hash: b.l1_transaction_hash as Hex });
      expect(r.blockNumber).toBe(BigInt(b.l1_block_number));
      expect(r.to && getAddress(r.to)).toBe(getAddress(devL1.deployment.contracts.BatchInbox));
    }
    const one = await getJson<BatchJson>(`${base}/api/v2/batches/${batches[0]!.number}`);
    expect(one).toEqual(batches[0]);

    const withdrawals = await waitFor(
      async () => {
        const p = await getJson<{ items: Array<Record<string, unknown>> }>(`${base}/api/v2/withdrawals`);
        return p.items.length > 0 ? p.items : undefined;
      },
      30_000,
      "the indexed withdrawal",
    );
    expect(withdrawals[0]).toMatchObject({
      index: "0",
      to: { hash: bytesToHex(bob) },
      value: (2n * CREDIT).toString(),
      status: "waiting-for-output",
      next_action: "wait for an output",
      l1_prove_transaction_hash: null,
    });
  }, 120_000);
});
