/**
 * Plain-JS work engine: the reference (~5 GOP/s on one core at n = 2048). A 2×4 register-blocked
 * dot-product kernel: two rows of A against four rows of Bᵀ, eight scalar accumulators, so each
 * loaded int8 feeds four (A) or two (Bᵀ) multiply-adds. Sums are exact in doubles
 * (|C| < 2^31 ≪ 2^53); `| 0` only converts the final value.
 * @module
 */
import { type MatmulJob, resolveJob, type WorkEngine } from "./types.ts";

/** Rows [rowStart, rowEnd) (even) of C = A·B into `c`; n a multiple of 4. */
export function matmulJs(
  a: Int8Array,
  bt: Int8Array,
  c: Int32Array,
  n: number,
  rowStart: number,
  rowEnd: number,
): void {
  for (let i = rowStart; i < rowEnd; i += 2) {
    const a0 = i * n;
    const a1 = a0 + n;
    for (let col = 0; col < n; col += 4) {
      const b0 = col * n;
      const b1 = b0 + n;
      const b2 = b1 + n;
      const b3 = b2 + n;
      let s00 = 0;
      let s01 = 0;
      let s02 = 0;
      let s03 = 0;
      let s10 = 0;
      let s11 = 0;
      let s12 = 0;
      let s13 = 0;
      for (let x = 0; x < n; x++) {
        const x0 = a[a0 + x]!;
        const x1 = a[a1 + x]!;
        const y0 = bt[b0 + x]!;
        const y1 = bt[b1 + x]!;
        const y2 = bt[b2 + x]!;
        const y3 = bt[b3 + x]!;
        s00 += x0 * y0;
        s01 += x0 * y1;
        s02 += x0 * y2;
        s03 += x0 * y3;
        s10 += x1 * y0;
        s11 += x1 * y1;
        s12 += x1 * y2;
        s13 += x1 * y3;
      }
      c[a0 + col] = s00 | 0;
      c[a0 + col + 1] = s01 | 0;
      c[a0 + col + 2] = s02 | 0;
      c[a0 + col + 3] = s03 | 0;
      c[a1 + col] = s10 | 0;
      c[a1 + col + 1] = s11 | 0;
      c[a1 + col + 2] = s12 | 0;
      c[a1 + col + 3] = s13 | 0;
    }
  }
}

export function createJsEngine(): WorkEngine {
  return {
    name: "js",
    async multiply(job: MatmulJob): Promise<Int32Array> {
      const { n, rowStart, rowEnd, out } = resolveJob(job);
      matmulJs(job.a, job.bt, out, n, rowStart, rowEnd);
      return out;
    },
    async close(): Promise<void> {},
  };
}
