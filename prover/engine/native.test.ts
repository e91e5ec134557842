import { describe, expect, it } from "vitest";
import { prgMatrix, TAG_A, TAG_B } from "../../chain/proof/index.ts";
import { matmulJs } from "./jsEngine.ts";
import { createNativeEngine } from "./nativeEngine.ts";
import { matmulIntegerModel } from "./onnxModel.ts";
import { selfTestEngine } from "./selfTest.ts";
import type { WorkEngine } from "./types.ts";

// onnxruntime-node is optional: where it does not load, these tests are skipped (select.test.ts
// covers the fallback). It is installed in this repository, so here they run.
const native: WorkEngine | undefined = await createNativeEngine().catch(() => undefined);

const reference = (a: Int8Array, bt: Int8Array, n: number): Int32Array => {
  const c = new Int32Array(n * n);
  matmulJs(a, bt, c, n, 0, n);
  return c;
};
const same = (x: Int32Array, y: Int32Array): boolean =>
  Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength));

describe.skipIf(native === undefined)("native engine (onnxruntime-node)", () => {
  const engine = native as WorkEngine;

  it("matches the JS reference bit for bit on PRG matrices (n = 16, 64, 256, 512)", async () => {
    for (const n of [16, 64, 256, 512]) {
      for (const j of [0, 1]) {
        const seed = new Uint8Array(32).fill(n + j);
        const a = prgMatrix(seed, TAG_A, j, n);
        const bt = prgMatrix(seed, TAG_B, j, n);
        expect(same(await engine.multiply({ n, a, bt }), reference(a, bt, n))).toBe(true);
      }
    }
  });

  it("is exact at the int8 extremes, whole and in a row band (n = 1024)", async () => {
    const n = 1024;
    const a = new Int8Array(n * n).fill(-128);
    const bt = new Int8Array(n * n).fill(-128);
    for (let x = 0; x < n; x++) bt[n + x] = 127; // column 1 of B: all 127
    for (let x = 0; x < n; x += 2) a[2 * n + x] = 127; // row 2 of A: alternating 127 / −128
    const c = await engine.multiply({ n, a, bt });
    expect(c[0]).toBe(n * 16384);
    expect(c[1]).toBe(-128 * 127 * n);
    expect(c[2 * n]).toBe((n / 2) * (127 * -128) + (n / 2) * 16384);
    expect(same(c, reference(a, bt, n))).toBe(true);
    const out = new Int32Array(n * n).fill(7);
    await engine.multiply({ n, a, bt, rowStart: 2, rowEnd: 6, out });
    expect(same(out.subarray(2 * n, 6 * n), c.subarray(2 * n, 6 * n))).toBe(true);
    expect(out[0]).toBe(7);
    expect(out[6 * n]).toBe(7);
  });

  it("passes its admission self-test on this CPU", async () => {
    expect(await selfTestEngine(engine)).toEqual({ ok: true });
  });

  it("builds a model per size with a dynamic row count", () => {
    const m = matmulIntegerModel(64);
    expect(Buffer.from(m).includes(Buffer.from("MatMulInteger"))).toBe(true);
    expect(Buffer.from(m).includes(Buffer.from("rows"))).toBe(true);
  });
});

describe("native engine loading", () => {
  it("rejects with the reason when onnxruntime-node does not load", async () => {
    await expect(
      createNativeEngine({
        load: async () => {
          throw new Error("Cannot find package 'onnxruntime-node'");
        },
      }),
    ).rejects.toThrow(/does not load.*Cannot find package/);
    await expect(createNativeEngine({ load: async () => ({}) })).rejects.toThrow(/no InferenceSession/);
  });
});
