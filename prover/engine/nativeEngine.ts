/**
 * Native CPU work engine: onnxruntime-node's `MatMulInteger` (MLAS u8 × s8 → i32 kernels, VNNI
 * where the CPU has it), ~3× the WASM engine on one core. The model is built in code
 * (onnxModel.ts); one session per matrix size, created on first use. A is fed as A + 128 in uint8
 * (x XOR 0x80 on each byte) with a_zero_point 128, so the kernel's column-sum correction gives A·B
 * exactly. The CPU execution provider only; `intraOpThreads` threads per session (default 1).
 *
 * onnxruntime-node is an optional dependency, loaded with a dynamic import: where it is missing or
 * its binary does not load, `createNativeEngine` rejects and selection (select.ts) moves on to the
 * next engine. Being exact on this CPU is not assumed: selection admits the engine only after a
 * self-test (selfTest.ts), since u8 × s8 kernels without VNNI can saturate 16-bit intermediates.
 * @module
 */
import { matmulJs } from "./jsEngine.ts";
import { matmulIntegerModel } from "./onnxModel.ts";
import { type MatmulJob, resolveJob, type WorkEngine } from "./types.ts";

/** The members of onnxruntime-node used here (its types come with the optional package). */
interface OrtTensor {
  readonly data: unknown;
  dispose?(): void;
}
interface OrtSession {
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
interface Ort {
  InferenceSession: { create(model: Uint8Array, opts: object): Promise<OrtSession> };
  Tensor: new (type: string, data: Uint8Array | Int8Array, dims: readonly number[]) => OrtTensor;
}

/** Largest n: (A+128)·B stays inside int32 up to n = 2^16. */
const MAX_NATIVE_N = 1 << 16;

export interface NativeEngineOpts {
  /** ORT intra-op threads per session (default 1: one core, like the WASM engine). */
  intraOpThreads?: number;
  /** Loads the runtime (tests inject a failing one); default: import("onnxruntime-node"). */
  load?: () => Promise<unknown>;
}

async function loadOrt(load: () => Promise<unknown>): Promise<Ort> {
  let mod: unknown;
  try {
    mod = await load();
  } catch (e) {
    throw new Error(`native engine: onnxruntime-node does not load (${(e as Error).message})`, { cause: e });
  }
  const m = mod as Partial<Ort> & { default?: Partial<Ort> };
  const ort = m.InferenceSession !== undefined ? m : m.default;
  if (ort?.InferenceSession === undefined || ort.Tensor === undefined) {
    throw new Error("native engine: onnxruntime-node has no InferenceSession/Tensor");
  }
  return ort as Ort;
}

// A variable specifier keeps TypeScript from requiring the optional package's types at build time.
const ORT_PACKAGE = "onnxruntime-node";

export async function createNativeEngine(opts: NativeEngineOpts = {}): Promise<WorkEngine> {
  const threads = opts.intraOpThreads ?? 1;
  if (!Number.isSafeInteger(threads) || threads < 1 || threads > 256) {
    throw new RangeError(`native engine: intraOpThreads must be in [1, 256], got ${threads}`);
  }
  const ort = await loadOrt(opts.load ?? (() => import(ORT_PACKAGE)));
  const sessions = new Map<number, Promise<OrtSession>>();

  function session(n: number): Promise<OrtSession> {
    let s = sessions.get(n);
    if (s === undefined) {
      s = ort.InferenceSession.create(matmulIntegerModel(n), {
        executionProviders: ["cpu"],
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        executionMode: "sequential",
        graphOptimizationLevel: "all",
      });
      sessions.set(n, s);
    }
    return s;
  }

  return {
    name: "native-ort",
    async multiply(job: MatmulJob): Promise<Int32Array> {
      const { n, rowStart, rowEnd, out } = resolveJob(job);
      if (n > MAX_NATIVE_N) throw new RangeError(`native engine: n = ${n} exceeds ${MAX_NATIVE_N}`);
      const rows = rowEnd - rowStart;
      if (rows === 0) return out;
      // n = 8 (test tiers) is below the kernels' interesting sizes: the JS kernel is exact and quick.
      if (n < 16) {
        matmulJs(job.a, job.bt, out, n, rowStart, rowEnd);
        return out;
      }
      const s = await session(n);
      const len = rows * n;
      // A buffer per call (not one kept by the engine): concurrent calls must not share it.
      const dst = new Uint8Array(len);
      const aBand = new Uint8Array(job.a.buffer, job.a.byteOffset + rowStart * n, len);
      // A + 128 as uint8 = each byte XOR 0x80, four bytes at a time where aligned.
      if (aBand.byteOffset % 4 === 0) {
        const src32 = new Uint32Array(aBand.buffer, aBand.byteOffset, len >>> 2);
        const dst32 = new Uint32Array(dst.buffer, dst.byteOffset, len >>> 2);
        for (let i = 0; i < src32.length; i++) dst32[i] = src32[i]! ^ 0x80808080;
      } else {
        for (let i = 0; i < len; i++) dst[i] = aBand[i]! ^ 0x80;
      }
      const feeds = {
        A: new ort.Tensor("uint8", dst, [rows, n]),
        BT: new ort.Tensor("int8", job.bt.subarray(0, n * n), [n, n]),
      };
      const result = await s.run(feeds);
      const y = result.Y?.data;
      if (!(y instanceof Int32Array) || y.length !== len) throw new Error("native engine: malformed output");
      out.set(y, rowStart * n);
      result.Y?.dispose?.();
      return out;
    },
    async close(): Promise<void> {
      const all = [...sessions.values()];
      sessions.clear();
      for (const s of all) await (await s).release();
    },
  };
}
