import { describe, expect, it } from "vitest";
import { bytesToHex } from "../chain/bytes.ts";
import { TIER_SMALL } from "../chain/params.ts";
import { prgMatrix, TAG_A, TAG_B } from "../chain/proof/index.ts";
import { createJsEngine, matmulJs } from "./engine/jsEngine.ts";
import type { MatmulJob, WorkEngine } from "./engine/types.ts";
import { freivaldsCheck, freivaldsLog2Range, freivaldsVectors } from "./freivalds.ts";
import { type ProductMismatch, proveChallenge } from "./proveChallenge.ts";

const n = 64;
const seed = new Uint8Array(32).fill(9);
const a = prgMatrix(seed, TAG_A, 0, n);
const bt = prgMatrix(seed, TAG_B, 0, n);
const product = (): Int32Array => {
  const c = new Int32Array(n * n);
  matmulJs(a, bt, c, n, 0, n);
  return c;
};

/** The JS engine, except that product `badJ` (counted per full product) has one entry off by one. */
function corruptEngine(badJ: number, name = "corrupt"): WorkEngine {
  const js = createJsEngine();
  let j = 0;
  return {
    name,
    async multiply(job: MatmulJob): Promise<Int32Array> {
      const out = await js.multiply(job);
      if (j++ === badJ) out[job.n * 3 + 5]! += 1;
      return out;
    },
    async close(): Promise<void> {},
  };
}

describe("Freivalds check", () => {
  it("accepts the true product and catches one corrupted entry (fixed r, then random r)", () => {
    const c = product();
    const ones = [new Float64Array(n).fill(1)];
    expect(freivaldsCheck(a, bt, c, n, ones)).toBe(true);
    expect(freivaldsCheck(a, bt, c, n)).toBe(true);
    c[7 * n + 11]! -= 1;
    expect(freivaldsCheck(a, bt, c, n, ones)).toBe(false);
    // Why r must be random: an r that is 0 at the corrupted column misses the error (probability
    // ≤ 1/R per vector for a random r, R = 2^freivaldsLog2Range(n)).
    const blind = new Float64Array(n).fill(1);
    blind[11] = 0;
    expect(freivaldsCheck(a, bt, c, n, [blind])).toBe(true);
    for (let t = 0; t < 50; t++) expect(freivaldsCheck(a, bt, c, n)).toBe(false);
  });

  it("rejects a product with an entry outside |C| ≤ n·2^14 (where doubles would round)", () => {
    const c = product();
    c[0] = 2 ** 31 - 1;
    expect(freivaldsCheck(a, bt, c, n, [new Float64Array(n)])).toBe(false);
  });

  it("stays exact at the extremes: n = 4096, |A| = |B| = 128, r at its maximum, an error of 1 is seen", () => {
    const big = 4096;
    const ea = new Int8Array(big * big).fill(-128);
    const eb = new Int8Array(big * big).fill(-128);
    const c = new Int32Array(big * big).fill(big * 16384); // (−128)·(−128)·n everywhere
    const rMax = [new Float64Array(big).fill(2 ** freivaldsLog2Range(big) - 1)];
    expect(freivaldsLog2Range(big)).toBe(14);
    expect(freivaldsCheck(ea, eb, c, big, rMax)).toBe(true);
    c[big * big - 1]! -= 1;
    expect(freivaldsCheck(ea, eb, c, big, rMax)).toBe(false);
  });

  it("draws vectors in [0, 2^k) from the CSPRNG", () => {
    const vs = freivaldsVectors(2048, 3);
    expect(vs).toHaveLength(3);
    expect(freivaldsLog2Range(2048)).toBe(16);
    for (const v of vs) expect(v.every((x) => Number.isInteger(x) && x >= 0 && x < 2 ** 16)).toBe(true);
    expect(bytesToHex(new Uint8Array(vs[0]!.buffer))).not.toBe(bytesToHex(new Uint8Array(vs[1]!.buffer)));
  });
});

describe("proving path: a wrong product is never committed", () => {
  it("a corrupted product is recomputed on the fallback and the committed root is the correct one", async () => {
    const want = await proveChallenge(TIER_SMALL, seed, createJsEngine());
    const seen: ProductMismatch[] = [];
    const got = await proveChallenge(TIER_SMALL, seed, corruptEngine(1), { onMismatch: (m) => seen.push(m) });
    expect(bytesToHex(got.root)).toBe(bytesToHex(want.root));
    expect(seen).toEqual([{ j: 1, engine: "corrupt", recomputedWith: "js", alsoFailed: [] }]);
    // Without the check the same engine commits a wrong root: the check is what saves it.
    const unchecked = await proveChallenge(TIER_SMALL, seed, corruptEngine(1), { verify: false });
    expect(bytesToHex(unchecked.root)).not.toBe(bytesToHex(want.root));
  });

  it("walks the engine's fallbacks in order and fails the challenge when none passes", async () => {
    const want = await proveChallenge(TIER_SMALL, seed, createJsEngine());
    const seen: ProductMismatch[] = [];
    const engine = { ...corruptEngine(0), fallbacks: [corruptEngine(0, "bad-fallback"), createJsEngine()] };
    const got = await proveChallenge(TIER_SMALL, seed, engine, { onMismatch: (m) => seen.push(m) });
    expect(bytesToHex(got.root)).toBe(bytesToHex(want.root));
    expect(seen).toEqual([{ j: 0, engine: "corrupt", recomputedWith: "js", alsoFailed: ["bad-fallback"] }]);
    await expect(
      proveChallenge(TIER_SMALL, seed, corruptEngine(1), {
        fallbacks: [corruptEngine(0, "bad")],
        onMismatch: () => {},
      }),
    ).rejects.toThrow(/product 1: no engine produced a product that passes/);
  });
});
