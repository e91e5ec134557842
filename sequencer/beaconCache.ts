/**
 * The beacon feed: fetches the rounds the chain awaits from the beacon source in the background,
 * into a bounded cache that block production reads synchronously.
 *
 * Why (PROTOCOL §2): a block's timestamp must never be read before a wait on the network. If the
 * sequencer read the clock, then waited seconds on a slow relay, txs admitted during the wait were
 * stamped with the earlier time; a commit stamped that way could have its sample round published
 * before it was admitted. So no network I/O happens while a block is built: this feed fetches a
 * round once its time has come, and a block includes only rounds already here.
 *
 * Rules: at most `concurrency` fetches in flight, never two for one round; each fetch is aborted
 * after `fetchTimeoutMs`; a failed or not-yet-published round is retried with exponential backoff;
 * rounds no longer awaited are dropped (cached or in flight); the cache is bounded in entries and
 * bytes; `stop()` aborts every fetch and leaves no timer behind.
 * @module
 */
import { BEACON_SIGNATURE_BYTES, roundTimeMs } from "../chain/beacon/index.ts";
import type { BeaconConfig } from "../chain/params.ts";
import type { BeaconSource } from "./ports.ts";

export interface BeaconCacheOpts {
  /** Fetches in flight at most, over all rounds (one per round at most). */
  concurrency: number;
  /** Cached rounds at most. */
  maxEntries: number;
  /** Cached bytes at most (signature plus {@link ENTRY_OVERHEAD_BYTES} per round). */
  maxBytes: number;
  /** A fetch still pending after this long is aborted and counts as failed. */
  fetchTimeoutMs: number;
  /** Delay before the first retry of a round; doubled per failure up to `retryMaxMs`. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** Longest sleep between two looks at the work list (it also wakes at round times and on poke). */
  idleMs: number;
}

export const DEFAULT_BEACON_CACHE_OPTS: BeaconCacheOpts = {
  concurrency: 4,
  maxEntries: 2048,
  maxBytes: 256 * 1024,
  // Above the relay client's own hedged attempts (sequencer/beaconRelay.ts), so it normally
  // settles first and says why; this one only catches a source that never settles.
  fetchTimeoutMs: 15_000,
  retryBaseMs: 250,
  // Far below the round timeout (60 s by default): a round that comes back is picked up quickly.
  retryMaxMs: 5_000,
  idleMs: 1_000,
};

/** Bookkeeping per cached round (map entry, bigint key, array header), counted against maxBytes. */
export const ENTRY_OVERHEAD_BYTES = 80;

export interface BeaconCacheModules {
  source: BeaconSource;
  /** The chain's beacon: when each round's time comes. */
  config: BeaconConfig;
  /** The rounds still awaited (the sequencer's work list); read on every pass, never modified. */
  wanted: () => ReadonlySet<bigint>;
  /** Wall clock, ms: the clock block timestamps come from. */
  now: () => bigint;
  log?: { warn(o: object, msg?: string): void };
}

interface InFlight {
  controller: AbortController;
}

interface RetryState {
  failures: number;
  /** ms on the `now` clock. */
  notBefore: bigint;
}

export class BeaconCache {
  private readonly cached = new Map<bigint, Uint8Array>();
  private bytes = 0;
  private readonly inFlight = new Map<bigint, InFlight>();
  private readonly retries = new Map<bigint, RetryState>();
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  /** performance.now() at which `timer` fires. */
  private timerAt = 0;

  constructor(
    readonly opts: BeaconCacheOpts,
    private readonly m: BeaconCacheModules,
  ) {
    for (const k of ["concurrency", "maxEntries", "maxBytes", "fetchTimeoutMs", "idleMs"] as const) {
      if (!(opts[k] >= 1)) throw new RangeError(`beacon cache: ${k} must be at least 1`);
    }
  }

  /** The cached signature of `round`, if fetched. Synchronous: block production never waits here. */
  get(round: bigint): Uint8Array | undefined {
    return this.cached.get(round);
  }

  /** Drops `round` (e.g. once a block included it) and any retry state for it. */
  forget(round: bigint): void {
    this.evict(round);
    this.retries.delete(round);
    const f = this.inFlight.get(round);
    if (f) {
      this.inFlight.delete(round);
      f.controller.abort(new Error("round no longer awaited"));
    }
  }

