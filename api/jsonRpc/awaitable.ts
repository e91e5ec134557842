/**
 * Handlers map backend reads that may or may not be promises; a promise is only created when the
 * backend returned one, so in-memory reads (head number, cached blocks) stay synchronous. The
 * mapping functions are module-level (an extra argument travels as `arg`), so the sync path
 * allocates no closure.
 * @module
 */
import type { Awaitable } from "../ports.ts";

export function isPromiseLike<T>(value: unknown): value is PromiseLike<T> {
  return (
    typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function"
  );
}

/** `f(value)`, now if `value` is plain, later if it is a promise. */
export function mapAwaitable<T, U>(value: Awaitable<T>, f: (v: T) => U): Awaitable<U> {
  return isPromiseLike<T>(value) ? Promise.resolve(value).then(f) : f(value);
}

/** `f(value, arg)`, now or later. */
export function mapAwaitableWith<T, A, U>(value: Awaitable<T>, f: (v: T, arg: A) => U, arg: A): Awaitable<U> {
  return isPromiseLike<T>(value) ? Promise.resolve(value).then((v) => f(v, arg)) : f(value, arg);
}
