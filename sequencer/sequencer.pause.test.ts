/**
 * Sequencer.pauseBuilding / resumeBuilding (the running rewind, lateWatch.ts): no block is built
 * while paused, the loop builds again after resume, and rewindTo is allowed while paused but
 * refused while the loop runs.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { TestChain } from "../test/helpers/testChain.ts";
import { sequencerOver } from "../test/helpers/testSequencer.ts";

const origin = { number: 0n, hash: new Uint8Array(32), timestamp: 0n };

describe("Sequencer pause for a running rewind", () => {
  it("builds nothing while paused, builds again after resume; rewindTo only while paused", async () => {
    const chain = new TestChain({});
    const seq = sequencerOver(chain, { now: chain.core.head.header.timestamp + 1000n }); // 500 ms blocks
    const built: bigint[] = [];
    seq.onBlock((b) => built.push(b.block.header.number));
    const waitBlock = async (after: number) => {
      for (let i = 0; i < 100 && built.length <= after; i++) await sleep(50);
      expect(built.length).toBeGreaterThan(after);
    };
    seq.start();
    try {
      await waitBlock(0);
      const head = chain.core.head.header.number;
      const d = { store: undefined as never, forcedCount: async () => 0, origin };
      await expect(seq.rewindTo(head, d)).rejects.toThrow(/only before start or paused/);
      await seq.pauseBuilding();
      const paused = built.length;
      await sleep(1200); // more than two block times
      expect(built.length).toBe(paused);
      // At the head: nothing to take back, but the guard let it through.
      await expect(seq.rewindTo(chain.core.head.header.number, d)).resolves.toEqual({
        txs: 0,
        readmitted: 0,
      });
      seq.resumeBuilding();
      await waitBlock(paused);
    } finally {
      await seq.stop();
    }
  });
});
