/**
 * Errors of the prover client. Every one is a `RollupError` (code + typed metadata). Every place
 * that catches one classifies it with `errorKind` (the shape of op-node's derivation errors):
 *
 * - `temporary`: waiting and trying the same step again may help (network down, node restarting,
 *   rate limited, a receipt not there yet). Retried with backoff, forever.
 * - `reset`: the local view of one challenge (or the tx sender's nonces) no longer matches the
 *   chain (a tx dropped or refused, a round that does not verify, an answer that does not parse).
 *   That challenge's in-memory view is dropped and re-read from the chain after a backoff; the
 *   state file (what was sent) is kept.
 * - `critical`: retrying cannot help and going on could do harm (another chain's genesis, an
 *   unknown tier, a state file that cannot be written). The prover stops: `run` rejects and
 *   `flops prover` exits 1 with the message.
 *
 * `isTransientError` is the transport's own question (may a request be repeated?), used by the
 * RPC client; it is `errorKind(e) === "temporary"` for transport errors.
 * @module
 */
import { RollupError } from "../chain/errors.ts";
import { TRANSIENT_RPC_CODES } from "../rpc/errorCodes.ts";

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
  | "BAD_BEACON_ROUND"
  /** A tx's nonce went to another tx (or the node lost a nonce it never had): the step is redone. */
  | "TX_DROPPED"
  /** The node refused a tx for now (MEMPOOL_FULL, SENDER_LIMIT, NOT_ACCEPTING): sent again later. */
  | "TX_NOT_ACCEPTED"
  /** No receipt within the wait's deadline; the tx stays in the sender's hands (resent, tracked). */
  | "RECEIPT_TIMEOUT"
  /** The state file could not be written: sending without remembering would risk double work. */
  | "STATE_WRITE_FAILED";

export class ProverError extends RollupError<Record<string, unknown>> {
  declare readonly code: ProverErrorCode;
  constructor(code: ProverErrorCode, message: string, meta: Record<string, unknown> = {}) {
    super(code, message, meta);
    this.name = "ProverError";
  }
}

/** How the prover's loops treat an error (module doc). */
export type ErrorKind = "temporary" | "reset" | "critical";

/** The kind of each ProverError code. */
const KIND_OF_CODE: Readonly<Record<ProverErrorCode, ErrorKind>> = {
  UNKNOWN_TIER: "critical",
  GENESIS_MISMATCH: "critical",
  BAD_GENESIS: "critical",
  // The genesis record is damaged: reading it as "no record" would drop the pin (genesisTrust.ts).
  BAD_STATE_FILE: "critical",
  STATE_WRITE_FAILED: "critical",
  TX_REJECTED: "reset",
  TX_DROPPED: "reset",
  BAD_BEACON_ROUND: "reset",
  TX_NOT_ACCEPTED: "temporary",
  RECEIPT_TIMEOUT: "temporary",
};

/**
 * Classifies an error (module doc). Aborts are not errors: check `isAbortError` first. Anything
 * unknown (a malformed answer, a bug, an engine that failed its check) is `reset`: the old
 * policy of ending the attempt and starting it again from the chain's view after a backoff.
 */
export function errorKind(e: unknown): ErrorKind {
  if (e instanceof ProverError) return KIND_OF_CODE[e.code] ?? "reset";
  if (isTransientError(e)) return "temporary";
  return "reset";
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
