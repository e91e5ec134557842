/**
 * Executes one block: deadlines first, then system txs, then signed txs (the origin's forced txs
 * first, PROTOCOL §5 D6), then the roots. Used both to build a block (try each tx, keep what
 * applies) and to check one (applyBlock).
 * @module
 */
import { hashedListRoot, listRoot } from "../commitment/listRoot.ts";
import type { Result } from "../errors.ts";
import type { ChainParams } from "../params.ts";
import type { StateDb, StateRoots } from "../state/stateDb.ts";
import type { BlockHeader, Hash32, L1Origin, Receipt, SystemTx, VerifiedTx } from "../types.ts";
import { encodeReceipt, systemTxHash } from "../wire/index.ts";
import { applySystemTx, applyTx } from "./applyTx.ts";
import type { ExecCtx, ExecutorEnv } from "./context.ts";
import { l1Gate, processDeadlines } from "./processDeadlines.ts";

export interface ParentRef {
  number: bigint;
  hash: Hash32;
  timestamp: bigint;
  /** The parent's L1 origin number: a block whose origin differs is its origin's first (D6). */
  l1OriginNumber: bigint;
}

export class BlockExecutor {
  readonly ctx: ExecCtx;
  readonly systemTxs: SystemTx[] = [];
  readonly txs: VerifiedTx[] = [];
  readonly receipts: Receipt[] = [];
  private systemDone = false;
  private forcedDone = false;
  private readonly parentTimestamp: bigint;
  private readonly env: ExecutorEnv;

  constructor(params: ChainParams, state: StateDb, env: ExecutorEnv) {
    this.ctx = { params, state, env, reveals: 0 };
    this.env = env;
    this.parentTimestamp = env.parentTimestamp;
    // The parent's time decides whether this block closes a stall (deadlines extended, §3); the
    // origin decides which commit and reveal deadlines a forced tx may still meet (D7).
    processDeadlines(this.ctx, env.parentTimestamp, l1Gate(env.l1Timestamp, env.newOrigin));
  }

  /** Applies and includes a system tx; `{ok:false}` means it was left out with no change. */
  trySystemTx(stx: SystemTx): Result<Receipt> {
    if (this.systemDone) throw new Error("BlockExecutor: system txs must precede signed txs");
    const r = applySystemTx(this.ctx, stx, systemTxHash(stx));
    if (r.ok) {
      this.systemTxs.push(stx);
      this.receipts.push(r.value);
    }
    return r;
  }

  /**
   * Applies and includes a signed tx (receipt success or failed); `{ok:false}`: left out.
   * `forced`: a forced tx of this block's origin (D6, D7), judged by the origin's time; forced txs
   * come before the block's other signed txs, only in the first block of their origin.
   */
  tryTx(vtx: VerifiedTx, forced = false): Result<Receipt> {
    this.systemDone = true;
    let r: Result<Receipt>;
    if (forced) {
      if (this.forcedDone) throw new Error("BlockExecutor: forced txs must precede the other signed txs");
      if (!this.env.newOrigin)
        throw new Error("BlockExecutor: forced txs belong in the first block of their L1 origin");
      this.ctx.forcedL1TimeMs = this.env.l1Timestamp * 1000n;
      try {
        r = applyTx(this.ctx, vtx);
      } finally {
        delete this.ctx.forcedL1TimeMs;
      }
    } else {
      this.forcedDone = true;
      r = applyTx(this.ctx, vtx);
    }
    if (r.ok) {
      this.txs.push(vtx);
      this.receipts.push(r.value);
    }
    return r;
  }

  /** Commits the state and returns the header of the block as executed. */
  finish(parent: ParentRef, l1Origin: L1Origin): BlockHeader {
    this.checkFinish(parent, l1Origin);
    return this.header(parent, l1Origin, this.ctx.state.commit());
  }

  /** {@link finish} in steps: the state commit pauses when `stop()` says so (StateDb.commitSteps). */
  *finishSteps(
    parent: ParentRef,
    l1Origin: L1Origin,
    stop?: () => boolean,
  ): Generator<void, BlockHeader, void> {
    this.checkFinish(parent, l1Origin);
    const roots = yield* this.ctx.state.commitSteps(stop);
    return this.header(parent, l1Origin, roots);
  }

  private checkFinish(parent: ParentRef, l1Origin: L1Origin): void {
    if (parent.timestamp !== this.parentTimestamp) {
      throw new Error("BlockExecutor: finish() got another parent than the deadlines were processed for");
    }
    if (
      l1Origin.timestamp !== this.env.l1Timestamp ||
      (parent.l1OriginNumber !== l1Origin.number) !== this.env.newOrigin
    ) {
      throw new Error("BlockExecutor: finish() got another L1 origin than the block was executed for");
    }
  }

  private header(parent: ParentRef, l1Origin: L1Origin, roots: StateRoots): BlockHeader {
    const txHashes = [...this.systemTxs.map((s) => systemTxHash(s)), ...this.txs.map((t) => t.tx.hash)];
    return {
      number: this.ctx.env.number,
      parentHash: parent.hash,
      timestamp: this.ctx.env.timestamp,
      l1Origin,
      stateRoot: roots.stateRoot,
      withdrawalsRoot: roots.withdrawalsRoot,
      txRoot: listRoot(txHashes),
      receiptsRoot: hashedListRoot(this.receipts.map(encodeReceipt)),
    };
  }
}
