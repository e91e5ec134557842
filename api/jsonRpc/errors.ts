/**
 * The one table from failures to JSON-RPC error codes (JSON-RPC 2.0 + EIP-1474) and HTTP statuses.
 * Every error the API emits is built from an entry here; nothing else picks a numeric code.
 *
 * HTTP: JSON-RPC-level errors travel with 200 (clients read `error`); only transport limits
 * (body size, content type, rate) change the status, and their body is still a JSON-RPC error.
 *
 * Error text may echo client input (a param name, a backend's rejection detail), so every
 * `error.message`, and every string directly in `error.data`, is capped at MAX_ERROR_MESSAGE_CHARS
 * where the JSON is written (`errorResponseJson`, the one place error JSON is built).
 * @module
 */
import {
  type AdmissionCode,
  capMessage,
  MAX_ERROR_MESSAGE_CHARS,
  MEMPOOL_ERROR,
  RollupError,
  TX_ERROR,
  TX_ERROR_MESSAGE,
  type TxErrorCode,
} from "../../chain/errors.ts";
import { RPC_CODE } from "../../rpc/errorCodes.ts";

export interface ErrorSpec {
  rpc: number;
  http: number;
  /** Default `error.message`. */
  message: string;
}

/** Failures of the JSON-RPC layer itself. */
export const RPC_ERROR = {
  /** Body is not JSON. */
  PARSE_ERROR: { rpc: RPC_CODE.PARSE_ERROR, http: 200, message: "Parse error" },
  /** Not a request object, jsonrpc ≠ "2.0", bad id or method, empty batch. */
  INVALID_REQUEST: { rpc: RPC_CODE.INVALID_REQUEST, http: 200, message: "Invalid request" },
  /** Batch longer than limits.maxBatch: one error object for the whole batch, nothing runs. */
  BATCH_TOO_LARGE: { rpc: RPC_CODE.INVALID_REQUEST, http: 200, message: "Batch too large" },
  METHOD_NOT_FOUND: { rpc: RPC_CODE.METHOD_NOT_FOUND, http: 200, message: "Method not found" },
  INVALID_PARAMS: { rpc: RPC_CODE.INVALID_PARAMS, http: 200, message: "Invalid params" },
  /** Unexpected exception: logged with the method, never shown (no stack, no message). */
  INTERNAL_ERROR: { rpc: RPC_CODE.INTERNAL_ERROR, http: 200, message: "Internal error" },
  /** A known eth_* method this chain deliberately does not serve; or eth_subscribe over HTTP. */
  METHOD_NOT_SUPPORTED: { rpc: RPC_CODE.METHOD_NOT_SUPPORTED, http: 200, message: "Method not supported" },
  /** A batch's responses passed limits.maxResponseBytes: the rest are replaced by this. */
  RESPONSE_TOO_LARGE: { rpc: RPC_CODE.LIMIT_EXCEEDED, http: 200, message: "Response size limit exceeded" },
  /** Too many subscriptions on one WebSocket. */
  SUBSCRIPTION_LIMIT: { rpc: RPC_CODE.LIMIT_EXCEEDED, http: 200, message: "Subscription limit exceeded" },
  /** HTTP body over limits.bodyLimit. */
  BODY_TOO_LARGE: { rpc: RPC_CODE.LIMIT_EXCEEDED, http: 413, message: "Request body too large" },
  /** Content-Type is not application/json. */
  UNSUPPORTED_MEDIA_TYPE: {
    rpc: RPC_CODE.INVALID_REQUEST,
    http: 415,
    message: "Unsupported content type: use application/json",
  },
  /** Per-IP token bucket empty; the reply carries `retry-after` (seconds). */
  RATE_LIMITED: { rpc: RPC_CODE.LIMIT_EXCEEDED, http: 429, message: "Rate limit exceeded" },
} as const satisfies Record<string, ErrorSpec>;
export type RpcErrorKind = keyof typeof RPC_ERROR;

const rejected = (code: TxErrorCode): ErrorSpec => ({
  rpc: RPC_CODE.TRANSACTION_REJECTED,
  http: 200,
  message: TX_ERROR_MESSAGE[code],
});

