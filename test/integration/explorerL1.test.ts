/**
 * The explorer's L1 columns on the devnet in process (the embedded L1 with the contracts, the
 * sequencer and its batcher, createNode's wiring): once blocks land, GET /api/v2/batches lists
 * them with the L1 block and its batcher tx (checked against L1's receipt: a BatchInbox call in
 * that block), and a withdrawal on /api/v2/withdrawals carries its status as the Portal and the
 * oracle tell it (no output posted here: waiting-for-output).
 *
 * The rows come from derivation (indexer/batchLog.ts), so a verifier node (its own explorer)
 * derives the same rows from genesis; restarted, it derives its head's L1 block again without a
 * duplicate row; after an L1 reorg that drops the newest batcher txs its rows above go, and when
 * the same txs land again the same rows come back, under the same numbers, at their new L1 block.
 */
import { join } from "node:path";
import { inspect } from "node:util";
import { getAddress, type Hex, keccak256, serializeTransaction } from "viem";
import { afterAll, describe, expect, it } from "vitest";
import { bytesToHex } from "../../chain/bytes.ts";
import { startVerifier } from "../../node/commands/node.ts";
import type { FlopsNode, VerifierFlopsNode } from "../../node/createNode.ts";
import { silentLogger } from "../../node/logger.ts";
import {
  DEVNET_TEST_CFG,
  type InProcessDevnet,
  startInProcessDevnet,
  startSequencerOnL1,
} from "../helpers/l1Batches.ts";
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
  size: number;
}

let devnet: InProcessDevnet | undefined;
let verifier: VerifierFlopsNode | undefined;
/** The sequencer once restarted on the devnet's datadir (the devnet's own is stopped then). */
let sequencer: FlopsNode | undefined;
afterAll(async () => {
  await verifier?.stop();
  await sequencer?.stop();
  await devnet?.close();
});

/** Every row of a node's batch list, oldest first (all pages). */
async function allBatches(base: string): Promise<BatchJson[]> {
  const rows: BatchJson[] = [];
  let q = "";
  for (;;) {
    const p = await getJson<{ items: BatchJson[]; next_page_params: Record<string, string> | null }>(
      `${base}/api/v2/batches?limit=100${q}`,
    );
    rows.push(...p.items);
    if (p.next_page_params === null) return rows.reverse();
    const next = Object.entries(p.next_page_params).map(([k, v]): [string, string] => [k, String(v)]);
    q = `&${new URLSearchParams(next).toString()}`;
  }
}

