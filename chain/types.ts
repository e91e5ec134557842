/**
 * Domain types of the chain. bigint for integers that can pass 2^53, Uint8Array for bytes.
 * The wire codecs (chain/wire) convert these to and from protobuf bytes.
 * @module
 */

/** 20-byte Ethereum address. */
export type Address = Uint8Array;
/** 32-byte hash. */
export type Hash32 = Uint8Array;

// ---------------------------------------------------------------------------------------------
// Signed transactions
// ---------------------------------------------------------------------------------------------

export type Action =
  /** Makes the sender a node. */
  | { kind: "register" }
  /** Requests a challenge at a tier. */
  | { kind: "challenge"; tier: number }
  /** Commits the Merkle root over all result tiles of a challenge. */
  | { kind: "commit"; challengeId: bigint; root: Hash32 }
  /**
   * Opens the sampled tiles. `tiles` = the distinct sampled tiles in ascending tile index,
   * 256 bytes each, concatenated; `proof` = the multiproof sibling hashes (32 bytes each,
   * concatenated) in the canonical order of chain/proof.
   */
  | { kind: "reveal"; challengeId: bigint; tiles: Uint8Array; proof: Uint8Array }
  /** Moves credits to another L2 address. */
  | { kind: "transfer"; to: Address; amount: bigint }
  /** Burns credits on L2 and adds a withdrawal leaf payable to `to` on L1. */
  | { kind: "withdraw"; to: Address; amount: bigint };

export type ActionKind = Action["kind"];

/** What the sender signs (domain-separated by chainId; see chain/tx). */
export interface TxBody {
  chainId: bigint;
  nonce: bigint;
  action: Action;
}

/** A decoded signed transaction, with the exact bytes it came from. */
export interface SignedTx {
  body: TxBody;
  /** Canonical protobuf bytes of the body: what the signing hash covers. */
  bodyBytes: Uint8Array;
  /** 65 bytes: r ‖ s ‖ v (v ∈ {0, 1}); low-s only. */
  signature: Uint8Array;
  /** Canonical protobuf bytes of the whole tx; `hash` = keccak256(raw). */
  raw: Uint8Array;
  hash: Hash32;
}

/** A signed tx whose signature has been checked and sender recovered. */
export interface VerifiedTx {
  tx: SignedTx;
  from: Address;
}

// ---------------------------------------------------------------------------------------------
// System transactions (unsigned; made only by block building or derivation)
// ---------------------------------------------------------------------------------------------

export type SystemTx =
  /** A beacon round (drand format). */
  | { kind: "beacon"; round: bigint; signature: Uint8Array }
  /** Credits deposited on L1 (Portal event). `depositId` is the Portal's running deposit nonce. */
  | { kind: "deposit"; depositId: bigint; to: Address; amount: bigint; l1BlockNumber: bigint }
  /** An L1 fraud verdict: burns the credits of a PASSED record and resets the node's streak. */
  | { kind: "revoke"; challengeId: bigint; l1BlockNumber: bigint };

// ---------------------------------------------------------------------------------------------
// Blocks and receipts
// ---------------------------------------------------------------------------------------------

export interface L1Origin {
  number: bigint;
  hash: Hash32;
  /** Seconds, as on L1. */
  timestamp: bigint;
}

export interface BlockHeader {
  number: bigint;
  parentHash: Hash32;
  /** Milliseconds since the Unix epoch; strictly increasing. */
  timestamp: bigint;
  l1Origin: L1Origin;
  /** SMT root of the state after this block. */
  stateRoot: Hash32;
  /** Root of the withdrawals tree after this block. */
  withdrawalsRoot: Hash32;
  /** sha256 Merkle root over the block's tx hashes (system txs first). */
  txRoot: Hash32;
  /** sha256 Merkle root over the receipts' hashes. */
  receiptsRoot: Hash32;
}

export interface Block {
  header: BlockHeader;
  systemTxs: SystemTx[];
  txs: SignedTx[];
}

export type ReceiptStatus = "success" | "failed";

export interface Receipt {
  /** keccak256 of the raw tx (signed), or of the encoded system tx. */
  txHash: Hash32;
  status: ReceiptStatus;
  /** Present iff status is "failed". */
  error?: string;
  /** For challenge: the id assigned; for commit/reveal: the challenge touched. */
  challengeId?: bigint;
  /** Credits minted (reveal PASSED, deposit) or burned (withdraw, revoke). */
  credits?: bigint;
}

/**
 * A block as stored, with what readers need beside it: the store returns it (store/chainStore.ts
 * `StoredBlockData`) and the API's port serves it (api/ports.ts `StoredBlock`). Declared here, the
 * bottom layer, because store/ cannot import api/ and api/ reads only through its ports.
 */
export interface StoredBlock {
  block: Block;
  /** The L2 block hash (keccak256 of the header encoding). */
  hash: Hash32;
  /** One per transaction, in block order: system txs first, then signed txs (as in `txRoot`). */
  receipts: Receipt[];
  /** Recovered sender of each signed tx, parallel to `block.txs`. */
  senders: Address[];
  /** Size in bytes of the block's canonical encoding (the `size` of eth_getBlock*). */
  size: number;
}

// ---------------------------------------------------------------------------------------------
// State records
// ---------------------------------------------------------------------------------------------

export interface Account {
  /** Next nonce this address must use. */
  nonce: bigint;
  credits: bigint;
}

export interface NodeRecord {
  registeredAt: bigint;
  /** Live epochs in a row ending at lastLiveEpoch (0 if none). */
  streak: number;
  /** Last epoch known live; meaningful only while streak > 0. Settled lazily when the node is touched (PROTOCOL §4). */
  lastLiveEpoch: bigint;
  /** The epoch `epochWork`/`epochFailed` belong to. */
  currentEpoch: bigint;
  epochWork: bigint;
  epochFailed: boolean;
  openChallenges: number;
  passed: number;
  failed: number;
  expired: number;
  cancelled: number;
  totalWork: bigint;
  totalCredits: bigint;
  /** Work / seconds from the seed round to the commit of the last PASSED challenge (informational). */
  lastThroughput: bigint;
}

export const CHALLENGE_STATUS = {
  REQUESTED: "REQUESTED",
  ACTIVE: "ACTIVE",
  COMMITTED: "COMMITTED",
  SAMPLED: "SAMPLED",
  PASSED: "PASSED",
  FAILED: "FAILED",
  EXPIRED: "EXPIRED",
  CANCELLED: "CANCELLED",
} as const;
export type ChallengeStatus = (typeof CHALLENGE_STATUS)[keyof typeof CHALLENGE_STATUS];

export interface Challenge {
  id: bigint;
  node: Address;
  tier: number;
  status: ChallengeStatus;
  /** Status before EXPIRED/CANCELLED (to tell the two EXPIRED cases apart). */
  expiredFrom?: ChallengeStatus;
  /** Block time (ms) of the challenge tx. */
  t0: bigint;
  r1: bigint;
  r1Signature?: Uint8Array;
  /** Time (ms) the seed round was included (max(time(r1), inclusion time)). */
  activeAt?: bigint;
  /** Block time (ms) of the commit. */
  tc?: bigint;
  root?: Hash32;
  r2?: bigint;
  r2Signature?: Uint8Array;
  /** ms; the time by which the next step must happen (its meaning depends on status). */
  deadline: bigint;
  openingsDigest?: Hash32;
  credits?: bigint;
  /** Block number of the reveal (PASSED/FAILED). */
  settledAt?: bigint;
}

export interface Withdrawal {
  index: bigint;
  from: Address;
  to: Address;
  amount: bigint;
  l2BlockNumber: bigint;
}
