/**
 * Leaf hashing on a second thread: a worker (leafWorker.mjs) hashes the tiles of product j while
 * the main thread computes and checks product j+1. Leaf hashing is the largest part of a devnet
 * challenge after the native engine (2^18 node:crypto calls, ~0.45 s), and onnxruntime-node's
 * `run` blocks the main thread, so a worker is what lets the two overlap on a 2-core machine.
 * The product is copied to the worker (the prover keeps C_j for the reveal); the leaves come back
 * transferred. Any failure of the worker (it cannot start, it dies, it answers an error) rejects
 * the job, and the caller hashes that product on the main thread instead.
 * @module
 */
import { Worker } from "node:worker_threads";

export interface LeafHasher {
  /** False once the worker failed or was closed (a new one is needed). */
  readonly alive: boolean;
  /** The (n/8)² leaf hashes of product `c` (n×n, row-major), 32 bytes each in tile order. */
  hash(n: number, c: Int32Array): Promise<Uint8Array>;
  /** Stops the worker; pending jobs reject. */
  close(): Promise<void>;
}

const WORKER_URL = new URL("./leafWorker.mjs", import.meta.url);
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** A worker-backed hasher, or undefined on a big-endian host (its tiles would need byte swaps). */
export function createLeafHasher(): LeafHasher | undefined {
  if (!LITTLE_ENDIAN) return undefined;
  const worker = new Worker(WORKER_URL, { execArgv: [], name: "flops-leaves" });
  worker.unref();
  const pending = new Map<number, { resolve: (l: Uint8Array) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let dead: Error | undefined;
  const failAll = (e: Error): void => {
    dead ??= e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  worker.on("message", (msg: { id: number; leaves?: Uint8Array; error?: string }) => {
    const p = pending.get(msg.id);
    if (p === undefined) return;
    pending.delete(msg.id);
    // Referenced only while a job is out: an idle worker must not hold the process open.
    if (pending.size === 0) worker.unref();
    if (msg.leaves instanceof Uint8Array) p.resolve(msg.leaves);
    else p.reject(new Error(`leaf worker: ${msg.error ?? "malformed answer"}`));
  });
  worker.on("error", (e) => failAll(e));
  worker.on("exit", (code) => failAll(new Error(`leaf worker exited (${code})`)));
  return {
    get alive() {
      return dead === undefined;
    },
    hash(n: number, c: Int32Array): Promise<Uint8Array> {
      if (dead !== undefined) return Promise.reject(dead);
      const id = nextId++;
      const copy = c.slice(0, n * n);
      return new Promise<Uint8Array>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.ref();
        worker.postMessage({ id, n, c: copy }, [copy.buffer]);
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
 * hashes at full speed from the first tile of every later challenge. A failed one is replaced.
 */
export function sharedLeafHasher(): LeafHasher | undefined {
  if (shared === undefined || !shared.alive) shared = createLeafHasher();
  return shared;
}