/** Rows numbered 0… without gaps or repeats, ranges ascending. */
function expectWellFormed(rows: BatchJson[]): void {
  rows.forEach((b, i) => {
    expect(b.number).toBe(String(i));
    expect(BigInt(b.l2_block_start)).toBeLessThanOrEqual(BigInt(b.l2_block_end));
    if (i > 0) expect(BigInt(b.l2_block_start)).toBeGreaterThan(BigInt(rows[i - 1]!.l2_block_end));
  });
}

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
      l1Port: 0,
      // Room for the reorg test's batch to land again in time (D4): 20 s, not 4.
      params: { maxBatchDelayMs: 20_000n },
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

  const startOurVerifier = async () => {
    const d = devnet!;
    verifier = await startVerifier({
      datadir: join(d.dir, "verifier"),
      genesis: d.genesis,
      genesisInitOnly: false,
      cfg: { ...DEVNET_TEST_CFG },
      log: silentLogger(),
      l1Rpc: d.devL1.http!.url,
      deploymentFile: join(d.dir, "l1-deployment.json"),
    });
    return verifier;
  };

  it("a verifier derives the sequencer's rows from L1; restarted, it writes no duplicate row", async () => {
    const seqRows = await allBatches(devnet!.node.rpcUrl);
    expect(seqRows.length).toBeGreaterThan(0);
    expectWellFormed(seqRows);
    const v = await startOurVerifier();
    const newest = seqRows[seqRows.length - 1]!;
    const vRows = await waitFor(
      async () => {
        const r = await allBatches(v.rpcUrl);
        return r.length >= seqRows.length ? r : undefined;
      },
      60_000,
      "the verifier's rows up to the sequencer's newest",
    );
    expect(vRows.slice(0, seqRows.length)).toEqual(seqRows);
    expect(vRows[seqRows.length - 1]).toEqual(newest);
    // Its other explorer pages are served too (the verifier's own index).
    const blocks = await getJson<{ items: Array<{ height: string }> }>(`${v.rpcUrl}/api/v2/blocks`);
    expect(BigInt(blocks.items[0]!.height)).toBeGreaterThanOrEqual(BigInt(newest.l2_block_end));

    // Restart: derivation resumes before its head's L1 block and tells that block's row again.
    await v.stop();
    const before = await startOurVerifier().then(async (again) => {
      await waitFor(
        async () =>
          again.derivation.initialised &&
          again.derivation.status().currentL1 !== undefined &&
          again.derivation.status().behindL1 === 0n
            ? true
            : undefined,
        30_000,
        "the restarted verifier at L1's head",
      );
      return again;
    });
    const after = await waitFor(
      async () => {
        const r = await allBatches(before.rpcUrl);
        return r.length >= vRows.length ? r : undefined;
      },
      60_000,
      "the restarted verifier's rows",
    );
    expectWellFormed(after);
    expect(after.slice(0, vRows.length)).toEqual(vRows);
  }, 150_000);

  it("a restarted sequencer (follow mode: it keeps its blocks, derivation marks them again) writes no duplicate row", async () => {
    const d = devnet!;
    const rows = await allBatches(d.node.rpcUrl);
    expectWellFormed(rows);
    await d.node.stop();
    const logs: string[] = [];
    const s = await startSequencerOnL1({ dir: d.dir, genesis: d.genesis, l1: d.devL1, logs });
    sequencer = s;
    const synced = async () => {
      const st = s.derivation!.status();
      return st.currentL1 !== undefined && st.behindL1 === 0n && st.unsafeL2.header.number > 0n
        ? true
        : undefined;
    };
    await waitFor(synced, 30_000, "the restarted sequencer's derivation at L1's head");
    const after = await waitFor(
      async () => {
        const r = await allBatches(s.rpcUrl);
        return r.length > rows.length ? r : undefined;
      },
      30_000,
      "a new row after the restart",
    );
    expectWellFormed(after);
    expect(after.slice(0, rows.length)).toEqual(rows);
  }, 90_000);

  it("an L1 reorg drops the rows of the batcher txs it drops; the txs landing again rewrite them at their new L1 block", async () => {
    const d = devnet!;
    const v = verifier!;
    // A quiet L1: the sequencer stops (its batcher flushes what it has).
    await sequencer!.stop();
    const client = d.devL1.client;
    // Nothing of the batcher's left in L1's pool (a flush cut short under load leaves frames
    // there): one landing after the reorg would add a row the test does not expect.
    const batcher = d.devL1.batcher.address;
    await waitFor(
      async () =>
        (await client.getTransactionCount({ address: batcher, blockTag: "pending" })) ===
        (await client.getTransactionCount({ address: batcher, blockTag: "latest" })),
      60_000,
      "the batcher's txs all in L1 blocks",
    );
    const synced = async () => {
      const head = await client.getBlockNumber();
      const s = v.derivation.status();
      return s.currentL1 !== undefined && s.currentL1.number >= head ? allBatches(v.rpcUrl) : undefined;
    };
    const rows = await waitFor(synced, 60_000, "the verifier at L1's head");
    expectWellFormed(rows);
    // The newest row whose blocks' L1 origins stay canonical when its L1 block I goes: its
    // batch can land again (a batch whose origin a reorg replaced is invalid, D4).
    let R: BatchJson | undefined;
    for (const b of [...rows].reverse()) {
      const blk = await getJson<{ l1_origin: { number: string } }>(
        `${v.rpcUrl}/api/v2/blocks/${b.l2_block_end}`,
      );
      if (BigInt(blk.l1_origin.number) < BigInt(b.l1_block_number)) {
        R = b;
        break;
      }
    }
    expect(R, "a row landed after its blocks' origin").toBeDefined();
    const I = BigInt(R!.l1_block_number);
    // R's batcher txs (block I's), kept raw to send again: alone, so that they land in an L1
    // block of their own (the later ones stay dropped).
    const raws: Hex[] = [];
    for (const n of [I]) {
      const b = await client.getBlock({ blockNumber: n, includeTransactions: true });
      for (const t of b.transactions) {
        if (t.to === null || getAddress(t.to) !== getAddress(d.devL1.deployment.contracts.BatchInbox))
          continue;
        const raw = serializeTransaction(
          {
            type: "eip1559",
            chainId: t.chainId!,
            nonce: t.nonce,
            gas: t.gas,
            maxFeePerGas: t.maxFeePerGas!,
            maxPriorityFeePerGas: t.maxPriorityFeePerGas!,
            to: t.to,
            value: t.value,
            data: t.input,
            accessList: t.accessList ?? [],
          },
          { r: t.r, s: t.s, yParity: t.yParity! },
        );
        expect(keccak256(raw)).toBe(t.hash);
        raws.push(raw);
      }
    }
    expect(raws.length).toBeGreaterThan(0);
    // Replace every block from I on with empty ones (1 s blocks: a block more for the clock).
    await d.devL1.l1.reorg(Number((await client.getBlockNumber()) - I + 1n), { txs: [] });
    // The rows of blocks decided from I on go (a transient deeper drop while the head's L1
    // block is derived again is fine: wait for the settled list).
    const kept = rows.filter((b) => BigInt(b.l1_block_number) < I);
    let seen: unknown;
    const dropped = await waitFor(
      async () => {
        const r = await allBatches(v.rpcUrl);
        const st = v.derivation.status();
        seen = { rows: r.map((b) => [b.number, b.l1_block_number, b.l2_block_end]), st };
        return r.length === kept.length && st.behindL1 === 0n ? r : undefined;
      },
      60_000,
      "the rows of the dropped batcher txs gone",
    ).catch((e: Error) => {
      // What the verifier showed last: the next flake says why.
      const keptRows = kept.map((b) => [b.number, b.l1_block_number, b.l2_block_end]);
      throw new Error(
        `${e.message}; reorg from L1 ${I}; kept ${JSON.stringify(keptRows)}; last seen ${inspect(seen, { depth: 4 })}`,
      );
    });
    expect(dropped).toEqual(kept);

    for (const raw of raws) await client.request({ method: "eth_sendRawTransaction", params: [raw] });
    // R comes back under its number, same blocks and tx, at the L1 block that holds the tx now.
    const again = await waitFor(
      async () => {
        const r = await allBatches(v.rpcUrl);
        return r.length > kept.length ? r : undefined;
      },
      30_000,
      "the row back",
    );
    expectWellFormed(again);
    expect(again.slice(0, kept.length)).toEqual(kept);
    const back = again[kept.length]!;
    expect({ ...back, l1_block_number: "" }).toEqual({ ...R!, l1_block_number: "" });
    expect(BigInt(back.l1_block_number)).toBeGreaterThan(I);
    const r = await client.getTransactionReceipt({ hash: back.l1_transaction_hash as Hex });
    expect(r.blockNumber).toBe(BigInt(back.l1_block_number));
  }, 120_000);
});
