/**
 * What every apply function gets: the params, the block's state and the block environment.
 * Apply functions validate everything first and mutate only once the outcome is known, so a
 * failed or invalid transaction leaves no partial change behind. The one failure with effects is
 * a reveal whose openings do not check: its challenge becomes FAILED (that is the point).
 * @module
 */
import type { ChainParams } from "../params.ts";
import type { StateDb } from "../state/stateDb.ts";

export interface BlockEnv {
  number: bigint;
  /** Block time, ms. */
  timestamp: bigint;
}

export interface ExecCtx {
  params: ChainParams;
  state: StateDb;
  env: BlockEnv;
  /** Reveals applied so far in this block (maxRevealsPerBlock). */
  reveals: number;
}
