/**
 * Ceilings measured in the same run as the figure they bound. On the shared 2-core machines an
 * absolute figure moves by 2× between runs (a busy neighbour takes the second core); a figure and
 * its baseline measured side by side move together, so their ratio is what docs/BENCHMARKS.md
 * tracks. Every baseline run here is short (a few hundred ms to a few seconds; less with --quick).
 * @module
 */
import type { BenchResult } from "./types.ts";

/** How a figure compares with its ceiling: a rate (higher is better) or a time (lower is better). */
export type Direction = "rate" | "time";

/**
 * The ceiling fields of a result: `ceiling` (same unit as the value), `ceilingName` (what was
 * measured) and `ratio`, the share of the ceiling reached: value / ceiling for a rate, ceiling /
 * value for a time, so 1 means "as fast as the baseline" either way.
 */
export function ceilingFields(
  value: number,
  ceiling: number,
  ceilingName: string,
  direction: Direction = "rate",
): Pick<BenchResult, "ceiling" | "ceilingName" | "ratio"> {
  const ratio = direction === "rate" ? value / ceiling : ceiling / value;
  return {
    ceiling: Number(ceiling.toPrecision(4)),
    ceilingName,
    ratio: Number.isFinite(ratio) ? Number(ratio.toFixed(3)) : Number.NaN,
  };
}

/**
 * Calls `op` in rounds of `perRound` until `ms` passed (the clock is read once a round: reading
 * it is not free next to a sub-µs op); returns `op`'s calls per second. Warmed by one round.
 */
export function opsPerSecond(op: () => void, ms: number, perRound = 256): number {
  for (let k = 0; k < perRound; k++) op();
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    for (let k = 0; k < perRound; k++) op();
    ops += perRound;
    elapsed = performance.now() - start;
  } while (elapsed < ms);
  return (ops / elapsed) * 1000;
}
