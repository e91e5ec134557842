/**
 * Per-key (client IP) token buckets: `perSecond` tokens flow in continuously up to `burst`; each
 * JSON-RPC call takes one (a batch of n takes n), and every `bytesPerToken` bytes of request body
 * or response cost one more, so a call that makes the node read or write a lot pays for it. Size
 * is only known after the fact: `chargeBytes` takes those tokens unconditionally, leaving the
 * bucket in debt, and the client's next calls wait until it has refilled. Refill is computed on
 * access, so idle keys cost nothing but their map entry, and entries are swept when the map grows
 * past `maxKeys`.
 * @module
 */

export interface RateLimitOpts {
  /** Sustained calls per second per key. */
  perSecond: number;
  /** Bucket size: calls allowed at once. Must be ≥ the batch limit, or big batches never pass. */
  burst: number;
  /** Keys tracked before a sweep. Default 10 000. */
  maxKeys?: number;
  /** Each this many bytes of request body or response cost one token more. Default 64 KiB. */
  bytesPerToken?: number;
}

export const DEFAULT_BYTES_PER_TOKEN = 64 * 1024;

interface Bucket {
  tokens: number;
  /** ms (clock below) of the last refill. */
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;
  private readonly perSecond: number;
  private readonly burst: number;
  private readonly maxKeys: number;
  private readonly bytesPerToken: number;
  private readonly now: () => number;

  /** `now`: a millisecond clock (default performance.now, monotonic; tests inject one). */
  constructor(opts: RateLimitOpts, now: () => number = () => performance.now()) {
    if (!(opts.perSecond > 0) || !(opts.burst >= 1)) {
      throw new RangeError("RateLimiter: perSecond must be > 0 and burst ≥ 1");
    }
    const bytesPerToken = opts.bytesPerToken ?? DEFAULT_BYTES_PER_TOKEN;
    if (!Number.isInteger(bytesPerToken) || bytesPerToken < 1) {
      throw new RangeError("RateLimiter: bytesPerToken must be an integer ≥ 1");
    }
    this.bytesPerToken = bytesPerToken;
    this.perSecond = opts.perSecond;
    this.perMs = opts.perSecond / 1000;
    this.burst = opts.burst;
    this.maxKeys = opts.maxKeys ?? 10_000;
    this.now = now;
  }

  /**
   * Takes `cost` tokens from `key`'s bucket. Returns 0 when taken, else the whole seconds to wait
   * before `cost` tokens are there (≥ 1, for `retry-after`); nothing is taken then.
   */
  take(key: string, cost: number): number {
    // Nothing more to pay (a single call whose arrival token is already taken): never refused,
    // even in debt; the debt delays the next request instead.
    if (cost <= 0) return 0;
    const bucket = this.refill(key);
    if (bucket.tokens >= cost) {
      bucket.tokens -= cost;
      return 0;
    }
    // In debt, the wait covers the debt too.
    return Math.max(1, Math.ceil((Math.min(cost, this.burst) - bucket.tokens) / this.perSecond));
  }

  /**
   * Charges `bytes` of request or response to `key`: one token per whole `bytesPerToken`, taken
   * even if the bucket goes negative (the work is done; the debt delays the client's next calls).
   */
  chargeBytes(key: string, bytes: number): void {
    const tokens = Math.floor(bytes / this.bytesPerToken);
    if (tokens > 0) this.refill(key).tokens -= tokens;
  }

  private refill(key: string): Bucket {
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxKeys) this.sweep(now);
      bucket = { tokens: this.burst, at: now };
      this.buckets.set(key, bucket);
      return bucket;
    }
    const elapsed = now - bucket.at;
    if (elapsed > 0) {
      bucket.tokens = Math.min(this.burst, bucket.tokens + elapsed * this.perMs);
      bucket.at = now;
    }
    return bucket;
  }

  /** Drops buckets that have refilled (forgetting them changes nothing); then, if still full, the oldest half. */
  private sweep(now: number): void {
    for (const [key, b] of this.buckets) {
      if (b.tokens + (now - b.at) * this.perMs >= this.burst) this.buckets.delete(key);
    }
    if (this.buckets.size < this.maxKeys) return;
    // Under a many-address flood: forgetting a bucket only hands that address a fresh burst.
    let drop = this.buckets.size >> 1;
    for (const key of this.buckets.keys()) {
      if (drop-- <= 0) break;
      this.buckets.delete(key);
    }
  }

  /** Keys currently tracked (tests, metrics). */
  get size(): number {
    return this.buckets.size;
  }
}
