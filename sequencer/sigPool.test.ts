import { readdirSync, readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { bytesToHex, hexToBytes } from "../chain/bytes.ts";
import { keccak256, utf8 } from "../chain/hash.ts";
import { recoverSender, SECP256K1_N, signatureDefect, signBodyBytes } from "../chain/tx/index.ts";
import type { Address } from "../chain/types.ts";
import { createSigPool, type SignaturePart } from "./sigPool.ts";

const N = BigInt(bytesToHex(SECP256K1_N));
const u256 = (x: bigint) => hexToBytes(x.toString(16).padStart(64, "0"));
const hexOrNull = (a: Address | null) => (a === null ? null : bytesToHex(a));
/** sigWorker.mjs signals at least this often (records) while it has work, and only when armed. */
const SIGNAL_EVERY = 16;

// Deterministic keys and bodies: test data must not depend on a random seed to reproduce.
const KEYS = Array.from({ length: 8 }, (_, i) => keccak256(utf8(`sigPool/key/${i}`)));
function bodyFor(i: number): Uint8Array {
  return keccak256(utf8(`sigPool/body/${i}`)).subarray(0, 8 + (i % 24));
}

/** A mix of good signatures and every kind of bad one, in a fixed pattern. */
function mixedBatch(n: number): SignaturePart[] {
  const txs: SignaturePart[] = [];
  for (let i = 0; i < n; i++) {
    const bodyBytes = bodyFor(i);
    const signature = signBodyBytes(bodyBytes, KEYS[i % KEYS.length]!);
    switch (i % 11) {
      case 3: {
        // high-s twin of a valid signature
        const s = BigInt(bytesToHex(signature.subarray(32, 64)));
        signature.set(u256(N - s), 32);
        signature[64] = signature[64]! ^ 1;
        break;
      }
      case 5:
        signature[64] = 27 + signature[64]!;
        break;
      case 6:
        txs.push({ bodyBytes, signature: signature.subarray(0, 64) });
        continue;
      case 7:
        signature.set(u256(5n), 0); // r with no point on the curve
        break;
      case 8: {
        // body changed after signing: recovers some other address
        const tampered = bodyBytes.slice();
        tampered[0] = tampered[0]! ^ 1;
        txs.push({ bodyBytes: tampered, signature });
        continue;
      }
      case 9:
        signature.set(u256(0n), 32);
        break;
      case 10:
        signature.set(u256(N), 0);
        break;
    }
    txs.push({ bodyBytes, signature });
  }
  return txs;
}

function reference(txs: readonly SignaturePart[]): Array<string | null> {
  return txs.map((tx) => {
    const r = recoverSender(tx);
    return r.ok ? bytesToHex(r.value) : null;
  });
}

const BATCH = mixedBatch(300);
const EXPECTED = reference(BATCH);

describe("createSigPool", () => {
  const pool = createSigPool({ workers: 2 });
  afterAll(() => pool.close());

  it("starts its workers on the native backend", async () => {
    expect(await pool.ready()).toEqual(["native", "native"]);
  });

  it("the fixture has both outcomes", () => {
    expect(EXPECTED.filter((x) => x === null).length).toBeGreaterThan(100);
    expect(EXPECTED.filter((x) => x !== null).length).toBeGreaterThan(100);
  });

  it("matches single-threaded recoverSender on a mixed batch", async () => {
    expect((await pool.recoverBatch(BATCH)).map(hexOrNull)).toEqual(EXPECTED);
  });

  it("handles concurrent batches of different sizes, including inline ones and empty", async () => {
    const slices = [BATCH.slice(0, 5), BATCH.slice(5, 200), [], BATCH.slice(17, 33), BATCH];
    const out = await Promise.all(slices.map((s) => pool.recoverBatch(s)));
    out.forEach((res, k) => {
      const s = slices[k]!;
      const start = s.length === 0 ? 0 : BATCH.indexOf(s[0]!);
      expect(res.map(hexOrNull)).toEqual(EXPECTED.slice(start, start + s.length));
    });
  });

  it("handles a chunk where every signature fails the static checks", async () => {
    const bad = BATCH.filter((_, i) => i % 11 === 5 || i % 11 === 6);
    const res = await pool.recoverBatch(bad);
    expect(res.every((x) => x === null)).toBe(true);
    expect(res.length).toBe(bad.length);
  });
});

describe("recover(): one call per tx, batched by the pool", () => {
  it("gathers the calls of one event-loop turn into one batch, one wake and a signal per 16 records at most", async () => {
    const pool = createSigPool({ workers: 1 });
    try {
      await pool.ready();
      const part = BATCH.slice(0, 100);
      const records = part.filter((tx) => signatureDefect(tx.signature) === undefined).length;
      const out = await Promise.all(part.map((tx) => pool.recover(tx)));
      expect(out.map(hexOrNull)).toEqual(EXPECTED.slice(0, 100));
      let s = pool.stats();
      expect(s).toMatchObject({ batches: 1, records, queued: 0, inFlight: 0 });
      expect(s.wakes).toBeLessThanOrEqual(1);
      // Results come back at least every SIGNAL_EVERY records, never one message per record.
      expect(s.signals).toBeGreaterThanOrEqual(1);
      expect(s.signals).toBeLessThanOrEqual(Math.ceil(records / SIGNAL_EVERY));
      const signalsBefore = s.signals;

      // Calls of a later turn form a batch of their own.
      const later = await Promise.all(BATCH.slice(100, 140).map((tx) => pool.recover(tx)));
      expect(later.map(hexOrNull)).toEqual(EXPECTED.slice(100, 140));
      s = pool.stats();
      expect(s.batches).toBe(2);
      expect(s.signals - signalsBefore).toBeGreaterThanOrEqual(1);
      expect(s.signals - signalsBefore).toBeLessThanOrEqual(Math.ceil(40 / SIGNAL_EVERY));
      expect(s.wakes).toBeLessThanOrEqual(2);
    } finally {
      await pool.close();
    }
  });

  it("sends even a turn of a few calls to a worker, never recovering them on the main thread", async () => {
    const pool = createSigPool({ workers: 1, inlineBelow: 16 });
    try {
      await pool.ready();
      const out = await Promise.all(BATCH.slice(0, 3).map((tx) => pool.recover(tx)));
      expect(out.map(hexOrNull)).toEqual(EXPECTED.slice(0, 3));
      expect(pool.stats()).toMatchObject({ batches: 1, records: 3 });
      // recoverBatch keeps the inline path for its small batches.
      await pool.recoverBatch(BATCH.slice(0, 3));
      expect(pool.stats()).toMatchObject({ batches: 2, records: 3 });
    } finally {
      await pool.close();
    }
  });

  it("turns made while the worker is busy join its ring without waking it", async () => {
    // One worker: turn 1 (200 txs, milliseconds of work) wakes it; turns 2..4 (5 txs each) are
    // written while it works, so it takes them without a wake (at most one more if the machine
    // stalls this thread for as long as turn 1 takes), its results coming back a signal per
    // SIGNAL_EVERY records at most. (helpAbove 0: the main thread never takes a turn itself.)
    const pool = createSigPool({ workers: 1, helpAbove: 0 });
    try {
      await pool.ready();
      const sizes = [200, 5, 5, 5];
      const turns: Promise<Array<Uint8Array | null>>[] = [];
      let at = 0;
      for (const n of sizes) {
        turns.push(Promise.all(BATCH.slice(at, at + n).map((tx) => pool.recover(tx))));
        at += n;
        await new Promise((r) => setImmediate(r));
      }
      const out = (await Promise.all(turns)).flat();
      expect(out.map(hexOrNull)).toEqual(EXPECTED.slice(0, at));
      const s = pool.stats();
      expect(s.batches).toBe(4);
      expect(s.wakes).toBeLessThanOrEqual(2);
      expect(s.signals).toBeLessThanOrEqual(Math.ceil(at / SIGNAL_EVERY) + 1);
    } finally {
      await pool.close();
    }
  });

  it("a turn made while every worker is backlogged is recovered on the calling thread; others go to the ring", async () => {
    const pool = createSigPool({ workers: 1, helpAbove: 16 });
    try {
      await pool.ready();
      // ~800 records in flight (~50 ms of work: a stalled test thread still finds it busy).
      const big = pool.recoverBatch([...BATCH, ...BATCH, ...BATCH]);
      const recordsBefore = pool.stats().records;
      const turn = BATCH.slice(0, 5);
      const helped = await Promise.all(turn.map((tx) => pool.recover(tx)));
      expect(helped.map(hexOrNull)).toEqual(EXPECTED.slice(0, 5));
      // Answered here: no record written for them, and the counter says so.
      expect(pool.stats()).toMatchObject({ records: recordsBefore, helped: 5 });
      expect((await big).map(hexOrNull)).toEqual([...EXPECTED, ...EXPECTED, ...EXPECTED]);

      // The worker idle again: a turn goes to the ring, as ever.
      const later = await Promise.all(BATCH.slice(5, 10).map((tx) => pool.recover(tx)));
      expect(later.map(hexOrNull)).toEqual(EXPECTED.slice(5, 10));
      const recoverable = BATCH.slice(5, 10).filter(
        (tx) => signatureDefect(tx.signature) === undefined,
      ).length;
      expect(pool.stats()).toMatchObject({ records: recordsBefore + recoverable, helped: 5 });

      // A turn larger than a helped turn may be (a flood) goes to the worker even when it is busy.
      const again = pool.recoverBatch(BATCH);
      const flood = await Promise.all(BATCH.slice(0, 65).map((tx) => pool.recover(tx)));
      expect(flood.map(hexOrNull)).toEqual(EXPECTED.slice(0, 65));
      expect(pool.stats().helped).toBe(5);
      await again;
    } finally {
      await pool.close();
    }
  });

  it("many concurrent recovers over many turns, with batches between, all in order", async () => {
    const pool = createSigPool({ workers: 2, ringRecords: 32 });
    try {
      const calls: Array<Promise<Address | null>> = [];
      const batches: Array<Promise<Array<Address | null>>> = [];
      for (let round = 0; round < 20; round++) {
        for (let i = 0; i < 60; i++) calls.push(pool.recover(BATCH[(round * 60 + i) % BATCH.length]!));
        if (round % 5 === 0) batches.push(pool.recoverBatch(BATCH));
        if (round % 3 === 0) await new Promise((r) => setImmediate(r));
      }
      const out = await Promise.all(calls);
      expect(out.map(hexOrNull)).toEqual(out.map((_, k) => EXPECTED[k % BATCH.length]));
      for (const b of await Promise.all(batches)) expect(b.map(hexOrNull)).toEqual(EXPECTED);
      expect(pool.stats()).toMatchObject({ queued: 0, inFlight: 0 });
    } finally {
      await pool.close();
    }
  });

  it("a full ring holds the rest back in the queue, then takes it as results free slots", async () => {
    const pool = createSigPool({ workers: 1, ringRecords: 8 });
    try {
      const pending = pool.recoverBatch(BATCH);
      // Written synchronously: the ring is full, the rest waits (static rejects never take a slot).
      const s = pool.stats();
      expect(s.inFlight).toBe(8);
      expect(s.queued).toBeGreaterThan(250);
      expect((await pending).map(hexOrNull)).toEqual(EXPECTED);
      const records = BATCH.filter((tx) => signatureDefect(tx.signature) === undefined).length;
      expect(pool.stats()).toMatchObject({ records, queued: 0, inFlight: 0 });
    } finally {
      await pool.close();
    }
  });

  it("close() still recovers the calls made before it, then refuses new ones", async () => {
    const pool = createSigPool({ workers: 1 });
    const pending = Promise.all(BATCH.slice(0, 50).map((tx) => pool.recover(tx)));
    await pool.close();
    expect((await pending).map(hexOrNull)).toEqual(EXPECTED.slice(0, 50));
    await expect(pool.recover(BATCH[0]!)).rejects.toThrow(/closed/);
  });

  it("a batch that fails rejects every call that joined it", async () => {
    const pool = createSigPool({
      workers: 1,
      workerUrl: new URL(`data:text/javascript,${encodeURIComponent('throw new Error("no start");')}`),
    });
    await expect(pool.ready()).rejects.toThrow(/exited/);
    const calls = BATCH.slice(0, 20).map((tx) =>
      pool.recover(tx).then(
        () => "ok",
        (e: Error) => e.message,
      ),
    );
    for (const r of await Promise.all(calls)) expect(r).toMatch(/no worker could start/);
    await pool.close();
  });
});

describe("pool options and lifecycle", () => {
  it("a noble-backed pool gives the same answers", async () => {
    const pool = createSigPool({ workers: 1, backend: "noble", inlineBelow: 4 });
    try {
      expect(await pool.ready()).toEqual(["noble"]);
      const part = BATCH.slice(0, 33);
      expect((await pool.recoverBatch(part)).map(hexOrNull)).toEqual(EXPECTED.slice(0, 33));
      expect((await pool.recoverBatch(part.slice(0, 3))).map(hexOrNull)).toEqual(EXPECTED.slice(0, 3));
    } finally {
      await pool.close();
    }
  });

  it("close() lets in-flight batches finish, is idempotent, then refuses work", async () => {
    const pool = createSigPool({ workers: 2, ringRecords: 32 });
    const pending = pool.recoverBatch(BATCH);
    const closing = pool.close();
    expect((await pending).map(hexOrNull)).toEqual(EXPECTED);
    await closing;
    await pool.close();
    await expect(pool.recoverBatch(BATCH)).rejects.toThrow(/closed/);
  });

  it("close() with work still queued behind a full ring recovers all of it", async () => {
    const pool = createSigPool({ workers: 1, ringRecords: 8 });
    const batch = pool.recoverBatch(BATCH);
    const calls = Promise.all(BATCH.slice(0, 40).map((tx) => pool.recover(tx)));
    expect(pool.stats().queued).toBeGreaterThan(0);
    await pool.close();
    expect((await batch).map(hexOrNull)).toEqual(EXPECTED);
    expect((await calls).map(hexOrNull)).toEqual(EXPECTED.slice(0, 40));
    expect(pool.stats()).toMatchObject({ queued: 0, inFlight: 0 });
  });

  it.runIf(process.platform === "linux")("runs its workers below the main thread's priority", async () => {
    const niceOfThreads = () =>
      readdirSync("/proc/self/task").map((tid) => {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]); // field 19: nice
      });
    const base = niceOfThreads().filter((n) => n === 7).length;
    const pool = createSigPool({ workers: 2, workerNice: 7 });
    try {
      await pool.ready();
      expect(niceOfThreads().filter((n) => n === 7).length).toBe(base + 2);
      expect((await pool.recoverBatch(BATCH)).map(hexOrNull)).toEqual(EXPECTED);
    } finally {
      await pool.close();
    }
  });

  it("rejects bad options", () => {
    expect(() => createSigPool({ workers: 0 })).toThrow(RangeError);
    for (const ringRecords of [0, 3, 1.5, 1 << 21])
      expect(() => createSigPool({ ringRecords })).toThrow(RangeError);
    for (const helpAbove of [-1, 1.5]) expect(() => createSigPool({ helpAbove })).toThrow(RangeError);
  });
});

