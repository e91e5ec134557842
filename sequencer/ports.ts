/**
 * What the sequencer needs from the rest of the node. node/ wires store/ and the beacon sources in.
 * @module
 */
import type { L1BlockRef, PortalEvent } from "../chain/derive/attributes.ts";
import type { KvOp } from "../chain/kv.ts";
import type { Address, Block, Hash32, Receipt, SignedTx } from "../chain/types.ts";

export interface SequencedBlock {
  block: Block;
  hash: Hash32;
  receipts: Receipt[];
  senders: Address[];
  /** Bytes of the block's canonical encoding: `encoded.length`. */
  size: number;
  /** encodeBlock(block), made once by ChainCore.build; the store writes exactly these bytes. */
  encoded: Uint8Array;
}

export interface SequencerStore {
  /** One atomic batch: state ops, the block, its receipts and index, the head, journal removals. */
  commitBlock(b: SequencedBlock, stateOps: readonly KvOp[]): Promise<void>;
  /** Journals an admitted tx; resolves once durable. */
  addPending(tx: SignedTx): Promise<void>;
  removePending(hashes: readonly Hash32[]): Promise<void>;
  /** Whether a tx is already in a block. */
  isIncluded(hash: Hash32): boolean;
}

/**
 * A randomness beacon: signatures of rounds whose time has come. Called only in the background
 * (sequencer/beaconCache.ts), never while a block is built, so a slow source delays rounds, not blocks.
 */
export interface BeaconSource {
  /**
   * The 48-byte signature of `round`, or undefined if it is not available (yet). `signal` aborts
   * the request (a timeout or a stop); a source should stop its I/O and settle soon after.
   */
  getRound(round: bigint, signal?: AbortSignal): Promise<Uint8Array | undefined>;
}

/**
 * Recovers senders off the main thread (sequencer/sigPool.ts). One call per tx: the pool batches
 * the calls of one event-loop turn itself, so callers never batch.
 */
export interface SenderRecovery {
  /** The sender, or null where the signature does not recover one. */
  recover(tx: Pick<SignedTx, "bodyBytes" | "signature">): Promise<Address | null>;
}

/** An L1 block's header and the Portal's events of it, in log order (chain/derive's inputs). */
export interface L1BlockEvents {
  block: L1BlockRef;
  events: readonly PortalEvent[];
}

/**
 * The sequencer's view of L1 (node/ wires bridge/'s L1 reader over viem). Called only in the
 * background (sequencer/l1Origins.ts, the batcher), never while a block is built. Answers come
 * from a node that is not trusted: the implementation bounds and validates them; an error here is
 * retried, never fatal.
 */
export interface L1View {
  /** The header at a tag or number; undefined where the node has none (yet). */
  blockRef(at: bigint | "latest" | "safe" | "finalized"): Promise<L1BlockRef | undefined>;
  /** Block `n`'s header and Portal events. Throws while the node has no block `n`. */
  blockEvents(n: bigint): Promise<L1BlockEvents>;
}

/** Where a posted batcher tx landed (its receipt, `numConfirmations` deep). */
export interface PostedFrame {
  l1Block: bigint;
  l1BlockHash: Hash32;
  /** false: the tx reverted (not the batcher's key, a wrong inbox): its frames do not count. */
  success: boolean;
}

/**
 * Posts batcher data (`BatchInbox.postBatch(data)`) through the L1 tx manager (node/ wires
 * bridge/txManager). `id` names the intent: posting an id again never sends a second tx, it joins
 * the first (or answers its receipt), across restarts: this is what makes batches exactly-once.
 */
export interface BatchPoster {
  post(id: string, data: Uint8Array, signal?: AbortSignal): Promise<PostedFrame>;
}
