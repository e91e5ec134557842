/**
 * One block being built, in steps: the candidates are tried one at a time, so that a caller with
 * an event loop (the sequencer) can hand the thread back between slices of the build instead of
 * holding it for the whole block (~40 µs a tx: a few hundred ms at full load, during which every
 * request in flight would wait). The state commit pauses too (`endSteps`: the state tree's
 * update, in slices of its top levels and of its hashing and writing); the flat records, the
 * withdrawals tree and the tx and receipt roots stay one piece (a few ms at 5k-tx blocks).
 *
 * Slicing changes nothing in the result: the same candidates meet the same state in the same
 * order, whatever the step sizes (chain/blockBuilder.test.ts builds one block both ways). The
 * caller owns the rest: the head must not move while a build is open (`end` checks), and nothing
 * may write the state the build reads through its KvReader in between steps.
 * @module
 */

import type { BuildInput, BuiltBlock, Head } from "./chainCore.ts";
import { type KvReader, OverlayKv } from "./kv.ts";
import type { ChainParams } from "./params.ts";
import type { SmtCaches } from "./state/stateDb.ts";
import { StateDb } from "./state/stateDb.ts";
import { drainSteps } from "./steps.ts";
import { BlockExecutor } from "./transition/blockExecutor.ts";
import type { Block, BlockHeader, Hash32 } from "./types.ts";
import { blockHash, encodeBlock } from "./wire/index.ts";

type Rejected = BuiltBlock["rejected"][number];

export class BlockBuilder {
  private readonly overlay: OverlayKv;
  private readonly ex: BlockExecutor;
  private readonly rejected: Rejected[] = [];
  private readonly maxBytes: number;
  private readonly forcedCount: number;
  private next = 0;
  private bytes = 0;
  private ended = false;

  constructor(
    params: ChainParams,
    kv: KvReader,
    caches: SmtCaches,
    /** The head the block is built on. */
    readonly parent: Head,
    private readonly input: BuildInput,
    /** The chain's head now: `end` refuses to finish a block whose parent it no longer is. */
    private readonly currentHead: () => Head = () => parent,
  ) {
    const p = parent.header;
    if (input.timestamp <= p.timestamp) {
      throw new Error(`build: timestamp ${input.timestamp} not after parent ${p.timestamp}`);
    }
    const forcedCount = input.forcedCount ?? 0;
    if (!Number.isInteger(forcedCount) || forcedCount < 0 || forcedCount > input.txs.length)
      throw new RangeError(`build: forcedCount ${forcedCount} not in [0, ${input.txs.length}]`);
    this.forcedCount = forcedCount;
    this.maxBytes = input.maxBytes ?? params.maxBlockBytes;
    this.overlay = new OverlayKv(kv);
    const state = new StateDb(
      this.overlay,
      { stateRoot: p.stateRoot, withdrawalsRoot: p.withdrawalsRoot },
      caches,
    );
    this.ex = new BlockExecutor(params, state, {
      number: p.number + 1n,
      timestamp: input.timestamp,
      parentTimestamp: p.timestamp,
      l1Timestamp: input.l1Origin.timestamp,
      newOrigin: input.l1Origin.number !== p.l1Origin.number,
    });
    input.systemTxs.forEach((stx, index) => {
      const r = this.ex.trySystemTx(stx);
      if (!r.ok) this.rejected.push(withDetail({ index, system: true, error: r.error }, r.detail));
    });
  }

  /** Whether every candidate has been tried. */
  get done(): boolean {
    return this.next >= this.input.txs.length;
  }

  /**
   * Tries candidates until all are tried or `stop()` says so (asked after each one: a clock read
   * is ~0.1 µs against ~40 µs a tx, and a devnet-tier reveal takes milliseconds; the caller's
   * clock, as chain/ reads none). At least one candidate is tried per call. Returns `done`.
   */
  step(stop?: () => boolean): boolean {
    const txs = this.input.txs;
    const admit = this.input.admit;
    while (this.next < txs.length) {
      const index = this.next++;
      const vtx = txs[index]!;
      if (this.bytes + vtx.tx.raw.length <= this.maxBytes) {
        const forced = index < this.forcedCount;
        const admitted = forced ? undefined : admit?.(this.ex.ctx, vtx);
        if (admitted && !admitted.ok) {
          this.rejected.push(withDetail({ index, system: false, error: admitted.error }, admitted.detail));
        } else {
          const r = this.ex.tryTx(vtx, forced);
          if (r.ok) this.bytes += vtx.tx.raw.length;
          else this.rejected.push(withDetail({ index, system: false, error: r.error }, r.detail));
        }
      }
      if (stop?.()) break;
    }
    return this.done;
  }

  /** Tries what is left, commits the state and returns the block. Once. */
  end(): BuiltBlock {
    return drainSteps(this.endSteps());
  }

  /**
   * {@link end} in steps: the candidates left are tried in slices ({@link step} with `stop`, a
   * pause after each), then the state commit (~60–250 ms at 5k-tx blocks, the longest piece of a
   * build) pauses when `stop()` says so (StateDb.commitSteps). The same rules hold in between: the
   * head must not move and nothing may write the state the build reads; the head is checked again
   * after the commit.
   */
  *endSteps(stop?: () => boolean): Generator<void, BuiltBlock, void> {
    if (this.ended) throw new Error("build: ended twice");
    if (this.currentHead() !== this.parent)
      throw new Error("build: the head moved while the block was built");
    this.ended = true;
    while (!this.step(stop)) yield;
    const p = this.parent.header;
    const header: BlockHeader = yield* this.ex.finishSteps(
      { number: p.number, hash: this.parent.hash, timestamp: p.timestamp, l1OriginNumber: p.l1Origin.number },
      this.input.l1Origin,
      stop,
    );
    if (this.currentHead() !== this.parent)
      throw new Error("build: the head moved while the block was committed");
    const block: Block = { header, systemTxs: this.ex.systemTxs, txs: this.ex.txs.map((v) => v.tx) };
    const encoded = encodeBlock(block);
    const hash: Hash32 = blockHash(header);
    return {
      block,
      hash,
      receipts: this.ex.receipts,
      encoded,
      size: encoded.length,
      ops: this.overlay.ops(),
      rejected: this.rejected,
    };
  }
}

function withDetail(r: Rejected, detail: string | undefined): Rejected {
  return detail === undefined ? r : { ...r, detail };
}
