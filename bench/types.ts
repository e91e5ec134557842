/** One benchmark figure; `npm run bench -- --json` prints one of these per line. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** The baseline this figure is compared to, measured in the same run, in the figure's unit. */
  ceiling?: number;
  /** What the baseline is (e.g. "raw sha256 node hashes/s ÷ hashes per update"). */
  ceilingName?: string;
  /** Share of the ceiling reached: value/ceiling for rates, ceiling/value for times (bench/ceiling.ts). */
  ratio?: number;
  /** Anything else worth recording (sizes, p50/p99, machine notes). */
  [extra: string]: unknown;
}

export interface BenchOpts {
  /** Shorter runs for smoke checks (`--quick`). */
  quick: boolean;
}

/** A benchmark module: bench/<name>.ts exports `run`. */
export type BenchModule = { run(opts: BenchOpts): Promise<BenchResult[]> };
