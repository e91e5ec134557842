/**
 * The status rules on facts (the same rules run on real contracts in test/e2e/bridge.test.ts):
 * paid wins; a live proof decides between waiting and ready by L1 time; otherwise a covering
 * output makes it provable.
 */
import { describe, expect, it } from "vitest";
import { type WithdrawalFacts, withdrawalState } from "./withdrawalStatus.ts";

const provable = {
  index: 3n,
  outputRoot: "0x00" as const,
  l2BlockNumber: 20n,
  l1BlockNumber: 5n,
  finalizesAt: 900n,
};
const proven = { outputIndex: 2n, provenAt: 100n, finalizesAt: 1000n };

describe("withdrawalState", () => {
  it.each<[string, WithdrawalFacts, ReturnType<typeof withdrawalState>]>([
    ["no output yet", { finalized: false, l1Time: 50n }, { state: "waiting-for-output" }],
    [
      "an output covers it",
      { finalized: false, provable, l1Time: 50n },
      { state: "ready-to-prove", outputIndex: 3n },
    ],
    [
      "proven, window open",
      { finalized: false, proven, provable, l1Time: 999n },
      { state: "waiting-to-finalize", outputIndex: 2n, finalizesAt: 1000n },
    ],
    [
      "proven, window closed at exactly finalizesAt",
      { finalized: false, proven, l1Time: 1000n },
      { state: "ready-to-finalize", outputIndex: 2n, finalizesAt: 1000n },
    ],
    ["paid", { finalized: true, proven, provable, l1Time: 2000n }, { state: "finalized" }],
  ])("%s", (_what, facts, expected) => {
    expect(withdrawalState(facts)).toEqual(expected);
  });
});
