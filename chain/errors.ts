/**
 * Errors of the chain core.
 * - `RollupError`: the one base class (code + typed metadata + cause), used project-wide.
 * - `TX_ERROR`: why a transaction was rejected or failed. Every rejection has its own code, so RPC
 *   clients, receipts and tests can tell them apart.
 * - `capMessage` / `showValue`: every message that may carry untrusted input is bounded in length,
 *   and no untrusted value is ever formatted at its full size (SECURITY.md §3).
 * @module
 */

export class RollupError<M extends Record<string, unknown> = Record<string, unknown>> extends Error {
  readonly code: string;
  readonly meta: M;
  constructor(code: string, message: string, meta?: M, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "RollupError";
    this.code = code;
    this.meta = (meta ?? {}) as M;
  }
  toObject(): { code: string; message: string; meta: M } {
    return { code: this.code, message: this.message, meta: this.meta };
  }
}

// ---------------------------------------------------------------------------------------------
// Bounded error text. Messages reach clients (admission results, JSON-RPC errors) and logs; an
// attacker who controls what goes into one must not control its size, nor make building it slow.
// ---------------------------------------------------------------------------------------------

/** Longest error message sent to a client, in UTF-16 code units (SECURITY.md §12). */
export const MAX_ERROR_MESSAGE_CHARS = 512;

/** Longest rendering of one untrusted value inside a message: a uint256 in decimal is 78 digits. */
export const MAX_SHOWN_VALUE_CHARS = 80;

/** Bytes of a byte string shown (as hex) before the rest is elided. */
const SHOWN_BYTES = 16;

/** Below this magnitude a bigint is shown in full, in decimal: at most 78 digits, microseconds. */
const DECIMAL_LIMIT = 1n << 256n;

/**
 * `text` if it has at most `max` chars; otherwise its start and "… (N chars)", at most `max` chars
 * in all (just the start when `max` leaves no room for the tail). The cut never splits a surrogate
 * pair, so the result stays well-formed UTF-16.
 */
export function capMessage(text: string, max: number = MAX_ERROR_MESSAGE_CHARS): string {
  if (text.length <= max) return text;
  let tail = `… (${text.length} chars)`;
  if (tail.length > max) tail = "";
  let keep = max - tail.length;
  const last = text.charCodeAt(keep - 1);
  if (last >= 0xd800 && last <= 0xdbff) keep--;
  return text.slice(0, keep) + tail;
}

/**
 * One untrusted value, for a message, in at most MAX_SHOWN_VALUE_CHARS chars. Bigints below 2^256
 * in magnitude print in decimal; larger ones as their leading hex digits and bit length, because
 * decimal conversion of a huge bigint costs time superlinear in its size (a 1-Mbit amount: ~190 ms).
 */
export function showValue(value: bigint | number | string | Uint8Array): string {
  if (typeof value === "bigint") {
    if (value < DECIMAL_LIMIT && value > -DECIMAL_LIMIT) return value.toString();
    const sign = value < 0n ? "-" : "";
    const hex = (value < 0n ? -value : value).toString(16); // linear time, unlike decimal
    const bits = hex.length * 4 - Math.clz32(Number.parseInt(hex[0]!, 16)) + 28;
    return `${sign}0x${hex.slice(0, 16)}… (${bits}-bit integer)`;
  }
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return capMessage(value, MAX_SHOWN_VALUE_CHARS);
  let hex = "0x";
  const n = Math.min(value.length, SHOWN_BYTES);
  for (let i = 0; i < n; i++) hex += value[i]!.toString(16).padStart(2, "0");
  return value.length > SHOWN_BYTES ? `${hex}… (${value.length} bytes)` : hex;
}

/** Thrown by codecs on malformed or non-canonical bytes. Its text is capped: it reaches clients. */
export class DecodeError extends RollupError {
  constructor(message: string, meta?: Record<string, unknown>, options?: { cause?: unknown }) {
    super("DECODE_ERROR", capMessage(message), meta, options);
    this.name = "DecodeError";
  }
}

/**
 * Transaction error codes. "Invalid" codes (decode, signature, chain id, nonce) make a tx
 * unincludable; "failed" codes are included with a failed receipt and consume the nonce.
 */
