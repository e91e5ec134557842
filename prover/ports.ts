/**
 * What the prover needs from a chain: the narrow port `ProverChain`. `rpcClient.ts` implements it
 * over JSON-RPC; tests implement it over an in-memory chain. The prover never imports the node,
 * the API or the sequencer (docs/ARCHITECTURE.md), so these shapes are its own: plain domain
 * values (bigint, Uint8Array), already parsed from whatever transport carried them.
 *
 * Conventions:
 * - "Not found" is `undefined`.
 * - A rejected submission is a value (`{ok: false, code, message}`), not an exception: the prover
 *   decides per code what to do (retry later, rebuild the tx, give up).
 * - Any exception is a transport or server failure; `isTransientError` (retry.ts) tells whether
 *   waiting and trying again may help.
 * @module
 */
import { MEMPOOL_ERROR, TEMPORARY_ADMISSION_CODES, TX_ERROR } from "../chain/errors.ts";
import type { Address, Challenge, Hash32, ReceiptStatus } from "../chain/types.ts";
import type { NodeInfo } from "../rpc/types.ts";

/** An account at the head, and the nonce a new tx should use (past the sender's pending txs). */
export interface AccountView {
  /** Next nonce on chain (included txs only). */
  nonce: bigint;
  /** Next nonce for a new tx: `nonce` plus the sender's txs still in the mempool. */
  pendingNonce: bigint;
  credits: bigint;
}

/** A node record with the fields settled at the head (flops_getNode): the RPC contract's own type. */
export type { NodeInfo };

/** The receipt of an included tx (flops_getTransactionReceipt). */
export interface ReceiptInfo {
  txHash: Hash32;
  status: ReceiptStatus;
  /** Present iff status is "failed": the chain's error code and detail, e.g. "DEADLINE_PASSED". */
  error?: string;
  /** challenge: the id assigned; commit/reveal: the challenge touched. */
  challengeId?: bigint;
  /** Credits minted by a PASSED reveal. */
  credits?: bigint;
  blockNumber: bigint;
  blockHash: Hash32;
}

/** The result of submitting a signed tx. */
export type SendResult =
  | { ok: true; hash: Hash32 }
  /**
   * `code`: the node's domain code (`NONCE_TOO_LOW`, `ALREADY_KNOWN`, `MEMPOOL_FULL`, ...: the
   * codes of chain/errors.ts TX_ERROR and the mempool's); `message`: human-readable.
   */
  | { ok: false; code: string; message: string };

/** The newest block the node has (its unsafe head). */
export interface HeadInfo {
  number: bigint;
  /** Block time in milliseconds (challenge deadlines count in the same clock). */
  timestampMs: bigint;
}

/** Everything the challenge loop reads from or sends to the chain. */
export interface ProverChain {
  /**
   * The genesis document's canonical JSON text (flops_getGenesis), unchecked: the prover hashes
   * and parses it itself and compares the hash with its pin (genesisTrust.ts), so the chain id,
   * the beacon key and the tiers it works with never rest on the node's word.
   */
  genesis(): Promise<string>;
  /** The zero account (nonces 0, credits 0) for an address never seen. */
  getAccount(address: Address): Promise<AccountView>;
  getNode(address: Address): Promise<NodeInfo | undefined>;
  getChallenge(id: bigint): Promise<Challenge | undefined>;
  /** Submits the canonical bytes of a signed tx. Resending the same bytes answers `ALREADY_KNOWN`. */
  sendRawTransaction(raw: Uint8Array): Promise<SendResult>;
  /** Receipt of an included tx; undefined while pending or unknown. */
  getReceipt(hash: Hash32): Promise<ReceiptInfo | undefined>;
  head(): Promise<HeadInfo>;
}

/**
 * Admission codes the prover treats specially: the node's names, from the one list of them
 * (chain/errors.ts TX_ERROR and MEMPOOL_ERROR).
 */
export const SEND_CODE = {
  ALREADY_KNOWN: MEMPOOL_ERROR.ALREADY_KNOWN,
  NONCE_TOO_LOW: TX_ERROR.NONCE_TOO_LOW,
  NONCE_TOO_HIGH: TX_ERROR.NONCE_TOO_HIGH,
  MEMPOOL_FULL: MEMPOOL_ERROR.MEMPOOL_FULL,
  SENDER_LIMIT: MEMPOOL_ERROR.SENDER_LIMIT,
  NOT_ACCEPTING: MEMPOOL_ERROR.NOT_ACCEPTING,
} as const;

/** Rejections that say "not now": the same tx may be accepted later (chain/errors.ts). */
export const TEMPORARY_SEND_CODES: ReadonlySet<string> = TEMPORARY_ADMISSION_CODES;
