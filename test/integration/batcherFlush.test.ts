/**
 * A graceful stop flushes the batcher (PROTOCOL §5 D4): the devnet in process (the embedded L1,
 * the sequencer following it, its batcher posting to it) builds blocks under a tx load and is
 * stopped at once, with a tail of blocks not yet handed to any channel (a channel waits up to
 * a quarter of maxBatchDelayMs). After the stop every stored block is on L1 and derivation from
 * the L1 data alone reproduces the store's head hash: nothing is left to a restart, which would
 * post it later than maxBatchDelayMs after its time, so that derivation drops it.
 */
import { afterAll, describe, expect, it } from "vitest";
import { bytesToHex } from "../../chain/bytes.ts";
import {
  deriveFromL1,
  type InProcessDevnet,
  postedBatchBlocks,
  readL1Inputs,
  startInProcessDevnet,
  submitLoad,
} from "../helpers/l1Batches.ts";
import { waitFor } from "../helpers/rpc.ts";

let devnet: InProcessDevnet | undefined;
afterAll(async () => {
  await devnet?.close();
});

describe("integration: a graceful stop flushes the batcher", () => {
  it("after stop every stored block is on L1 and derivation from L1 alone reaches the store's head hash", async () => {
    devnet = await startInProcessDevnet({ prefix: "flops-batcher-flush-" });
    const { genesis, devL1, node: n } = devnet;
    const d = devL1.deployment;
    await submitLoad(n, genesis.params.l2ChainId, 9500, 20);
    // One channel landed (the L1 path works), then blocks past it: the tail the stop must flush.
    await waitFor(async () => n.batcher!.lastPosted !== undefined, 30_000, "a first channel on L1");
    const unhanded = () => n.core.head.header.number - n.batcher!.handedThrough;
    await waitFor(async () => unhanded() >= 2n, 10_000, "two blocks in no channel yet");
    const tail = unhanded();
    const stopAt = Date.now();
    await n.stop();
    const stopMs = Date.now() - stopAt;
    const head = n.core.head;
    const headNumber = head.header.number;
    // The stop had a tail to flush (else this test proves nothing), and did so within its bound.
    expect(tail).toBeGreaterThanOrEqual(2n);
    expect(n.batcher!.handedThrough).toBe(headNumber);
    expect(stopMs).toBeLessThan(Number(genesis.params.maxBatchDelayMs) + 2000);

    const inputs = await readL1Inputs(devL1.client, d);
    const { blocks, drops } = postedBatchBlocks(inputs, genesis.params);
    expect(drops).toEqual([]);
    // Every stored block, once each, in order.
    expect(blocks.map((b) => b.batch.timestamp)).toEqual(
      await Promise.all(
        Array.from({ length: Number(headNumber) }, async (_, k) => {
          const b = await n.backend.getBlockByNumber(BigInt(k + 1));
          return b!.block.header.timestamp;
        }),
      ),
    );

    // Derivation from L1 alone: every block from a batch (none dropped as late, D4), up to the
    // store's head hash.
    const { last, drops: derivationDrops } = deriveFromL1(genesis, inputs, (attrs) => {
      expect(attrs.source, `block ${attrs.number}`).toBe("batch");
      return attrs.number >= headNumber ? "stop" : undefined;
    });
    expect(derivationDrops).toEqual([]);
    expect(last.number).toBe(headNumber);
    expect(bytesToHex(last.hash)).toBe(bytesToHex(head.hash));
  }, 90_000);
});
