/**
 * The work-engine port: whatever computes the exact int8 products of a challenge (PROTOCOL §3).
 * Engines here: plain JS (reference), WASM SIMD (one core), native (onnxruntime-node, one core). An external engine (a GPU process, a
 * worker pool) implements the same interface later; hence every call is async.
 * @module
 */

/**
 * One product C = A·B of n×n int8 matrices, as the PRG lays them out (chain/proof/prg.ts):
 * `a` = A row-major, `bt` = Bᵀ row-major (row c of `bt` is column c of B). Both are exactly the
 * first n² bytes of their ChaCha20 streams, so an engine that generates them itself on a device
 * gets the same bytes.
 */
export interface MatmulJob {
  /** Matrix size: a power of two, 8 ≤ n < 2^17. */
  n: number;
  /** A, row-major, n·n int8. */
  a: Int8Array;
  /** Bᵀ, row-major, n·n int8 (= B column-major). */
  bt: Int8Array;
  /** Compute only rows [rowStart, rowEnd) of C (both even; default all rows). */
  rowStart?: number;
  rowEnd?: number;
  /** Where to write C (n·n int32, row-major); rows outside the band are left untouched. */
  out?: Int32Array;
}

/**
 * Contract: `multiply` may read `a` and `bt` until its promise settles and must not keep them
 * afterwards (the prover reuses the buffers for the next j); it must be exact, bit for bit.
 */
export interface WorkEngine {
  /** Short name for logs and metrics ("js", "wasm-simd", …). */
  readonly name: string;
  /**
   * C = A·B exactly: C[i][c] = Σ_x A[i][x]·B[x][c] with int32 accumulation (exact, as
   * |C| ≤ n·2^14 < 2^31). Returns `job.out` when given, else a new n·n Int32Array (row-major).
   */
  multiply(job: MatmulJob): Promise<Int32Array>;
  /** Frees what the engine holds (memory, workers, device contexts). */
  close(): Promise<void>;
  /**
   * Engines to recompute a product with when one from this engine fails its Freivalds check, in
   * order (set by selection, select.ts); default: the JS reference.
   */
  readonly fallbacks?: readonly WorkEngine[];
}

/** Validates a job and resolves its band; throws RangeError on a malformed job. */
export function resolveJob(job: MatmulJob): { n: number; rowStart: number; rowEnd: number; out: Int32Array } {
  const { n } = job;
  if (!Number.isSafeInteger(n) || n < 8 || n >= 1 << 17 || (n & (n - 1)) !== 0) {
    throw new RangeError(`matmul: n must be a power of two in [8, 2^17), got ${n}`);
  }
  const nn = n * n;
  if (job.a.length < nn || job.bt.length < nn) throw new RangeError("matmul: a and bt must hold n·n int8");
  const rowStart = job.rowStart ?? 0;
  const rowEnd = job.rowEnd ?? n;
  if (!(0 <= rowStart && rowStart <= rowEnd && rowEnd <= n) || rowStart % 2 !== 0 || rowEnd % 2 !== 0) {
    throw new RangeError(`matmul: band [${rowStart}, ${rowEnd}) must be even bounds within [0, ${n}]`);
  }
  const out = job.out ?? new Int32Array(nn);
  if (out.length < nn) throw new RangeError("matmul: out must hold n·n int32");
  return { n, rowStart, rowEnd, out };
}
