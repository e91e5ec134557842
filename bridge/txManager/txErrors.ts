/**
 * Errors of the L1 tx manager, and the classifier that reads an L1 node's answer.
 *
 * Every error carries a `kind` (docs/ARCHITECTURE.md "Errors"): `temporary` (retry later: the RPC
 * is down, fees are above the cap), `reset` (the local view of L1 is stale: re-read the nonce),
 * `critical` (stop and tell a person: no funds, a tx the chain will never take, a broken journal).
 *
 * Node error texts are not standardised, so the classifier matches the phrases geth, reth and Anvil
 * use (e.g. geth "already known", Anvil "transaction already imported"). What it reads comes from
 * the network: it looks at a bounded prefix only, and messages built from it are capped.
 * @module
 */

import { capMessage, RollupError } from "../../chain/errors.ts";

export type L1ErrorKind = "temporary" | "reset" | "critical";

export const L1_TX_ERROR = {
  /** The sender cannot pay gas × fee cap + value. */
  INSUFFICIENT_FUNDS: "INSUFFICIENT_FUNDS",
  /** The nonce is already used on L1 (one of our attempts was mined, or someone else used the key). */
  NONCE_TOO_LOW: "NONCE_TOO_LOW",
  /** A tx with this nonce is in the pool with fees the new one does not beat by the pool's bump. */
  REPLACEMENT_UNDERPRICED: "REPLACEMENT_UNDERPRICED",
  /** The node already has this exact tx: the broadcast did its job. */
  ALREADY_KNOWN: "ALREADY_KNOWN",
  /** The fee cap is below the current base fee (the base fee rose between reading and sending). */
  FEE_BELOW_BASE_FEE: "FEE_BELOW_BASE_FEE",
  /** L1 fees need more than `maxFeePerGasCap`: nothing is sent until they fall. */
  FEE_ABOVE_CAP: "FEE_ABOVE_CAP",
  /** Gas estimation says the call reverts: the tx would only burn fees. */
  ESTIMATE_REVERTED: "ESTIMATE_REVERTED",
  /** The gas the tx needs is above `maxGasLimit`. */
  GAS_ABOVE_LIMIT: "GAS_ABOVE_LIMIT",
  /** The node refused the tx for a reason that retrying will not change (intrinsic gas, size). */
  TX_REJECTED: "TX_REJECTED",
  /** The node could not be reached or answered with an error we do not know: retry. */
  RPC_UNAVAILABLE: "RPC_UNAVAILABLE",
  /** The node answered something impossible (wrong hash, a value out of range). */
  BAD_RPC_ANSWER: "BAD_RPC_ANSWER",
  /** The node serves another chain than the one configured. */
  CHAIN_ID_MISMATCH: "CHAIN_ID_MISMATCH",
  /** The journal file is damaged before its last line (not a torn append). */
  JOURNAL_CORRUPT: "JOURNAL_CORRUPT",
  /** Another live manager holds the journal. */
  JOURNAL_LOCKED: "JOURNAL_LOCKED",
  /** An intent id was reused for a different tx. */
  INTENT_CONFLICT: "INTENT_CONFLICT",
  /** The manager was closed. */
  CLOSED: "CLOSED",
} as const;
export type L1TxErrorCode = (typeof L1_TX_ERROR)[keyof typeof L1_TX_ERROR];

const KIND: Record<L1TxErrorCode, L1ErrorKind> = {
  INSUFFICIENT_FUNDS: "critical",
  NONCE_TOO_LOW: "reset",
  REPLACEMENT_UNDERPRICED: "temporary",
  ALREADY_KNOWN: "temporary",
  FEE_BELOW_BASE_FEE: "temporary",
  FEE_ABOVE_CAP: "temporary",
  ESTIMATE_REVERTED: "critical",
  GAS_ABOVE_LIMIT: "critical",
  TX_REJECTED: "critical",
  RPC_UNAVAILABLE: "temporary",
  BAD_RPC_ANSWER: "temporary",
  CHAIN_ID_MISMATCH: "critical",
  JOURNAL_CORRUPT: "critical",
  JOURNAL_LOCKED: "critical",
  INTENT_CONFLICT: "critical",
  CLOSED: "temporary",
};

