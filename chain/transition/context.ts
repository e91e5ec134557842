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

/** The environment of a whole block's execution: the deadline pass also needs the parent's time. */
export interface ExecutorEnv extends BlockEnv {
  /** Parent block's time, ms. A gap above maxBlockGapMs is a stall (PROTOCOL §3). */
  parentTimestamp: bigint;
}

export interface ExecCtx {
  params: ChainParams;
  state: StateDb;
  env: BlockEnv;
  /** Reveals applied so far in this block (maxRevealsPerBlock). */
  reveals: number;
}
