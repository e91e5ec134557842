import { describe, expect, it } from "vitest";
import { bytesToHex, bytesToU64, u64ToBytes } from "./bytes.ts";

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

describe("bytesToHex", () => {
  it("writes lower-case 0x hex of any length, past its scratch buffer too", () => {
    const ref = (b: Uint8Array): string => `0x${[...b].map((x) => x.toString(16).padStart(2, "0")).join("")}`;
    for (const n of [0, 1, 2, 19, 20, 32, 33, 65, 4095, 4096, 4097, 10_000]) {
      const b = Uint8Array.from({ length: n }, (_, i) => (i * 151 + n) & 0xff);
      expect(bytesToHex(b)).toBe(ref(b));
    }
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(bytesToHex(all)).toBe(ref(all));
    // A view into a larger buffer, at an odd offset: only its own bytes.
    expect(bytesToHex(all.subarray(3, 7))).toBe("0x03040506");
    // Each call gives its own string, not a view of the scratch buffer.
    const first = bytesToHex(Uint8Array.of(0xab));
    bytesToHex(Uint8Array.of(0xcd, 0xef));
    expect(first).toBe("0xab");
  });
});
