import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesToHex, hexToBytes } from "../bytes.ts";
import { Chacha20Reader, chacha20Keystream, chacha20KeystreamNative, nonceFromWords } from "./chacha20.ts";

const KEY_00_1F = Uint8Array.from({ length: 32 }, (_, i) => i);
const hex = (b: Uint8Array): string => bytesToHex(b).slice(2);

describe("ChaCha20 (RFC 8439)", () => {
  it("§2.3.2 block function test vector", () => {
    const block = chacha20Keystream(KEY_00_1F, hexToBytes("000000090000004a00000000"), 1, 64);
    expect(hex(block)).toBe(
      "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e" +
        "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e",
    );
  });

  it("§2.4.2 encryption example (keystream from counter 1 XOR plaintext)", () => {
    const pt = new TextEncoder().encode(
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
    );
    const ks = chacha20Keystream(KEY_00_1F, hexToBytes("000000000000004a00000000"), 1, pt.length);
    const ct = pt.map((b, i) => b ^ ks[i]!);
    expect(hex(ct)).toBe(
      "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0b" +
        "f91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8" +
        "07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736" +
        "5af90bbf74a35be6b40b8eedf2785e42874d",
    );
  });

  it("Appendix A.1 vectors #1 and #2 (zero key and nonce, counters 0 and 1)", () => {
    const ks = chacha20Keystream(new Uint8Array(32), new Uint8Array(12), 0, 128);
    expect(hex(ks.subarray(0, 64))).toBe(
      "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7" +
        "da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586",
    );
    expect(hex(ks.subarray(64))).toBe(
      "9f07e7be5551387a98ba977c732d080dcb0f29a048e3656912c6533e32ee7aed" +
        "29b721769ce64e43d57133b074d839d531ed1f28510afb45ace10a1f4b794d6f",
    );
  });

  it("the native path returns the RFC vectors too (iv16 = u32le counter ‖ nonce)", () => {
    const block = chacha20KeystreamNative(KEY_00_1F, hexToBytes("000000090000004a00000000"), 1, 64);
    expect(hex(block).slice(0, 32)).toBe("10f1e7e4d13b5915500fdd1fa32071c4");
  });

  it("pure JS is byte-identical to node's native chacha20 cipher", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.integer({ min: 0, max: 700 }),
        (key, nonce, counter, length) => {
          const js = chacha20Keystream(key, nonce, counter, length);
          const native = chacha20KeystreamNative(key, nonce, counter, length);
          expect(hex(js)).toBe(hex(native));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("agrees with native on a long stream (1 MiB + 5 bytes, chunked native path)", () => {
    const key = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);
    const nonce = nonceFromWords(1, 7, 0);
    const len = (1 << 20) + 5;
    expect(
      Buffer.from(chacha20Keystream(key, nonce, 3, len)).equals(chacha20KeystreamNative(key, nonce, 3, len)),
    ).toBe(true);
  });

  it("writes into an unaligned output buffer", () => {
    const out = new Uint8Array(200);
    chacha20Keystream(KEY_00_1F, new Uint8Array(12), 0, 128, out.subarray(3));
    expect(hex(out.subarray(3, 131))).toBe(hex(chacha20Keystream(KEY_00_1F, new Uint8Array(12), 0, 128)));
  });

  it("the sequential reader yields the keystream from block 0", () => {
    const nonce = nonceFromWords(0, 0, 0);
    const r = new Chacha20Reader(KEY_00_1F, nonce);
    const want = chacha20Keystream(KEY_00_1F, nonce, 0, 200);
    const got = new Uint8Array(200);
    for (let i = 0; i < 3; i++) got[i] = r.nextByte();
    // u64 LE draws across a block boundary
    let off = 3;
    while (off + 8 <= 200) {
      const v = r.nextUintLe(8);
      for (let b = 0; b < 8; b++) got[off + b] = Number((v >> BigInt(8 * b)) & 0xffn);
      off += 8;
    }
    expect(r.position).toBe(off);
    expect(hex(got.subarray(0, off))).toBe(hex(want.subarray(0, off)));
  });

  it("rejects bad key/nonce sizes and a wrapping block counter", () => {
    expect(() => chacha20Keystream(new Uint8Array(31), new Uint8Array(12), 0, 1)).toThrow(RangeError);
    expect(() => chacha20Keystream(new Uint8Array(32), new Uint8Array(8), 0, 1)).toThrow(RangeError);
    expect(() => chacha20Keystream(new Uint8Array(32), new Uint8Array(12), 2 ** 32 - 1, 65)).toThrow(
      RangeError,
    );
    expect(chacha20Keystream(new Uint8Array(32), new Uint8Array(12), 2 ** 32 - 1, 64).length).toBe(64);
  });
});
