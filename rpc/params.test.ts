import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { address, blockTag, data, hash32, INVALID, pageOpts, quantity } from "./params.ts";

describe("params", () => {
  it("quantity: EIP-1474 form round-trips for every u64, anything else is refused", () => {
    const q = quantity("n");
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (n) => q.parse(`0x${n.toString(16)}`) === n),
    );
    for (const bad of ["0x", "0x01", "1", "0X1", "0xg", 1, null, "0x10000000000000000", " 0x1"]) {
      expect(q.parse(bad), String(bad)).toBe(INVALID);
    }
  });

  it("bytes: fixed sizes for hashes and addresses, even-length data", () => {
    expect(hash32("h").parse(`0x${"ab".repeat(32)}`)).toEqual(new Uint8Array(32).fill(0xab));
    expect(hash32("h").parse(`0x${"ab".repeat(31)}`)).toBe(INVALID);
    expect(address("a").parse(`0x${"Cd".repeat(20)}`)).toEqual(new Uint8Array(20).fill(0xcd));
    expect(address("a").parse(`0x${"cd".repeat(21)}`)).toBe(INVALID);
    expect(data("d").parse("0x00ff")).toEqual(new Uint8Array([0, 255]));
    for (const bad of ["0x", "0x0", "00ff", "0x0g", 5]) expect(data("d").parse(bad)).toBe(INVALID);
  });

  it("block tags", () => {
    const t = blockTag("b");
    expect(t.parse("safe")).toBe("safe");
    expect(t.parse("0x10")).toBe(16n);
    expect(t.parse("Latest")).toBe(INVALID);
  });

  it("page options", () => {
    const p = pageOpts("page");
    expect(p.parse({})).toEqual({ limit: 50 });
    expect(p.parse({ limit: 3, cursor: "abc" })).toEqual({ limit: 3, cursor: "abc" });
    expect(p.parse({ limit: 3, cursor: null })).toEqual({ limit: 3 });
    for (const bad of [{ limit: 1.5 }, { limit: "3" }, { cursor: 5 }, { other: 1 }, [], "x"]) {
      expect(p.parse(bad), JSON.stringify(bad)).toBe(INVALID);
    }
  });
});
