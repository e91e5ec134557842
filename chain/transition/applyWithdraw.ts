import { err, ok, type Result, TX_ERROR } from "../errors.ts";
import type { Address } from "../types.ts";
import { checkSpend } from "./applyTransfer.ts";
import type { ExecCtx } from "./context.ts";
import type { ActionOutcome } from "./outcome.ts";

/** withdraw: burns credits on L2 and appends a withdrawal leaf payable on L1 to `to`. */
export function applyWithdraw(
  ctx: ExecCtx,
  from: Address,
  to: Address,
  amount: bigint,
): Result<ActionOutcome> {
  const check = checkSpend(ctx, from, to, amount);
  if (!check.ok) return check;
  if (to.every((b) => b === 0)) return err(TX_ERROR.BAD_RECIPIENT, "withdrawal to the zero address");
  const acc = check.value;
  acc.credits -= amount;
  ctx.state.setAccount(from, acc);
  const meta = ctx.state.getMeta();
  const index = meta.withdrawalCount;
  meta.withdrawalCount = index + 1n;
  meta.supply -= amount;
  ctx.state.setMeta(meta);
  ctx.state.addWithdrawal({ index, from, to, amount, l2BlockNumber: ctx.env.number });
  return ok({ credits: amount });
}
