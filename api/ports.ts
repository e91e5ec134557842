/**
 * The port the API reads the chain through. `node/` implements it over the store, the sequencer's
 * mempool and the derivation pipeline; tests use `api/testBackend.ts`. api/ never imports those
 * modules: everything it shows comes through `RpcBackend`.
 *
 * Conventions:
 * - Reads may answer synchronously (in-memory head, `getSync` on level) or with a promise; the
 *   dispatcher only allocates a promise when a read returns one (`Awaitable`).
 * - "Not found" is `undefined`, never an exception; the API turns it into a JSON `null`.
 * - An exception from any method is an internal error (-32603): it is logged, not shown.
 * @module
 */

import type { AdmissionCode } from "../chain/errors.ts";
import type { ChainParams } from "../chain/params.ts";
import type { Account, Address, Challenge, Hash32, NodeRecord, StoredBlock } from "../chain/types.ts";
import type { ChallengeProofInfo } from "../rpc/challengeProofResults.ts";
import type { OutputSignatureInfo } from "../rpc/operatorResults.ts";
import type { BlockTag } from "../rpc/params.ts";
import type {
  BlockRef,
  OutputInfo,
  ReceiptLookup,
  TxLookup,
  WithdrawalInfo,
  WithdrawalPage,
  WithdrawalProofInfo,
} from "../rpc/types.ts";

// A block as stored, with what the RPC needs beside it: one declaration (chain/) for the store and the API.
export type { StoredBlock } from "../chain/types.ts";
// The contract's own types (rpc/): a backend returns what the methods carry.
export type { BlockTag } from "../rpc/params.ts";
export type { BlockRef, ReceiptLookup, TxLookup } from "../rpc/types.ts";

export type Awaitable<T> = T | Promise<T>;

/** A node record with the fields derived at the current head (settled lazily on chain, PROTOCOL §4). */
export interface NodeView {
  address: Address;
  /** As stored; `record.streak` may be stale until the node is touched, so read `streak` below. */
  record: NodeRecord;
  /** Credits balance of the node's account. */
  credits: bigint;
  /** Streak settled to the head's epoch. */
  streak: number;
  /** Multiplier a pass would earn in the head's epoch: min(10000 + streak·stepBps, capBps). */
  multiplierBps: bigint;
}

export interface NodePage {
  nodes: NodeView[];
  /** Opaque; pass back as `cursor` for the next page. null: this was the last page. */
  nextCursor: string | null;
}

/** The OP Stack's sync-status vocabulary (optimism_syncStatus), camel-cased. */
export interface SyncStatus {
  unsafeL2: BlockRef;
  safeL2: BlockRef;
  finalizedL2: BlockRef;
  /** L1 block derivation has reached; absent on a node that does not follow L1. */
  currentL1?: BlockRef;
  /** Newest L1 block seen. */
  headL1?: BlockRef;
  /** L1's `safe` and `finalized` blocks (the L2 safe and finalized heads follow them). */
  safeL1?: BlockRef;
  finalizedL1?: BlockRef;
  /** Present only while catching up (eth_syncing then reports progress instead of false). */
  catchingUp?: { startingBlock: bigint; highestBlock: bigint };
}

export type SubmitResult =
  | { ok: true; hash: Hash32 }
  /** `code`: chain/errors.ts TX_ERROR or MEMPOOL_ERROR; `message`: human-readable, e.g. TX_ERROR_MESSAGE[code] plus detail. */
  | { ok: false; code: AdmissionCode; message: string };

/**
 * The credits bridge's reads (flops_outputAtBlock, flops_getWithdrawalProof,
 * flops_getWithdrawalByTx, flops_getWithdrawals); node/ implements them over
 * bridge/withdrawals/withdrawalReader.ts. Blocks are numbers or tags, as in getBlockByNumber.
 */
export interface WithdrawalReads {
  outputAt(block: bigint | BlockTag): Awaitable<OutputInfo | undefined>;
  proof(index: bigint, block: bigint | BlockTag): Awaitable<WithdrawalProofInfo | undefined>;
  byTx(hash: Hash32): Awaitable<WithdrawalInfo | undefined>;
  /** `limit` 1..100; each call reads a bounded number of records (a page may be short). */
  list(address: Address, page: { limit: number; cursor?: string }): Awaitable<WithdrawalPage>;
}

/** Everything the JSON-RPC server reads or submits. */
export interface RpcBackend {
  /** The L2 chain id (ChainParams.l2ChainId). Constant. */
  chainId(): bigint;
  /** e.g. "flops/v0.1.0/linux-x64/node20". Constant. */
  clientVersion(): string;
  /** Number of the unsafe head. Called on every eth_blockNumber: keep it in memory. */
  headNumber(): Awaitable<bigint>;
  /** A block by number or tag; undefined if there is none (yet). */
  getBlockByNumber(n: bigint | BlockTag): Awaitable<StoredBlock | undefined>;
  getBlockByHash(hash: Hash32): Awaitable<StoredBlock | undefined>;
  /** An included tx, or a pending one (location null). */
  getTransaction(hash: Hash32): Awaitable<TxLookup | undefined>;
  /** Receipt of an included tx (signed or system). */
  getReceipt(hash: Hash32): Awaitable<ReceiptLookup | undefined>;
  /**
   * Account at the head; the zero account (nonce 0, credits 0) if it was never touched.
   * `pendingNonce`: the nonce a new tx from this address should use (past its pending txs).
   */
  getAccount(address: Address): Awaitable<Account & { pendingNonce?: bigint }>;
  getNode(address: Address): Awaitable<NodeView | undefined>;
  /** Nodes in a stable order (by address), `limit` ≥ 1 per page. An unknown cursor: start over. */
  listNodes(opts: { limit: number; cursor?: string }): Awaitable<NodePage>;
  getChallenge(id: bigint): Awaitable<Challenge | undefined>;
  syncStatus(): Awaitable<SyncStatus>;
  /** The genesis params. Constant: the API formats them once. */
  params(): ChainParams;
  /**
   * The genesis document as its canonical JSON text (chain/genesisDoc.ts `genesisToJson`), whose
   * keccak256 is the genesis hash. Constant: the API formats it once (flops_getGenesis).
   */
  genesisJson(): string;
  /**
   * Decodes, checks and admits a raw signed tx. Expected rejections are values, not exceptions;
   * a throw is an internal error.
   */
  submitTransaction(raw: Uint8Array): Awaitable<SubmitResult>;
  /**
   * Calls `listener` after each new unsafe head is stored (several times at one height on a
   * reorg). Returns the unsubscribe function. The listener must not throw back into the node: the
   * API catches its own errors.
   */
  onNewHead(listener: (head: StoredBlock) => void): () => void;
  /** The bridge's reads; absent: the flops_ bridge methods answer -32004 (method not supported). */
  readonly withdrawals?: WithdrawalReads;
  /** An operator node's output signatures (flops_getOutputSignature); absent: -32004. */
  readonly outputSignatures?: OutputSignatureReads;
  /** Challenge records with their state proofs (flops_getChallengeProof); absent: -32004. */
  readonly challengeProofs?: ChallengeProofReads;
}

/** bridge/challenger/challengeProofReader.ts: undefined for no such block or one too old. */
export interface ChallengeProofReads {
  proof(id: bigint, block: bigint | BlockTag): Awaitable<ChallengeProofInfo | undefined>;
}

/** bridge/operators/outputSigner.ts: undefined when the node may not sign that block (null). */
export interface OutputSignatureReads {
  signatureFor(l2BlockNumber: bigint): Awaitable<OutputSignatureInfo | undefined>;
}
