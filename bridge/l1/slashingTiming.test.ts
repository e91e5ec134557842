import { describe, expect, it } from "vitest";
import { assertSlashingTiming, type SlashingTiming, slashingTimingProblems } from "./slashingTiming.ts";

// Mainnet-like: 7-day window at 12 s slots is 50,400 blocks; 14-day DEALLOCATION_DELAY.
const MAINNET: SlashingTiming = {
  challengeWindowS: 7 * 86_400,
  windowBlocks: 50_400,
  maxPostingDelayBlocks: 7_200,
  deallocationDelay: 100_800,
  availabilityWindowS: 86_400,
  l1BlockTimeS: 12,
};

describe("slashing timing", () => {
  it("accepts a mainnet-like configuration", () => {
    expect(slashingTimingProblems(MAINNET)).toEqual([]);
    expect(() => assertSlashingTiming(MAINNET)).not.toThrow();
  });

  it("refuses window + posting delay reaching the deallocation delay (boundary included)", () => {
    const at = { ...MAINNET, maxPostingDelayBlocks: 100_800 - 50_400 };
    expect(slashingTimingProblems(at)).toHaveLength(1);
    expect(() => assertSlashingTiming(at)).toThrow(/DEALLOCATION_DELAY/);
    expect(slashingTimingProblems({ ...at, maxPostingDelayBlocks: at.maxPostingDelayBlocks - 1 })).toEqual(
      [],
    );
  });

  it("refuses an availability window leaving no time to prove the answer", () => {
    expect(slashingTimingProblems({ ...MAINNET, availabilityWindowS: 302_400 })[0]).toMatch(
      /availabilityWindow/,
    );
    expect(slashingTimingProblems({ ...MAINNET, availabilityWindowS: 0 })[0]).toMatch(/availabilityWindow/);
    expect(slashingTimingProblems({ ...MAINNET, availabilityWindowS: 302_399 })).toEqual([]);
  });

  it("refuses a window in blocks shorter than the window in seconds at the block time", () => {
    expect(slashingTimingProblems({ ...MAINNET, windowBlocks: 50_399 })[0]).toMatch(/cover challengeWindow/);
    const { l1BlockTimeS: _, ...handMined } = MAINNET;
    expect(slashingTimingProblems({ ...handMined, windowBlocks: 10 })).toEqual([]);
  });

  it("refuses non-integers", () => {
    expect(slashingTimingProblems({ ...MAINNET, windowBlocks: 1.5 })[0]).toMatch(/windowBlocks/);
  });
});
