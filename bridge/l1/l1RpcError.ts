/**
 * `L1RpcError`: the error the embedded L1 throws from `request()` and its HTTP server writes as a
 * JSON-RPC error object. EIP-1193 and viem read a numeric `code` (viem maps -32601 to "method not
 * found", 3 to a contract revert with `data`, and the text of -32003 rejections to its nonce and
 * fee errors), so this class carries the JSON-RPC code itself rather than the string code of the
 * project's RollupError: it is an edge type, defined by the external protocol.
 *
 * Messages follow geth's wording (`nonce too low: next nonce 5, tx nonce 3`, `replacement
 * transaction underpriced`, ...) so tools that match on them (viem, the tx manager) behave as on a
 * real node. Every message is capped (chain/errors.ts capMessage): some echo caller input.
 * @module
 */
import { capMessage } from "../../chain/errors.ts";

/** JSON-RPC 2.0 and EIP-1474 codes the embedded L1 answers with. */
export const L1_RPC_CODE = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  /** geth's generic server error: gas cap exceeded, execution failed in estimateGas. */
  SERVER_ERROR: -32000,
  /** EIP-1474 "Resource not found": an unknown snapshot, a block the node does not have. */
  RESOURCE_NOT_FOUND: -32001,
  /** EIP-1474 "Transaction rejected": every tx pool rejection. */
  TRANSACTION_REJECTED: -32003,
  /** EIP-1474 "Limit exceeded": log ranges, result counts, batch sizes. */
  LIMIT_EXCEEDED: -32005,
  /** geth's code for a reverted eth_call / eth_estimateGas (the revert data rides in `data`). */
  EXECUTION_REVERTED: 3,
} as const;

export class L1RpcError extends Error {
  readonly code: number;
  readonly data: string | undefined;
  constructor(code: number, message: string, data?: string, options?: { cause?: unknown }) {
    super(capMessage(message), options);
    this.name = "L1RpcError";
    this.code = code;
    this.data = data;
  }
  /** The JSON-RPC error object (`data` only when there is some). */
  toJson(): { code: number; message: string; data?: string } {
    return this.data === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, data: this.data };
  }
}

export function invalidParams(message: string): L1RpcError {
  return new L1RpcError(L1_RPC_CODE.INVALID_PARAMS, message);
}

export function txRejected(message: string): L1RpcError {
  return new L1RpcError(L1_RPC_CODE.TRANSACTION_REJECTED, message);
}

export function limitExceeded(message: string): L1RpcError {
  return new L1RpcError(L1_RPC_CODE.LIMIT_EXCEEDED, message);
}
