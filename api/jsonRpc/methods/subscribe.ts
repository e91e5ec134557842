/**
 * eth_subscribe / eth_unsubscribe (WebSocket only; definitions: rpc/methods.ts ETH_RPC).
 * Notifications go out as
 * `{"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":id,"result":header}}`
 * (see ../wsHub.ts). Subscriptions die with their connection.
 * @module
 */
import { ETH_RPC } from "../../../rpc/methods.ts";
import { rpcError } from "../errors.ts";
import { type MethodDef, type RpcContext, type Subscriptions, serve } from "../registry.ts";

const needsWebSocket = (method: string) =>
  rpcError("METHOD_NOT_SUPPORTED", `Method not supported over HTTP: ${method} needs a WebSocket connection`, {
    method,
  });

function subscriptionsOf(ctx: RpcContext, method: string): Subscriptions {
  if (ctx.subscriptions === undefined) throw needsWebSocket(method);
  return ctx.subscriptions;
}

export const subscribeMethods: readonly MethodDef[] = [
  serve(ETH_RPC.subscribe, ([kind], ctx) => subscriptionsOf(ctx, "eth_subscribe").subscribe(kind)),
  serve(ETH_RPC.unsubscribe, ([id], ctx) => subscriptionsOf(ctx, "eth_unsubscribe").unsubscribe(id)),
];
