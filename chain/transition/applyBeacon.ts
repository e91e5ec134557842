import { roundTimeMs, verifyBeaconRound } from "../beacon/index.ts";
import { err, ok, type Result, TX_ERROR } from "../errors.ts";
import { CHALLENGE_STATUS } from "../types.ts";
import { ENTRY_KIND, pushDeadline, pushExpiry } from "./challengeQueue.ts";
import type { ExecCtx } from "./context.ts";
import type { ActionOutcome } from "./outcome.ts";

/**
 * beacon: includes round r (PROTOCOL §2). Accepted iff unknown, time(r) ≤ t, awaited by some
 * pending challenge, and its signature verifies (checked last: ~20 ms of pairings). Every
 * challenge awaiting r moves on: REQUESTED → ACTIVE (commit window opens), COMMITTED → SAMPLED
 * (reveal window opens), each window starting at max(time(r), inclusion time).
 */
export function applyBeacon(ctx: ExecCtx, round: bigint, signature: Uint8Array): Result<ActionOutcome> {
  const { state, params, env } = ctx;
  if (state.getRound(round)) return err(TX_ERROR.BEACON_ROUND_KNOWN, `round ${round}`);
  const time = roundTimeMs(params.beacon, round);
  if (time > env.timestamp) return err(TX_ERROR.BEACON_ROUND_IN_FUTURE, `round ${round} at ${time}`);
  const awaiting = state.getAwaited(round);
  if (awaiting.length === 0) return err(TX_ERROR.BEACON_ROUND_UNWANTED, `round ${round}`);
  if (!verifyBeaconRound(params.beacon, round, signature))
    return err(TX_ERROR.BAD_BEACON_SIGNATURE, `round ${round}`);
  state.setRound(round, signature);
  state.setAwaited(round, []);
  // Kept only to refuse it twice; no challenge can await it again (a new one awaits a round after
  // t + maxBatchDelay), so it may leave state like a settled record (PROTOCOL §3 record expiry).
  pushExpiry(state, params.recordTtlMs, env.timestamp, ENTRY_KIND.ROUND_EXPIRY, round);
  // The window opens at max(time(r), inclusion time); time(r) ≤ t was checked above.
  const start = env.timestamp;
  for (const id of awaiting) {
    const c = state.getChallenge(id);
    if (!c) continue;
    if (c.status === CHALLENGE_STATUS.REQUESTED && c.r1 === round) {
      const tier = params.tiers.find((t) => t.id === c.tier)!;
      c.status = CHALLENGE_STATUS.ACTIVE;
      c.r1Signature = signature;
      c.activeAt = start;
      c.deadline = start + tier.commitWindowMs;
    } else if (c.status === CHALLENGE_STATUS.COMMITTED && c.r2 === round) {
      const tier = params.tiers.find((t) => t.id === c.tier)!;
      c.status = CHALLENGE_STATUS.SAMPLED;
      c.r2Signature = signature;
      c.deadline = start + tier.revealWindowMs;
    } else continue;
    state.setChallenge(c);
    pushDeadline(state, c.deadline, id);
  }
  return ok({});
}
