/**
 * A worker_threads pool that recovers tx senders off the main thread.
 *
 * Recovery is the sequencer's dominant per-tx cost (≈ 57 µs native, ≈ 1.4 ms noble; everything
 * else per tx is a few µs), so it is spread over worker threads, one per core. The main thread
 * computes the signing hashes (so the hash has one definition, chain/tx), applies the static
 * signature checks, and packs each message (a chunk of a batch, or several small batches that
 * queued meanwhile) into one transferred ArrayBuffer; every worker keeps `inflightPerWorker`
 * messages queued so it never idles while the main thread handles a reply.
 * Batches given to `recoverBatch` below `inlineBelow` are recovered on the calling thread: a round
 * trip to a worker costs more than a few recoveries.
 *
 * Callers that have one tx at a time (admission) use `recover(tx)`: the pool gathers every call
 * made in the same event-loop turn and recovers them as one batch on the next (setImmediate), so
 * a burst of concurrent submissions costs a few worker round trips, not one per tx. This is the
 * only place that batches recovery. These batches always go to the workers, however small: under
 * load (64 requests in flight) a turn gathers only a handful of txs, and recovering them inline
 * would put ≈ 57 µs per tx back on the main thread, the one that serves HTTP and builds blocks.
 *
 * Wire between the threads (see sigWorker.mjs): request records of 97 bytes, digest ‖ r ‖ s ‖ v;
 * response records of 21 bytes, status ‖ address.
 * @module
 */
import { Worker } from "node:worker_threads";
import {
  isBackendAvailable,
  recoverAddress,
  SIG_BACKEND,
  type SigBackend,
  signatureDefect,
  signingHash,
} from "../chain/tx/index.ts";
import type { Address, SignedTx } from "../chain/types.ts";

// Record sizes; sigWorker.mjs has the same two constants.
const REQUEST_RECORD = 97;
const RESPONSE_RECORD = 21;

const WORKER_URL = new URL("./sigWorker.mjs", import.meta.url);

/** "auto": native libsecp256k1 where the addon loads, noble otherwise. */
export type SigPoolBackend = SigBackend | "auto";

export interface SigPoolOpts {
  /** Worker threads. Default 2, the dev machine's core count (a third gains nothing there). */
  workers?: number;
  /** Most txs in one message to a worker. Default 256. */
  maxChunk?: number;
  /** Messages queued at each worker. Default 2: one running, one waiting. */
  inflightPerWorker?: number;
  /** `recoverBatch` batches with fewer txs are recovered on the calling thread (never `recover`'s). Default 16. */
  inlineBelow?: number;
  /** Default "auto". "native" fails pool creation when the addon cannot load. */
  backend?: SigPoolBackend;
  /** Worker entry; default ./sigWorker.mjs. Tests substitute failing workers here. */
  workerUrl?: URL;
}

/** The parts of a signed tx that recovery reads. */
export type SignaturePart = Pick<SignedTx, "bodyBytes" | "signature">;

export interface SigPool {
  /**
   * The sender of one tx, or null where chain/tx's `recoverSender` fails. Micro-batched: calls in
   * the same event-loop turn go to the workers together, as one `recoverBatch`. Rejects as the
   * batch it joined does.
   */
  recover(tx: SignaturePart): Promise<Address | null>;
  /**
   * Recovers the sender of each tx, in order: the address, or null exactly where
   * chain/tx's `recoverSender` fails (call it on those for the reason). Rejects only when a worker
   * dies with the batch in flight, or after close().
   */
  recoverBatch(txs: readonly SignaturePart[]): Promise<Array<Address | null>>;
  /** Counters since creation: batches recovered (inline or on workers), messages sent to workers. */
  stats(): { batches: number; messages: number };
  /** Resolves once every worker has started, with the backend each runs. */
  ready(): Promise<SigBackend[]>;
  /** Lets in-flight and queued batches finish, then stops the workers. Idempotent. */
  close(): Promise<void>;
}

