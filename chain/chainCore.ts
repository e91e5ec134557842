/**
 * The chain as a pure, synchronous object over a KV port: it knows the head and builds or checks
 * the next block, returning the KV ops that the caller must persist (one atomic batch, together
 * with the block itself) before calling `advance`. No I/O, no clock: time comes in as arguments.
 * The sequencer wraps it with persistence; tests and the demo use it over MemoryKv.
 * @module
 */

import { BlockBuilder } from "./blockBuilder.ts";
import type { Result, TxErrorCode } from "./errors.ts";
import type { KvOp, KvReader } from "./kv.ts";
import { OverlayKv } from "./kv.ts";
import type { ChainParams } from "./params.ts";
import { SmtNodeCache } from "./smt/index.ts";
import { EMPTY_ROOT, type SmtCaches, StateDb } from "./state/stateDb.ts";
import { applyBlock } from "./transition/applyBlock.ts";
import type { ExecCtx } from "./transition/context.ts";
import { type GenesisOpts, initGenesis } from "./transition/genesis.ts";
import type { Block, BlockHeader, Hash32, L1Origin, Receipt, SystemTx, VerifiedTx } from "./types.ts";
import { blockHash } from "./wire/index.ts";

export interface Head {
  header: BlockHeader;
  hash: Hash32;
}

export interface BuiltBlock {
  block: Block;
  hash: Hash32;
  receipts: Receipt[];
  /**
   * encodeBlock(block), made once here: the store writes exactly these bytes and no one encodes
   * the block again. The hash is still blockHash(header), keccak256 of the header's encoding.
   */
  encoded: Uint8Array;
  /** encoded.length: the block's size as RPC reports it. */
  size: number;
  /** Net state changes to persist atomically with the block. */
  ops: KvOp[];
  /** Candidates left out, with why (invalid now: bad nonce, wrong chain, limits, system tx refused). */
  rejected: Array<{ index: number; system: boolean; error: TxErrorCode; detail?: string }>;
}

export interface BuildInput {
  timestamp: bigint;
  l1Origin: L1Origin;
  systemTxs: readonly SystemTx[];
  txs: readonly VerifiedTx[];
  /**
   * The first `forcedCount` of `txs` are the forced txs of this block's origin (PROTOCOL §5 D6,
   * D7; only in the first block of that origin): judged by the origin's time, and never put to
   * `admit` (L1 mandates them: included iff includable, as derivation does). Default 0.
   */
  forcedCount?: number;
  /** Stop adding signed txs once their raw bytes reach this many (default maxBlockBytes). */
  maxBytes?: number;
  /**
   * The builder's policy, asked before each signed tx on the exact state it would meet: a tx it
   * refuses is left out (in `rejected`, with the code) untouched. The sequencer passes the
   * mempool pre-check, so a tx that would certainly fail is never included. Not consensus:
   * `check` accepts such a tx and fails it with the same code.
   */
  admit?: (ctx: ExecCtx, vtx: VerifiedTx) => Result<null>;
}

export class ChainCore {
  private current: Head;
  /** One node cache per tree for the life of the chain: trees are re-created per block. */
  private readonly caches: SmtCaches = { state: new SmtNodeCache(), withdrawals: new SmtNodeCache(16) };

  constructor(
    readonly params: ChainParams,
    readonly kv: KvReader,
    head: Head,
  ) {
    this.current = head;
  }

  /** Genesis state and header; persist `ops` then construct a ChainCore with `head`. */
  static genesis(kv: KvReader, opts: GenesisOpts): { head: Head; ops: KvOp[] } {
    const overlay = new OverlayKv(kv);
    const state = new StateDb(overlay, { stateRoot: EMPTY_ROOT, withdrawalsRoot: EMPTY_ROOT });
    const header = initGenesis(state, opts);
    return { head: { header, hash: blockHash(header) }, ops: overlay.ops() };
  }

  get head(): Head {
    return this.current;
  }

  /** A state view at the head, for reads (RPC). Writes to it are never persisted. */
  readState(): StateDb {
    const h = this.current.header;
    return new StateDb(
      new OverlayKv(this.kv, { expected: 0 }),
      { stateRoot: h.stateRoot, withdrawalsRoot: h.withdrawalsRoot },
      this.caches,
    );
  }

  /** Builds the next block from candidates, keeping those that apply, in order. */
  build(input: BuildInput): BuiltBlock {
    return this.beginBuild(input).end();
  }

  /**
   * The same build in steps (blockBuilder.ts): the caller tries candidates in slices and may hand
   * its thread back between them, then ends it. The head must not move meanwhile: `end` on a
   * build whose parent is no longer the head throws.
   */
  beginBuild(input: BuildInput): BlockBuilder {
    return new BlockBuilder(this.params, this.kv, this.caches, this.current, input, () => this.current);
  }

  /**
   * Checks a block against the head; throws BlockError if invalid. `forcedCount`: how many of its
   * first txs are its origin's forced txs (known from L1, not from the block; default 0).
   */
  check(
    block: Block,
    senders: readonly Uint8Array[],
    forcedCount = 0,
  ): { receipts: Receipt[]; ops: KvOp[]; hash: Hash32 } {
    const parent = this.current.header;
    const overlay = new OverlayKv(this.kv);
    const state = new StateDb(
      overlay,
      { stateRoot: parent.stateRoot, withdrawalsRoot: parent.withdrawalsRoot },
      this.caches,
    );
    const receipts = applyBlock(
      this.params,
      state,
      {
        number: parent.number,
        hash: this.current.hash,
        timestamp: parent.timestamp,
        l1OriginNumber: parent.l1Origin.number,
      },
      block,
      senders,
      forcedCount,
    );
    return { receipts, ops: overlay.ops(), hash: blockHash(block.header) };
  }

  /** Moves the head once the block's ops are persisted. */
  advance(head: Head): void {
    if (head.header.number !== this.current.header.number + 1n) {
      throw new Error(
        `advance: expected block ${this.current.header.number + 1n}, got ${head.header.number}`,
      );
    }
    this.current = head;
  }

  /**
   * Moves the head back to `head` once the store has taken the blocks above it back (a sequencer
   * rewinding blocks derivation will drop). The node caches stay: they are keyed by node hash
   * (content-addressed), so they hold nothing a rewind makes wrong.
   */
  rewind(head: Head): void {
    if (head.header.number > this.current.header.number)
      throw new Error(`rewind: block ${head.header.number} is above the head ${this.current.header.number}`);
    this.current = head;
  }
}
