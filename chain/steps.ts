/**
 * Stepped computations: a generator that does one piece of a long synchronous job per `next()`
 * and yields where its caller may hand the thread back (chain/ has no event loop, so the caller
 * decides when to resume). The same generator run to its end without pausing is the one-piece
 * version, so there is one definition of the job.
 * @module
 */

/** Runs a stepped computation to its end without pausing; returns its result. */
export function drainSteps<T>(steps: Generator<void, T, void>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}
