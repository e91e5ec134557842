/**
 * eth_subscribe / eth_unsubscribe (WebSocket only). Notifications go out as
 * `{"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":id,"result":header}}`
 * (see ../wsHub.ts). Subscriptions die with their connection.
 * @module
 */
import { rpcError } from "../errors.ts";
import { INVALID, oneOf, optional, type Param, shortString } from "../params.ts";
import { defineMethod, type MethodDef, type RpcContext, type Subscriptions } from "../registry.ts";

const needsWebSocket = (method: string) =>
  rpcError("METHOD_NOT_SUPPORTED", `Method not supported over HTTP: ${method} needs a WebSocket connection`, {
    method,
  });

function subscriptionsOf(ctx: RpcContext, method: string): Subscriptions {
  if (ctx.subscriptions === undefined) throw needsWebSocket(method);
  return ctx.subscriptions;
}

/** eth_subscribe's second param (a logs filter in Ethereum): accepted so the kind is what gets reported. */
const options: Param<unknown> = {
  name: "options",
  expected: "an object",
  optional: true,
  fallback: undefined,
  parse: (v) => (typeof v === "object" ? v : INVALID),
};

export const subscribeMethods: readonly MethodDef[] = [
  defineMethod(
    "eth_subscribe",
    [oneOf("subscription", ["newHeads"]), optional(options, undefined)],
    ([kind], ctx) => subscriptionsOf(ctx, "eth_subscribe").subscribe(kind),
  ),
  defineMethod("eth_unsubscribe", [shortString("subscription", 128)], ([id], ctx) =>
    subscriptionsOf(ctx, "eth_unsubscribe").unsubscribe(id),
  ),
];
