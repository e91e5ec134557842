import { describe, expect, it } from "vitest";
import {
  bumpFees,
  bumpThreshold,
  calldataFloorGas,
  type FeePolicy,
  freshFees,
  gasLimitFor,
} from "./txFees.ts";

const GWEI = 1_000_000_000n;
const policy: FeePolicy = {
  minTipCap: GWEI,
  minBaseFee: GWEI,
  maxFeePerGasCap: 100n * GWEI,
  bumpPercent: 10,
};

describe("txFees", () => {
  it("fresh fees: tip floored and capped, fee cap = tip + 2 x base, null when base + tip passes the cap", () => {
    expect(freshFees(10n * GWEI, 0n, policy)).toEqual({
      maxPriorityFeePerGas: GWEI,
      maxFeePerGas: 21n * GWEI,
    });
    expect(freshFees(0n, 2n * GWEI, policy)).toEqual({
      maxPriorityFeePerGas: 2n * GWEI,
      maxFeePerGas: 4n * GWEI,
    });
    // Includable now (base + tip <= cap) but the doubled headroom is clamped to the cap.
    expect(freshFees(60n * GWEI, GWEI, policy)).toEqual({
      maxPriorityFeePerGas: GWEI,
      maxFeePerGas: 100n * GWEI,
    });
    expect(freshFees(100n * GWEI, GWEI, policy)).toBeNull();
    // A node suggesting an absurd tip does not get it.
    expect(freshFees(GWEI, 1n << 200n, policy)).toBeNull();
  });

  it("a replacement raises both fields strictly above +10%, from the previous attempt", () => {
    expect(bumpThreshold(100n, 10)).toBe(111n);
    expect(bumpThreshold(0n, 10)).toBe(1n);
    const prev = { maxFeePerGas: 3n * GWEI, maxPriorityFeePerGas: GWEI };
    const b = bumpFees(prev, { maxFeePerGas: 2n * GWEI, maxPriorityFeePerGas: GWEI }, policy)!;
    expect(b.maxFeePerGas * 100n).toBeGreaterThan(prev.maxFeePerGas * 110n);
    expect(b.maxPriorityFeePerGas * 100n).toBeGreaterThan(prev.maxPriorityFeePerGas * 110n);
    // A base fee that rose beyond the bump wins.
    const spike = bumpFees(prev, { maxFeePerGas: 90n * GWEI, maxPriorityFeePerGas: GWEI }, policy)!;
    expect(spike.maxFeePerGas).toBe(90n * GWEI);
    // Past the cap: no replacement.
    expect(bumpFees({ maxFeePerGas: 95n * GWEI, maxPriorityFeePerGas: GWEI }, null, policy)).toBeNull();
  });

  it("the EIP-7623 calldata floor: 21,000 + 10 x (zeros + 4 x non-zeros), and the gas limit never below it", () => {
    expect(calldataFloorGas(new Uint8Array())).toBe(21_000n);
    expect(calldataFloorGas(new Uint8Array(1000).fill(0xff))).toBe(61_000n); // what Anvil (Prague) estimates
    expect(calldataFloorGas(new Uint8Array(1000))).toBe(31_000n);
    expect(gasLimitFor(100_000n, new Uint8Array(), 20)).toBe(120_000n);
    expect(gasLimitFor(21_000n, new Uint8Array(1000).fill(1), 20)).toBe(61_000n);
  });
});
