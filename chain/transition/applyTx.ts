import { equalBytes } from "../bytes.ts";
import { err, ok, type Result, TX_ERROR } from "../errors.ts";
import { type Address, CHALLENGE_STATUS, type Receipt, type SystemTx, type VerifiedTx } from "../types.ts";
import { applyBeacon } from "./applyBeacon.ts";
import { applyChallenge } from "./applyChallenge.ts";
import { applyCommit } from "./applyCommit.ts";
import { applyDeposit } from "./applyDeposit.ts";
import { applyRegister } from "./applyRegister.ts";
import { applyReveal } from "./applyReveal.ts";
import { applyRevoke } from "./applyRevoke.ts";
import { applyTransfer } from "./applyTransfer.ts";
import { applyWithdraw } from "./applyWithdraw.ts";
import { type ExecCtx, stepTime } from "./context.ts";
import type { ActionOutcome } from "./outcome.ts";

/**
 * Applies one signed tx whose signature was already checked. Invalid txs (wrong chain, bad
 * nonce, reveal over the block limit) are refused without any state change: `{ok: false}`.
 * Otherwise the nonce is consumed and a receipt comes back, "success" or "failed" with a code.
 */
export function applyTx(ctx: ExecCtx, vtx: VerifiedTx): Result<Receipt> {
  const { tx, from } = vtx;
  const { body } = tx;
  if (body.chainId !== ctx.params.l2ChainId) {
    return err(TX_ERROR.WRONG_CHAIN_ID, `expected ${ctx.params.l2ChainId}, got ${body.chainId}`);
  }
  if (tx.raw.length > ctx.params.maxTxBytes) return err(TX_ERROR.TX_TOO_LARGE);
  const acc = ctx.state.getAccount(from);
  if (body.nonce < acc.nonce)
    return err(TX_ERROR.NONCE_TOO_LOW, `next nonce ${acc.nonce}, got ${body.nonce}`);
  if (body.nonce > acc.nonce)
    return err(TX_ERROR.NONCE_TOO_HIGH, `next nonce ${acc.nonce}, got ${body.nonce}`);
  const a = body.action;
  if (a.kind === "reveal" && ctx.reveals >= ctx.params.maxRevealsPerBlock)
    return err(TX_ERROR.BLOCK_REVEAL_LIMIT);
  if (a.kind === "commit" || a.kind === "reveal") {
    const held = heldStep(ctx, from, a.challengeId, a.kind);
    if (held) return held;
  }

  acc.nonce += 1n;
  ctx.state.setAccount(from, acc);
  let r: Result<ActionOutcome>;
  switch (a.kind) {
    case "register":
      r = applyRegister(ctx, from);
      break;
    case "challenge":
      r = applyChallenge(ctx, from, a.tier);
      break;
    case "commit":
      r = applyCommit(ctx, from, a.challengeId, a.root);
      break;
    case "reveal":
      ctx.reveals++;
      r = applyReveal(ctx, from, a.challengeId, a.tiles, a.proof);
      break;
    case "transfer":
      r = applyTransfer(ctx, from, a.to, a.amount);
      break;
    case "withdraw":
      r = applyWithdraw(ctx, from, a.to, a.amount);
      break;
  }
  return ok(toReceipt(tx.hash, r, a.kind === "commit" || a.kind === "reveal" ? a.challengeId : undefined));
}

/**
 * A late commit or reveal of the sender's own challenge that the deadline pass held (D7: L1 may
 * still deliver a forced one on time) is not includable: included, it would fail and spend the
 * nonce that the forced copy of the same tx needs, so a censor could defeat forced inclusion by
 * including the node's tx itself, late. Once the deadline expires, the tx fails as usual.
 */
function heldStep(
  ctx: ExecCtx,
  from: Address,
  id: bigint,
  kind: "commit" | "reveal",
): Result<never> | undefined {
  const c = ctx.state.getChallenge(id);
  if (!c || !equalBytes(c.node, from) || stepTime(ctx) <= c.deadline) return undefined;
  const waiting = kind === "commit" ? CHALLENGE_STATUS.ACTIVE : CHALLENGE_STATUS.SAMPLED;
  if (c.status !== waiting) return undefined;
  return err(TX_ERROR.DEADLINE_PASSED, `${kind} deadline ${c.deadline} passed, not yet settled on L1`);
}

/**
 * Applies a system tx. A system tx that does not apply makes its block invalid (block building
 * never includes one), so failures come back as `{ok: false}` with no state change.
 */
export function applySystemTx(ctx: ExecCtx, stx: SystemTx, hash: Uint8Array): Result<Receipt> {
  let r: Result<ActionOutcome>;
  switch (stx.kind) {
    case "beacon":
      r = applyBeacon(ctx, stx.round, stx.signature);
      break;
    case "deposit":
      r = applyDeposit(ctx, stx.depositId, stx.to, stx.amount);
      break;
    case "revoke":
      r = applyRevoke(ctx, stx.challengeId);
      break;
  }
  if (!r.ok) return r;
  return ok(toReceipt(hash, r, undefined));
}

function toReceipt(txHash: Uint8Array, r: Result<ActionOutcome>, challengeId: bigint | undefined): Receipt {
  if (!r.ok) {
    const receipt: Receipt = { txHash, status: "failed", error: r.error };
    if (challengeId !== undefined) receipt.challengeId = challengeId;
    return receipt;
  }
  const receipt: Receipt = { txHash, status: "success" };
  const id = r.value.challengeId ?? challengeId;
  if (id !== undefined) receipt.challengeId = id;
  if (r.value.credits !== undefined) receipt.credits = r.value.credits;
  return receipt;
}
