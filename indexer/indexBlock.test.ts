/**
 * indexBlockSteps: a block indexed in steps (the indexer hands its thread back between them) gives
 * exactly the batch indexBlockOps gives in one piece, and a large block does pause.
 */
import { describe, expect, it } from "vitest";
import { createLocalBeacon, deriveBeaconSecretKey } from "../chain/beacon/index.ts";
import { bytesToHex } from "../chain/bytes.ts";
import { MemoryKv } from "../chain/kv.ts";
import { defaultParams } from "../chain/params.ts";
import type { Block, Receipt, SignedTx } from "../chain/types.ts";
import { type IndexedBlock, indexBlockOps, indexBlockSteps } from "./indexBlock.ts";

const params = defaultParams(
  createLocalBeacon(deriveBeaconSecretKey("flops/test-index-block"), { genesisTime: 1n, periodSeconds: 1n })
    .config,
);

function filled(n: number, i: number): Uint8Array {
  const b = new Uint8Array(n);
  new DataView(b.buffer).setUint32(0, i + 1);
  return b;
}

/** Block 0 of `count` transfers among 50 senders (so parties repeat) to 7 recipients. */
function transferBlock(count: number): IndexedBlock {
  const txs: SignedTx[] = [];
  const receipts: Receipt[] = [];
  const senders: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const hash = filled(32, i);
    txs.push({
      body: {
        chainId: 1n,
        nonce: BigInt(i),
        action: { kind: "transfer", to: filled(20, 1000 + (i % 7)), amount: 3n },
      },
      bodyBytes: new Uint8Array(0),
      signature: new Uint8Array(65),
      raw: new Uint8Array(120),
      hash,
    });
    receipts.push({ txHash: hash, status: i % 11 === 0 ? "failed" : "success" } as Receipt);
    senders.push(filled(20, i % 50));
  }
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
    txs,
  };
  return { block, hash: filled(32, 99_999), receipts, senders, size: 120 * count };
}

const dump = (ops: ReturnType<typeof indexBlockOps>): string[] =>
  ops.map((o) => `${o.type} ${bytesToHex(o.key)} ${o.type === "put" ? bytesToHex(o.value) : ""}`);

describe("indexBlockSteps", () => {
  it("pauses every 256 signed txs and ends with the one-piece batch", () => {
    const b = transferBlock(1000);
    const whole = indexBlockOps(b, params, new MemoryKv());
    const steps = indexBlockSteps(b, params, new MemoryKv());
    let pauses = 0;
    let r = steps.next();
    while (!r.done) {
      pauses++;
      r = steps.next();
    }
    expect(pauses).toBe(3); // after txs 255, 511 and 767
    expect(dump(r.value)).toEqual(dump(whole));
    expect(whole.length).toBeGreaterThan(10);
  });

  it("a small block runs in one step", () => {
    const steps = indexBlockSteps(transferBlock(10), params, new MemoryKv());
    expect(steps.next().done).toBe(true);
  });
});
