/**
 * A worker_threads pool that recovers tx senders off the main thread.
 *
 * Recovery is the sequencer's dominant per-tx cost (≈ 57 µs native, ≈ 1.4 ms noble; everything
 * else per tx is a few µs), so it is spread over worker threads, one per core but the main thread's. The main thread
 * computes the signing hashes (so the hash has one definition, chain/tx), applies the static
 * signature checks, and writes one request record per tx into a worker's ring.
 * Batches given to `recoverBatch` below `inlineBelow` are recovered on the calling thread: a round
 * trip to a worker costs more than a few recoveries.
 *
 * Callers that have one tx at a time (admission) use `recover(tx)`: the pool gathers every call
 * made in the same event-loop turn and recovers them as one batch on the next (setImmediate). This
 * is the only place that batches recovery. These batches go to the workers, however small: under
 * load (64 requests in flight) a turn gathers only a handful of txs, and recovering them inline
 * would put ≈ 57 µs per tx back on the main thread, the one that serves HTTP and builds blocks.
 * Except when every worker is backlogged (`helpAbove` records in flight or more, ~1.2 ms of work):
 * then the main thread recovers the turn itself, if it holds at most HELP_MAX_TURN txs. Why: at full ingest the requests move in a
 * convoy (a stall releases them together), and while one worker works through the burst the main
 * thread has nothing to do but wait for it. Helping shortens the burst; the ingest bench measured
 * 6,341 / 6,453 / 5,791 / 6,209 tx/s with it against 4,691 / 6,601 / 5,564 / 6,051 without
 * (alternating, same box; means ×1.08), p99 unchanged, the process's cores unchanged (1.37).
 *
 * Transport: one SharedArrayBuffer ring per worker, not a message per batch. Under admission's
 * load a turn holds one or two txs, so each round trip is paid per one or two txs; as messages (a
 * transferred buffer there, a structured-clone 'message' event back) it cost the main thread
 * ≈ 1.4× the CPU of the ring's (one tx per round trip, same run: 27.5 → 20 and 50 → 36 µs on a
 * loaded box). Instead:
 * - requests: the main thread writes records in place at the ring's tail and publishes the tail
 *   with one Atomics.store; it wakes the worker (Atomics.notify) only when the worker said it went
 *   to sleep (Atomics.wait on the tail), so a busy worker takes new records for nothing;
 * - responses: the worker writes each result into the response slot of the same ring position and
 *   publishes its own tail; once it has caught up with the requests (or every quarter ring in a
 *   long pass) it posts a contentless message, only if the main thread armed the ring, and
 *   disarms it in the same step: at most one signal per time the main thread reads the results,
 *   which reads everything answered by then, however many records.
 * A ring holds `ringRecords` records (request and response slot each): the records a worker has
 * in flight. What does not fit waits in the pool's queue (references to the callers' own txs, one
 * entry per batch) and goes out as results free slots: a full ring holds work back, it never
 * grows. See sigWorker.mjs for the worker's side.
 *
 * Priority: `workerNice` can run the workers below the process (Linux nice values are per thread).
 * Waking a sleeping thread where no core is idle is where the main thread loses its core: ingest
 * bench profiles charged it ≈ 0.2–1 ms of wall time per wake on a box loaded 8–11 by other
 * benches, and less with the workers at +10. Default 0 all the same: on a quiet box the ingest
 * bench ran 3,745 / 4,441 tx/s at 0 against 3,514 / 3,836 at +10 (alternating runs), recovery's
 * wait per tx was no shorter at +10 (5.0–6.2 ms against 6.0–7.5), and a nice worker starves
 * behind any other busy process of normal priority (a test suite, a neighbour).
 *
 * Records: request 97 bytes, digest ‖ r ‖ s ‖ v; response 21 bytes, status ‖ address.
 * @module
 */
import { availableParallelism } from "node:os";
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

const REQUEST_RECORD = 97;
const RESPONSE_RECORD = 21;

