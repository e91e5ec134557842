import { err, ok, type Result, TX_ERROR } from "../errors.ts";
import { epochOf, newNodeRecord } from "../state/liveness.ts";
import type { Address } from "../types.ts";
import type { ExecCtx } from "./context.ts";
import type { ActionOutcome } from "./outcome.ts";

/** register: makes the sender a node, with an empty streak. */
export function applyRegister(ctx: ExecCtx, from: Address): Result<ActionOutcome> {
  if (ctx.state.getNode(from)) return err(TX_ERROR.ALREADY_REGISTERED);
  ctx.state.setNode(from, newNodeRecord(ctx.env.number, epochOf(ctx.params, ctx.env.timestamp)));
  return ok({});
}
