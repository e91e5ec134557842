import { firstRoundAfter, roundTimeMs } from "../beacon/index.ts";
import { err, ok, type Result, TX_ERROR } from "../errors.ts";
import { findTier } from "../params.ts";
import { type Address, CHALLENGE_STATUS, type Challenge, type NodeRecord } from "../types.ts";
import { addAwaited, MAX_QUEUED_ID, pushDeadline } from "./challengeQueue.ts";
import type { ExecCtx } from "./context.ts";
import type { ActionOutcome } from "./outcome.ts";
import { touchNode } from "./touchNode.ts";

/**
 * challenge: opens a challenge at `tier` → REQUESTED. Its seed round r1 is the first round with
 * time > t0 + maxBatchDelay, so the request is final on L1 before its seed can be known. If r1
 * does not arrive within roundTimeout of its time, the challenge is CANCELLED (no penalty).
 */
export function applyChallenge(ctx: ExecCtx, from: Address, tierId: number): Result<ActionOutcome> {
  const checked = checkChallenge(ctx, from, tierId);
  if (!checked.ok) return checked;
  const node = checked.value;
  const meta = ctx.state.getMeta();
  // Ids only ever count up from meta.nextChallengeId, so an id is never reused, also after its
  // record expired (PROTOCOL §3): the seed binds the id, and a reused one would replay a seed.
  const id = meta.nextChallengeId;
  if (id > MAX_QUEUED_ID) throw new Error(`state: challenge ids exhausted (${id})`);
  const t0 = ctx.env.timestamp;
  const r1 = firstRoundAfter(ctx.params.beacon, t0 + ctx.params.maxBatchDelayMs);
  const deadline = roundTimeMs(ctx.params.beacon, r1) + ctx.params.roundTimeoutMs;
  const c: Challenge = { id, node: from, tier: tierId, status: CHALLENGE_STATUS.REQUESTED, t0, r1, deadline };
  meta.nextChallengeId = id + 1n;
  ctx.state.setMeta(meta);
  node.openChallenges++;
  ctx.state.setNode(from, node);
  ctx.state.setChallenge(c);
  pushDeadline(ctx.state, deadline, id);
  addAwaited(ctx.state, r1, id);
  return ok({ challengeId: id });
}

/** The checks of a challenge request; returns the (settled) node record. */
export function checkChallenge(ctx: ExecCtx, from: Address, tierId: number): Result<NodeRecord> {
  const node = touchNode(ctx, from);
  if (!node) return err(TX_ERROR.NOT_REGISTERED);
  if (!findTier(ctx.params, tierId)) return err(TX_ERROR.UNKNOWN_TIER, `tier ${tierId}`);
  if (node.openChallenges >= ctx.params.maxOpenChallenges) {
    return err(TX_ERROR.TOO_MANY_OPEN_CHALLENGES, `limit ${ctx.params.maxOpenChallenges}`);
  }
  return ok(node);
}
