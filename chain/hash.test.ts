import { randomBytes } from "node:crypto";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { describe, expect, it } from "vitest";
import { bytesToHex } from "./bytes.ts";
import { KECCAK_BACKEND, keccak256, utf8 } from "./hash.ts";

const hex = (b: Uint8Array) => bytesToHex(b);

describe("keccak256", () => {
  it("runs the native addon where its prebuild exists (this suite's platforms)", () => {
    if (process.platform === "linux" && process.arch === "x64") expect(KECCAK_BACKEND).toBe("native");
  });

  it("has the known vectors (keccak256, not SHA3-256)", () => {
    expect(hex(keccak256(new Uint8Array(0)))).toBe(
      "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470",
    );
    expect(hex(keccak256(utf8("abc")))).toBe(
      "0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45",
    );
  });

  it("equals @noble/hashes on every length 0..1000 and around the 136-byte rate", () => {
    for (let n = 0; n <= 1000; n++) {
      const data = randomBytes(n);
      expect(hex(keccak256(data)), `length ${n}`).toBe(hex(keccak_256(data)));
    }
    for (const n of [135, 136, 137, 271, 272, 273]) {
      for (let k = 0; k < 20; k++) {
        const data = randomBytes(n);
        expect(hex(keccak256(data)), `length ${n}`).toBe(hex(keccak_256(data)));
      }
    }
  });

  it("hashes views at an offset and plain Uint8Arrays, and returns a fresh plain Uint8Array", () => {
    const big = new Uint8Array(randomBytes(300));
    const view = big.subarray(7, 7 + 150);
    expect(hex(keccak256(view))).toBe(hex(keccak_256(view.slice())));
    const a = keccak256(utf8("a"));
    const b = keccak256(utf8("b"));
    expect(a.constructor).toBe(Uint8Array);
    expect(a.length).toBe(32);
    // Each result owns its bytes: a later call does not overwrite an earlier result.
    expect(hex(a)).toBe(hex(keccak_256(utf8("a"))));
    expect(hex(b)).toBe(hex(keccak_256(utf8("b"))));
  });
});
