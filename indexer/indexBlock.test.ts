/**
 * indexBlockSteps: a block indexed in steps (the indexer hands its thread back between them) gives
 * exactly the batch indexBlockOps gives in one piece, and a large block does pause.
 */
import { describe, expect, it } from "vitest";
import { createLocalBeacon, deriveBeaconSecretKey } from "../chain/beacon/index.ts";
import { bytesToHex } from "../chain/bytes.ts";
import { MemoryKv } from "../chain/kv.ts";
import { defaultParams } from "../chain/params.ts";
import { syntheticTransferBlock } from "../test/helpers/syntheticBlocks.ts";
import { indexBlockOps, indexBlockSteps } from "./indexBlock.ts";

const params = defaultParams(
  createLocalBeacon(deriveBeaconSecretKey("flops/test-index-block"), { genesisTime: 1n, periodSeconds: 1n })
    .config,
);

function filled(n: number, i: number): Uint8Array {
  const b = new Uint8Array(n);
  new DataView(b.buffer).setUint32(0, i + 1);
  return b;
}

/** Block 0 of `count` transfers among 50 senders (so parties repeat) to 7 recipients, 1 in 11 failed. */
function transferBlock(count: number) {
  const txHashes = new Uint8Array(32 * count);
  for (let i = 0; i < count; i++) txHashes.set(filled(32, i), 32 * i);
  return syntheticTransferBlock({
    number: 0n,
    parentHash: new Uint8Array(32),
    hash: filled(32, 99_999),
    timestamp: 1000n,
    txHashes,
    from: (i) => filled(20, i % 50),
    to: (i) => filled(20, 1000 + (i % 7)),
    failed: (i) => i % 11 === 0,
    size: 120 * count,
  });
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