describe("worker failures", () => {
  const workerModule = (code: string) => new URL(`data:text/javascript,${encodeURIComponent(code)}`);

  it("a worker that cannot start makes the pool refuse work, with the cause", async () => {
    const pool = createSigPool({ workers: 2, workerUrl: workerModule('throw new Error("boom at start");') });
    await expect(pool.ready()).rejects.toThrow(/exited/);
    const error = await pool.recoverBatch(BATCH).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/no worker could start/);
    // The chain of causes reaches the worker's own exception.
    expect(String((error?.cause as Error | undefined)?.cause)).toMatch(/boom at start/);
    // Small batches too: a half-working pool would hide the failure until load arrives.
    await expect(pool.recoverBatch(BATCH.slice(0, 3))).rejects.toThrow(/no worker could start/);
    await pool.close();
  });

  /**
   * A worker on the ring protocol that answers every record "failed" (status 0: fresh rings hold
   * zeros) and dies with code 3 before answering its record number `dieAt`.
   */
  const dyingWorker = (dieAt: number) =>
    workerModule(`
      import { parentPort, workerData } from "node:worker_threads";
      const { sab, layout } = workerData;
      const ctl = new Int32Array(sab, 0, layout.controlBytes / 4);
      parentPort.postMessage({ type: "ready", backend: "native" });
      let head = 0;
      for (;;) {
        const tail = Atomics.load(ctl, layout.reqTail);
        if (tail === head) {
          Atomics.store(ctl, layout.sleeping, 1);
          Atomics.wait(ctl, layout.reqTail, head);
          Atomics.store(ctl, layout.sleeping, 0);
          continue;
        }
        if (head === ${dieAt}) process.exit(3);
        head++;
        Atomics.store(ctl, layout.respTail, head);
        if (Atomics.load(ctl, layout.reqTail) === head && Atomics.exchange(ctl, layout.armed, 0) === 1)
          parentPort.postMessage(null);
      }`);
  /** Txs that pass the static checks, so each takes a ring slot. */
  const RECOVERABLE = BATCH.filter((tx) => signatureDefect(tx.signature) === undefined);

  it("a worker dying mid-batch rejects exactly the batches it held unanswered; the pool replaces it", async () => {
    const pool = createSigPool({ workers: 1, inlineBelow: 0, workerUrl: dyingWorker(30) });
    await pool.ready();
    // All three are in the ring, in order: a (20, all answered), b (20: 10 answered, then the
    // worker dies), c (none answered).
    const a = pool.recoverBatch(RECOVERABLE.slice(0, 20));
    const b = pool.recoverBatch(RECOVERABLE.slice(20, 40));
    const c = pool.recoverBatch(RECOVERABLE.slice(40, 45));
    expect(await a).toEqual(new Array(20).fill(null));
    await expect(b).rejects.toThrow(/worker exited \(code 3\)/);
    await expect(c).rejects.toThrow(/worker exited \(code 3\)/);
    // A replacement was started, and work after the death goes to it.
    expect(await pool.ready()).toEqual(["native"]);
    expect(await pool.recoverBatch(RECOVERABLE.slice(0, 5))).toEqual(new Array(5).fill(null));
    expect(pool.stats()).toMatchObject({ queued: 0, inFlight: 0 });
    await pool.close();
  });

  it("work queued behind a full ring when its worker dies goes to the replacement", async () => {
    const pool = createSigPool({ workers: 1, ringRecords: 8, inlineBelow: 0, workerUrl: dyingWorker(8) });
    await pool.ready();
    const a = pool.recoverBatch(RECOVERABLE.slice(0, 8)); // fills the ring; all answered
    const b = pool.recoverBatch(RECOVERABLE.slice(8, 16)); // queued; fills the ring once a is read; dies there
    const c = pool.recoverBatch(RECOVERABLE.slice(16, 20)); // queued all along
    expect(pool.stats()).toMatchObject({ inFlight: 8, queued: 12 });
    expect(await a).toEqual(new Array(8).fill(null));
    await expect(b).rejects.toThrow(/worker exited \(code 3\)/);
    expect(await c).toEqual(new Array(4).fill(null));
    await pool.close();
  });
});
