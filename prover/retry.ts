/**
 * Waiting and retrying: an abortable sleep and capped exponential backoff with jitter. Jitter
 * spreads the retries of many provers that lost the same node at the same moment, so they do not
 * all come back in the same millisecond when it restarts.
 * @module
 */

import { setTimeout as delay } from "node:timers/promises";

export interface BackoffOpts {
  /** First delay; default 250 ms. */
  initialMs?: number;
  /** Cap; default 15 000 ms. */
  maxMs?: number;
  /** Growth per attempt; default 2. */
  factor?: number;
  /** ± fraction of random spread; default 0.2. 0 makes delays exact (tests). */
  jitter?: number;
}

/** The delay before retry number `attempt` (0-based): initial·factor^attempt, capped, jittered. */
export function backoffDelay(
  attempt: number,
  opts: BackoffOpts = {},
  random: () => number = Math.random,
): number {
  const initial = opts.initialMs ?? 250;
  const max = opts.maxMs ?? 15_000;
  const factor = opts.factor ?? 2;
  const jitter = opts.jitter ?? 0.2;
  const base = Math.min(max, initial * factor ** Math.min(attempt, 64));
  const spread = base * jitter * (2 * random() - 1);
  return Math.max(0, Math.round(base + spread));
}

/** An Error named "AbortError" (what fetch and timers/promises throw), carrying the signal's reason. */
export function abortError(signal?: AbortSignal): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error && reason.name === "AbortError") return reason;
  const e = new Error("aborted", reason === undefined ? {} : { cause: reason });
  e.name = "AbortError";
  return e;
}

/**
 * Resolves after `ms`; rejects with an AbortError (its `cause` the signal's reason) as soon as
 * `signal` fires. Node's timers/promises does the timer and listener bookkeeping.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return delay(ms, undefined, signal === undefined ? undefined : { signal });
}

/** Throws an AbortError if `signal` has fired. */
export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw abortError(signal);
}
