/**
 * Errors of the prover client. Every one is a `RollupError` (code + typed metadata), and
 * `isTransientError` classifies them for the retry loops: transient = waiting and trying again
 * may help (network down, node restarting, rate limited), anything else is a bug or a
 * misconfiguration that retrying will not fix.
 * @module
 */
import { RollupError } from "../chain/errors.ts";

/** JSON-RPC codes (EIP-1474) that mean "not now" rather than "never". */
const TRANSIENT_RPC_CODES: ReadonlySet<number> = new Set([
  -32002, // resource unavailable (node not accepting txs, shutting down)
  -32005, // limit exceeded (rate limit, mempool full)
  -32603, // internal error: the node logged it; a restart or the next block may clear it
]);

/** The node could not be reached, or answered with something that is not a JSON-RPC response. */
export class RpcTransportError extends RollupError<{
  url: string;
  method: string;
  /** HTTP status, when there was a response. */
  status?: number;
  /** True when retrying may help: network errors, timeouts, HTTP 429 and 5xx. */
  transient: boolean;
}> {
  constructor(
    message: string,
    meta: { url: string; method: string; status?: number; transient: boolean },
    options?: { cause?: unknown },
  ) {
    super("RPC_TRANSPORT", message, meta, options);
    this.name = "RpcTransportError";
  }
}

/** The node answered with a JSON-RPC error object. */
export class JsonRpcError extends RollupError<{
  method: string;
  /** `error.code` (numeric, JSON-RPC / EIP-1474). */
  rpcCode: number;
  /** `error.data` as sent. */
  data?: unknown;
  /** `error.data.code` when the node put a domain code there (e.g. "NONCE_TOO_LOW"). */
  domainCode?: string;
}> {
  constructor(method: string, rpcCode: number, message: string, data?: unknown) {
    const domainCode = domainCodeOf(data);
    super("RPC_ERROR", message, {
      method,
      rpcCode,
      ...(data === undefined ? {} : { data }),
      ...(domainCode === undefined ? {} : { domainCode }),
    });
    this.name = "JsonRpcError";
  }
  get rpcCode(): number {
    return this.meta.rpcCode;
  }
  get domainCode(): string | undefined {
    return this.meta.domainCode;
  }
}

function domainCodeOf(data: unknown): string | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const code = (data as { code?: unknown }).code;
  return typeof code === "string" ? code : undefined;
}

/** The node answered a JSON-RPC result of the wrong shape (a different or newer node?). */
export class RpcResponseError extends RollupError<{ method: string; path: string }> {
  constructor(method: string, path: string, expected: string) {
    super("RPC_BAD_RESPONSE", `${method}: ${path} is not ${expected}`, { method, path });
    this.name = "RpcResponseError";
  }
}

export type ProverErrorCode =
  /** The configured tier does not exist on this chain. */
  | "UNKNOWN_TIER"
  /** The node refused a tx for a reason rebuilding it will not fix (bad signature, wrong chain). */
  | "TX_REJECTED"
  /** The state file exists but cannot be used. */
  | "BAD_STATE_FILE"
  /** The node serves a genesis whose hash is not the pinned (or recorded) one: another chain. */
  | "GENESIS_MISMATCH"
  /** The node serves a genesis document that does not parse, validate or is not canonical. */
  | "BAD_GENESIS"
  /** A beacon round of a challenge does not verify against the genesis key, or is too early. */
  | "BAD_BEACON_ROUND";

export class ProverError extends RollupError<Record<string, unknown>> {
  declare readonly code: ProverErrorCode;
  constructor(code: ProverErrorCode, message: string, meta: Record<string, unknown> = {}) {
    super(code, message, meta);
    this.name = "ProverError";
  }
}

/** True for an abort (AbortSignal fired): the caller asked to stop, never retry. */
export function isAbortError(e: unknown): boolean {
  return e instanceof Error && (e.name === "AbortError" || (e as { code?: unknown }).code === "ABORT_ERR");
}

/** Whether waiting and trying again may help. Unknown errors are not transient. */
export function isTransientError(e: unknown): boolean {
  if (e instanceof RpcTransportError) return e.meta.transient;
  if (e instanceof JsonRpcError) return TRANSIENT_RPC_CODES.has(e.rpcCode);
  return false;
}

/** One line for logs and the terminal: the message, plus the cause's when there is one. */
export function errorText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = e.cause;
  if (cause instanceof Error && !e.message.includes(cause.message))
    return `${e.message}: ${causeText(cause)}`;
  return e.message;
}

function causeText(e: Error): string {
  // undici wraps socket errors: "fetch failed" ← ECONNREFUSED; the innermost one says what happened.
  const inner = e.cause;
  const code = (e as { code?: unknown }).code;
  if (inner instanceof Error) return causeText(inner);
  return typeof code === "string" && !e.message.includes(code) ? `${code} ${e.message}` : e.message;
}
