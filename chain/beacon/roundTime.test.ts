import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type BeaconConfig, QUICKNET } from "../params.ts";
import { firstRoundAfter, latestRoundAt, roundTimeMs } from "./index.ts";

const GENESIS_MS = QUICKNET.genesisTime * 1000n;

describe("roundTimeMs", () => {
  it("is (genesis + (r − 1)·period)·1000", () => {
    expect(roundTimeMs(QUICKNET, 1n)).toBe(1_692_803_367_000n);
    expect(roundTimeMs(QUICKNET, 2n)).toBe(1_692_803_370_000n);
    // Round 30662982 is one of the real vectors in test/vectors/drandQuicknet.json.
    expect(roundTimeMs(QUICKNET, 30_662_982n)).toBe((1_692_803_367n + 30_662_981n * 3n) * 1000n);
  });

  it("does not throw on rounds that do not exist", () => {
    expect(roundTimeMs(QUICKNET, 0n)).toBe(GENESIS_MS - 3000n);
  });
});

describe("latestRoundAt / firstRoundAfter", () => {
  it("is 0 / 1 before genesis", () => {
    expect(latestRoundAt(QUICKNET, 0n)).toBe(0n);
    expect(latestRoundAt(QUICKNET, GENESIS_MS - 1n)).toBe(0n);
    expect(firstRoundAfter(QUICKNET, GENESIS_MS - 1n)).toBe(1n);
  });

  it("handles the boundaries: a round exists at its own time, not before", () => {
    expect(latestRoundAt(QUICKNET, GENESIS_MS)).toBe(1n);
    expect(firstRoundAfter(QUICKNET, GENESIS_MS)).toBe(2n);
    expect(latestRoundAt(QUICKNET, GENESIS_MS + 2999n)).toBe(1n);
    expect(firstRoundAfter(QUICKNET, GENESIS_MS + 2999n)).toBe(2n);
    expect(latestRoundAt(QUICKNET, GENESIS_MS + 3000n)).toBe(2n);
    expect(firstRoundAfter(QUICKNET, GENESIS_MS + 3000n)).toBe(3n);
  });

  it("brackets every time: time(latest) ≤ t < time(first after)", () => {
    const configs: BeaconConfig[] = [QUICKNET, { ...QUICKNET, genesisTime: 1000n, periodSeconds: 1n }];
    fc.assert(
      fc.property(fc.constantFrom(...configs), fc.bigInt({ min: 0n, max: 10n ** 14n }), (config, t) => {
        const latest = latestRoundAt(config, t);
        const next = firstRoundAfter(config, t);
        expect(next).toBe(latest + 1n);
        expect(roundTimeMs(config, next) > t).toBe(true);
        if (latest >= 1n) expect(roundTimeMs(config, latest) <= t).toBe(true);
        else expect(roundTimeMs(config, 1n) > t).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it("throws on a non-positive period", () => {
    expect(() => latestRoundAt({ ...QUICKNET, periodSeconds: 0n }, GENESIS_MS)).toThrow(RangeError);
  });
});
