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
  /** The block's L1 origin time, seconds (as on L1): forced txs are judged by it (PROTOCOL §5 D7). */
  l1Timestamp: bigint;
  /**
   * Whether this is the first block of its L1 origin (the parent's origin number differs): the
   * only block that may carry that origin's forced txs (D6), so it holds back more deadlines (D7).
   */
  newOrigin: boolean;
}

export interface ExecCtx {
  params: ChainParams;
  state: StateDb;
  env: BlockEnv;
  /** Reveals applied so far in this block (maxRevealsPerBlock). */
  reveals: number;
  /**
   * Set only while a forced tx executes: its L1 block's time, ms (= the origin's, D6). A commit
   * or reveal is judged on time by it instead of the block's time (D7); effects still use the
   * block's time.
   */
  forcedL1TimeMs?: bigint;
}

/** The time a commit's or reveal's deadline is judged at: a forced tx's L1 time, else the block's. */
export function stepTime(ctx: ExecCtx): bigint {
  return ctx.forcedL1TimeMs ?? ctx.env.timestamp;
}