/**
 * Domain codes (a rejected flops_sendRawTransaction) → JSON-RPC. Exhaustive on purpose: a new
 * TX_ERROR or MEMPOOL_ERROR code (chain/errors.ts, the one list) does not compile until it gets a row. The domain code and the
 * backend's message go in `error.data` ({code, message}).
 */
export const DOMAIN_ERROR: Record<AdmissionCode, ErrorSpec> = {
  // Bytes that do not decode are bad input, not a chain decision.
  [TX_ERROR.MALFORMED]: { rpc: RPC_CODE.INVALID_INPUT, http: 200, message: TX_ERROR_MESSAGE.MALFORMED },
  [TX_ERROR.BAD_SIGNATURE]: rejected(TX_ERROR.BAD_SIGNATURE),
  [TX_ERROR.WRONG_CHAIN_ID]: rejected(TX_ERROR.WRONG_CHAIN_ID),
  [TX_ERROR.NONCE_TOO_LOW]: rejected(TX_ERROR.NONCE_TOO_LOW),
  [TX_ERROR.NONCE_TOO_HIGH]: rejected(TX_ERROR.NONCE_TOO_HIGH),
  [TX_ERROR.TX_TOO_LARGE]: rejected(TX_ERROR.TX_TOO_LARGE),
  // "Failed" codes normally end up in receipts; a mempool that pre-checks may reject with them.
  [TX_ERROR.ALREADY_REGISTERED]: rejected(TX_ERROR.ALREADY_REGISTERED),
  [TX_ERROR.NOT_REGISTERED]: rejected(TX_ERROR.NOT_REGISTERED),
  [TX_ERROR.UNKNOWN_TIER]: rejected(TX_ERROR.UNKNOWN_TIER),
  [TX_ERROR.TOO_MANY_OPEN_CHALLENGES]: rejected(TX_ERROR.TOO_MANY_OPEN_CHALLENGES),
  [TX_ERROR.UNKNOWN_CHALLENGE]: rejected(TX_ERROR.UNKNOWN_CHALLENGE),
  [TX_ERROR.NOT_CHALLENGE_OWNER]: rejected(TX_ERROR.NOT_CHALLENGE_OWNER),
  [TX_ERROR.CHALLENGE_NOT_ACTIVE]: rejected(TX_ERROR.CHALLENGE_NOT_ACTIVE),
  [TX_ERROR.DEADLINE_PASSED]: rejected(TX_ERROR.DEADLINE_PASSED),
  [TX_ERROR.BAD_ROOT]: rejected(TX_ERROR.BAD_ROOT),
  [TX_ERROR.CHALLENGE_NOT_SAMPLED]: rejected(TX_ERROR.CHALLENGE_NOT_SAMPLED),
  [TX_ERROR.BAD_OPENING]: rejected(TX_ERROR.BAD_OPENING),
  [TX_ERROR.BLOCK_REVEAL_LIMIT]: rejected(TX_ERROR.BLOCK_REVEAL_LIMIT),
  [TX_ERROR.INSUFFICIENT_CREDITS]: rejected(TX_ERROR.INSUFFICIENT_CREDITS),
  [TX_ERROR.BAD_AMOUNT]: rejected(TX_ERROR.BAD_AMOUNT),
  [TX_ERROR.BAD_RECIPIENT]: rejected(TX_ERROR.BAD_RECIPIENT),
  // System-tx codes cannot come from a user submission; mapped for completeness.
  [TX_ERROR.BAD_BEACON_SIGNATURE]: rejected(TX_ERROR.BAD_BEACON_SIGNATURE),
  [TX_ERROR.BEACON_ROUND_IN_FUTURE]: rejected(TX_ERROR.BEACON_ROUND_IN_FUTURE),
  [TX_ERROR.BEACON_ROUND_KNOWN]: rejected(TX_ERROR.BEACON_ROUND_KNOWN),
  [TX_ERROR.BEACON_ROUND_UNWANTED]: rejected(TX_ERROR.BEACON_ROUND_UNWANTED),
  [TX_ERROR.DEPOSIT_KNOWN]: rejected(TX_ERROR.DEPOSIT_KNOWN),
  [TX_ERROR.NOT_REVOCABLE]: rejected(TX_ERROR.NOT_REVOCABLE),
  [MEMPOOL_ERROR.ALREADY_KNOWN]: {
    rpc: RPC_CODE.TRANSACTION_REJECTED,
    http: 200,
    message: "transaction already known",
  },
  [MEMPOOL_ERROR.MEMPOOL_FULL]: { rpc: RPC_CODE.LIMIT_EXCEEDED, http: 200, message: "mempool is full" },
  [MEMPOOL_ERROR.SENDER_LIMIT]: {
    rpc: RPC_CODE.LIMIT_EXCEEDED,
    http: 200,
    message: "sender has too many pending transactions",
  },
  [MEMPOOL_ERROR.REPLACEMENT_LIMIT]: {
    rpc: RPC_CODE.LIMIT_EXCEEDED,
    http: 200,
    message: "this nonce was replaced too many times",
  },
  [MEMPOOL_ERROR.NOT_ACCEPTING]: {
    rpc: RPC_CODE.RESOURCE_UNAVAILABLE,
    http: 200,
    message: "this node does not accept transactions",
  },
};