interface Batch {
  txs: readonly SignaturePart[];
  results: Array<Address | null>;
  /** Chunks not yet answered. */
  pending: number;
  settled: boolean;
  resolve(results: Array<Address | null>): void;
  reject(error: Error): void;
}

interface Chunk {
  batch: Batch;
  from: number;
  to: number;
}

/** One message at a worker: whole chunks, of one batch or (small ones) of several. */
interface InFlight {
  /** The chunks it answers (each settles once the reply is in). */
  chunks: Chunk[];
  /** Batch of each record sent. */
  owner: Batch[];
  /** Index in its batch of each record sent. */
  index: Int32Array;
  count: number;
}

interface Slot {
  worker: Worker;
  inflight: Map<number, InFlight>;
  ready: Promise<SigBackend>;
  started: boolean;
  error: Error | undefined;
}

type ReadyMessage = { type: "ready"; backend: SigBackend };
type ResultMessage = { id: number; buf: ArrayBuffer };

export function createSigPool(opts: SigPoolOpts = {}): SigPool {
  const workerCount = opts.workers ?? 2;
  const maxChunk = opts.maxChunk ?? 256;
  const inflightPerWorker = opts.inflightPerWorker ?? 2;
  const inlineBelow = opts.inlineBelow ?? 16;
  const backend = opts.backend ?? "auto";
  const workerUrl = opts.workerUrl ?? WORKER_URL;
  if (!Number.isInteger(workerCount) || workerCount < 1) throw new RangeError("sigPool: workers must be ≥ 1");
  if (!Number.isInteger(maxChunk) || maxChunk < 1) throw new RangeError("sigPool: maxChunk must be ≥ 1");
  if (!Number.isInteger(inflightPerWorker) || inflightPerWorker < 1) {
    throw new RangeError("sigPool: inflightPerWorker must be ≥ 1");
  }
  if (backend === "native" && !isBackendAvailable("native")) {
    throw new Error("sigPool: native secp256k1 backend requested but the addon did not load");
  }
  // The inline path must compute what the workers compute, so it follows the same backend choice.
  const inlineBackend: SigBackend = backend === "auto" ? SIG_BACKEND : backend;

  const slots: Slot[] = [];
  const queue: Chunk[] = [];
  /** Txs in `queue`'s chunks. */
  let queuedRecords = 0;
  let nextId = 1;
  let closing = false;
  let closed: Promise<void> | undefined;
  let broken: Error | undefined;
  let drainWaiters: Array<() => void> = [];
  /** recover() calls of this event-loop turn, flushed as one batch by `flushTurn`. */
  let turn: Array<{ tx: SignaturePart; resolve: (a: Address | null) => void; reject: (e: unknown) => void }> =
    [];
  let turnScheduled = false;
  let batches = 0;
  let messages = 0;

  function idle(): boolean {
    return queue.length === 0 && slots.every((s) => s.inflight.size === 0);
  }

  function notifyDrained(): void {
    if (!idle() || drainWaiters.length === 0) return;
    const waiters = drainWaiters;
    drainWaiters = [];
    for (const w of waiters) w();
  }

  function settle(batch: Batch): void {
    batch.pending--;
    if (batch.pending === 0 && !batch.settled) {
      batch.settled = true;
      batch.resolve(batch.results);
    }
  }

  function fail(batch: Batch, error: Error): void {
    if (batch.settled) return;
    batch.settled = true;
    batch.reject(error);
  }

  function spawn(): Slot {
    const worker = new Worker(workerUrl, {
      workerData: { backend },
      // A plain .mjs needs no TS loader; not inheriting execArgv (tsx, vitest flags) keeps start-up lean.
      execArgv: [],
      name: "flops-sig",
    });
    let markReady: (b: SigBackend) => void = () => {};
    let markFailed: (e: Error) => void = () => {};
    const ready = new Promise<SigBackend>((resolve, reject) => {
      markReady = resolve;
      markFailed = reject;
    });
    // ready() may never be called; a worker that dies before starting is reported through the
    // batches it fails, so this rejection must not also surface as an unhandled one.
    ready.catch(() => {});
    const slot: Slot = { worker, inflight: new Map(), ready, started: false, error: undefined };

    worker.on("message", (msg: ReadyMessage | ResultMessage) => {
      if ("type" in msg) {
        slot.started = true;
        markReady(msg.backend);
        // Stay referenced until started, so `await pool.ready()` alone keeps the process alive;
        // afterwards an idle pool must not hold the process open.
        if (slot.inflight.size === 0) worker.unref();
        return;
      }
      const job = slot.inflight.get(msg.id);
      if (!job) return;
      slot.inflight.delete(msg.id);
      if (slot.inflight.size === 0) worker.unref();
      const out = new Uint8Array(msg.buf);
      for (let i = 0; i < job.count; i++) {
        const batch = job.owner[i]!;
        if (batch.settled) continue;
        const r = i * RESPONSE_RECORD;
        // slice: each address owns its bytes rather than pinning the whole response buffer.
        batch.results[job.index[i]!] = out[r] === 1 ? out.slice(r + 1, r + 1 + 20) : null;
      }
      for (const chunk of job.chunks) settle(chunk.batch);
      pump();
      notifyDrained();
    });
    worker.on("error", (error) => {
      slot.error = error;
    });
    worker.on("exit", (code) => {
      const at = slots.indexOf(slot);
      if (at >= 0) slots.splice(at, 1);
      if (closing && slot.inflight.size === 0) {
        markFailed(new Error("sigPool: closed before the worker started"));
        return;
      }
      const error = new Error(`sigPool: worker exited (code ${code})`, { cause: slot.error });
      markFailed(error);
      for (const job of slot.inflight.values()) for (const chunk of job.chunks) fail(chunk.batch, error);
      slot.inflight.clear();
      if (slot.started && !closing) {
        // A worker that ran fine and then died (out of memory, killed) is replaced.
        slots.push(spawn());
      } else if (!slot.started) {
        // One that cannot even start will not start on a retry: the pool is unusable.
        broken ??= error;
        failQueued(error);
      }
      if (slots.length === 0) {
        broken ??= error;
        failQueued(error);
      }
      pump();
      notifyDrained();
    });
    return slot;
  }

  function failQueued(error: Error): void {
    queuedRecords = 0;
    for (const chunk of queue.splice(0)) fail(chunk.batch, error);
  }

  function freeSlot(): Slot | undefined {
    let best: Slot | undefined;
    for (const s of slots) {
      if (s.inflight.size >= inflightPerWorker) continue;
      if (!best || s.inflight.size < best.inflight.size) best = s;
    }
    return best;
  }

  /**
   * Packs and sends queued chunks while some worker has room. One message takes several whole
   * chunks while they fit in the share of the queue one lane would get: admission's batches (a
   * few txs each, one per event-loop turn) that queued up while the workers were busy go out
   * together, one message instead of one each, while a large batch's chunks still spread over the
   * workers.
   */
  function pump(): void {
    while (queue.length > 0) {
      const slot = freeSlot();
      if (!slot) return;
      const lanes = Math.max(1, slots.length) * inflightPerWorker;
      const limit = Math.min(maxChunk, Math.max(inlineBelow, 1, Math.ceil(queuedRecords / lanes)));
      const chunks: Chunk[] = [];
      let records = 0;
      while (queue.length > 0) {
        const chunk = queue[0]!;
        const n = chunk.to - chunk.from;
        if (chunks.length > 0 && records + n > limit) break;
        queue.shift();
        queuedRecords -= n;
        if (chunk.batch.settled) continue;
        chunks.push(chunk);
        records += n;
      }
      const buf = new ArrayBuffer(records * REQUEST_RECORD);
      const bytes = new Uint8Array(buf);
      const owner = new Array<Batch>(records);
      const index = new Int32Array(records);
      const sent: Chunk[] = [];
      let count = 0;
      for (const chunk of chunks) {
        const { batch, from, to } = chunk;
        const before = count;
        for (let i = from; i < to; i++) {
          const tx = batch.txs[i]!;
          // Statically bad signatures never travel: they are null already (results start null).
          if (signatureDefect(tx.signature) !== undefined) continue;
          const o = count * REQUEST_RECORD;
          bytes.set(signingHash(tx.bodyBytes), o);
          bytes.set(tx.signature, o + 32);
          owner[count] = batch;
          index[count++] = i;
        }
        if (count === before) settle(batch);
        else sent.push(chunk);
      }
      if (count === 0) continue;
      const id = nextId++;
      if (slot.inflight.size === 0) slot.worker.ref();
      slot.inflight.set(id, { chunks: sent, owner, index, count });
      messages++;
      slot.worker.postMessage({ id, buf, count }, [buf]);
    }
  }

  function recoverInline(txs: readonly SignaturePart[]): Array<Address | null> {
    return txs.map((tx) => {
      const r = recoverAddress(signingHash(tx.bodyBytes), tx.signature, inlineBackend);
      return r.ok ? r.value : null;
    });
  }

  /** Recovers a batch, small ones inline where `inline`; the caller has checked that the pool is open. */
  function runBatch(txs: readonly SignaturePart[], inline: boolean): Promise<Array<Address | null>> {
    if (broken) return Promise.reject(new Error("sigPool: no worker could start", { cause: broken }));
    batches++;
    if (inline && txs.length < inlineBelow) {
      try {
        return Promise.resolve(recoverInline(txs));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return new Promise<Array<Address | null>>((resolve, reject) => {
      const n = txs.length;
      // Enough chunks to give every worker `inflightPerWorker` of them, none above maxChunk and
      // none so small that the message overhead dominates.
      const lanes = Math.max(1, slots.length) * inflightPerWorker;
      const size = Math.min(maxChunk, Math.max(inlineBelow, 1, Math.ceil(n / lanes)));
      const batch: Batch = {
        txs,
        results: new Array<Address | null>(n).fill(null),
        pending: Math.ceil(n / size),
        settled: false,
        resolve,
        reject,
      };
      for (let from = 0; from < n; from += size) queue.push({ batch, from, to: Math.min(n, from + size) });
      queuedRecords += n;
      pump();
    });
  }

  /** Sends this turn's recover() calls as one batch. */
  function flushTurn(): void {
    turnScheduled = false;
    const calls = turn;
    turn = [];
    if (calls.length === 0) return;
    runBatch(
      calls.map((c) => c.tx),
      false,
    ).then(
      (addrs) => {
        calls.forEach((c, i) => {
          c.resolve(addrs[i] ?? null);
        });
      },
      (e: unknown) => {
        for (const c of calls) c.reject(e);
      },
    );
  }

  for (let i = 0; i < workerCount; i++) slots.push(spawn());

  return {
    recover(tx) {
      if (closing) return Promise.reject(new Error("sigPool: closed"));
      return new Promise((resolve, reject) => {
        turn.push({ tx, resolve, reject });
        if (!turnScheduled) {
          turnScheduled = true;
          setImmediate(flushTurn);
        }
      });
    },

    recoverBatch(txs) {
      if (closing) return Promise.reject(new Error("sigPool: closed"));
      return runBatch(txs, true);
    },

    stats() {
      return { batches, messages };
    },

    ready() {
      return Promise.all(slots.map((s) => s.ready));
    },

    close() {
      closed ??= (async () => {
        closing = true;
        flushTurn(); // calls accepted before close() are recovered, not dropped
        if (!idle()) await new Promise<void>((resolve) => drainWaiters.push(resolve));
        await Promise.all(slots.map((s) => s.worker.terminate()));
      })();
      return closed;
    },
  };
}
