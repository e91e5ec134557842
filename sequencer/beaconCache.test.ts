import { afterEach, describe, expect, it } from "vitest";
import { createLocalBeacon, deriveBeaconSecretKey, roundTimeMs } from "../chain/beacon/index.ts";
import { bytesToHex } from "../chain/bytes.ts";
import {
  BeaconCache,
  type BeaconCacheOpts,
  DEFAULT_BEACON_CACHE_OPTS,
  ENTRY_OVERHEAD_BYTES,
} from "./beaconCache.ts";
import type { BeaconSource } from "./ports.ts";

// A real local beacon (1 s rounds from t = 1000 s): the signatures are real BLS signatures.
const beacon = createLocalBeacon(deriveBeaconSecretKey("flops/test/beacon-cache"), {
  genesisTime: 1000n,
  periodSeconds: 1n,
});
const at = (round: bigint) => roundTimeMs(beacon.config, round);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A clock that starts at `from` and runs in real time (backoff waits on it). */
function runningClock(from: bigint): { readonly now: bigint } {
  const t0 = performance.now();
  return {
    get now() {
      return from + BigInt(Math.floor(performance.now() - t0));
    },
  };
}

async function until(cond: () => boolean, what: string, timeoutMs = 3_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

interface Call {
  round: bigint;
  signal: AbortSignal | undefined;
  startedAt: number;
  settle(answer: Uint8Array | undefined | Error): void;
}

/**
 * A source whose answers the test gives by hand (`calls[i].settle`), or at once with `auto`.
 * It tracks how many requests per round are pending at the same time.
 */
class ManualSource implements BeaconSource {
  readonly calls: Call[] = [];
  /** Highest number of pending requests for one round seen at any time. */
  maxPerRound = 0;
  maxPending = 0;
  private readonly pending = new Map<bigint, number>();
  auto: ((round: bigint) => Uint8Array | undefined | Error) | undefined;

  getRound(round: bigint, signal?: AbortSignal): Promise<Uint8Array | undefined> {
    const n = (this.pending.get(round) ?? 0) + 1;
    this.pending.set(round, n);
    this.maxPerRound = Math.max(this.maxPerRound, n);
    this.maxPending = Math.max(
      this.maxPending,
      [...this.pending.values()].reduce((a, b) => a + b, 0),
    );
    return new Promise((resolve, reject) => {
      let settled = false;
      const call: Call = {
        round,
        signal,
        startedAt: performance.now(),
        settle: (a) => {
          if (settled) return;
          settled = true;
          this.pending.set(round, this.pending.get(round)! - 1);
          if (a instanceof Error) reject(a);
          else resolve(a);
        },
      };
      // An honest source stops when aborted.
      signal?.addEventListener("abort", () => call.settle(new Error("aborted")), { once: true });
      this.calls.push(call);
      if (this.auto) {
        const a = this.auto(round);
        queueMicrotask(() => call.settle(a));
      }
    });
  }

  callsFor(round: bigint): Call[] {
    return this.calls.filter((c) => c.round === round);
  }
}

const caches: BeaconCache[] = [];
afterEach(() => {
  for (const c of caches.splice(0)) c.stop();
});

function makeCache(
  source: BeaconSource,
  wanted: Set<bigint>,
  clock: { readonly now: bigint },
  opts: Partial<BeaconCacheOpts> = {},
  warnings: object[] = [],
): BeaconCache {
  const cache = new BeaconCache(
    { ...DEFAULT_BEACON_CACHE_OPTS, retryBaseMs: 20, retryMaxMs: 80, idleMs: 50, ...opts },
    {
      source,
      config: beacon.config,
      wanted: () => wanted,
      now: () => clock.now,
      log: { warn: (o) => warnings.push(o) },
    },
  );
  caches.push(cache);
  return cache;
}

describe("BeaconCache", () => {
  it("fetches awaited rounds once their time has come, never before; get() is synchronous", async () => {
    const source = new ManualSource();
    source.auto = (r) => beacon.sign(r);
    const clock = { now: at(5n) };
    const wanted = new Set([5n, 6n]);
    const cache = makeCache(source, wanted, clock);
    cache.start();
    await until(() => cache.get(5n) !== undefined, "round 5");
    expect(bytesToHex(cache.get(5n)!)).toBe(bytesToHex(beacon.sign(5n)));
    await sleep(120); // a few idle passes
    expect(source.callsFor(6n)).toHaveLength(0);
    expect(cache.get(6n)).toBeUndefined();

    clock.now = at(6n);
    cache.poke();
    await until(() => cache.get(6n) !== undefined, "round 6");
    expect(source.callsFor(5n)).toHaveLength(1); // a cached round is not fetched again
  });

  it("bounds fetches in flight and never has two in flight for one round", async () => {
    const source = new ManualSource();
    const clock = { now: at(100n) };
    const wanted = new Set(Array.from({ length: 10 }, (_, i) => BigInt(90 + i)));
    const cache = makeCache(source, wanted, clock, { concurrency: 3 });
    cache.start();
    await until(() => source.calls.length === 3, "3 requests");
    await sleep(100); // many passes; nothing more may start while 3 are pending
    expect(source.calls).toHaveLength(3);
    expect(cache.stats().inFlight).toBe(3);
    // Oldest rounds first.
    expect(source.calls.map((c) => c.round)).toEqual([90n, 91n, 92n]);
    // Answer them one by one as they come; everything ends up cached.
    const settled = new Set<Call>();
    while (wanted.size > cache.stats().cached) {
      const open = source.calls.filter((c) => !c.signal?.aborted && !settled.has(c));
      for (const c of open) {
        settled.add(c);
        c.settle(beacon.sign(c.round));
      }
      await sleep(5);
    }
    expect(source.maxPending).toBe(3);
    expect(source.maxPerRound).toBe(1);
    expect(source.calls).toHaveLength(10);
  });

  it("retries a failing or not-yet-published round with growing backoff, and logs sparingly", async () => {
    const source = new ManualSource();
    let n = 0;
    source.auto = (r) => {
      n++;
      if (n <= 2) return undefined; // relay lag: not published yet (no warning)
      if (n <= 6) return new Error("relay down");
      return beacon.sign(r);
    };
    const warnings: object[] = [];
    const clock = runningClock(at(7n));
    const cache = makeCache(source, new Set([7n]), clock, { retryBaseMs: 20, retryMaxMs: 1_000 }, warnings);
    cache.start();
    await until(() => cache.get(7n) !== undefined, "round 7 after retries", 5_000);
    const starts = source.calls.map((c) => c.startedAt);
    expect(starts).toHaveLength(7);
    const gaps = starts.slice(1).map((s, i) => s - starts[i]!);
    // 20, 40, 80, 160, 320, 640 ms: each wait at least the backoff (less 5 ms of timer slack).
    gaps.forEach((g, i) => {
      expect(g).toBeGreaterThanOrEqual(20 * 2 ** i - 5);
    });
    // Failures 3..6 are errors; the counter counts all 6 failures, warnings at 4 only (power of 2)...
    // ...and undefined answers (1, 2) never warn.
    expect(warnings.map((w) => (w as { failures: number }).failures)).toEqual([4]);
    expect(cache.stats().retrying).toBe(0);
  });

  it("caps the retry delay at retryMaxMs", async () => {
    const source = new ManualSource();
    source.auto = () => new Error("down");
    const cache = makeCache(source, new Set([3n]), runningClock(at(3n)), { retryBaseMs: 10, retryMaxMs: 40 });
    cache.start();
    await until(() => source.calls.length >= 8, "8 tries", 5_000);
    const starts = source.calls.map((c) => c.startedAt);
    const last = starts[7]! - starts[6]!;
    expect(last).toBeGreaterThanOrEqual(35);
    expect(last).toBeLessThan(40 + 60); // capped: not 640 ms
  });

  it("drops rounds no longer awaited: evicts cached ones and aborts fetches in flight", async () => {
    const source = new ManualSource();
    const clock = { now: at(20n) };
    const wanted = new Set([19n, 20n]);
    const cache = makeCache(source, wanted, clock);
    cache.start();
    await until(() => source.calls.length === 2, "2 requests");
    source.callsFor(19n)[0]!.settle(beacon.sign(19n));
    await until(() => cache.get(19n) !== undefined, "round 19");
    const pending20 = source.callsFor(20n)[0]!;
    wanted.clear();
    cache.poke();
    await until(() => cache.stats().cached === 0, "eviction");
    expect(pending20.signal?.aborted).toBe(true);
    expect(cache.stats()).toEqual({ cached: 0, bytes: 0, inFlight: 0, retrying: 0 });
    // forget() does the same at once for one round.
    wanted.add(21n);
    clock.now = at(21n);
    cache.poke();
    await until(() => source.callsFor(21n).length === 1, "round 21 requested");
    cache.forget(21n);
    expect(source.callsFor(21n)[0]!.signal?.aborted).toBe(true);
    expect(cache.stats().inFlight).toBe(0);
  });

  it("is bounded in entries and in bytes, and fetches nothing it has no room for", async () => {
    for (const limits of [
      { maxEntries: 3 },
      { maxBytes: 2 * (48 + ENTRY_OVERHEAD_BYTES) }, // room for two rounds
    ]) {
      const source = new ManualSource();
      source.auto = (r) => beacon.sign(r);
      const clock = { now: at(50n) };
      const wanted = new Set(Array.from({ length: 10 }, (_, i) => BigInt(41 + i)));
      const cache = makeCache(source, wanted, clock, { concurrency: 1, ...limits });
      cache.start();
      const room = limits.maxEntries ?? 2;
      await until(() => cache.stats().cached === room, `${room} cached`);
      await sleep(100);
      expect(cache.stats().cached).toBe(room);
      expect(cache.stats().bytes).toBe(room * (48 + ENTRY_OVERHEAD_BYTES));
      expect(source.calls).toHaveLength(room);
      // Consuming a round makes room for the next one.
      cache.forget(41n);
      wanted.delete(41n);
      cache.poke();
      await until(() => cache.get(41n + BigInt(room)) !== undefined, "the next round");
      expect(cache.stats().cached).toBe(room);
      cache.stop();
    }
  });

  it("aborts a fetch that never settles after fetchTimeoutMs, then tries again", async () => {
    const calls: Array<{ signal: AbortSignal | undefined; at: number }> = [];
    // Ignores its signal and never settles: the cache must still free the slot.
    const deaf: BeaconSource = {
      getRound(_round, signal) {
        calls.push({ signal, at: performance.now() });
        return new Promise(() => {});
      },
    };
    const cache = makeCache(deaf, new Set([9n]), runningClock(at(9n)), {
      fetchTimeoutMs: 60,
      retryBaseMs: 10,
    });
    cache.start();
    await until(() => calls.length >= 3, "3 tries");
    expect(calls[0]!.signal?.aborted).toBe(true);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(55);
    // Each try was aborted before the next started: one in flight per round from the cache's side.
    expect(calls[1]!.signal?.aborted).toBe(true);
    expect(cache.stats().inFlight).toBeLessThanOrEqual(1);
  });

  it("refuses a signature of the wrong size (never cached)", async () => {
    const source = new ManualSource();
    source.auto = () => new Uint8Array(4096);
    const warnings: object[] = [];
    const cache = makeCache(source, new Set([4n]), { now: at(4n) }, {}, warnings);
    cache.start();
    await until(() => warnings.length >= 1, "a warning");
    expect(cache.get(4n)).toBeUndefined();
    expect(cache.stats().bytes).toBe(0);
    expect(String((warnings[0] as { err: Error }).err.message)).toMatch(/4096 bytes, not 48/);
  });

  it("stop() aborts fetches in flight and starts nothing more", async () => {
    const source = new ManualSource();
    const clock = { now: at(30n) };
    const wanted = new Set([29n, 30n]);
    const cache = makeCache(source, wanted, clock);
    cache.start();
    await until(() => source.calls.length === 2, "2 requests");
    cache.stop();
    expect(source.calls.every((c) => c.signal?.aborted)).toBe(true);
    // A late answer is ignored; new rounds are not fetched.
    source.calls[0]!.settle(beacon.sign(29n));
    wanted.add(31n);
    clock.now = at(31n);
    cache.poke();
    await sleep(150);
    expect(source.calls).toHaveLength(2);
    expect(cache.get(29n)).toBeUndefined();
    expect(cache.stats().inFlight).toBe(0);
  });

  it("rejects nonsense limits", () => {
    expect(() => makeCache(new ManualSource(), new Set(), { now: 0n }, { concurrency: 0 })).toThrow(
      /concurrency/,
    );
  });
});
