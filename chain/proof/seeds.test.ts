import { describe, expect, it } from "vitest";
import { bytesToHex, concatBytes, u64ToBytes } from "../bytes.ts";
import { sha256, utf8 } from "../hash.ts";
import { challengeSeed, sampleSeed } from "./seeds.ts";

describe("seeds", () => {
  const node = new Uint8Array(20).fill(0xaa);
  const r1 = new Uint8Array(32).fill(0xbb);

  it("challengeSeed = sha256(tag ‖ u64be chainId ‖ u64be challengeId ‖ node ‖ randomness)", () => {
    const s = challengeSeed(0xf10b5n, 7n, node, r1);
    const manual = sha256(concatBytes(utf8("flops/seed/v0"), u64ToBytes(0xf10b5n), u64ToBytes(7n), node, r1));
    expect(bytesToHex(s)).toBe(bytesToHex(manual));
    // Golden (independent Python hashlib).
    expect(bytesToHex(s)).toBe("0xe27379f94f93f4c9527e6a797932826193eb174b1e28452ff41247b777a8786e");
  });

  it("sampleSeed = sha256(tag ‖ seed ‖ root ‖ randomness)", () => {
    const s = challengeSeed(0xf10b5n, 7n, node, r1);
    const ss = sampleSeed(s, new Uint8Array(32).fill(1), new Uint8Array(32).fill(2));
    expect(bytesToHex(ss)).toBe("0x5185571ddcb2f26fe7092e230757bbea21f921ce7e556846388c58b27629a200");
  });

  it("each input changes the seed", () => {
    const base = bytesToHex(challengeSeed(1n, 2n, node, r1));
    expect(bytesToHex(challengeSeed(2n, 2n, node, r1))).not.toBe(base);
    expect(bytesToHex(challengeSeed(1n, 3n, node, r1))).not.toBe(base);
    expect(bytesToHex(challengeSeed(1n, 2n, new Uint8Array(20), r1))).not.toBe(base);
    expect(bytesToHex(challengeSeed(1n, 2n, node, new Uint8Array(32)))).not.toBe(base);
  });

  it("rejects wrong sizes", () => {
    expect(() => challengeSeed(1n, 2n, new Uint8Array(19), r1)).toThrow(RangeError);
    expect(() => challengeSeed(1n, 2n, node, new Uint8Array(31))).toThrow(RangeError);
    expect(() => challengeSeed(-1n, 2n, node, r1)).toThrow(RangeError);
    expect(() => sampleSeed(new Uint8Array(32), new Uint8Array(33), new Uint8Array(32))).toThrow(RangeError);
  });
});