export const TX_ERROR = {
  // --- invalid: never included (PROTOCOL §5 block validity) ---
  /** Bytes do not decode, or are not the canonical encoding. */
  MALFORMED: "MALFORMED",
  /** Signature is not 65 bytes, high-s, or does not recover. */
  BAD_SIGNATURE: "BAD_SIGNATURE",
  /** Body names another l2ChainId. */
  WRONG_CHAIN_ID: "WRONG_CHAIN_ID",
  /** Nonce below the account's next nonce (replay). */
  NONCE_TOO_LOW: "NONCE_TOO_LOW",
  /** Nonce above the account's next nonce (gap). */
  NONCE_TOO_HIGH: "NONCE_TOO_HIGH",
  /** Raw tx over maxTxBytes. */
  TX_TOO_LARGE: "TX_TOO_LARGE",
  /** The block already holds maxRevealsPerBlock reveals (the reveal waits for the next block). */
  BLOCK_REVEAL_LIMIT: "BLOCK_REVEAL_LIMIT",
  // --- failed: included, failed receipt, nonce consumed ---
  /** register from an address that is already a node. */
  ALREADY_REGISTERED: "ALREADY_REGISTERED",
  /** challenge/commit/reveal from an address that never registered. */
  NOT_REGISTERED: "NOT_REGISTERED",
  /** challenge names a tier the chain does not have. */
  UNKNOWN_TIER: "UNKNOWN_TIER",
  /** the node already has maxOpenChallenges challenges in flight. */
  TOO_MANY_OPEN_CHALLENGES: "TOO_MANY_OPEN_CHALLENGES",
  /** commit/reveal names a challenge id that does not exist. */
  UNKNOWN_CHALLENGE: "UNKNOWN_CHALLENGE",
  /** commit/reveal for a challenge owned by another node. */
  NOT_CHALLENGE_OWNER: "NOT_CHALLENGE_OWNER",
  /** commit while the challenge is not ACTIVE (seed round not yet in, or already committed). */
  CHALLENGE_NOT_ACTIVE: "CHALLENGE_NOT_ACTIVE",
  /** commit/reveal after its deadline. */
  DEADLINE_PASSED: "DEADLINE_PASSED",
  /** commit root is not 32 bytes. */
  BAD_ROOT: "BAD_ROOT",
  /** reveal while the challenge is not SAMPLED (sample round not yet in, or not committed). */
  CHALLENGE_NOT_SAMPLED: "CHALLENGE_NOT_SAMPLED",
  /** reveal whose openings do not check: the challenge becomes FAILED. */
  BAD_OPENING: "BAD_OPENING",
  /** transfer/withdraw of more credits than the balance. */
  INSUFFICIENT_CREDITS: "INSUFFICIENT_CREDITS",
  /** transfer/withdraw of zero, or to a malformed address. */
  BAD_AMOUNT: "BAD_AMOUNT",
  BAD_RECIPIENT: "BAD_RECIPIENT",
  // --- system transactions ---
  /** beacon round whose BLS signature does not verify. */
  BAD_BEACON_SIGNATURE: "BAD_BEACON_SIGNATURE",
  /** beacon round whose time(r) is after the block timestamp. */
  BEACON_ROUND_IN_FUTURE: "BEACON_ROUND_IN_FUTURE",
  /** beacon round already stored. */
  BEACON_ROUND_KNOWN: "BEACON_ROUND_KNOWN",
  /** beacon round no pending challenge awaits. */
  BEACON_ROUND_UNWANTED: "BEACON_ROUND_UNWANTED",
  /** deposit already applied (same deposit id). */
  DEPOSIT_KNOWN: "DEPOSIT_KNOWN",
  /** revoke of a challenge that is not a PASSED record. */
  NOT_REVOCABLE: "NOT_REVOCABLE",
} as const;
export type TxErrorCode = (typeof TX_ERROR)[keyof typeof TX_ERROR];

