/** One benchmark figure; `npm run bench -- --json` prints one of these per line. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** Anything else worth recording (sizes, p50/p99, machine notes). */
  [extra: string]: unknown;
}

export interface BenchOpts {
  /** Shorter runs for smoke checks (`--quick`). */
  quick: boolean;
}

/** A benchmark module: bench/<name>.ts exports `run`. */
export type BenchModule = { run(opts: BenchOpts): Promise<BenchResult[]> };
