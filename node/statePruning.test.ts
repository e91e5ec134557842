/**
 * The `--prune` wiring: the sweep's keep point follows the finalized output read from L1, waits
 * (never guesses) while L1 cannot be read, and is head − retention on a node without an L1.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { PublicClient } from "viem";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.ts";
import { startStatePruning } from "./statePruning.ts";

const log = createLogger({ level: "silent" });

/** A store that records the keep points the sweep asked for. */
function recordingStore(head: bigint) {
  const asked: bigint[] = [];
  return {
    asked,
    head: () => ({ header: { number: head } }) as never,
    pruneState: async (k: bigint) => {
      asked.push(k);
      return { done: true };
    },
  };
}

/** An L1 whose every read fails until `up` is set, then answers an oracle with one final output. */
function flakyL1() {
  const state = { up: false };
  const client = {
    async getBlock() {
      if (!state.up) throw new Error("L1 unreachable");
      return { number: 100n, timestamp: 1_000n };
    },
    getCode: async () => "0x60",
    async readContract({ functionName }: { functionName: string }) {
      if (functionName === "outputCount") return 1n;
      if (functionName === "outputStatus") return ["0x", 900n, false];
      if (functionName === "getOutput") return { l2BlockNumber: 300n };
      throw new Error(`unexpected ${functionName}`);
    },
  };
  return { state, client: client as unknown as PublicClient };
}

describe("startStatePruning", () => {
  it("behavior: with an L1 it waits while L1 is unreachable, then keeps from the final output − retention", async () => {
    const store = recordingStore(1_000n);
    const l1 = flakyL1();
    const stop = startStatePruning(
      {
        retention: 10,
        idleMs: 5,
        l1: { client: l1.client, oracle: "0x00000000000000000000000000000000000000aa", pollMs: 5 },
      },
      { store, log },
    );
    await sleep(100);
    expect(store.asked).toEqual([]); // never guessed
    l1.state.up = true;
    for (let i = 0; i < 200 && store.asked.length === 0; i++) await sleep(10);
    l1.state.up = false; // an outage after the first answer keeps it
    await sleep(50);
    await stop();
    expect(store.asked.length).toBeGreaterThan(0);
    expect(new Set(store.asked)).toEqual(new Set([290n])); // output at L2 block 300, not the head
  });

  it("behavior: without an L1 (no outputs can exist) it keeps from head − retention", async () => {
    const store = recordingStore(1_000n);
    const stop = startStatePruning({ retention: 10, idleMs: 5 }, { store, log });
    for (let i = 0; i < 200 && store.asked.length === 0; i++) await sleep(10);
    await stop();
    expect(store.asked[0]).toBe(990n);
  });
});