export const TX_ERROR_MESSAGE: Record<TxErrorCode, string> = {
  MALFORMED: "transaction bytes are malformed or not canonical",
  BAD_SIGNATURE: "signature is invalid (must be 65 bytes r||s||v, low-s, and recover)",
  WRONG_CHAIN_ID: "transaction is for another chain id",
  NONCE_TOO_LOW: "nonce too low (already used)",
  NONCE_TOO_HIGH: "nonce too high (gap in sender nonces)",
  TX_TOO_LARGE: "transaction exceeds the maximum size",
  ALREADY_REGISTERED: "address is already registered as a node",
  NOT_REGISTERED: "address is not a registered node",
  UNKNOWN_TIER: "unknown tier",
  TOO_MANY_OPEN_CHALLENGES: "node has too many open challenges",
  UNKNOWN_CHALLENGE: "unknown challenge id",
  NOT_CHALLENGE_OWNER: "challenge belongs to another node",
  CHALLENGE_NOT_ACTIVE: "challenge is not awaiting a commit",
  DEADLINE_PASSED: "deadline has passed",
  BAD_ROOT: "commit root must be 32 bytes",
  CHALLENGE_NOT_SAMPLED: "challenge is not awaiting a reveal (sample round not yet included)",
  BAD_OPENING: "an opening does not verify against the committed root",
  BLOCK_REVEAL_LIMIT: "block reveal limit reached",
  INSUFFICIENT_CREDITS: "insufficient credits",
  BAD_AMOUNT: "amount must be positive",
  BAD_RECIPIENT: "recipient must be a 20-byte address",
  BAD_BEACON_SIGNATURE: "beacon round signature does not verify",
  BEACON_ROUND_IN_FUTURE: "beacon round is later than the block time",
  BEACON_ROUND_KNOWN: "beacon round already included",
  BEACON_ROUND_UNWANTED: "no pending challenge awaits this beacon round",
  DEPOSIT_KNOWN: "deposit already applied",
  NOT_REVOCABLE: "only a PASSED challenge can be revoked",
};

/**
 * Why the mempool refused a tx, beside TX_ERROR's chain rules: the sequencer's admission answers.
 * With TX_ERROR these are every code a submission can be refused with (`AdmissionCode`): the
 * mempool returns them, the API maps them onto JSON-RPC errors (rpc/errorCodes.ts), the prover
 * reads them back from `error.data.code`. One list, so the three cannot drift apart.
 */
export const MEMPOOL_ERROR = {
  /** The same tx (same hash) is already pending or included. */
  ALREADY_KNOWN: "ALREADY_KNOWN",
  /** The pool is at capacity. */
  MEMPOOL_FULL: "MEMPOOL_FULL",
  /** This sender already has the maximum number of pending txs (or bytes). */
  SENDER_LIMIT: "SENDER_LIMIT",
  /** A pending (sender, nonce) slot was already replaced the maximum number of times. */
  REPLACEMENT_LIMIT: "REPLACEMENT_LIMIT",
  /** This node does not take transactions (a verifier, or shutting down). */
  NOT_ACCEPTING: "NOT_ACCEPTING",
} as const;
export type MempoolErrorCode = (typeof MEMPOOL_ERROR)[keyof typeof MEMPOOL_ERROR];

/** Every code a submitted tx can be refused with. */
export type AdmissionCode = TxErrorCode | MempoolErrorCode;

/**
 * Refusals that say "not now": the same bytes may be accepted later, unchanged (the pool or the
 * sender's share of it drains, the node starts accepting). Every other code needs a new tx or
 * never passes.
 */
export const TEMPORARY_ADMISSION_CODES: ReadonlySet<string> = new Set<AdmissionCode>([
  MEMPOOL_ERROR.MEMPOOL_FULL,
  MEMPOOL_ERROR.SENDER_LIMIT,
  MEMPOOL_ERROR.NOT_ACCEPTING,
]);

/** Expected failures in hot paths are values, not exceptions. */
export type Result<T, E = TxErrorCode> = { ok: true; value: T } | { ok: false; error: E; detail?: string };
export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}
export function err<E>(error: E, detail?: string): { ok: false; error: E; detail?: string } {
  return detail === undefined ? { ok: false, error } : { ok: false, error, detail };
}
