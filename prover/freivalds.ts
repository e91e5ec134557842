/**
 * Freivalds' check of one product before the prover commits to it: C = A·B holds (with high
 * probability) iff A·(B·r) = C·r for a random vector r, at O(n²) instead of the O(n³) product.
 *
 * Why it catches a wrong C: let E = C' − C ≠ 0 with E[i][c₀] ≠ 0. (E·r)[i] = E[i][c₀]·r[c₀] + (the
 * rest), and for any fixed rest at most one value of r[c₀] makes it 0; with r[c₀] uniform over R
 * values, a wrong C passes one vector with probability ≤ 1/R, and `rounds` independent vectors
 * with ≤ R^−rounds (R = 2^16 at n = 2048: ≤ 2^−32 with the default 2 rounds). The error of a
 * faulty engine is fixed before r is drawn (crypto-random), so the bound holds for any fault.
 *
 * Exact arithmetic in doubles: entries of r lie in [0, R) with R = 2^(52 − 14 − 2·log2 n) (at most
 * 2^20), so |B·r| ≤ n·2^7·R, |A·(B·r)| ≤ n²·2^14·R ≤ 2^52 and, for a C whose entries pass the range
 * check |C| ≤ n·2^14 (any other C is wrong anyway), |C·r| ≤ n²·2^14·R ≤ 2^52: every partial sum is
 * an integer below 2^53, so the comparison is exact (n ≤ 2^16 leaves R ≥ 2^6).
 * @module
 */
import { randomFillSync } from "node:crypto";

/** log2 of the range of r's entries for size n (see the module comment). */
export function freivaldsLog2Range(n: number): number {
  return Math.min(20, 52 - 14 - 2 * Math.log2(n));
}

/** Fresh crypto-random vectors for `rounds` checks at size n. */
export function freivaldsVectors(n: number, rounds = 2): Float64Array[] {
  const mask = 2 ** freivaldsLog2Range(n) - 1;
  const raw = new Uint32Array(n);
  const out: Float64Array[] = [];
  for (let k = 0; k < rounds; k++) {
    randomFillSync(raw);
    out.push(Float64Array.from(raw, (x) => x & mask));
  }
  return out;
}

/**
 * True iff A·(B·r) = C·r for every r in `vectors` and every |C| entry ≤ n·2^14. `a` is A row-major,
 * `bt` is Bᵀ row-major (as the engines take them), `c` is C row-major; all n×n.
 */
export function freivaldsCheck(
  a: Int8Array,
  bt: Int8Array,
  c: Int32Array,
  n: number,
  vectors: readonly Float64Array[] = freivaldsVectors(n),
): boolean {
  const check = startCheck(a, bt, c, n, vectors);
  return check.step(Number.POSITIVE_INFINITY) && check.done();
}

/**
 * The same check cut into slices of about `rowsPerSlice`·n work each, awaiting `pause` between
 * slices, so the prover can run it on the event loop while an engine computes the next product.
 */
export async function freivaldsCheckSliced(
  a: Int8Array,
  bt: Int8Array,
  c: Int32Array,
  n: number,
  vectors: readonly Float64Array[],
  rowsPerSlice: number,
  pause: () => Promise<void>,
): Promise<boolean> {
  const check = startCheck(a, bt, c, n, vectors);
  while (!check.done()) {
    if (!check.step(rowsPerSlice)) return false;
    await pause();
  }
  return true;
}

interface Check {
  /** Does about `rows`·n more work; false as soon as a mismatch is seen. */
  step(rows: number): boolean;
  /** True once every phase is finished (and none failed). */
  done(): boolean;
}

/**
 * The check as a resumable sequence of phases for each pair of vectors (two per pass: the passes
 * are memory-bound, so the second vector is nearly free): the range check of C (once), then
 * B·r over the rows of Bᵀ, then A·(B·r) against C·r row by row.
 */
function startCheck(
  a: Int8Array,
  bt: Int8Array,
  c: Int32Array,
  n: number,
  vectors: readonly Float64Array[],
): Check {
  const nn = n * n;
  if (a.length < nn || bt.length < nn || c.length < nn)
    throw new RangeError("freivalds: arrays must hold n·n");
  for (const r of vectors) if (r.length !== n) throw new RangeError("freivalds: vector length must be n");
  const bound = n * 16384;
  const br0 = new Float64Array(n);
  const br1 = new Float64Array(n);
  // phase 0: range check; 1: B·r; 2: rows. `pair` indexes vectors two at a time.
  let phase = 0;
  let pos = 0;
  let pair = 0;
  let failed = false;
  const done = (): boolean => !failed && pair >= vectors.length;
  return {
    done,
    step(rows: number): boolean {
      let budget = rows;
      while (budget > 0 && !done()) {
        const r0 = vectors[pair]!;
        const r1 = vectors[pair + 1] ?? r0;
        const end = Math.min(n, pos + budget);
        if (phase === 0) {
          for (let i = pos * n; i < end * n; i++) {
            const v = c[i]!;
            if (v > bound || v < -bound) failed = true;
          }
        } else if (phase === 1) {
          applyBt(bt, n, r0, r1, br0, br1, pos, end);
        } else if (!rowsMatch(a, c, n, r0, r1, br0, br1, pos, end)) {
          failed = true;
        }
        if (failed) return false;
        budget -= end - pos;
        pos = end;
        if (pos === n) {
          pos = 0;
          phase++;
          if (phase === 3) {
            phase = 1;
            pair += 2;
            br0.fill(0);
            br1.fill(0);
          }
        }
      }
      return true;
    },
  };
}

/** Adds rows [from, to) of Bᵀ into B·r: (B·r)[x] = Σ_col Bᵀ[col][x]·r[col]. */
function applyBt(
  bt: Int8Array,
  n: number,
  r0: Float64Array,
  r1: Float64Array,
  br0: Float64Array,
  br1: Float64Array,
  from: number,
  to: number,
): void {
  for (let col = from; col < to; col++) {
    const x0 = r0[col]!;
    const x1 = r1[col]!;
    const row = col * n;
    for (let x = 0; x < n; x++) {
      const b = bt[row + x]!;
      br0[x] = br0[x]! + b * x0;
      br1[x] = br1[x]! + b * x1;
    }
  }
}

/** Rows [from, to): (A·(B·r))[i] = (C·r)[i] for both vectors. */
function rowsMatch(
  a: Int8Array,
  c: Int32Array,
  n: number,
  r0: Float64Array,
  r1: Float64Array,
  br0: Float64Array,
  br1: Float64Array,
  from: number,
  to: number,
): boolean {
  for (let i = from; i < to; i++) {
    const row = i * n;
    let lhs0 = 0;
    let lhs1 = 0;
    let rhs0 = 0;
    let rhs1 = 0;
    for (let x = 0; x < n; x++) {
      const av = a[row + x]!;
      const cv = c[row + x]!;
      lhs0 += av * br0[x]!;
      lhs1 += av * br1[x]!;
      rhs0 += cv * r0[x]!;
      rhs1 += cv * r1[x]!;
    }
    if (lhs0 !== rhs0 || lhs1 !== rhs1) return false;
  }
  return true;
}
