/**
 * The records the indexer stores and answers with: plain domain values (bigint, Uint8Array, L2
 * times in ms), the same shapes as the explorer port's (api/explorer/ports.ts), which node/ hands
 * through. The indexer does not import api/ (layers: `indexer -> store -> chain`).
 * @module
 */
import type { Action, Address, Hash32, ReceiptStatus, SystemTx } from "../chain/types.ts";

export type TxKind = Action["kind"] | SystemTx["kind"];

export interface BlockRef {
  number: bigint;
  hash: Hash32;
  timestamp: bigint;
}

export interface BlockRecord {
  number: bigint;
  hash: Hash32;
  parentHash: Hash32;
  timestamp: bigint;
  txCount: number;
  signedTxCount: number;
  size: number;
  l1Origin: BlockRef;
  stateRoot: Hash32;
  withdrawalsRoot: Hash32;
  txRoot: Hash32;
  receiptsRoot: Hash32;
}

export interface TxRecord {
  hash: Hash32;
  blockNumber: bigint;
  index: number;
  timestamp: bigint;
  kind: TxKind;
  from?: Address;
  to?: Address;
  amount?: bigint;
  challengeId?: bigint;
  status: ReceiptStatus;
  error?: string;
  credits?: bigint;
}

export interface ChallengeRecord {
  id: bigint;
  node: Address;
  tier: number;
  /** ms: block time of the challenge tx. */
  requestedAt: bigint;
}

export type EventKind = "requested" | "committed" | "passed" | "failed";

/** A step of a challenge that a tx marks (the others come from the challenge's state). */
export interface EventRecord {
  kind: EventKind;
  time: bigint;
  blockNumber: bigint;
  txHash: Hash32;
}

/** Where a beacon round was included. */
export interface RoundRecord {
  round: bigint;
  blockNumber: bigint;
  /** ms: the block's time. */
  time: bigint;
  txHash: Hash32;
}

export interface WithdrawalRecord {
  index: bigint;
  from: Address;
  to: Address;
  amount: bigint;
  l2BlockNumber: bigint;
  timestamp: bigint;
  txHash: Hash32;
}

export interface DepositRecord {
  depositId: bigint;
  to: Address;
  amount: bigint;
  l1BlockNumber: bigint;
  l2BlockNumber: bigint;
  timestamp: bigint;
  txHash: Hash32;
}

/** One epoch of a node, or of the whole chain. */
export interface EpochRecord {
  epoch: bigint;
  work: bigint;
  credits: bigint;
  passes: number;
  fails: number;
  /** The multiplier (bps) the last pass in the epoch earned; absent without a pass. */
  multiplierBps?: bigint;
}

/** The L2 blocks one L1 block decided from batcher data, as this node's derivation read it (batchLog.ts). */
export interface BatchRecord {
  /** Sequential from 0, in L2 order. */
  index: bigint;
  /** The L1 block that decided the blocks. */
  l1BlockNumber: bigint;
  /** Its last accepted batcher tx (absent when the blocks' data came in an earlier L1 block). */
  l1TxHash?: Hash32;
  firstBlock: bigint;
  lastBlock: bigint;
  /** The hash of `lastBlock` when derived: a rewind that replaced the block drops the row. */
  lastBlockHash: Hash32;
  /** Batcher data bytes of its L1 block's batcher txs; `frames` likewise. */
  bytes: number;
  frames: number;
}

/** Running totals over every indexed block. */
export interface Totals {
  blocks: bigint;
  txs: bigint;
  nodes: bigint;
  challenges: bigint;
  withdrawals: bigint;
  creditsMinted: bigint;
  creditsBurned: bigint;
}

export const ZERO_TOTALS: Totals = {
  blocks: 0n,
  txs: 0n,
  nodes: 0n,
  challenges: 0n,
  withdrawals: 0n,
  creditsMinted: 0n,
  creditsBurned: 0n,
};

/**
 * What undoes one indexed block besides its tx records (whose keys are derived from the records
 * themselves): the mutable keys' prior values, and the keys the block created that no tx record
 * names. Hex keys.
 */
export interface UndoRecord {
  /** key -> prior value (hex), or null: absent before. */
  prior: Array<[string, string | null]>;
  created: string[];
}
