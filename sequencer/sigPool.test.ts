import { afterAll, describe, expect, it } from "vitest";
import { bytesToHex, hexToBytes } from "../chain/bytes.ts";
import { keccak256, utf8 } from "../chain/hash.ts";
import { recoverSender, SECP256K1_N, signBodyBytes } from "../chain/tx/index.ts";
import type { Address } from "../chain/types.ts";
import { createSigPool, type SignaturePart } from "./sigPool.ts";

const N = BigInt(bytesToHex(SECP256K1_N));
const u256 = (x: bigint) => hexToBytes(x.toString(16).padStart(64, "0"));
const hexOrNull = (a: Address | null) => (a === null ? null : bytesToHex(a));

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
  it("gathers the calls of one event-loop turn into one batch and one worker message", async () => {
    // One worker, one chunk in flight: a batch of 100 goes out as one message.
    const pool = createSigPool({ workers: 1, inflightPerWorker: 1 });
    try {
      await pool.ready();
      const part = BATCH.slice(0, 100);
      const out = await Promise.all(part.map((tx) => pool.recover(tx)));
      expect(out.map(hexOrNull)).toEqual(EXPECTED.slice(0, 100));
      expect(pool.stats()).toEqual({ batches: 1, messages: 1 });

      // Calls of a later turn form a batch of their own.
      const later = await Promise.all(BATCH.slice(100, 140).map((tx) => pool.recover(tx)));
      expect(later.map(hexOrNull)).toEqual(EXPECTED.slice(100, 140));
      expect(pool.stats()).toEqual({ batches: 2, messages: 2 });
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
      expect(pool.stats()).toEqual({ batches: 1, messages: 1 });
      // recoverBatch keeps the inline path for its small batches.
      await pool.recoverBatch(BATCH.slice(0, 3));
      expect(pool.stats()).toEqual({ batches: 2, messages: 1 });
    } finally {
      await pool.close();
    }
  });

  it("sends the turns that queued while the workers were busy together, in one message", async () => {
    // One worker, one message in flight: turn 1 (200 txs, milliseconds of work) goes out alone;
    // turns 2..4 (5 txs each) queue behind it and leave together when it answers (normally as one
    // message: at most two even if the machine stalls this thread for as long as turn 1 takes).
    const pool = createSigPool({ workers: 1, inflightPerWorker: 1 });
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
      expect(pool.stats().batches).toBe(4);
      expect(pool.stats().messages).toBeLessThanOrEqual(3);
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
    const pool = createSigPool({ workers: 2, maxChunk: 32 });
    const pending = pool.recoverBatch(BATCH);
    const closing = pool.close();
    expect((await pending).map(hexOrNull)).toEqual(EXPECTED);
    await closing;
    await pool.close();
    await expect(pool.recoverBatch(BATCH)).rejects.toThrow(/closed/);
  });

  it("rejects bad options", () => {
    expect(() => createSigPool({ workers: 0 })).toThrow(RangeError);
    expect(() => createSigPool({ maxChunk: 0 })).toThrow(RangeError);
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

  it("a worker dying mid-batch rejects that batch; the pool replaces it and closes cleanly", async () => {
    const pool = createSigPool({
      workers: 2,
      workerUrl: workerModule(
        'import { parentPort } from "node:worker_threads";' +
          'parentPort.postMessage({ type: "ready", backend: "native" });' +
          'parentPort.on("message", () => process.exit(3));',
      ),
    });
    await pool.ready();
    await expect(pool.recoverBatch(BATCH)).rejects.toThrow(/worker exited \(code 3\)/);
    // Replacements were started (this fixture's workers report ready, then die on work again).
    expect(await pool.ready()).toEqual(["native", "native"]);
    await pool.close();
  });
});
