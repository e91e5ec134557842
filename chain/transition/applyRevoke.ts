import { err, ok, type Result, TX_ERROR } from "../errors.ts";
import { CHALLENGE_STATUS } from "../types.ts";
import type { ExecCtx } from "./context.ts";
import type { ActionOutcome } from "./outcome.ts";
import { touchNode } from "./touchNode.ts";

/**
 * revoke (system): an L1 fraud verdict against a PASSED record (PROTOCOL §6): burns the credits
 * it minted, up to the node's balance, and resets the node's streak. Applied once: the record
 * becomes FAILED.
 */
export function applyRevoke(ctx: ExecCtx, challengeId: bigint): Result<ActionOutcome> {
  const c = ctx.state.getChallenge(challengeId);
  if (!c) return err(TX_ERROR.UNKNOWN_CHALLENGE, `challenge ${challengeId}`);
  if (c.status !== CHALLENGE_STATUS.PASSED) return err(TX_ERROR.NOT_REVOCABLE, `status ${c.status}`);
  const node = touchNode(ctx, c.node);
  if (!node) throw new Error(`state: challenge ${challengeId} belongs to an unregistered node`);
  const acc = ctx.state.getAccount(c.node);
  const minted = c.credits ?? 0n;
  const burn = acc.credits < minted ? acc.credits : minted;
  acc.credits -= burn;
  ctx.state.setAccount(c.node, acc);
  const meta = ctx.state.getMeta();
  meta.supply -= burn;
  ctx.state.setMeta(meta);
  c.status = CHALLENGE_STATUS.FAILED;
  node.passed--;
  node.failed++;
  node.streak = 0;
  node.epochFailed = true;
  node.totalCredits -= minted;
  ctx.state.setNode(c.node, node);
  ctx.state.setChallenge(c);
  return ok({ challengeId, credits: burn });
}
