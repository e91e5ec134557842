/**
 * The domain values the RPC contract carries: what a server method's handler returns and what a
 * client's parse gives back, the same value on both sides (rpc/methods.test.ts round-trips each).
 * Plain domain values (bigint, Uint8Array); chain/ types where the chain has one.
 * @module
 */
import type { Address, Hash32, Receipt, SignedTx, SystemTx } from "../chain/types.ts";

/** A block reference, L2 or L1: the one block record of server and clients. */
export interface BlockRef {
  number: bigint;
  hash: Hash32;
  /** L2: milliseconds; L1: seconds (as the chains themselves count). */
  timestamp: bigint;
}

/** Where a transaction sits in the chain. */
export interface TxLocation {
  blockNumber: bigint;
  blockHash: Hash32;
  /** Position in the block: system txs first, then signed txs. */
  index: number;
}

/** flops_getTransaction. */
export type TxLookup =
  /** `location` null: still in the mempool. */
  | { kind: "signed"; tx: SignedTx; from: Address; location: TxLocation | null }
  | { kind: "system"; tx: SystemTx; hash: Hash32; location: TxLocation };

/** flops_getTransactionReceipt. */
export interface ReceiptLookup {
  receipt: Receipt;
  location: TxLocation;
}

/** flops_getAccount: an account at the head, and the nonce a new tx should use. */
export interface AccountInfo {
  address: Address;
  /** Next nonce on chain (included txs only). */
  nonce: bigint;
  /** Next nonce for a new tx: `nonce` plus the sender's txs still in the mempool. */
  pendingNonce: bigint;
  credits: bigint;
}

/** flops_getNode: a node record with the fields settled at the head. */
export interface NodeInfo {
  address: Address;
  /** Credits balance of the node's account. */
  credits: bigint;
  /** The multiplier a pass would earn in the head's epoch: min(10000 + streak·stepBps, capBps). */
  multiplierBps: bigint;
  /** Live epochs in a row ending at the epoch before the head's (settled; the record's may be stale). */
  streak: number;
  registeredAt: bigint;
  /** Meaningful only while the streak is positive: undefined otherwise. */
  lastLiveEpoch: bigint | undefined;
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
  /** Integer ops per second of the last PASSED challenge (informational, PROTOCOL §3). */
  provenThroughput: bigint;
}

/** flops_listNodes. */
export interface NodeInfoPage {
  nodes: NodeInfo[];
  /** Opaque; pass back as `cursor` for the next page. null: this was the last page. */
  nextCursor: string | null;
}

/** flops_syncStatus (the OP Stack vocabulary, optimism_syncStatus, camel-cased). */
export interface SyncInfo {
  unsafeL2: BlockRef;
  safeL2: BlockRef;
  finalizedL2: BlockRef;
  /** L1 block derivation has reached; undefined on a node that does not follow L1. */
  currentL1: BlockRef | undefined;
  /** Newest L1 block seen. */
  headL1: BlockRef | undefined;
  /** L1's `safe` and `finalized` blocks, which the L2 safe and finalized heads follow (verifier). */
  safeL1: BlockRef | undefined;
  finalizedL1: BlockRef | undefined;
  syncing: boolean;
}

/** eth_syncing: false when synced, else the Ethereum progress object. */
export type EthSyncing = false | { startingBlock: bigint; currentBlock: bigint; highestBlock: bigint };

/** flops_getGenesis: the genesis document's canonical JSON text and keccak256 of it. */
export interface GenesisInfo {
  /** A client hashes this text itself; `hash` is a convenience, not something to trust. */
  genesis: string;
  hash: Hash32;
}

/** A withdrawal made on L2 (flops_getWithdrawals, flops_getWithdrawalByTx): the leaf and its tx. */
export interface WithdrawalInfo {
  /** Position in the withdrawals tree (sequential from 0). */
  index: bigint;
  /** The L2 sender, whose credits were burned. */
  from: Address;
  /** The L1 address the ERC-20 is minted to. */
  to: Address;
  amount: bigint;
  l2BlockNumber: bigint;
  /** The L2 withdraw tx that made it. */
  txHash: Hash32;
}

/** flops_getWithdrawals. */
export interface WithdrawalPage {
  withdrawals: WithdrawalInfo[];
  /** Opaque; pass back as `cursor` to go on. null: nothing further. */
  nextCursor: string | null;
}

/**
 * flops_outputAtBlock (the shape of op-node's optimism_outputAtBlock): an L2 block's output root
 * and its preimage, keccak256(abi.encode(version 0, stateRoot, withdrawalsRoot, block.hash)).
 */
export interface OutputInfo {
  outputRoot: Hash32;
  /** The L2 block; its hash is the preimage's l2BlockHash. */
  block: BlockRef;
  stateRoot: Hash32;
  withdrawalsRoot: Hash32;
}

/** flops_getWithdrawalProof: everything Portal.proveWithdrawal takes besides the output index. */
export interface WithdrawalProofInfo {
  withdrawal: WithdrawalInfo;
  /** The output of the block asked about (the one the proof is against). */
  output: OutputInfo;
  /** The compressed SMT inclusion proof (PROTOCOL Appendix D wire form) under output.withdrawalsRoot. */
  proof: Uint8Array;
}
