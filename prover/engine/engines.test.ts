import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { prgMatrix, TAG_A, TAG_B } from "../../chain/proof/index.ts";
import { createJsEngine } from "./jsEngine.ts";
import { resolveJob, type WorkEngine } from "./types.ts";
import { createWasmEngine } from "./wasmEngine.ts";

function naive(a: Int8Array, bt: Int8Array, n: number): Int32Array {
  const c = new Int32Array(n * n);
  for (let i = 0; i < n; i++)
    for (let col = 0; col < n; col++) {
      let s = 0;
      for (let x = 0; x < n; x++) s += a[i * n + x]! * bt[col * n + x]!;
      c[i * n + col] = s;
    }
  return c;
}

const bytes = (x: Int32Array): Buffer => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
const same = (x: Int32Array, y: Int32Array): boolean => bytes(x).equals(bytes(y));

describe("work engines", () => {
  it("JS and WASM agree bit for bit on PRG matrices (random seeds; n = 8, 16, 64, 256)", async () => {
    const js = createJsEngine();
    const wasm = await createWasmEngine();
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.constantFrom(8, 16, 64, 256),
        fc.nat({ max: 7 }),
        async (seed, n, j) => {
          const a = prgMatrix(seed, TAG_A, j, n);
          const bt = prgMatrix(seed, TAG_B, j, n);
          const cj = await js.multiply({ n, a, bt });
          const cw = await wasm.multiply({ n, a, bt });
          expect(same(cj, cw)).toBe(true);
          if (n <= 64) expect(same(cj, naive(a, bt, n))).toBe(true);
        },
      ),
      { numRuns: 24 },
    );
  });

  it("row bands, many wasm bands and a caller-owned output give the same product", async () => {
    const n = 64;
    const seed = new Uint8Array(32).fill(4);
    const a = prgMatrix(seed, TAG_A, 0, n);
    const bt = prgMatrix(seed, TAG_B, 0, n);
    const want = naive(a, bt, n);
    const banded = await createWasmEngine({ bandBytes: 5 * n * 6 }); // 6 rows per band
    expect(same(await banded.multiply({ n, a, bt }), want)).toBe(true);
    for (const engine of [createJsEngine(), banded]) {
      const out = new Int32Array(n * n).fill(7);
      await engine.multiply({ n, a, bt, rowStart: 10, rowEnd: 30, out });
      expect(same(out.subarray(10 * n, 30 * n), want.subarray(10 * n, 30 * n))).toBe(true);
      expect(out.subarray(0, 10 * n).every((v) => v === 7)).toBe(true);
      expect(out.subarray(30 * n).every((v) => v === 7)).toBe(true);
    }
  });

  it("is exact at the int8 extremes (n = 4096, a band of rows)", async () => {
    const n = 4096;
    const a = new Int8Array(n * n).fill(-128);
    const bt = new Int8Array(n * n).fill(-128);
    for (let x = 0; x < n; x++) bt[n + x] = 127; // column 1 of B: all 127
    const engines: WorkEngine[] = [createJsEngine(), await createWasmEngine()];
    for (const engine of engines) {
      const c = await engine.multiply({ n, a, bt, rowStart: 0, rowEnd: 2 });
      expect(c[0]).toBe(n * 16384); // 2^26
      expect(c[1]).toBe(-128 * 127 * n);
      expect(c[n + n - 1]).toBe(n * 16384);
    }
  });

  it("rejects malformed jobs", () => {
    const a = new Int8Array(256);
    expect(() => resolveJob({ n: 12, a, bt: a })).toThrow(RangeError);
    expect(() => resolveJob({ n: 16, a: new Int8Array(255), bt: a })).toThrow(RangeError);
    expect(() => resolveJob({ n: 16, a, bt: a, rowStart: 1, rowEnd: 4 })).toThrow(RangeError);
    expect(() => resolveJob({ n: 16, a, bt: a, rowStart: 4, rowEnd: 18 })).toThrow(RangeError);
    expect(() => resolveJob({ n: 16, a, bt: a, out: new Int32Array(10) })).toThrow(RangeError);
    expect(resolveJob({ n: 16, a, bt: a })).toMatchObject({ rowStart: 0, rowEnd: 16 });
  });
});
