import { epochOf, settleNode } from "../state/liveness.ts";
import type { Address, NodeRecord } from "../types.ts";
import type { ExecCtx } from "./context.ts";

/** Loads a node and settles its epoch accounting to the block's epoch (lazy, PROTOCOL §4). */
export function touchNode(ctx: ExecCtx, address: Address): NodeRecord | undefined {
  const node = ctx.state.getNode(address);
  if (!node) return undefined;
  settleNode(node, epochOf(ctx.params, ctx.env.timestamp), ctx.params);
  return node;
}
