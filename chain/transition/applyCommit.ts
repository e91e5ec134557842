import { firstRoundAfter, roundTimeMs } from "../beacon/index.ts";
import { equalBytes } from "../bytes.ts";
import { err, ok, type Result, TX_ERROR } from "../errors.ts";
import { type Address, CHALLENGE_STATUS, type Challenge } from "../types.ts";
import { addAwaited, pushDeadline } from "./challengeQueue.ts";
import { type ExecCtx, stepTime } from "./context.ts";
import type { ActionOutcome } from "./outcome.ts";

/** Shared checks of commit and reveal: the challenge exists and belongs to the sender. */
export function loadOwnChallenge(ctx: ExecCtx, from: Address, id: bigint): Result<Challenge> {
  const c = ctx.state.getChallenge(id);
  if (!c) return err(TX_ERROR.UNKNOWN_CHALLENGE, `challenge ${id}`);
  if (!equalBytes(c.node, from)) return err(TX_ERROR.NOT_CHALLENGE_OWNER, `challenge ${id}`);
  return ok(c);
}

/** The checks of a commit, without effects: the challenge it may move on. */
export function checkCommit(ctx: ExecCtx, from: Address, id: bigint, root: Uint8Array): Result<Challenge> {
  if (root.length !== 32) return err(TX_ERROR.BAD_ROOT);
  const loaded = loadOwnChallenge(ctx, from, id);
  if (!loaded.ok) return loaded;
  const c = loaded.value;
  if (c.status === CHALLENGE_STATUS.EXPIRED && c.expiredFrom === CHALLENGE_STATUS.ACTIVE) {
    return err(TX_ERROR.DEADLINE_PASSED, `commit deadline ${c.deadline} passed`);
  }
  if (c.status !== CHALLENGE_STATUS.ACTIVE) return err(TX_ERROR.CHALLENGE_NOT_ACTIVE, `status ${c.status}`);
  // Judged at the block's time, or a forced tx's L1 time (D7). Late but still ACTIVE: held for
  // forced txs by the deadline pass (applyTx refuses such a tx), or a mempool pre-check, which
  // runs without processing deadlines.
  if (stepTime(ctx) > c.deadline)
    return err(TX_ERROR.DEADLINE_PASSED, `commit deadline ${c.deadline} passed`);
  return ok(c);
}

/**
 * commit: binds the result root → COMMITTED. The sample round r2 is the first round with
 * time > tc + maxBatchDelay, so the commit is final on L1 before its samples can be known.
 */
export function applyCommit(
  ctx: ExecCtx,
  from: Address,
  id: bigint,
  root: Uint8Array,
): Result<ActionOutcome> {
  const checked = checkCommit(ctx, from, id, root);
  if (!checked.ok) return checked;
  const c = checked.value;
  const t = ctx.env.timestamp;
  const r2 = firstRoundAfter(ctx.params.beacon, t + ctx.params.maxBatchDelayMs);
  c.status = CHALLENGE_STATUS.COMMITTED;
  c.tc = t;
  c.root = root;
  c.r2 = r2;
  c.deadline = roundTimeMs(ctx.params.beacon, r2) + ctx.params.roundTimeoutMs;
  ctx.state.setChallenge(c);
  pushDeadline(ctx.state, c.deadline, id);
  addAwaited(ctx.state, r2, id);
  return ok({ challengeId: id });
}
