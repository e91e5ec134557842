import { describe, expect, it } from "vitest";
import { hexToBytes } from "../bytes.ts";
import { Chacha20Reader } from "./chacha20.ts";
import { entryCount, tileLocation } from "./geometry.ts";
import { type DrawSource, openedTiles, samplePositions, uniformBelow } from "./sample.ts";

/** Draws from a fixed list (little-endian values of the given width are the list items). */
function listSource(values: readonly bigint[]): DrawSource & { used: number } {
  const src = {
    used: 0,
    nextUintLe(_width: number): bigint {
      const v = values[src.used++];
      if (v === undefined) throw new Error("source exhausted");
      return v;
    },
  };
  return src;
}

/** χ² statistic of counts against a uniform expectation. */
function chiSquare(counts: readonly number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const e = total / counts.length;
  return counts.reduce((acc, c) => acc + (c - e) ** 2 / e, 0);
}

describe("rejection sampler", () => {
  it("exhaustive, 1-byte draws, bound 96: every residue has exactly 2 preimages; 192..255 are rejected", () => {
    const all = Array.from({ length: 256 }, (_, i) => BigInt(i));
    const src = listSource([...all, 0n]); // one extra so the last draw after rejections can finish
    const counts = new Array<number>(96).fill(0);
    for (let k = 0; k < 192; k++) counts[Number(uniformBelow(src, 96n, 1))]!++;
    expect(counts.every((c) => c === 2)).toBe(true);
    // 192 accepted draws came from the first 192 values; the next call skips all 64 values ≥ 192.
    expect(src.used).toBe(192);
    expect(uniformBelow(src, 96n, 1)).toBe(0n);
    expect(src.used).toBe(257);
  });

  it("u64 draws reject values ≥ the largest multiple of the bound", () => {
    const bound = 3n << 62n; // 2^64 mod bound = 2^62: the top quarter is rejected
    const src = listSource([(1n << 64n) - 1n, 3n << 62n, (3n << 62n) - 1n]);
    expect(uniformBelow(src, bound, 8)).toBe((3n << 62n) - 1n);
    expect(src.used).toBe(3);
    const pow2 = listSource([(1n << 64n) - 1n]);
    expect(uniformBelow(pow2, 1n << 20n, 8)).toBe((1n << 20n) - 1n); // power of two: never rejects
    expect(() => uniformBelow(pow2, 0n, 8)).toThrow(RangeError);
    expect(() => uniformBelow(pow2, 257n, 1)).toThrow(RangeError);
  });

  it("is uniform on a non-power-of-two range where plain modulo is visibly biased", () => {
    const draws = 48_000;
    const reader = new Chacha20Reader(new Uint8Array(32).fill(5), new Uint8Array(12));
    const fair = new Array<number>(96).fill(0);
    for (let i = 0; i < draws; i++) fair[Number(uniformBelow(reader, 96n, 1))]!++;
    const naiveReader = new Chacha20Reader(new Uint8Array(32).fill(5), new Uint8Array(12));
    const naive = new Array<number>(96).fill(0);
    for (let i = 0; i < draws; i++) naive[naiveReader.nextByte() % 96]!++;
    // 95 degrees of freedom: mean 95, sd ≈ 13.8; 200 is beyond p = 1e-8.
    expect(chiSquare(fair)).toBeLessThan(200);
    // Modulo gives residues < 64 probability 3/256 against 2/256: χ² in the thousands.
    expect(chiSquare(naive)).toBeGreaterThan(1000);
  });
});

describe("samplePositions", () => {
  it("golden (independent Python reference): n = 64, m = 2, k = 4", () => {
    const ss = hexToBytes("0x5185571ddcb2f26fe7092e230757bbea21f921ce7e556846388c58b27629a200");
    const pos = samplePositions({ n: 64, m: 2, k: 4 }, ss);
    expect(pos.map((p) => [p.tile, p.row, p.col])).toEqual([
      [45, 5, 3],
      [62, 6, 7],
      [58, 7, 4],
      [90, 7, 2],
    ]);
    expect(pos[3]).toEqual({ tile: 90, row: 7, col: 2, j: 1, r: 31, c: 18 });
  });

  it("derived coordinates match the tile decomposition, and cover the range evenly", () => {
    const tier = { n: 16, m: 2, k: 4000 };
    const pos = samplePositions(tier, new Uint8Array(32).fill(3));
    expect(pos.length).toBe(4000);
    const counts = new Array<number>(8).fill(0);
    for (const p of pos) {
      const loc = tileLocation(tier.n, p.tile);
      expect(p.j).toBe(loc.j);
      expect(p.r).toBe(loc.tileRow * 8 + p.row);
      expect(p.c).toBe(loc.tileCol * 8 + p.col);
      expect(p.tile * 64 + p.row * 8 + p.col).toBeLessThan(entryCount(tier));
      counts[p.tile]!++;
    }
    expect(chiSquare(counts)).toBeLessThan(40); // 7 dof
  });

  it("opened tiles are distinct and ascending", () => {
    const pos = samplePositions({ n: 16, m: 2, k: 8 }, new Uint8Array(32).fill(1));
    const opened = openedTiles(pos);
    expect(opened).toEqual([...new Set(pos.map((p) => p.tile))].sort((a, b) => a - b));
  });
});
