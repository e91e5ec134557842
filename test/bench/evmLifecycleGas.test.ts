/**
 * The EVM side of challenge_lifecycles_per_s (bench/evmLifecycleGas.ts): a lifecycle's gas from the
 * peer harness's figures, and how many lifecycles per second a gas-limited chain fits.
 */
import { describe, expect, it } from "vitest";
import {
  EVM_L1,
  EVM_L2,
  EVM_LIFECYCLE_GAS,
  evmLifecycleGas,
  evmLifecyclesPerSecond,
} from "../../bench/evmLifecycleGas.ts";

describe("evmLifecycleGas", () => {
  it("adds challenge, commit and the devnet-tier reveal (RESULTS.md figures)", () => {
    expect(EVM_LIFECYCLE_GAS.reveal).toBe(24_800_000);
    expect(evmLifecycleGas()).toBe(93_342 + 67_374 + 24_800_000);
    expect(evmLifecycleGas({ challenge: 1, commit: 2, reveal: 3 })).toBe(6);
  });
});

describe("evmLifecyclesPerSecond", () => {
  it("gives a 60 M-gas-per-12 s L1 about 0.2 lifecycles/s, 2 whole ones per block", () => {
    const r = evmLifecyclesPerSecond(EVM_L1);
    expect(r.gasBound).toBeCloseTo(60_000_000 / 12 / 24_960_716, 12);
    expect(r.gasBound).toBeCloseTo(0.2003, 4);
    expect(r.packed).toBeCloseTo(2 / 12, 12);
  });

  it("gives a 60 M-gas-per-2 s L2 six times that", () => {
    const r = evmLifecyclesPerSecond(EVM_L2);
    expect(r.gasBound).toBeCloseTo(1.2019, 4);
    expect(r.packed).toBe(1);
  });

  it("packs only whole lifecycles: none fit a block smaller than one", () => {
    const r = evmLifecyclesPerSecond({ name: "small", gasPerBlock: 30_000_000, blockSeconds: 1 }, 31_000_000);
    expect(r.packed).toBe(0);
    expect(r.gasBound).toBeCloseTo(30 / 31, 12);
  });

  it("refuses non-positive gas or block times", () => {
    expect(() => evmLifecyclesPerSecond(EVM_L1, 0)).toThrow(RangeError);
    expect(() => evmLifecyclesPerSecond({ ...EVM_L1, blockSeconds: 0 })).toThrow(RangeError);
    expect(() => evmLifecyclesPerSecond({ ...EVM_L1, gasPerBlock: Number.NaN })).toThrow(RangeError);
  });
});