/**
 * The one definition of a ring's layout; the worker gets it in workerData. Control words are
 * Int32 indexes 64 bytes apart, so the words each side writes sit on cache lines of their own.
 */
const LAYOUT = {
  /** Published by the main thread: the sequence number one past the last request written. */
  reqTail: 0,
  /** Published by the worker: one past the last response written. */
  respTail: 16,
  /** Set by the worker while it waits on reqTail; the main thread notifies only then. */
  sleeping: 32,
  /** Set by the main thread when it wants a signal on the next response; the worker clears it. */
  armed: 48,
  controlBytes: 256,
  requestRecord: REQUEST_RECORD,
  responseRecord: RESPONSE_RECORD,
} as const;

/**
 * The most txs a helped turn may hold (~3.5 ms of native recovery): a larger turn (a flood, or
 * JSON-RPC batches) goes to the workers, so the main thread's share of recovery stays one short
 * piece however the requests arrive.
 */
const HELP_MAX_TURN = 64;

/** Records a large batch puts in one ring at a time at least: a smaller turn goes to one worker whole. */
const MIN_SHARE = 16;

const WORKER_URL = new URL("./sigWorker.mjs", import.meta.url);

/** "auto": native libsecp256k1 where the addon loads, noble otherwise. */
export type SigPoolBackend = SigBackend | "auto";

export interface SigPoolOpts {
  /**
   * Worker threads. Default: one per core but the main thread's (at least one). On the 2-core box
   * one worker ran the ingest bench at 4,749–5,035 tx/s against 4,096–4,790 with two (4 alternating
   * runs each): one recovery thread (~17k recoveries/s) is ample there, and a second runnable
   * thread only competes with the main thread and the journal for the two cores.
   */
  workers?: number;
  /** Records each worker's ring holds (its most in flight), a power of two. Default 1024 (≈ 120 KiB). */
  ringRecords?: number;
  /** `recoverBatch` batches with fewer txs are recovered on the calling thread (never `recover`'s). Default 16. */
  inlineBelow?: number;
  /**
   * A turn of `recover` calls made while every worker has at least this many records in flight is
   * recovered on the calling thread (module doc). Default 16; 0: never.
   */
  helpAbove?: number;
  /** Default "auto". "native" fails pool creation when the addon cannot load. */
  backend?: SigPoolBackend;
  /** How much lower than the process the workers run (Linux nice, 0..19). Default 0. */
  workerNice?: number;
  /** Worker entry; default ./sigWorker.mjs. Tests substitute failing workers here. */
  workerUrl?: URL;
}

/** The parts of a signed tx that recovery reads. */
export type SignaturePart = Pick<SignedTx, "bodyBytes" | "signature">;

export interface SigPoolStats {
  /** Batches recovered (inline or on workers; each turn of `recover` calls is one). */
  batches: number;
  /** Records written to the rings. */
  records: number;
  /** Notifies that woke a sleeping worker. */
  wakes: number;
  /** `recover` calls answered on the calling thread because every worker was backlogged. */
  helped: number;
  /** Signals from workers that results were ready (each read every result answered by then). */
  signals: number;
  /** Records waiting for ring space now. */
  queued: number;
  /** Records in the rings now. */
  inFlight: number;
}

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
   * dies with some of the batch in flight, or after close().
   */
  recoverBatch(txs: readonly SignaturePart[]): Promise<Array<Address | null>>;
  /** Counters since creation, and the queue and rings now. */
  stats(): SigPoolStats;
  /** Resolves once every worker has started, with the backend each runs. */
  ready(): Promise<SigBackend[]>;
  /** Lets in-flight and queued batches finish, then stops the workers. Idempotent. */
  close(): Promise<void>;
}

interface Batch {
  txs: readonly SignaturePart[];
  results: Array<Address | null>;
  /** Txs not answered yet. */
  remaining: number;
  settled: boolean;
  resolve(results: Array<Address | null>): void;
  reject(error: Error): void;
}

