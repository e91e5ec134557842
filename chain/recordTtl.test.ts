/**
 * The deployment's half of the record expiry floor (chain/params.ts recordTtlShortfall): the
 * devnet and production genesis fit their challenge windows; a window that leaves a record's
 * output non-final past recordTtlMs is refused, to the millisecond.
 */
import { describe, expect, it } from "vitest";
import { defaultParams, productionParams, QUICKNET, recordTtlShortfall } from "./params.ts";

describe("recordTtlShortfall", () => {
  it("accepts the devnet's 10 s window and a 7-day window in production", () => {
    const dev = defaultParams(QUICKNET);
    expect(recordTtlShortfall(dev, 10n, 4n * dev.l1BlockTimeMs)).toBeUndefined();
    const prod = productionParams(QUICKNET, 77n);
    expect(recordTtlShortfall(prod, 7n * 86_400n, 4n * prod.l1BlockTimeMs)).toBeUndefined();
  });

  it("refuses a window one millisecond too long, with the sum spelled out", () => {
    const p = { maxBatchDelayMs: 4_000n, maxSequencerDriftMs: 30_000n, recordTtlMs: 100_000n };
    // 4 s + 6 s interval + 60 s window + 30 s = exactly 100 s: fits.
    expect(recordTtlShortfall(p, 60n, 6_000n)).toBeUndefined();
    const why = recordTtlShortfall(p, 60n, 6_001n);
    expect(why).toMatch(/recordTtlMs 100000 ms is below .* = 100001 ms/);
  });
});
