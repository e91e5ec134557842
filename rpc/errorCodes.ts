/**
 * The numeric JSON-RPC error codes of the contract (JSON-RPC 2.0 + EIP-1474), shared by the server
 * (api/jsonRpc/errors.ts picks one for every failure) and clients (which decide from them whether
 * trying again may help). The domain codes a rejected submission carries in `error.data.code` are
 * chain/errors.ts `TX_ERROR` and `MEMPOOL_ERROR`.
 * @module
 */

export const RPC_CODE = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  /** EIP-1474 "Invalid input". */
  INVALID_INPUT: -32000,
  /** EIP-1474 "Resource unavailable". */
  RESOURCE_UNAVAILABLE: -32002,
  /** EIP-1474 "Transaction rejected". */
  TRANSACTION_REJECTED: -32003,
  /** EIP-1474 "Method not supported". */
  METHOD_NOT_SUPPORTED: -32004,
  /** EIP-1474 "Limit exceeded". */
  LIMIT_EXCEEDED: -32005,
} as const;

/** Codes that mean "not now" rather than "never": a client may wait and ask again. */
export const TRANSIENT_RPC_CODES: ReadonlySet<number> = new Set([
  RPC_CODE.RESOURCE_UNAVAILABLE, // node not accepting txs, shutting down
  RPC_CODE.LIMIT_EXCEEDED, // rate limit, mempool full, sender limit
  RPC_CODE.INTERNAL_ERROR, // the node logged it; a restart or the next block may clear it
]);
