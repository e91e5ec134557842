import { beaconRandomness, roundTimeMs } from "../beacon/index.ts";
import { err, ok, type Result, TX_ERROR } from "../errors.ts";
import { findTier, tierWork } from "../params.ts";
import { challengeSeed, openingsDigest, verifyOpenings } from "../proof/index.ts";
import { creditsForPass, epochOf, multiplierBps, streakAt } from "../state/liveness.ts";
import { type Address, CHALLENGE_STATUS, type Challenge } from "../types.ts";
import { loadOwnChallenge } from "./applyCommit.ts";
import { ENTRY_KIND, pushExpiry } from "./challengeQueue.ts";
import { type ExecCtx, stepTime } from "./context.ts";
import type { ActionOutcome } from "./outcome.ts";
import { touchNode } from "./touchNode.ts";

/** The checks of a reveal before its openings, without effects. */
export function checkReveal(ctx: ExecCtx, from: Address, id: bigint): Result<Challenge> {
  const loaded = loadOwnChallenge(ctx, from, id);
  if (!loaded.ok) return loaded;
  const c = loaded.value;
  if (c.status === CHALLENGE_STATUS.EXPIRED && c.expiredFrom === CHALLENGE_STATUS.SAMPLED) {
    return err(TX_ERROR.DEADLINE_PASSED, `reveal deadline ${c.deadline} passed`);
  }
  if (c.status !== CHALLENGE_STATUS.SAMPLED) return err(TX_ERROR.CHALLENGE_NOT_SAMPLED, `status ${c.status}`);
  // Judged at the block's time, or a forced tx's L1 time (D7); see checkCommit.
  if (stepTime(ctx) > c.deadline)
    return err(TX_ERROR.DEADLINE_PASSED, `reveal deadline ${c.deadline} passed`);
  return ok(c);
}

/**
 * reveal: opens the sampled tiles. Every opening checks → PASSED and credits are minted at the
 * epoch's multiplier; any failure → FAILED (the tx is included with a failed receipt, the
 * epoch is no longer live). Not-yet-sampled or late reveals fail without touching the challenge.
 */
export function applyReveal(
  ctx: ExecCtx,
  from: Address,
  id: bigint,
  tiles: Uint8Array,
  proof: Uint8Array,
): Result<ActionOutcome> {
  const checked = checkReveal(ctx, from, id);
  if (!checked.ok) return checked;
  const c = checked.value;
  const t = ctx.env.timestamp;
  const tier = findTier(ctx.params, c.tier);
  if (!tier || !c.root || !c.r1Signature || !c.r2Signature || c.tc === undefined) {
    throw new Error(`state: SAMPLED challenge ${id} is missing its tier, root or rounds`);
  }
  const node = touchNode(ctx, from);
  if (!node) throw new Error(`state: challenge ${id} belongs to an unregistered node`);

  const seed = challengeSeed(ctx.params.l2ChainId, id, c.node, beaconRandomness(c.r1Signature));
  const check = verifyOpenings(
    { tier, seed, root: c.root, randomnessR2: beaconRandomness(c.r2Signature) },
    tiles,
    proof,
  );
  c.openingsDigest = openingsDigest(tiles, proof);
  c.settledAt = ctx.env.number;
  node.openChallenges--;
  // Settled either way: the record leaves state recordTtlMs from now (PROTOCOL §3 record expiry).
  pushExpiry(ctx.state, ctx.params.recordTtlMs, t, ENTRY_KIND.RECORD_EXPIRY, id);
  if (!check.ok) {
    c.status = CHALLENGE_STATUS.FAILED;
    node.failed++;
    node.epochFailed = true;
    ctx.state.setChallenge(c);
    ctx.state.setNode(from, node);
    return err(TX_ERROR.BAD_OPENING, check.reason);
  }
  const work = tierWork(tier);
  const mult = multiplierBps(streakAt(node, epochOf(ctx.params, t)), ctx.params);
  const credits = creditsForPass(work, mult, ctx.params);
  c.status = CHALLENGE_STATUS.PASSED;
  c.credits = credits;
  node.passed++;
  node.epochWork += work;
  node.totalWork += work;
  node.totalCredits += credits;
  // Proven throughput = work / (tc − time(r1)), in ops/s; informational only.
  const elapsedMs = c.tc - roundTimeMs(ctx.params.beacon, c.r1);
  node.lastThroughput = elapsedMs > 0n ? (work * 1000n) / elapsedMs : work * 1000n;
  const acc = ctx.state.getAccount(from);
  acc.credits += credits;
  const meta = ctx.state.getMeta();
  meta.supply += credits;
  ctx.state.setMeta(meta);
  ctx.state.setAccount(from, acc);
  ctx.state.setChallenge(c);
  ctx.state.setNode(from, node);
  return ok({ challengeId: id, credits });
}
