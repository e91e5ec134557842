import { err, ok, type Result, TX_ERROR } from "../errors.ts";
import type { ChainParams } from "../params.ts";
import type { StateDb } from "../state/stateDb.ts";
import type { BlockHeader, VerifiedTx } from "../types.ts";
import { checkChallenge } from "./applyChallenge.ts";
import { checkCommit } from "./applyCommit.ts";
import { checkReveal } from "./applyReveal.ts";
import { checkSpend } from "./applyTransfer.ts";
import type { ExecCtx } from "./context.ts";
import { stallGap } from "./processDeadlines.ts";

/**
 * Mempool admission pre-check: would this tx fail for a reason that no later state change can
 * cure? Runs the action's checks (no effects, no opening verification) against the head state at
 * the current time. Meant for the sender's next tx only: with earlier txs of the same sender
 * pending, the state it would run on is not the head's. Callers use {@link checkIncludable}, which
 * applies that rule.
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
 * The includability check: the one rule admission (`Sequencer.submit`), the post-block sweep and
 * block building (`ChainCore.build`'s `admit`) share, so a tx refused by one is refused by all
 * three with the same code.
 *
 * Context rules:
 * - Only a tx at its sender's next nonce (the account nonce in `ctx.state`) is judged: only that
 *   tx meets the state it will run on. Any other nonce passes here; the mempool holds it back and
 *   the executor refuses it, and it is judged once it becomes next (the sweep after each block).
 * - Admission and the sweep pass {@link headCheckContext}: the head state as the next block would
 *   meet it now (stall-aware).
 * - Block building passes the executor's context: the exact state the tx meets inside the block,
 *   deadlines processed, rounds and earlier txs applied.
 *
 * Policy, not consensus: a block that includes a tx this refuses is still valid, and the tx fails
 * in it with the same code.
 */
export function checkIncludable(ctx: ExecCtx, vtx: VerifiedTx): Result<null> {
  if (vtx.tx.body.nonce !== ctx.state.getAccount(vtx.from).nonce) return ok(null);
  return precheckTx(ctx, vtx);
}

/**
 * The context admission and the sweep check against: `state` at `head`, as the next block would
 * meet it at wall-clock `now`. While a stall is in progress (now is more than maxBlockGapMs past
 * the head), the next block extends every pending deadline by the gap (PROTOCOL §3, stalls), so
 * none has passed yet: deadlines are judged at the head's own time, or a node would be refused a
 * step that the block will accept.
 */
export function headCheckContext(
  params: ChainParams,
  head: BlockHeader,
  state: StateDb,
  now: bigint,
): ExecCtx {
  const timestamp = stallGap(params, head.timestamp, now) > 0n ? head.timestamp : now;
  return { params, state, env: { number: head.number + 1n, timestamp }, reveals: 0 };
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
