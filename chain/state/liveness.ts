/**
 * Liveness streaks, multipliers and credits (PROTOCOL §4), all in integer math.
 *
 * Epoch e of a node is live iff its passes in e sum to ≥ minLiveWork and nothing broke it
 * (a FAILED reveal, or an expiry). streak(e) = consecutive live epochs ending at e − 1, and
 * multiplier(e) = min(10000 + streak(e)·stepBps, capBps). Settlement is lazy: a node's last
 * epoch is settled when the node is next touched, never by iterating over all nodes.
 * @module
 */
import type { ChainParams } from "../params.ts";
import type { NodeRecord } from "../types.ts";

export function epochOf(params: Pick<ChainParams, "epochMs">, timeMs: bigint): bigint {
  return timeMs / params.epochMs;
}

/**
 * Moves the node's accounting to epoch `e`, settling the epoch it was in. Returns the node
 * itself (mutated) for chaining. A no-op when the node is already in `e`.
 */
export function settleNode(
  node: NodeRecord,
  e: bigint,
  params: Pick<ChainParams, "minLiveWork">,
): NodeRecord {
  if (e <= node.currentEpoch) return node;
  const prev = node.currentEpoch;
  if (node.epochWork >= params.minLiveWork && !node.epochFailed) {
    node.streak = node.streak > 0 && node.lastLiveEpoch === prev - 1n ? node.streak + 1 : 1;
    node.lastLiveEpoch = prev;
  }
  node.currentEpoch = e;
  node.epochWork = 0n;
  node.epochFailed = false;
  return node;
}

/** streak(e): live epochs in a row ending at e − 1, for a node already settled to `e`. */
export function streakAt(node: NodeRecord, e: bigint): number {
  return node.streak > 0 && node.lastLiveEpoch === e - 1n ? node.streak : 0;
}

export function multiplierBps(streak: number, params: Pick<ChainParams, "stepBps" | "capBps">): bigint {
  const m = 10_000n + BigInt(streak) * params.stepBps;
  return m < params.capBps ? m : params.capBps;
}

/** Credits for one pass: work·multiplierBps·10^18 / (10000·flopsPerCredit), rounded down once. */
export function creditsForPass(
  work: bigint,
  multBps: bigint,
  params: Pick<ChainParams, "flopsPerCredit">,
): bigint {
  return (work * multBps * 10n ** 18n) / (10_000n * params.flopsPerCredit);
}

/**
 * A read-only view of a node at time `nowMs` (for RPC): settles a copy, so the multiplier shown
 * is the one the next pass would earn.
 */
export function nodeViewAt(
  node: NodeRecord,
  nowMs: bigint,
  params: Pick<ChainParams, "epochMs" | "minLiveWork" | "stepBps" | "capBps">,
): { node: NodeRecord; epoch: bigint; streak: number; multiplierBps: bigint } {
  const e = epochOf(params, nowMs);
  const copy = settleNode({ ...node }, e, params);
  const streak = streakAt(copy, e);
  return { node: copy, epoch: e, streak, multiplierBps: multiplierBps(streak, params) };
}

export function newNodeRecord(blockNumber: bigint, epoch: bigint): NodeRecord {
  return {
    registeredAt: blockNumber,
    streak: 0,
    lastLiveEpoch: 0n,
    currentEpoch: epoch,
    epochWork: 0n,
    epochFailed: false,
    openChallenges: 0,
    passed: 0,
    failed: 0,
    expired: 0,
    cancelled: 0,
    totalWork: 0n,
    totalCredits: 0n,
    lastThroughput: 0n,
  };
}
