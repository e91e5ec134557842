/**
 * The admission self-test of a work engine: before the prover uses an engine it must reproduce the
 * JS reference bit for bit on this CPU. Fast int8 kernels are not exact everywhere: u8 × s8 dot
 * products (vpmaddubsw) without VNNI add pairs in a saturating 16-bit lane, so extreme inputs
 * (all −128 or 127) come out wrong on such CPUs while random data mostly passes. The test covers
 * random products and the extremes, at a small n and at a size that runs the real kernel, whole
 * and as a band of rows.
 * @module
 */
import { randomFillSync } from "node:crypto";
import { matmulJs } from "./jsEngine.ts";
import type { WorkEngine } from "./types.ts";

export type SelfTestResult = { ok: true } | { ok: false; reason: string };

/** Sizes tested: one small, one on the engines' kernel path (≥ 16 for WASM and native). */
export const SELF_TEST_SIZES: readonly number[] = [16, 256];

interface Case {
  name: string;
  a: Int8Array;
  bt: Int8Array;
}

function cases(n: number): Case[] {
  const nn = n * n;
  const filled = (v: number): Int8Array => new Int8Array(nn).fill(v);
  const random = (): Int8Array => {
    const x = new Int8Array(nn);
    randomFillSync(x);
    return x;
  };
  // Alternating extremes: the worst case for pairwise 16-bit sums of u8 × s8 (255·127 + 255·127).
  const alternating = Int8Array.from({ length: nn }, (_, i) => (i % 2 === 0 ? -128 : 127));
  return [
    { name: "random", a: random(), bt: random() },
    { name: "random", a: random(), bt: random() },
    { name: "all -128 × all -128", a: filled(-128), bt: filled(-128) },
    { name: "all -128 × all 127", a: filled(-128), bt: filled(127) },
    { name: "all 127 × all 127", a: filled(127), bt: filled(127) },
    { name: "all 127 × all -128", a: filled(127), bt: filled(-128) },
    { name: "alternating extremes", a: alternating, bt: filled(127) },
  ];
}

/** Runs the self-test; never throws (an engine that throws is refused with its error). */
export async function selfTestEngine(
  engine: WorkEngine,
  sizes: readonly number[] = SELF_TEST_SIZES,
): Promise<SelfTestResult> {
  try {
    for (const n of sizes) {
      for (const c of cases(n)) {
        const want = new Int32Array(n * n);
        matmulJs(c.a, c.bt, want, n, 0, n);
        const got = await engine.multiply({ n, a: c.a, bt: c.bt });
        const bad = firstDifference(want, got);
        if (bad >= 0) {
          return {
            ok: false,
            reason: `${engine.name} is not exact on this CPU: n = ${n}, ${c.name}: C[${bad}] = ${got[bad]}, expected ${want[bad]}`,
          };
        }
        // A band of rows in the middle, into a caller-owned output (the prover's banded path).
        const out = new Int32Array(n * n);
        const r0 = n / 4;
        const r1 = n / 2 + 2;
        await engine.multiply({ n, a: c.a, bt: c.bt, rowStart: r0, rowEnd: r1, out });
        const badBand = firstDifference(want.subarray(r0 * n, r1 * n), out.subarray(r0 * n, r1 * n));
        if (badBand >= 0) {
          return { ok: false, reason: `${engine.name} is not exact on a row band: n = ${n}, ${c.name}` };
        }
      }
    }
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: `${engine.name} failed its self-test: ${(e as Error).message}` };
  }
}

function firstDifference(want: Int32Array, got: Int32Array): number {
  if (got.length < want.length) return 0;
  for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) return i;
  return -1;
}