/** A batch whose txs from `next` on are not in a ring yet. */
interface Queued {
  batch: Batch;
  next: number;
}

interface Slot {
  worker: Worker;
  ctl: Int32Array;
  req: Uint8Array;
  resp: Uint8Array;
  /** Sequence number of the next request to write (int32, wrapping; published as reqTail). */
  tail: number;
  /** Sequence number of the next response to read. */
  head: number;
  /** Batch and index in it of the record at each ring position in flight. */
  owner: Array<Batch | undefined>;
  index: Int32Array;
  ready: Promise<SigBackend>;
  started: boolean;
  error: Error | undefined;
}

type ReadyMessage = { type: "ready"; backend: SigBackend };

function inFlightOf(slot: Slot): number {
  return (slot.tail - slot.head) | 0;
}

export function createSigPool(opts: SigPoolOpts = {}): SigPool {
  const workerCount = opts.workers ?? Math.max(1, availableParallelism() - 1);
  const ringRecords = opts.ringRecords ?? 1024;
  const inlineBelow = opts.inlineBelow ?? 16;
  const helpAbove = opts.helpAbove ?? 16;
  const backend = opts.backend ?? "auto";
  const workerNice = opts.workerNice ?? 0;
  const workerUrl = opts.workerUrl ?? WORKER_URL;
  if (!Number.isInteger(workerCount) || workerCount < 1) throw new RangeError("sigPool: workers must be ≥ 1");
  if (
    !Number.isInteger(ringRecords) ||
    ringRecords < 1 ||
    ringRecords > 1 << 20 ||
    (ringRecords & (ringRecords - 1)) !== 0
  ) {
    throw new RangeError("sigPool: ringRecords must be a power of two ≤ 2^20");
  }
  if (!Number.isInteger(helpAbove) || helpAbove < 0)
    throw new RangeError("sigPool: helpAbove must be an integer ≥ 0");
  if (!Number.isInteger(workerNice) || workerNice < 0 || workerNice > 19) {
    throw new RangeError("sigPool: workerNice must be an integer in 0..19");
  }
  if (backend === "native" && !isBackendAvailable("native")) {
    throw new Error("sigPool: native secp256k1 backend requested but the addon did not load");
  }
  // The inline path must compute what the workers compute, so it follows the same backend choice.
  const inlineBackend: SigBackend = backend === "auto" ? SIG_BACKEND : backend;
  const mask = ringRecords - 1;

  const slots: Slot[] = [];
  const queue: Queued[] = [];
  /** Txs in `queue` not yet written. */
  let queuedRecords = 0;
  let closing = false;
  let closed: Promise<void> | undefined;
  let broken: Error | undefined;
  let drainWaiters: Array<() => void> = [];
  /** recover() calls of this event-loop turn, flushed as one batch by `flushTurn`. */
  let turn: Array<{ tx: SignaturePart; resolve: (a: Address | null) => void; reject: (e: unknown) => void }> =
    [];
  let turnScheduled = false;
  const counts = { batches: 0, records: 0, wakes: 0, signals: 0, helped: 0 };

  function idle(): boolean {
    return queue.length === 0 && slots.every((s) => inFlightOf(s) === 0);
  }

  function notifyDrained(): void {
    if (!idle() || drainWaiters.length === 0) return;
    const waiters = drainWaiters;
    drainWaiters = [];
    for (const w of waiters) w();
  }

  /** One more tx of `batch` answered (its result already stored). */
  function answered(batch: Batch): void {
    if (--batch.remaining === 0 && !batch.settled) {
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
    const sab = new SharedArrayBuffer(LAYOUT.controlBytes + ringRecords * (REQUEST_RECORD + RESPONSE_RECORD));
    const worker = new Worker(workerUrl, {
      workerData: { backend, sab, ringRecords, layout: LAYOUT, nice: workerNice },
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
    const requestBytes = ringRecords * REQUEST_RECORD;
    const slot: Slot = {
      worker,
      ctl: new Int32Array(sab, 0, LAYOUT.controlBytes / 4),
      req: new Uint8Array(sab, LAYOUT.controlBytes, requestBytes),
      resp: new Uint8Array(sab, LAYOUT.controlBytes + requestBytes, ringRecords * RESPONSE_RECORD),
      tail: 0,
      head: 0,
      owner: new Array<Batch | undefined>(ringRecords),
      index: new Int32Array(ringRecords),
      ready,
      started: false,
      error: undefined,
    };

    worker.on("message", (msg: ReadyMessage | null) => {
      if (msg !== null) {
        slot.started = true;
        markReady(msg.backend);
        // Stay referenced until started, so `await pool.ready()` alone keeps the process alive;
        // afterwards an idle pool must not hold the process open.
        if (inFlightOf(slot) === 0) worker.unref();
        return;
      }
      counts.signals++;
      collect(slot);
      pump();
      notifyDrained();
    });
    worker.on("error", (error) => {
      slot.error = error;
    });
    worker.on("exit", (code) => {
      const at = slots.indexOf(slot);
      if (at >= 0) slots.splice(at, 1);
      // What it answered before it died still counts; only batches with records left fail.
      collect(slot);
      if (closing && inFlightOf(slot) === 0) {
        markFailed(new Error("sigPool: closed before the worker started"));
        return;
      }
      const error = new Error(`sigPool: worker exited (code ${code})`, { cause: slot.error });
      markFailed(error);
      for (let seq = slot.head; seq !== slot.tail; seq = (seq + 1) | 0) {
        const batch = slot.owner[seq & mask];
        if (batch) fail(batch, error);
        slot.owner[seq & mask] = undefined;
      }
      slot.head = slot.tail;
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
    for (const q of queue.splice(0)) fail(q.batch, error);
  }

  /** Reads every response the worker has published, then arms the ring while records remain. */
  function collect(slot: Slot): void {
    const { ctl, resp, owner, index } = slot;
    for (;;) {
      const published = Atomics.load(ctl, LAYOUT.respTail);
      for (; slot.head !== published; slot.head = (slot.head + 1) | 0) {
        const at = slot.head & mask;
        const batch = owner[at]!;
        owner[at] = undefined;
        if (batch.settled) continue;
        const r = at * RESPONSE_RECORD;
        // slice: each address owns its bytes (a plain buffer), not a view of the ring.
        if (resp[r] === 1) batch.results[index[at]!] = resp.slice(r + 1, r + 1 + 20);
        answered(batch);
      }
      if (slot.head === slot.tail) {
        slot.worker.unref();
        return;
      }
      // Armed before looking again: a response published after this store signals; one published
      // before it is seen by the look (both sides' atomics are sequentially consistent).
      Atomics.store(ctl, LAYOUT.armed, 1);
      if (Atomics.load(ctl, LAYOUT.respTail) === published) return;
    }
  }

  /** Every worker has `helpAbove` records in flight or more. */
  function backlogged(): boolean {
    if (slots.length === 0) return false;
    for (const s of slots) if (inFlightOf(s) < helpAbove) return false;
    return true;
  }

  /** The slot with the fewest records in flight. */
  function leastLoaded(): Slot | undefined {
    let best: Slot | undefined;
    for (const s of slots) if (!best || inFlightOf(s) < inFlightOf(best)) best = s;
    return best;
  }

  /**
   * Writes queued txs into the rings while there is room, a share at a time to the least loaded
   * worker: a large batch spreads over the workers, a turn of a few txs goes to one (one wake,
   * one signal).
   */
  function pump(): void {
    while (queue.length > 0) {
      const slot = leastLoaded();
      if (!slot) return;
      const room = ringRecords - inFlightOf(slot);
      if (room === 0) return;
      const share = Math.min(room, Math.max(MIN_SHARE, Math.ceil(queuedRecords / slots.length)));
      const before = slot.tail;
      while (queue.length > 0 && ((slot.tail - before) | 0) < share) {
        const q = queue[0]!;
        const { batch } = q;
        if (batch.settled) {
          queuedRecords -= batch.txs.length - q.next;
          queue.shift();
          continue;
        }
        const i = q.next++;
        queuedRecords--;
        if (q.next === batch.txs.length) queue.shift();
        const tx = batch.txs[i]!;
        // Statically bad signatures never travel: they are null already (results start null).
        if (signatureDefect(tx.signature) !== undefined) {
          answered(batch);
          continue;
        }
        const at = slot.tail & mask;
        const o = at * REQUEST_RECORD;
        slot.req.set(signingHash(tx.bodyBytes), o);
        slot.req.set(tx.signature, o + 32);
        slot.owner[at] = batch;
        slot.index[at] = i;
        slot.tail = (slot.tail + 1) | 0;
      }
      const written = (slot.tail - before) | 0;
      if (written > 0) publish(slot, written);
    }
  }

  function publish(slot: Slot, written: number): void {
    const { ctl } = slot;
    counts.records += written;
    if (inFlightOf(slot) === written) slot.worker.ref(); // was idle: keep the process alive for it
    // Armed before the records are visible, so the first response signals.
    Atomics.store(ctl, LAYOUT.armed, 1);
    Atomics.store(ctl, LAYOUT.reqTail, slot.tail);
    // The worker sets `sleeping` before it checks the tail in Atomics.wait: either it sees this
    // tail there, or this load sees its flag.
    if (Atomics.load(ctl, LAYOUT.sleeping) === 1 && Atomics.notify(ctl, LAYOUT.reqTail) > 0) counts.wakes++;
  }

  function recoverInline(txs: readonly SignaturePart[]): Array<Address | null> {
    return txs.map((tx) => {
      const r = recoverAddress(signingHash(tx.bodyBytes), tx.signature, inlineBackend);
      return r.ok ? r.value : null;
    });
  }

  /** Queues a batch for the workers; the caller has checked that the pool is open. */
  function enqueue(
    txs: readonly SignaturePart[],
    resolve: (results: Array<Address | null>) => void,
    reject: (error: Error) => void,
  ): void {
    if (broken) {
      reject(new Error("sigPool: no worker could start", { cause: broken }));
      return;
    }
    counts.batches++;
    const batch: Batch = {
      txs,
      results: new Array<Address | null>(txs.length).fill(null),
      remaining: txs.length,
      settled: false,
      resolve,
      reject,
    };
    if (txs.length === 0) {
      batch.settled = true;
      resolve(batch.results);
      return;
    }
    queue.push({ batch, next: 0 });
    queuedRecords += txs.length;
    pump();
  }

  /** Sends this turn's recover() calls as one batch. */
  function flushTurn(): void {
    turnScheduled = false;
    const calls = turn;
    turn = [];
    if (calls.length === 0) return;
    const resolveAll = (addrs: Array<Address | null>) => {
      for (let i = 0; i < calls.length; i++) calls[i]!.resolve(addrs[i] ?? null);
    };
    const rejectAll = (e: unknown) => {
      for (const c of calls) c.reject(e);
    };
    if (helpAbove > 0 && calls.length <= HELP_MAX_TURN && !broken && backlogged()) {
      counts.batches++;
      counts.helped += calls.length;
      let addrs: Array<Address | null>;
      try {
        addrs = recoverInline(calls.map((c) => c.tx));
      } catch (e) {
        rejectAll(e);
        return;
      }
      resolveAll(addrs);
      return;
    }
    enqueue(
      calls.map((c) => c.tx),
      resolveAll,
      rejectAll,
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
      if (!broken && txs.length < inlineBelow) {
        counts.batches++;
        try {
          return Promise.resolve(recoverInline(txs));
        } catch (error) {
          return Promise.reject(error);
        }
      }
      return new Promise((resolve, reject) => enqueue(txs, resolve, reject));
    },

    stats() {
      let inFlight = 0;
      for (const s of slots) inFlight += inFlightOf(s);
      return { ...counts, queued: queuedRecords, inFlight };
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