  /** Asks for a look at the work list soon (new rounds awaited, a cached round consumed). */
  poke(): void {
    if (this.running) this.schedule(0);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Stops fetching: aborts every fetch in flight (their results are ignored) and clears the timer. */
  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const f of this.inFlight.values()) f.controller.abort(new Error("beacon feed stopped"));
    this.inFlight.clear();
  }

  stats(): { cached: number; bytes: number; inFlight: number; retrying: number } {
    return {
      cached: this.cached.size,
      bytes: this.bytes,
      inFlight: this.inFlight.size,
      retrying: this.retries.size,
    };
  }

  // ------------------------------------------------------------------------------------------

  private schedule(delayMs: number): void {
    const at = performance.now() + delayMs;
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pass();
    }, delayMs);
  }

  /** One look at the work list: drop what is not awaited, start what is due, sleep until next. */
  private pass(): void {
    if (!this.running) return;
    const wanted = this.m.wanted();
    for (const r of [...this.cached.keys()]) if (!wanted.has(r)) this.evict(r);
    for (const r of [...this.retries.keys()]) if (!wanted.has(r)) this.retries.delete(r);
    for (const [r, f] of [...this.inFlight]) {
      if (wanted.has(r)) continue;
      this.inFlight.delete(r);
      f.controller.abort(new Error("round no longer awaited"));
    }

    const now = this.m.now();
    let wake = now + BigInt(this.opts.idleMs);
    const due: bigint[] = [];
    for (const r of wanted) {
      if (this.cached.has(r) || this.inFlight.has(r)) continue;
      const time = roundTimeMs(this.m.config, r);
      const retry = this.retries.get(r);
      const from = retry && retry.notBefore > time ? retry.notBefore : time;
      if (from > now) {
        if (from < wake) wake = from;
      } else due.push(r);
    }
    // Oldest first: they are closest to their round timeout.
    due.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const r of due) {
      // Fetches in flight hold room too, so answers never arrive to a full cache.
      if (this.inFlight.size >= this.opts.concurrency || !this.hasRoom(this.inFlight.size)) break;
      this.fetch(r);
    }
    // A round not started for want of a slot or room is retried when a fetch settles or on poke().
    this.schedule(Math.max(1, Number(wake - now)));
  }

  private fetch(round: bigint): void {
    const controller = new AbortController();
    const entry: InFlight = { controller };
    this.inFlight.set(round, entry);
    // `controller` is every way out of the cache's side (settle, forget, drop, stop); Node's
    // AbortSignal.timeout is the deadline (its reason a TimeoutError).
    const signal = AbortSignal.any([controller.signal, AbortSignal.timeout(this.opts.fetchTimeoutMs)]);
    // The race frees the slot on abort even if a source ignores its signal.
    const aborted = new Promise<never>((_, reject) => {
      signal.addEventListener("abort", () => reject(signal.reason), { once: true });
    });
    const answer = Promise.resolve().then(() => this.m.source.getRound(round, signal));
    Promise.race([answer, aborted]).then(
      (signature) => this.settle(round, entry, signature, undefined),
      (e: unknown) => this.settle(round, entry, undefined, e ?? new Error("beacon source failed")),
    );
    void answer.catch(() => {}); // a late rejection after the race was lost is expected, not unhandled
  }

  private settle(round: bigint, entry: InFlight, signature: Uint8Array | undefined, error: unknown): void {
    // Dropped (no longer awaited) or stopped meanwhile: this answer is stale.
    if (this.inFlight.get(round) !== entry) return;
    this.inFlight.delete(round);
    entry.controller.abort(); // release the timeout; a no-op if already aborted
    if (error === undefined && signature !== undefined && signature.length !== BEACON_SIGNATURE_BYTES) {
      error = new Error(`beacon source returned ${signature.length} bytes, not ${BEACON_SIGNATURE_BYTES}`);
    }
    if (error === undefined && signature !== undefined && this.hasRoom(0)) {
      this.retries.delete(round);
      // A private copy: the source may reuse its buffer.
      const copy = signature.slice();
      this.cached.set(round, copy);
      this.bytes += copy.length + ENTRY_OVERHEAD_BYTES;
    } else {
      const failures = (this.retries.get(round)?.failures ?? 0) + 1;
      const backoff = Math.min(this.opts.retryMaxMs, this.opts.retryBaseMs * 2 ** Math.min(failures - 1, 30));
      this.retries.set(round, { failures, notBefore: this.m.now() + BigInt(Math.floor(backoff)) });
      // "Not published yet" is normal right at a round's time; a real failure is logged, but only
      // on failures 1, 2, 4, 8... so a dead relay does not flood the log.
      if (error !== undefined && (failures & (failures - 1)) === 0) {
        this.m.log?.warn(
          { round: round.toString(), failures, err: error },
          "beacon round unavailable; retrying in the background",
        );
      }
    }
    this.schedule(0);
  }

  /** Whether one more round fits beside `reserved` others being fetched. */
  private hasRoom(reserved: number): boolean {
    const entry = BEACON_SIGNATURE_BYTES + ENTRY_OVERHEAD_BYTES;
    return (
      this.cached.size + reserved < this.opts.maxEntries &&
      this.bytes + (reserved + 1) * entry <= this.opts.maxBytes
    );
  }

  private evict(round: bigint): void {
    const s = this.cached.get(round);
    if (!s) return;
    this.cached.delete(round);
    this.bytes -= s.length + ENTRY_OVERHEAD_BYTES;
  }
}
