/**
 * Handlers of the credits bridge's reads (definitions: rpc/methods.ts FLOPS_RPC outputAtBlock,
 * getWithdrawalProof, getWithdrawalByTx, getWithdrawals), over the backend's optional
 * `withdrawals` port, and of flops_getChallengeProof over its `challengeProofs` port. A backend without it answers -32004 (method not supported); lookups of
 * something that does not exist answer `null`.
 * @module
 */
import { FLOPS_RPC } from "../../../rpc/methods.ts";
import type { RpcBackend, WithdrawalReads } from "../../ports.ts";
import { rpcError } from "../errors.ts";
import { type MethodDef, serve } from "../registry.ts";

function reads(backend: RpcBackend): WithdrawalReads {
  const w = backend.withdrawals;
  if (w === undefined) throw rpcError("METHOD_NOT_SUPPORTED", "this node serves no withdrawals");
  return w;
}

export const bridgeMethods: readonly MethodDef[] = [
  serve(FLOPS_RPC.outputAtBlock, ([block], ctx) => reads(ctx.backend).outputAt(block)),
  serve(FLOPS_RPC.getWithdrawalProof, ([index, block], ctx) => reads(ctx.backend).proof(index, block)),
  serve(FLOPS_RPC.getChallengeProof, ([id, block], ctx) => {
    const p = ctx.backend.challengeProofs;
    if (p === undefined) throw rpcError("METHOD_NOT_SUPPORTED", "this node serves no challenge proofs");
    return p.proof(id, block);
  }),
  serve(FLOPS_RPC.getWithdrawalByTx, ([hash], ctx) => reads(ctx.backend).byTx(hash)),
  serve(FLOPS_RPC.getWithdrawals, ([address, page], ctx) => reads(ctx.backend).list(address, page)),
];
