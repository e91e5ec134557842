/**
 * WASM SIMD work engine (~70 GOP/s on one Zen core at n = 2048): the 2×4 register-blocked
 * int8→int32 kernel of matmul.wat, assembled bytes in matmulWasm.ts. Synchronous inside: one
 * `multiply` blocks its thread for the product (~0.25 s at n = 2048), so run it in the prover
 * process or a worker, not on a latency-sensitive event loop.
 *
 * Memory layout of the instance for one band of R rows (rows [r, r+R) of C):
 *   [0, n²)              Bᵀ (all of it: every row of C needs every column of B)
 *   [n², n² + R·n)       rows r … r+R−1 of A
 *   [n² + R·n, … + 4R·n) rows r … r+R−1 of C (int32 LE)
 * R is all n rows while that fits in BAND_BYTES (n ≤ 2048 … 4096), else a smaller even number.
 * @module
 */
import { matmulJs } from "./jsEngine.ts";
import { MATMUL_WASM_BASE64 } from "./matmulWasm.ts";
import { type MatmulJob, resolveJob, type WorkEngine } from "./types.ts";

const PAGE = 65536;
/** Bytes for the A and C bands together (5·R·n); Bᵀ is extra. */
const BAND_BYTES = 96 << 20;
/** Columns per cache block: 256 rows of Bᵀ = 512 KiB at n = 2048, inside a 1 MiB L2. */
const COL_BLOCK = 256;
/** Rows of C per kernel call (~2 ms at n = 2048; see `multiply`). */
const CALL_ROWS = 16;
/** Largest n whose Bᵀ fits comfortably in a 32-bit wasm memory (1 GiB). */
const MAX_WASM_N = 1 << 15;

type MatmulFn = (
  a: number,
  bt: number,
  c: number,
  n: number,
  rowStart: number,
  rowEnd: number,
  colBlock: number,
) => void;

// The project's lib (ES2023) and @types/node 20 carry no WebAssembly JS-API types; these are the
// few members used here.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
type WasmModule = object;
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  instantiate(module: WasmModule): Promise<WasmInstance>;
}
const WASM = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let compiled: WasmModule | undefined;

/** The compiled kernel module (compiled once per process). */
export function matmulModule(): WasmModule {
  if (compiled === undefined) compiled = new WASM.Module(Buffer.from(MATMUL_WASM_BASE64, "base64"));
  return compiled;
}

export interface WasmEngineOpts {
  /** Bytes for the A and C bands (5·R·n); default 96 MiB. Small values force many bands (tests). */
  bandBytes?: number;
}

export async function createWasmEngine(opts: WasmEngineOpts = {}): Promise<WorkEngine> {
  const bandBytes = opts.bandBytes ?? BAND_BYTES;
  let instance: WasmInstance;
  try {
    instance = await WASM.instantiate(matmulModule());
  } catch (e) {
    throw new Error("wasm engine: WebAssembly SIMD128 is not available in this runtime", { cause: e });
  }
  const memory = instance.exports.memory as WasmMemory;
  const matmul = instance.exports.matmul as MatmulFn;

  function ensure(bytes: number): void {
    const have = memory.buffer.byteLength;
    if (bytes > have) memory.grow(Math.ceil((bytes - have) / PAGE));
  }

  return {
    name: "wasm-simd",
    async multiply(job: MatmulJob): Promise<Int32Array> {
      const { n, rowStart, rowEnd, out } = resolveJob(job);
      // The SIMD loop steps k by 16; n = 8 (test tiers only) goes to the JS kernel.
      if (n < 16) {
        matmulJs(job.a, job.bt, out, n, rowStart, rowEnd);
        return out;
      }
      if (n > MAX_WASM_N) throw new RangeError(`wasm engine: n = ${n} exceeds ${MAX_WASM_N}`);
      const nn = n * n;
      const band = Math.max(2, Math.min(rowEnd - rowStart, Math.floor(bandBytes / (5 * n)) & ~1));
      ensure(nn + 5 * band * n);
      const btPtr = 0;
      const aPtr = nn;
      const cPtr = nn + band * n;
      new Int8Array(memory.buffer, btPtr, nn).set(job.bt.subarray(0, nn));
      for (let r = rowStart; r < rowEnd; r += band) {
        const rows = Math.min(band, rowEnd - r);
        new Int8Array(memory.buffer, aPtr, rows * n).set(job.a.subarray(r * n, (r + rows) * n));
        // Several short kernel calls rather than one long one: V8 starts wasm in its baseline
        // compiler (Liftoff, ~3× slower here) and swaps in optimized code only for later calls
        // (no on-stack replacement), so one long first call would run entirely unoptimized.
        const colBlock = Math.min(COL_BLOCK, n);
        for (let s = 0; s < rows; s += CALL_ROWS) {
          matmul(aPtr, btPtr, cPtr, n, s, Math.min(rows, s + CALL_ROWS), colBlock);
        }
        out.set(new Int32Array(memory.buffer, cPtr, rows * n), r * n);
      }
      return out;
    },
    async close(): Promise<void> {
      // Nothing to free explicitly: the instance and its memory go with the engine object.
    },
  };
}
