/**
 * The background share of each product on a second thread: a worker (leafWorker.mjs) checks
 * product j (Freivalds) and hashes its leaves and subtree while the main thread computes product
 * j+1. On a 2-core machine that is what lets them overlap: onnxruntime-node's `run` blocks the
 * main thread, and the check (~45 ms) plus the subtree (~50 ms with the batched kernel) of a
 * devnet product take about as long as the product itself (~90 ms).
 * Arrays on a SharedArrayBuffer are read in place (computeAndCommit allocates A, Bᵀ and the
 * products there: nothing is copied); any other array is copied (the prover keeps C_j for the
 * reveal). The subtree comes back transferred. Any failure of the worker (it cannot start, it
 * dies, it answers an error) rejects the job, and the caller does that product's share on the
 * main thread instead.
 * @module
 */
import { Worker } from "node:worker_threads";
import { subtreeLevels } from "./tileHashing.ts";

export interface ProductJob {
  n: number;
  /** The product C_j, n×n row-major. */
  c: Int32Array;
  /** Freivalds-check C_j first (freivaldsCheck's arguments); without it, only hash. */
  check?: { a: Int8Array; bt: Int8Array; vectors: readonly Float64Array[] };
  /** Hash the subtree (default true; false: only the check). */
  hash?: boolean;
}

/** `ok: false`: the check failed and nothing was hashed; else the product's subtree levels (if hashed). */
export type ProductResult = { ok: false } | { ok: true; subtree: Uint8Array[] | undefined };

export interface LeafHasher {
  /** False once the worker failed or was closed (a new one is needed). */
  readonly alive: boolean;
  /** Checks (when asked) and hashes one product: levels 0 … log2((n/8)²) of its subtree. */
  run(job: ProductJob): Promise<ProductResult>;
  /** Stops the worker; pending jobs reject. */
  close(): Promise<void>;
}

const WORKER_URL = new URL("./leafWorker.mjs", import.meta.url);
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The array itself when it lives on a SharedArrayBuffer, else a copy of its first `len` items. */
function shareable<T extends Int8Array | Int32Array>(
  x: T,
  len: number,
): { value: T; transfer: ArrayBuffer[] } {
  if (x.buffer instanceof SharedArrayBuffer) return { value: x.subarray(0, len) as T, transfer: [] };
  const copy = x.slice(0, len) as T;
  return { value: copy, transfer: [copy.buffer as ArrayBuffer] };
}

/** A worker-backed hasher, or undefined on a big-endian host (its tiles would need byte swaps). */
export function createLeafHasher(): LeafHasher | undefined {
  if (!LITTLE_ENDIAN) return undefined;
  const worker = new Worker(WORKER_URL, { execArgv: [], name: "flops-leaves" });
  worker.unref();
  const pending = new Map<
    number,
    { n: number; hash: boolean; resolve: (r: ProductResult) => void; reject: (e: Error) => void }
  >();
  let nextId = 0;
  let dead: Error | undefined;
  const failAll = (e: Error): void => {
    dead ??= e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  worker.on("message", (msg: { id: number; ok?: boolean; subtree?: ArrayBuffer; error?: string }) => {
    const p = pending.get(msg.id);
    if (p === undefined) return;
    pending.delete(msg.id);
    // Referenced only while a job is out: an idle worker must not hold the process open.
    if (pending.size === 0) worker.unref();
    try {
      if (msg.ok === false) p.resolve({ ok: false });
      else if (msg.ok === true && msg.subtree instanceof ArrayBuffer)
        p.resolve({ ok: true, subtree: subtreeLevels((p.n / 8) ** 2, msg.subtree) });
      else if (msg.ok === true && !p.hash) p.resolve({ ok: true, subtree: undefined });
      else p.reject(new Error(`leaf worker: ${msg.error ?? "malformed answer"}`));
    } catch (e) {
      p.reject(e as Error);
    }
  });
  worker.on("error", (e) => failAll(e));
  worker.on("exit", (code) => failAll(new Error(`leaf worker exited (${code})`)));
  return {
    get alive() {
      return dead === undefined;
    },
    run({ n, c, check, hash = true }: ProductJob): Promise<ProductResult> {
      if (dead !== undefined) return Promise.reject(dead);
      const id = nextId++;
      const nn = n * n;
      const cc = shareable(c, nn);
      const transfer = [...cc.transfer];
      let checkMsg: ProductJob["check"];
      if (check !== undefined) {
        const a = shareable(check.a, nn);
        const bt = shareable(check.bt, nn);
        transfer.push(...a.transfer, ...bt.transfer);
        checkMsg = { a: a.value, bt: bt.value, vectors: check.vectors };
      }
      return new Promise<ProductResult>((resolve, reject) => {
        pending.set(id, { n, hash, resolve, reject });
        worker.ref();
        worker.postMessage({ id, n, c: cc.value, check: checkMsg, hash }, transfer);
      });
    },
    async close(): Promise<void> {
      failAll(new Error("leaf worker closed"));
      await worker.terminate();
    },
  };
}

let shared: LeafHasher | undefined;

/**
 * One hasher per process, started on first use and kept (unreferenced while idle): a warm worker
 * works at full speed from the first product of every later challenge. A failed one is replaced.
 */
export function sharedLeafHasher(): LeafHasher | undefined {
  if (shared === undefined || !shared.alive) shared = createLeafHasher();
  return shared;
}
