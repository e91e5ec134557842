/**
 * Handler of `flops_getOutputSignature` (definition: rpc/methods.ts FLOPS_RPC.getOutputSignature)
 * over the backend's optional `outputSignatures` port: only an operator node
 * (`flops node --mode operator`) has one; any other node answers -32004 (method not supported).
 * @module
 */
import { FLOPS_RPC } from "../../../rpc/methods.ts";
import { rpcError } from "../errors.ts";
import { type MethodDef, serve } from "../registry.ts";

export const operatorMethods: readonly MethodDef[] = [
  serve(FLOPS_RPC.getOutputSignature, ([n], ctx) => {
    const s = ctx.backend.outputSignatures;
    if (s === undefined) throw rpcError("METHOD_NOT_SUPPORTED", "this node is not an operator");
    return s.signatureFor(n);
  }),
];