export class L1TxError extends RollupError<{ kind: L1ErrorKind } & Record<string, unknown>> {
  readonly kind: L1ErrorKind;
  constructor(
    code: L1TxErrorCode,
    message: string,
    meta: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    const kind = KIND[code];
    super(code, capMessage(message), { ...meta, kind }, options);
    this.name = "L1TxError";
    this.kind = kind;
  }
}

/** Characters of a node's error text that are read (the rest is ignored). */
const MAX_READ_CHARS = 4096;
/** Links of a `cause` chain followed (viem wraps an RPC error two or three times). */
const MAX_CAUSE_DEPTH = 8;

/** The text of `err` and its causes (message, viem's `details`), lower-cased, bounded. */
function errorText(err: unknown): string {
  let text = "";
  let e: unknown = err;
  for (let i = 0; i < MAX_CAUSE_DEPTH && e != null && text.length < MAX_READ_CHARS; i++) {
    if (typeof e !== "object") {
      text += ` ${String(e).slice(0, MAX_READ_CHARS)}`;
      break;
    }
    const o = e as { message?: unknown; details?: unknown; cause?: unknown };
    for (const part of [o.message, o.details]) {
      if (typeof part === "string") text += ` ${part.slice(0, MAX_READ_CHARS)}`;
    }
    e = o.cause;
  }
  return text.slice(0, MAX_READ_CHARS).toLowerCase();
}

// Phrases of geth / reth / Anvil / Nethermind, in the order they are tested (first match wins).
const RULES: ReadonlyArray<readonly [RegExp, L1TxErrorCode]> = [
  [/already known|already imported|known transaction|alreadyknown/, "ALREADY_KNOWN"],
  [/nonce too low|nonce has already been used|oldnonce|nonce is too low/, "NONCE_TOO_LOW"],
  [
    /replacement transaction underpriced|replacement fee too low|replacementnotallowed/,
    "REPLACEMENT_UNDERPRICED",
  ],
  [
    /max fee per gas less than block base fee|fee cap less than block base fee|feecap.*base ?fee/,
    "FEE_BELOW_BASE_FEE",
  ],
  [/insufficient funds|insufficient balance/, "INSUFFICIENT_FUNDS"],
  [/execution reverted/, "ESTIMATE_REVERTED"],
  [
    /intrinsic gas too low|oversized data|exceeds block gas limit|gas limit reached|invalid sender|invalid chain ?id|tx fee .* exceeds|transaction underpriced|tip above fee cap|max priority fee per gas higher/,
    "TX_REJECTED",
  ],
];

/**
 * The code an L1 node's failure means. Anything not recognised is RPC_UNAVAILABLE (temporary):
 * for a broadcast that is the safe reading, as the tx may or may not have reached the pool.
 */
export function classifyL1Error(err: unknown): L1TxErrorCode {
  if (err instanceof L1TxError) return err.code as L1TxErrorCode;
  const text = errorText(err);
  for (const [re, code] of RULES) if (re.test(text)) return code;
  return "RPC_UNAVAILABLE";
}

/** `err` as an L1TxError of its class, its text capped, the original kept as `cause`. */
export function toL1TxError(err: unknown, context: string): L1TxError {
  if (err instanceof L1TxError) return err;
  const code = classifyL1Error(err);
  const detail = errorText(err).trim().slice(0, 300);
  const hint = code === "INSUFFICIENT_FUNDS" ? " (fund the sender's L1 account; nothing was sent)" : "";
  return new L1TxError(code, `${context}: ${code}${hint}: ${detail}`, {}, { cause: err });
}