/** A code the table does not know (a newer backend): still a rejection, never an internal error. */
const UNKNOWN_DOMAIN: ErrorSpec = {
  rpc: RPC_CODE.TRANSACTION_REJECTED,
  http: 200,
  message: "transaction rejected",
};

/** The JSON `error` member. */
export interface RpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

/** An error a method handler throws to answer with a specific JSON-RPC error. */
export class RpcError extends RollupError<{ rpc: number; http: number; data?: unknown }> {
  constructor(kind: string, spec: ErrorSpec, message: string, data?: unknown) {
    super(
      kind,
      message,
      data === undefined ? { rpc: spec.rpc, http: spec.http } : { rpc: spec.rpc, http: spec.http, data },
    );
    this.name = "RpcError";
  }
  toJson(): RpcErrorObject {
    const data = this.meta.data;
    return data === undefined
      ? { code: this.meta.rpc, message: this.message }
      : { code: this.meta.rpc, message: this.message, data };
  }
}

/** An API-level error; `message` defaults to the table's. */
export function rpcError(kind: RpcErrorKind, message?: string, data?: unknown): RpcError {
  const spec: ErrorSpec = RPC_ERROR[kind];
  return new RpcError(kind, spec, message ?? spec.message, data);
}

/**
 * A rejected submission. `error.message` = "<table message>: <backend message>" when they differ;
 * `error.data` = {code, message} with the backend's own message.
 */
export function domainError(code: string, message: string): RpcError {
  const spec = (DOMAIN_ERROR as Record<string, ErrorSpec | undefined>)[code] ?? UNKNOWN_DOMAIN;
  const text = message === spec.message || message === "" ? spec.message : `${spec.message}: ${message}`;
  return new RpcError(code, spec, text, { code, message: message === "" ? spec.message : message });
}

/**
 * JSON of `{"jsonrpc":"2.0","id":…,"error":…}`, its message and data strings capped. Errors are
 * the cold path, so plain stringify.
 */
export function errorResponseJson(id: string | number | null, error: RpcErrorObject): string {
  return `{"jsonrpc":"2.0","id":${idJson(id)},"error":${JSON.stringify(cappedError(error))}}`;
}

/**
 * The error with `message` and the strings of `data` (itself, or its own properties: the shapes
 * this API builds) at most MAX_ERROR_MESSAGE_CHARS long. Returns `error` itself when nothing is long.
 */
export function cappedError(error: RpcErrorObject): RpcErrorObject {
  const message = capMessage(error.message);
  const data = cappedData(error.data);
  if (message === error.message && data === error.data) return error;
  return data === undefined ? { code: error.code, message } : { code: error.code, message, data };
}

function cappedData(data: unknown): unknown {
  if (typeof data === "string") return capMessage(data);
  if (data === null || typeof data !== "object" || Array.isArray(data)) return data;
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(data)) {
    if (typeof v !== "string" || v.length <= MAX_ERROR_MESSAGE_CHARS) continue;
    out ??= { ...data };
    out[k] = capMessage(v);
  }
  return out ?? data;
}

/** A request id as JSON (ids are already validated: string, number or null). */
export function idJson(id: string | number | null): string {
  if (typeof id === "number") return `${id}`;
  return id === null ? "null" : JSON.stringify(id);
}
