import { err, ok, type Result, TX_ERROR } from "../errors.ts";
import type { VerifiedTx } from "../types.ts";
import { checkChallenge } from "./applyChallenge.ts";
import { checkCommit } from "./applyCommit.ts";
import { checkReveal } from "./applyReveal.ts";
import { checkSpend } from "./applyTransfer.ts";
import type { ExecCtx } from "./context.ts";

/**
 * Mempool admission pre-check: would this tx fail for a reason that no later state change can
 * cure? Runs the action's checks (no effects, no opening verification) against the head state at
 * the current time. Meant for the sender's next tx only: with earlier txs of the same sender
 * pending, the state it would run on is not the head's.
 */
export function precheckTx(ctx: ExecCtx, vtx: VerifiedTx): Result<null> {
  const { tx, from } = vtx;
  if (tx.body.chainId !== ctx.params.l2ChainId) {
    return err(TX_ERROR.WRONG_CHAIN_ID, `expected ${ctx.params.l2ChainId}, got ${tx.body.chainId}`);
  }
  if (tx.raw.length > ctx.params.maxTxBytes) return err(TX_ERROR.TX_TOO_LARGE);
  const a = tx.body.action;
  let r: Result<unknown>;
  switch (a.kind) {
    case "register":
      r = ctx.state.getNode(from) ? err(TX_ERROR.ALREADY_REGISTERED) : ok(null);
      break;
    case "challenge":
      r = checkChallenge(ctx, from, a.tier);
      break;
    case "commit":
      r = checkCommit(ctx, from, a.challengeId, a.root);
      break;
    case "reveal":
      r = checkReveal(ctx, from, a.challengeId);
      break;
    case "transfer":
    case "withdraw":
      r = checkSpend(ctx, from, a.to, a.amount);
      break;
  }
  return r.ok ? ok(null) : r;
}

/**
 * The pre-check as block building runs it (`ChainCore.build`'s `admit`), on the exact state the
 * tx meets inside the block: deadlines processed, rounds and earlier txs applied. Only a tx at its
 * sender's next nonce is checked; any other nonce is refused by the executor itself, and the
 * pre-check would answer about the wrong state.
 */
export function precheckInBlock(ctx: ExecCtx, vtx: VerifiedTx): Result<null> {
  if (vtx.tx.body.nonce !== ctx.state.getAccount(vtx.from).nonce) return ok(null);
  return precheckTx(ctx, vtx);
}

/**
 * The deadline a challenge step races: a commit of the sender's own ACTIVE challenge or a reveal
 * of its SAMPLED one, not late at `ctx`'s time; undefined for any other tx. The mempool never
 * crowds such txs out and serves them first, earliest deadline first.
 */
export function stepDeadline(ctx: ExecCtx, vtx: VerifiedTx): bigint | undefined {
  const a = vtx.tx.body.action;
  let r: Result<{ deadline: bigint }> | undefined;
  if (a.kind === "commit") r = checkCommit(ctx, vtx.from, a.challengeId, a.root);
  else if (a.kind === "reveal") r = checkReveal(ctx, vtx.from, a.challengeId);
  return r?.ok ? r.value.deadline : undefined;
}
