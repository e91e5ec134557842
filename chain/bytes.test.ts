import { describe, expect, it } from "vitest";
import { bytesToU64, u64ToBytes } from "./bytes.ts";

describe("u64ToBytes", () => {
  it("writes big-endian u64 like DataView, at the edges of both 32-bit halves", () => {
    for (const v of [
      0n,
      1n,
      0xffn,
      0x100n,
      0xffff_ffffn,
      0x1_0000_0000n,
      0x0123_4567_89ab_cdefn,
      (1n << 64n) - 1n,
    ]) {
      const ref = new Uint8Array(8);
      new DataView(ref.buffer).setBigUint64(0, v);
      expect(u64ToBytes(v)).toEqual(ref);
      expect(bytesToU64(u64ToBytes(v))).toBe(v);
    }
  });

  it("throws outside [0, 2^64)", () => {
    expect(() => u64ToBytes(-1n)).toThrow(RangeError);
    expect(() => u64ToBytes(1n << 64n)).toThrow(RangeError);
  });
});
