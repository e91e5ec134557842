/**
 * What the prover reports while it runs (`ProverEvent`, a union on `type`) and what `run`
 * resolves with; the CLI turns events into lines, a progress bar or log lines. With several
 * challenges in flight their events interleave: each names its challenge.
 * @module
 */
import type { Tier } from "../chain/params.ts";
import type { Address, ChallengeStatus, Hash32 } from "../chain/types.ts";
import type { ComputeProgress } from "./computeChallenge.ts";
import type { ErrorKind } from "./errors.ts";
import type { GenesisTrust } from "./genesisTrust.ts";
import type { NodeInfo } from "./ports.ts";

/** A challenge's end as the prover saw it. */
export type ChallengeEnd = "passed" | "failed" | "skipped";

/** What the prover reports while it runs; the CLI turns these into lines, a bar or logs. */
export type ProverEvent =
  | {
      type: "started";
      address: Address;
      chainId: bigint;
      /** The genesis the prover works for, and why it trusts it. */
      genesisHash: Hash32;
      genesisTrust: GenesisTrust;
      tier: Tier;
      engine: string;
      stateFile: string;
      /** Challenges kept in flight at once (`maxInFlight`, at most the genesis's maxOpenChallenges). */
      maxInFlight: number;
    }
  /** A state file named an in-flight challenge (id undefined: its request tx is still pending). */
  | { type: "resumed"; challengeId: bigint | undefined; tier: number }
  /** The state file could not be used; the prover starts fresh. */
  | { type: "stateIgnored"; reason: string }
  /** `txHash` undefined: the node was registered already. */
  | { type: "registered"; txHash: Hash32 | undefined }
  | { type: "challengeRequested"; challengeId: bigint; tier: number; txHash: Hash32 }
  /** The seed round is in: the work can start. `deadlineMs`: commit deadline (chain time). */
  | { type: "challengeActive"; challengeId: bigint; r1: bigint; deadlineMs: bigint }
  | { type: "computing"; challengeId: bigint; progress: ComputeProgress }
  | { type: "computed"; challengeId: bigint; root: Hash32; elapsedMs: number; work: bigint }
  | { type: "committed"; challengeId: bigint; root: Hash32; txHash: Hash32 }
  /** The sample round is in: the reveal can be built. `deadlineMs`: reveal deadline. */
  | { type: "sampled"; challengeId: bigint; r2: bigint; deadlineMs: bigint }
  | {
      type: "revealed";
      challengeId: bigint;
      /** Undefined when the verdict was found on chain after a restart. */
      txHash: Hash32 | undefined;
      passed: boolean;
      /** Credits minted by this pass (0 if it failed). */
      credits: bigint;
      /** The multiplier this pass earned (basis points; 10000 = 1.0×). */
      multiplierBps: bigint;
      /** The node after the reveal (credits balance, streak, next multiplier), if it could be read. */
      node: NodeInfo | undefined;
      /** Why it failed (the receipt's error), when it did. */
      error?: string;
    }
  /** The challenge ended without a verdict from this prover, or was given up; the loop moves on. */
  | {
      type: "challengeSkipped";
      challengeId: bigint | undefined;
      status: ChallengeStatus | undefined;
      reason: string;
    }
  | {
      type: "error";
      /** What the prover was doing ("read challenge 7", "send commit", ...). */
      during: string;
      message: string;
      error: unknown;
      /** errors.ts: temporary (the same step again), reset (the challenge re-read from the chain). */
      kind: ErrorKind;
      /** kind === "temporary": the prover retries the same step. */
      transient: boolean;
      /** Delay before the retry. */
      retryInMs: number;
    };

export type ProverEventListener = (event: ProverEvent) => void;

export interface ProverSummary {
  /** Challenges that ended while this run worked on them (see ProverOpts.maxChallenges). */
  challenges: number;
  passed: number;
  failed: number;
  skipped: number;
  /** Credits earned by this run's passes. */
  credits: bigint;
  /** Proven work: the work (2·n³·m integer ops) of this run's passes. */
  work: bigint;
  /** True when the run ended because its signal was aborted. */
  stopped: boolean;
}
