import { equalBytes } from "../bytes.ts";
import { err, ok, type Result, showValue, TX_ERROR } from "../errors.ts";
import type { Account, Address } from "../types.ts";
import type { ExecCtx } from "./context.ts";
import type { ActionOutcome } from "./outcome.ts";

/** Shared checks of transfer and withdraw; passes on the sender's account, so it is read once. */
export function checkSpend(ctx: ExecCtx, from: Address, to: Address, amount: bigint): Result<Account> {
  if (amount <= 0n) return err(TX_ERROR.BAD_AMOUNT);
  if (to.length !== 20) return err(TX_ERROR.BAD_RECIPIENT);
  const acc = ctx.state.getAccount(from);
  if (acc.credits < amount)
    return err(
      TX_ERROR.INSUFFICIENT_CREDITS,
      `balance ${showValue(acc.credits)}, amount ${showValue(amount)}`,
    );
  return ok(acc);
}

/** transfer: moves credits between L2 accounts (a self-transfer is a no-op that succeeds). */
export function applyTransfer(
  ctx: ExecCtx,
  from: Address,
  to: Address,
  amount: bigint,
): Result<ActionOutcome> {
  const check = checkSpend(ctx, from, to, amount);
  if (!check.ok) return check;
  if (equalBytes(from, to)) return ok({});
  const src = check.value;
  src.credits -= amount;
  ctx.state.setAccount(from, src);
  const dst = ctx.state.getAccount(to);
  dst.credits += amount;
  ctx.state.setAccount(to, dst);
  return ok({});
}
