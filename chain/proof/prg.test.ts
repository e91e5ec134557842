import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesToHex } from "../bytes.ts";
import { chacha20KeystreamNative } from "./chacha20.ts";
import { computeEntry, dotInt8, PrgRowGenerator, prgMatrix, prgNonce, TAG_A, TAG_B } from "./prg.ts";

const SEED = Uint8Array.from({ length: 32 }, (_, i) => i);
const hexOf = (a: Int8Array): string => bytesToHex(new Uint8Array(a.buffer, a.byteOffset, a.length));

describe("PRG (work definition)", () => {
  it("golden: seed 00..1f, n = 64, pair 1 (cross-checked with an independent Python ChaCha20)", () => {
    const a = prgMatrix(SEED, TAG_A, 1, 64);
    const bt = prgMatrix(SEED, TAG_B, 1, 64);
    expect(hexOf(a.subarray(3 * 64, 3 * 64 + 16))).toBe("0x92210a9fb1708db7f9b62fe9995e6915");
    expect(hexOf(bt.subarray(5 * 64, 5 * 64 + 16))).toBe("0x6854188a741e15cadcd5628161793495");
    expect(computeEntry(new PrgRowGenerator(SEED, 64), 1, 3, 5)).toBe(32817);
  });

  it("golden: n = 16 (< 64): row 3 of A_0 is stream bytes [48, 64), mid-block", () => {
    const g = new PrgRowGenerator(SEED, 16);
    expect(hexOf(g.segment(TAG_A, 0, 3))).toBe("0x258235eab1f7a32dc22762a0485b410c");
  });

  it("nonce = u32le(tag) ‖ u32le(j) ‖ u32le(0)", () => {
    expect(bytesToHex(prgNonce(1, 0x01020304))).toBe("0x010000000403020100000000");
  });

  it("single rows/columns equal the slices of the whole matrices, for n < 64 and n ≥ 64", () => {
    for (const n of [8, 16, 32, 64, 256]) {
      const gen = new PrgRowGenerator(SEED, n);
      for (const j of [0, 3]) {
        const a = prgMatrix(SEED, TAG_A, j, n);
        const bt = prgMatrix(SEED, TAG_B, j, n);
        for (const i of [0, 1, n / 2 + 1, n - 1]) {
          expect(hexOf(gen.segment(TAG_A, j, i, 0))).toBe(hexOf(a.subarray(i * n, (i + 1) * n)));
          expect(hexOf(gen.segment(TAG_B, j, i, 1))).toBe(hexOf(bt.subarray(i * n, (i + 1) * n)));
        }
      }
    }
  });

  it("for n ≥ 64, row i is the keystream from block counter i·n/64", () => {
    const n = 128;
    const gen = new PrgRowGenerator(SEED, n);
    const row = gen.segment(TAG_B, 2, 9);
    const direct = chacha20KeystreamNative(SEED, prgNonce(TAG_B, 2), (9 * n) / 64, n);
    expect(hexOf(row)).toBe(bytesToHex(direct));
  });

  it("computeEntry = Σ A[r][x]·B[x][c] from the whole matrices", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.constantFrom(8, 16, 64), (seed, n) => {
        const a = prgMatrix(seed, TAG_A, 1, n);
        const bt = prgMatrix(seed, TAG_B, 1, n);
        const gen = new PrgRowGenerator(seed, n);
        const r = n - 1;
        const c = 2;
        let s = 0;
        for (let x = 0; x < n; x++) s += a[r * n + x]! * bt[c * n + x]!;
        expect(computeEntry(gen, 1, r, c)).toBe(s);
      }),
      { numRuns: 30 },
    );
  });

  it("dotInt8 is exact at the extremes (n = 2^16, all −128: 2^30)", () => {
    const n = 1 << 16;
    const v = new Int8Array(n).fill(-128);
    expect(dotInt8(v, v)).toBe(2 ** 30);
    const w = new Int8Array(n).fill(127);
    expect(dotInt8(v, w)).toBe(-128 * 127 * n);
    expect(dotInt8(v.subarray(0, 7), w.subarray(0, 7))).toBe(-128 * 127 * 7);
  });
});
