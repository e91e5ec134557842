/**
 * The explorer port's tx lookup: the indexer keeps no hash key, so a hash's position comes from
 * the chain store's tx index (through the RPC backend) and the row there must be that tx: the
 * store can be ahead of the index, or hold another block at that height after a rewind.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { RpcBackend, TxLookup } from "../api/ports.ts";
import { createLocalBeacon, deriveBeaconSecretKey } from "../chain/beacon/index.ts";
import { defaultParams } from "../chain/params.ts";
import type { Block, SignedTx } from "../chain/types.ts";
import { indexBlockOps } from "../indexer/indexBlock.ts";
import { IndexReads } from "../indexer/indexReads.ts";
import { LevelKv } from "../store/levelKv.ts";
import { createExplorerReads } from "./explorerReads.ts";

const params = defaultParams(
  createLocalBeacon(deriveBeaconSecretKey("flops/test-explorer-reads"), {
    genesisTime: 1n,
    periodSeconds: 1n,
  }).config,
);
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

describe("explorerReads: tx by hash", () => {
  it("default: found where the store's tx index says, only when the indexed row is that tx", async () => {
    const dir = await mkdtemp(join(tmpdir(), "flops-explorer-reads-"));
    const kv = new LevelKv(join(dir, "ix"));
    await kv.open();
    cleanup.push(async () => {
      await kv.close();
      await rm(dir, { recursive: true, force: true });
    });
    const hash = new Uint8Array(32).fill(1);
    const other = new Uint8Array(32).fill(2);
    const tx: SignedTx = {
      body: {
        chainId: 1n,
        nonce: 0n,
        action: { kind: "transfer", to: new Uint8Array(20).fill(4), amount: 3n },
      },
      bodyBytes: new Uint8Array(0),
      signature: new Uint8Array(65),
      raw: new Uint8Array(120),
      hash,
    };
    const z = new Uint8Array(32);
    const block: Block = {
      header: {
        number: 0n,
        parentHash: z,
        timestamp: 1000n,
        l1Origin: { number: 0n, hash: z, timestamp: 1n },
        stateRoot: z,
        withdrawalsRoot: z,
        txRoot: z,
        receiptsRoot: z,
      },
      systemTxs: [],
      txs: [tx],
    };
    const from = new Uint8Array(20).fill(3);
    await kv.write(
      indexBlockOps(
        { block, hash: z, receipts: [{ txHash: hash, status: "success" }], senders: [from], size: 1 },
        params,
        kv,
      ),
    );
    // What the store's tx index answers, per hash: `other` claims the same position (a rewound
    // store's new tx there), and a third hash a position the index has not reached.
    const where: Record<string, TxLookup["location"] | undefined> = {
      [String(hash)]: { blockNumber: 0n, blockHash: z, index: 0 },
      [String(other)]: { blockNumber: 0n, blockHash: z, index: 0 },
      [String(z)]: { blockNumber: 7n, blockHash: z, index: 0 },
    };
    const head = { number: 0n, hash: z, timestamp: 1000n };
    const backend = {
      syncStatus: () => ({ unsafeL2: head, safeL2: head, finalizedL2: head }),
      getTransaction: (h: Uint8Array): TxLookup | undefined => {
        const location = where[String(h)];
        return location ? { kind: "signed", tx, from, location } : undefined;
      },
    } as unknown as RpcBackend;
    const reads = createExplorerReads({ index: new IndexReads(kv, params), backend });
    const t = await reads.tx(hash);
    expect(t).toMatchObject({
      hash,
      blockNumber: 0n,
      index: 0,
      from,
      amount: 3n,
      finality: "finalized",
      size: 120,
    });
    expect(await reads.tx(other)).toBeUndefined();
    expect(await reads.tx(z)).toBeUndefined();
    expect(await reads.tx(new Uint8Array(32).fill(9))).toBeUndefined();
    expect(await reads.search(`0x${"01".repeat(32)}`)).toEqual([
      { type: "transaction", id: `0x${"01".repeat(32)}` },
    ]);
    expect(await reads.search(`0x${"02".repeat(32)}`)).toEqual([]);
  });
});
