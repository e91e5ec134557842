import { err, ok, type Result, TX_ERROR } from "../errors.ts";
import type { Address } from "../types.ts";
import type { ExecCtx } from "./context.ts";
import type { ActionOutcome } from "./outcome.ts";

/** deposit (system): credits bridged from L1, applied once per Portal deposit id. */
export function applyDeposit(
  ctx: ExecCtx,
  depositId: bigint,
  to: Address,
  amount: bigint,
): Result<ActionOutcome> {
  if (ctx.state.hasDeposit(depositId)) return err(TX_ERROR.DEPOSIT_KNOWN, `deposit ${depositId}`);
  if (to.length !== 20) return err(TX_ERROR.BAD_RECIPIENT);
  if (amount <= 0n) return err(TX_ERROR.BAD_AMOUNT);
  ctx.state.markDeposit(depositId);
  const acc = ctx.state.getAccount(to);
  acc.credits += amount;
  ctx.state.setAccount(to, acc);
  const meta = ctx.state.getMeta();
  meta.supply += amount;
  ctx.state.setMeta(meta);
  return ok({ credits: amount });
}
