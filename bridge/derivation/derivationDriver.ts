/**
 * The verifier's derivation loop: L1 blocks from an {@link L1Source} into chain/derive's Deriver,
 * each derived block executed over a ChainCore and committed to the store with its L1 cursor and
 * undo record in one atomic batch (store/chainStore.ts commitDerivedBlock).
 *
 * - **Start and restart** (PROTOCOL §5 "Resets"): the L1's chain id must be the deployment's. At
 *   genesis (origin: the L1 block before the deployment's first block) a fresh Deriver; at a
 *   stored head, an exact resume ({@link DerivationDriver.resumeAt}): the blocks of the head's
 *   deciding L1 block are taken back and derived again, the channel bank stored with the head
 *   rebuilt, nothing judged twice.
 * - **L1 reorg**: a block that does not link (`addL1Block` answers `{ok:false}`), or an L1 answer
 *   that does not fit together (L1SourceError "reset"), rewinds the store to the last L2 block
 *   whose deciding L1 block (`derivedFrom`) is still canonical, then derives again from there.
 * - **Heads**: unsafe = the last derived block (from L1 `latest`); safe = the last one derived
 *   from L1 blocks at or below L1 `safe`; finalized = the same with L1 `finalized` (bridge/README.md
 *   "Derivation"). Undo records of finalized blocks are pruned.
 * - **Failures**: temporary (the L1 node is down, a block not there yet) are retried with backoff;
 *   critical ones (a node answering garbage, a reorg below the deployment, a store failure) stop
 *   the loop with an error line and leave `status().error` set: the node keeps serving what it has.
 *   Malformed batcher data is never a failure: derivation drops it with a log line.
 * - **Batch listeners** ({@link DerivationDriver.onBatches}): each L1 block's decided blocks and
 *   its batcher txs, once committed, and every resume's rewind point: the explorer's batch rows
 *   (indexer/batchLog.ts), the same on a verifier and a sequencer. Awaited, so a row is written
 *   before the next L1 block is read (a crash then loses at most the head's row, which the
 *   restart's resume derives again).
 * @module
 */
import { setTimeout as sleep } from "node:timers/promises";
import { bytesToHex, equalBytes } from "../../chain/bytes.ts";
import { ChainCore, type Head } from "../../chain/chainCore.ts";
import type { BlockAttributes, L1BlockRef } from "../../chain/derive/attributes.ts";
import { type DeriveDrop, Deriver, type DeriverResume } from "../../chain/derive/deriver.ts";
import { executeAttributes } from "../../chain/derive/executeAttributes.ts";
import { RollupError } from "../../chain/errors.ts";
import type { ChainParams } from "../../chain/params.ts";
import { recoverSender } from "../../chain/tx/index.ts";
import type { Address, SignedTx } from "../../chain/types.ts";
import type { ChainStore, DerivedFrom, StoredBlockData } from "../../store/chainStore.ts";
import { PastStateKv } from "../../store/pastState.ts";
import { L1SourceError } from "./l1Json.ts";
import type { BatcherTxInfo, L1Source } from "./l1Source.ts";

export interface DerivationDriverOpts {
  params: ChainParams;
  /** The deployment file's `l1ChainId`: an L1 with another chain id is refused at {@link DerivationDriver.init}. */
  l1ChainId?: number;
  /** The deployment's first block and its hash: the genesis block's origin is the block before it. */
  deployBlock: bigint;
  deployBlockHash: Uint8Array;
  /** Wait between polls of an L1 with nothing new, ms (default: half the chain's L1 block time, ≤ 2 s). */
  pollMs?: number;
  /** L1 blocks read per step before the loop yields (default 64). */
  maxL1BlocksPerStep?: number;
  /** Retry delays after a temporary failure, ms (default 250 doubling to 10,000). */
  backoff?: { initialMs: number; maxMs: number };
  /**
   * Undo records kept below the finalized head, blocks (default 0: pruned at finality). A node
   * that serves records of past blocks (flops_getChallengeProof: operators for the outputs they
   * signed, a challenger for its defence) reads their state through them.
   */
  keepUndoBlocks?: bigint;
}

export interface DerivationLog {
  info(o: object, msg?: string): void;
  warn(o: object, msg?: string): void;
  error(o: object, msg?: string): void;
}

export interface DerivationDriverModules {
  source: L1Source;
  store: ChainStore;
  log: DerivationLog;
  /** Present on a sequencer node: derivation checks the sequencer's own blocks (follow mode). */
  follow?: SequencerFollow;
}

/**
 * A sequencer's side of derivation (follow mode, PROTOCOL §5 "Sequencer obligations"): the
 * driver derives from L1 what every verifier derives, into a cursor over the sequencer's own
 * store (no second chain): a derived block equal to the stored one (same hash) is marked derived
 * (store `markDerived`), which makes the safe and finalized heads; a derived block the sequencer
 * lacks (default blocks after a long downtime, D8) or built differently (a batch dropped, a
 * forced tx missed) wins: the sequencer is rewound to the block before it and the derived block is
 * committed on its chain core, and it builds on from there, as op-node resets a sequencer to
 * what L1 says.
 */
export interface SequencerFollow {
  /** The sequencer's chain core: derived blocks it adopts are executed on it, at its head. */
  core: ChainCore;
  /** Runs `fn` with the sequencer's block building paused and its batcher held. */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /** Under {@link exclusive}: takes the sequencer's blocks above `n` back (store, mempool, batcher). */
  rewindTo(n: bigint): Promise<void>;
  /** Under {@link exclusive}: block `b`, derived, was committed on {@link core} at its head. */
  adopted(b: StoredBlockData & { encoded: Uint8Array }): Promise<void>;
  /** Counts each derived block by what became of it (flops_derivation_follow_blocks_total). */
  counted?: (kind: "matched" | "adopted" | "replaced") => void;
}

/** The three L2 heads and the L1 blocks they follow (flops_syncStatus). */
export interface DerivationStatus {
  unsafeL2: Head;
  safeL2: Head;
  finalizedL2: Head;
  /** The last L1 block fed to derivation. */
  currentL1: L1BlockRef | undefined;
  headL1: L1BlockRef | undefined;
  safeL1: L1BlockRef | undefined;
  finalizedL1: L1BlockRef | undefined;
  /** L1 blocks not yet read (headL1 − currentL1). */
  behindL1: bigint;
  /** Why derivation stopped (a critical failure); undefined while it runs. */
  error: string | undefined;
}

/**
 * L2 blocks `firstBlock..lastBlock`, all decided by L1 block `l1Block` (their `derivedFrom`), and
 * the batcher txs of that L1 block (for the explorer's batch rows: node/explorerIndex.ts). Told
 * once the blocks are committed (or, in follow mode, marked derived), once per L1 block whose
 * blocks include one from a batch (default blocks alone are no batch); told again, identically,
 * when a resume or a reorg derives the same blocks again.
 */
export interface DecidedBatch {
  l1Block: L1BlockRef;
  firstBlock: bigint;
  lastBlock: bigint;
  lastBlockHash: Uint8Array;
  /** The accepted batcher txs of `l1Block`, in tx order (empty when the data came earlier). */
  txs: readonly BatcherTxInfo[];
}

/** Listeners of decided batches and of rewinds: awaited (a row follows its blocks before the next). */
export interface BatchListener {
  decided(b: DecidedBatch): void | Promise<void>;
  /** Derivation took back (or unmarked) every block above `n`: it derives them again. */
  rewound(n: bigint): void | Promise<void>;
}

/** What one {@link DerivationDriver.step} did. */
export interface StepResult {
  l1Blocks: number;
  l2Blocks: number;
  /** L2 blocks taken back by a reorg in this step. */
  rewound: bigint;
}

export class DerivationDriver {
  private coreNow: ChainCore | undefined;
  private deriver: Deriver | undefined;
  private genesisOrigin: L1BlockRef | undefined;
  /** Next L1 block number to read. */
  private nextL1 = 0n;
  private currentL1: L1BlockRef | undefined;
  /** L1 blocks fed since the safe head's origin: origins' parent hashes and derivedFrom hashes. */
  private readonly fed = new Map<bigint, L1BlockRef>();
  private heads: { latest?: L1BlockRef; safe?: L1BlockRef; finalized?: L1BlockRef } = {};
  private failure: string | undefined;
  private readonly listeners = new Set<(b: StoredBlockData) => void>();
  private readonly batchListeners = new Set<BatchListener>();
  /** The batcher txs of the L1 blocks in {@link fed}, by number (pruned with it). */
  private readonly fedTxs = new Map<bigint, readonly BatcherTxInfo[]>();
  /** The group of blocks one L1 block decided, told to the batch listeners when it ends. */
  private group: { from: bigint; first: bigint; last: bigint; batch: boolean } | undefined;
  private groupL1: { ref: L1BlockRef; txs: readonly BatcherTxInfo[] } | undefined;
  private readonly recovered = new Map<string, Address>();
  private abort: AbortController | undefined;
  private loop: Promise<void> | undefined;
  /** Follow mode: the state at the derived cursor, read through the sequencer's store. */
  private past: PastStateKv | undefined;
  /** Follow mode: blocks adopted from L1 and blocks the sequencer built differently (metrics, tests). */
  private readonly followCounts = { matched: 0, adopted: 0, replaced: 0 };

  constructor(
    readonly opts: DerivationDriverOpts,
    private readonly m: DerivationDriverModules,
  ) {}

  /** The chain at the unsafe head (replaced after a reorg rewinds it). Throws before {@link init}. */
  get core(): ChainCore {
    if (!this.coreNow) throw new Error("DerivationDriver: not initialised");
    return this.coreNow;
  }

  /** Whether {@link init} has run (the L1 was reached once). */
  get initialised(): boolean {
    return this.coreNow !== undefined;
  }

  /** Calls `listener` after each derived block is stored (again at the same height after a reorg). */
  onBlock(listener: (b: StoredBlockData) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Tells `listener` of each L1 block's decided blocks ({@link DecidedBatch}) and of each rewind.
   * Awaited before derivation goes on; a listener's failure is logged, never stops derivation.
   */
  onBatches(listener: BatchListener): () => void {
    this.batchListeners.add(listener);
    return () => this.batchListeners.delete(listener);
  }

  /**
   * Checks the L1's chain id against the deployment's, reads the genesis origin from L1 (checking
   * the deployment's block hash) and resumes from the stored head (PROTOCOL §5 "Resets"). Throws L1SourceError (temporary: retry; critical: this L1 is not the deployment's).
   */
  async init(): Promise<void> {
    const want = this.opts.l1ChainId;
    if (want !== undefined) {
      const got = await this.m.source.chainId();
      if (got !== BigInt(want))
        throw new L1SourceError(
          "critical",
          `the L1 at this RPC has chain id ${got}, not the deployment file's l1ChainId ${want}: wrong --l1.rpc or deployment file`,
        );
    }
    const deploy = await this.m.source.blockRef(this.opts.deployBlock);
    if (deploy === undefined)
      throw new L1SourceError("temporary", `deployment block ${this.opts.deployBlock} is not there yet`);
    if (!equalBytes(deploy.hash, this.opts.deployBlockHash))
      throw new L1SourceError(
        "critical",
        `the deployment block ${this.opts.deployBlock} has hash ${bytesToHex(deploy.hash)} on this L1, not the deployment file's ${bytesToHex(this.opts.deployBlockHash)}`,
      );
    const origin = await this.m.source.blockRef(this.opts.deployBlock - 1n);
    if (origin === undefined || !equalBytes(origin.hash, deploy.parentHash))
      throw new L1SourceError("reset", "the block before the deployment changed while reading it");
    this.genesisOrigin = origin;
    const head = this.m.store.head();
    if (!head) throw new RollupError("NO_GENESIS", "the store holds no chain");
    await this.resumeAt(this.m.follow ? this.m.store.highestDerived() : head.header.number);
  }

  /** Runs {@link step} until {@link stop}: polling when idle, backing off on temporary failures. */
  start(): void {
    if (this.loop) return;
    this.abort = new AbortController();
    const signal = this.abort.signal;
    const poll =
      this.opts.pollMs ?? Math.min(2000, Math.max(50, Number(this.opts.params.l1BlockTimeMs / 2n)));
    const backoff = this.opts.backoff ?? { initialMs: 250, maxMs: 10_000 };
    this.loop = (async () => {
      let delay = backoff.initialMs;
      while (!signal.aborted && this.failure === undefined) {
        let wait = poll;
        try {
          const r = await this.step();
          delay = backoff.initialMs;
          if (r.l1Blocks > 0) wait = 0;
        } catch (e) {
          if (e instanceof L1SourceError && e.kind === "temporary") {
            this.m.log.warn({ err: e.message, retryMs: delay }, "derivation: L1 unavailable, retrying");
            wait = delay;
            delay = Math.min(backoff.maxMs, delay * 2);
          } else {
            this.failure = e instanceof Error ? e.message : String(e);
            this.m.log.error({ err: e }, "derivation stopped");
          }
        }
        if (wait > 0) await sleep(wait, undefined, { signal }).catch(() => {});
        else await new Promise((r) => setImmediate(r));
      }
    })();
  }

  async stop(): Promise<void> {
    this.abort?.abort();
    await this.loop;
    this.loop = undefined;
  }

  /**
   * One round: refresh the L1 heads, read up to maxL1BlocksPerStep new L1 blocks, derive and
   * commit every L2 block they decide, move safe/finalized. A reorg rewinds and returns early.
   * Throws L1SourceError "temporary" / "critical"; "reset" is handled here.
   */
  async step(): Promise<StepResult> {
    const result: StepResult = { l1Blocks: 0, l2Blocks: 0, rewound: 0n };
    try {
      if (!this.deriver) await this.init();
      else if (this.m.follow) await this.checkCursor();
      await this.refreshHeads();
      const latest = this.heads.latest;
      const max = this.opts.maxL1BlocksPerStep ?? 64;
      while (latest !== undefined && this.nextL1 <= latest.number && result.l1Blocks < max) {
        const { input, skipped, batcherTxs } = await this.m.source.fetch(this.nextL1);
        for (const s of skipped)
          this.m.log.warn({ l1Block: String(this.nextL1), ...s }, "derivation: batcher tx skipped");
        const linked = this.deriver!.addL1Block(input);
        if (!linked.ok) {
          this.m.log.warn(
            { l1Block: String(input.block.number), reason: linked.error },
            "derivation: L1 reorg, rewinding",
          );
          result.rewound = await this.rewind();
          return result;
        }
        this.fed.set(input.block.number, input.block);
        this.fedTxs.set(input.block.number, batcherTxs ?? []);
        this.currentL1 = input.block;
        this.nextL1++;
        result.l1Blocks++;
        result.l2Blocks += await this.drain();
      }
      await this.moveFinality();
    } catch (e) {
      if (!(e instanceof L1SourceError && e.kind === "reset")) throw e;
      this.m.log.warn({ err: e.message }, "derivation: L1 answers changed under us, rewinding");
      result.rewound = await this.rewind();
    }
    return result;
  }

  status(): DerivationStatus {
    const unsafe = this.m.follow ? this.m.follow.core.head : this.core.head;
    const currentL1 = this.currentL1;
    const headL1 = this.heads.latest;
    return {
      unsafeL2: unsafe,
      safeL2: this.headAt(this.heads.safe),
      finalizedL2: this.headAt(this.heads.finalized),
      currentL1,
      headL1,
      safeL1: this.heads.safe,
      finalizedL1: this.heads.finalized,
      behindL1: headL1 !== undefined && headL1.number >= this.nextL1 ? headL1.number - this.nextL1 + 1n : 0n,
      error: this.failure,
    };
  }

  // ------------------------------------------------------------------------------------------

  private async refreshHeads(): Promise<void> {
    const [latest, safe, finalized] = await Promise.all([
      this.m.source.blockRef("latest"),
      this.m.source.blockRef("safe"),
      this.m.source.blockRef("finalized"),
    ]);
    this.heads = {
      ...(latest ? { latest } : {}),
      ...(safe ? { safe } : {}),
      ...(finalized ? { finalized } : {}),
    };
  }

  /** Derives and commits every block the L1 blocks fed so far decide. */
  private async drain(): Promise<number> {
    let n = 0;
    try {
      for (;;) {
        const deriver = this.deriver!;
        this.logDrops(deriver.takeDrops());
        const next = deriver.next();
        if (next.kind === "wait") return n;
        const txs = this.fedTxs.get(next.attrs.derivedFrom);
        const from = this.fed.get(next.attrs.derivedFrom);
        if (this.m.follow) {
          if (!(await this.follow(next.attrs, this.m.follow))) return n;
        } else await this.commit(next.attrs);
        await this.grouped(next.attrs, from, txs);
        n++;
      }
    } finally {
      await this.endGroup();
    }
  }

  /** Adds a derived block to the current L1 block's group; a block of another L1 block ends it. */
  private async grouped(
    attrs: BlockAttributes,
    from: L1BlockRef | undefined,
    txs: readonly BatcherTxInfo[] | undefined,
  ): Promise<void> {
    if (this.batchListeners.size === 0 || from === undefined) return;
    const g = this.group;
    if (g !== undefined && g.from === attrs.derivedFrom && g.last + 1n === attrs.number) {
      g.last = attrs.number;
      g.batch ||= attrs.source === "batch";
      return;
    }
    await this.endGroup();
    this.group = {
      from: attrs.derivedFrom,
      first: attrs.number,
      last: attrs.number,
      batch: attrs.source === "batch",
    };
    this.groupL1 = { ref: from, txs: txs ?? [] };
  }

  private async endGroup(): Promise<void> {
    const g = this.group;
    const l1 = this.groupL1;
    this.group = undefined;
    this.groupL1 = undefined;
    if (g === undefined || l1 === undefined || !g.batch) return;
    const last = this.m.store.getBlock(g.last);
    if (last === undefined) return; // taken back meanwhile (a sequencer's rewind): derived again
    const b: DecidedBatch = {
      l1Block: l1.ref,
      firstBlock: g.first,
      lastBlock: g.last,
      lastBlockHash: last.hash,
      txs: l1.txs,
    };
    for (const l of this.batchListeners) await this.tell(() => l.decided(b));
  }

  private async tell(f: () => void | Promise<void>): Promise<void> {
    try {
      await f();
    } catch (err) {
      this.m.log.warn({ err }, "derivation: a batch listener failed");
    }
  }

  /** Follow mode's counters: blocks confirmed, adopted from L1, and the sequencer's replaced by them. */
  followStats(): Readonly<{ matched: number; adopted: number; replaced: number }> {
    return { ...this.followCounts };
  }

  /** The L1 cursor of a block derived from `attrs`. */
  private cursorOf(attrs: BlockAttributes): DerivedFrom {
    const origin = this.fed.get(attrs.l1Origin.number) ?? this.deriver!.safe.origin;
    const from = this.fed.get(attrs.derivedFrom);
    if (!from) throw new Error(`derivation: L1 block ${attrs.derivedFrom} decided a block but was not fed`);
    return {
      originParentHash: origin.parentHash,
      l1Number: from.number,
      l1Hash: from.hash,
      channels: this.deriver!.channelsBefore(attrs.derivedFrom),
    };
  }

  /**
   * Follow mode: the derived block `attrs` against the sequencer's. Executed over the state at the
   * cursor; equal hashes mark the stored block derived. Otherwise (or when the sequencer has no
   * such block yet) the derived block wins, under the sequencer's lock, where a mismatch is first
   * confirmed at rest (a block the sequencer committed while this read could show through the
   * view: a false alarm must never rewind good blocks). False: the cursor was reset (the
   * sequencer rewound below it meanwhile); the deriver was rebuilt.
   */
  private async follow(attrs: BlockAttributes, f: SequencerFollow): Promise<boolean> {
    const store = this.m.store;
    const k = attrs.number;
    const mark = this.cursorOf(attrs);
    if (k <= store.head()!.header.number && this.tryMatch(attrs)) {
      await store.markDerived(k, mark);
      this.advanceDeriver(attrs);
      this.count(f, "matched");
      return true;
    }
    let reset = false;
    await f.exclusive(async () => {
      const h = store.head()!.header.number;
      const cursor = this.core.head;
      const at = store.getBlock(cursor.header.number);
      if (h < k - 1n || at === undefined || !equalBytes(at.hash, cursor.hash)) {
        reset = true;
        return;
      }
      if (k <= h) {
        if (this.tryMatch(attrs)) {
          await store.markDerived(k, mark);
          this.count(f, "matched");
          return;
        }
        this.m.log.warn(
          {
            l2Block: String(k),
            l1Block: String(attrs.derivedFrom),
            source: attrs.source,
            sequencerHead: String(h),
          },
          "derivation: the sequencer's block differs from the one L1 decides: rewinding it and adopting L1's",
        );
        await f.rewindTo(k - 1n);
        this.count(f, "replaced");
      }
      this.recovered.clear();
      const ex = executeAttributes(f.core, attrs, (tx) => this.recover(tx));
      const b = ex.built;
      const stored = {
        block: b.block,
        hash: b.hash,
        receipts: b.receipts,
        senders: b.block.txs.map((t) => this.recovered.get(bytesToHex(t.hash))!),
        size: b.size,
        encoded: b.encoded,
      };
      await store.commitDerivedBlock(stored, b.ops, mark);
      f.core.advance({ header: b.block.header, hash: b.hash });
      this.count(f, "adopted");
      this.m.log.info(
        { l2Block: String(k), source: attrs.source, txs: b.block.txs.length },
        "derivation: the sequencer adopted a block derived from L1",
      );
      await f.adopted(stored);
    });
    if (reset) {
      await this.resumeAt(store.highestDerived());
      return false;
    }
    // The cursor is the head now: a fresh view.
    this.past = new PastStateKv(store, k);
    this.coreNow = new ChainCore(this.opts.params, this.past, f.core.head);
    this.advanceDeriver(attrs);
    return true;
  }

  private count(f: SequencerFollow, kind: "matched" | "adopted" | "replaced"): void {
    this.followCounts[kind]++;
    f.counted?.(kind);
  }

  /**
   * Executes `attrs` over the state at the cursor and, when the result is the stored block,
   * moves the cursor onto it. Synchronous from the view's refresh to the comparison.
   */
  private tryMatch(attrs: BlockAttributes): boolean {
    const stored = this.m.store.getBlock(attrs.number);
    if (stored === undefined) return false;
    this.past!.refresh();
    const ex = executeAttributes(this.core, attrs, recoverSender);
    if (!equalBytes(ex.built.hash, stored.hash)) return false;
    this.past!.advance(ex.built.ops);
    this.core.advance({ header: ex.built.block.header, hash: ex.built.hash });
    return true;
  }

  /** The deriver past `attrs`, now the core's head; older L1 blocks can no longer be an origin or decide a block. */
  private advanceDeriver(attrs: BlockAttributes): void {
    this.deriver!.advance({ number: attrs.number, hash: this.core.head.hash, timestamp: attrs.timestamp });
    this.forgetBefore(this.deriver!.safe.origin.number);
  }

  /**
   * Follow mode, before each step: the sequencer may have rewound below the cursor (its late-batch
   * watch); then derivation resumes at the highest block still marked.
   */
  private async checkCursor(): Promise<void> {
    const c = this.core.head;
    const at = this.m.store.getBlock(c.header.number);
    if (at !== undefined && equalBytes(at.hash, c.hash)) return;
    this.m.log.warn(
      { cursor: String(c.header.number) },
      "derivation: the sequencer rewound below the safe cursor; resuming",
    );
    await this.resumeAt(this.m.store.highestDerived());
  }

  private async commit(attrs: BlockAttributes): Promise<void> {
    const core = this.core;
    this.recovered.clear();
    const ex = executeAttributes(core, attrs, (tx) => this.recover(tx));
    const b = ex.built;
    const senders = b.block.txs.map((t) => this.recovered.get(bytesToHex(t.hash))!);
    const stored: StoredBlockData = {
      block: b.block,
      hash: b.hash,
      receipts: b.receipts,
      senders,
      size: b.size,
    };
    await this.m.store.commitDerivedBlock({ ...stored, encoded: b.encoded }, b.ops, this.cursorOf(attrs));
    core.advance({ header: b.block.header, hash: b.hash });
    this.advanceDeriver(attrs);
    if (ex.replaced !== undefined)
      this.m.log.warn(
        { l2Block: String(attrs.number), l1Block: String(attrs.derivedFrom), reason: ex.replaced },
        "derivation: batch block invalid, replaced by its L1 inputs only (D9)",
      );
    for (const s of ex.skippedForced)
      this.m.log.info(
        { l2Block: String(attrs.number), forcedTx: String(s.index), reason: s.reason },
        "derivation: forced tx skipped",
      );
    for (const l of this.listeners) l(stored);
  }

  private forgetBefore(keepFrom: bigint): void {
    for (const k of this.fed.keys()) if (k < keepFrom) this.fed.delete(k);
    for (const k of this.fedTxs.keys()) if (k < keepFrom) this.fedTxs.delete(k);
  }

  private recover(tx: SignedTx): ReturnType<typeof recoverSender> {
    const r = recoverSender(tx);
    if (r.ok) this.recovered.set(bytesToHex(tx.hash), r.value);
    return r;
  }

  private logDrops(drops: readonly DeriveDrop[]): void {
    for (const d of drops)
      this.m.log.warn({ ...d, l1Block: String(d.l1Block) }, `derivation dropped a ${d.stage}: ${d.reason}`);
  }

  /**
   * A new Deriver and ChainCore resuming at stored block `k` (PROTOCOL §5 "Resets"): the blocks
   * derived from k's deciding L1 block I are taken back, and derivation resumes where I was about
   * to be judged, with the channel bank of that moment rebuilt from the L1 blocks before it, so
   * the chain is the one an uninterrupted verifier derives. Returns the block resumed at.
   */
  private async resumeAt(k: bigint): Promise<bigint> {
    const genesisOrigin = this.genesisOrigin!;
    let resume: DeriverResume | undefined;
    let legacyRefill = false;
    if (k > 0n) {
      const from = this.derivedFromOf(k);
      if (from.channels === undefined) {
        legacyRefill = true;
        this.m.log.warn(
          { l2Block: String(k) },
          "derivation: the stored head predates exact resume (no channel bank stored); resuming as before, which can re-judge dropped batches: resync from an empty datadir to be sure",
        );
      } else {
        let r = k - 1n;
        while (r > 0n && this.derivedFromOf(r).l1Number === from.l1Number) r--;
        // Derived again below, exactly as they were (same L1, same rules). A sequencer keeps
        // its blocks: only their marks go, and derivation confirms them again.
        if (this.m.follow) await this.m.store.unmarkDerivedAbove(r);
        else await this.m.store.rewindTo(r);
        this.m.log.info(
          { from: String(k), to: String(r), l1Block: String(from.l1Number) },
          "derivation: resuming before the L1 block that decided the head",
        );
        resume = { at: { number: from.l1Number, hash: from.l1Hash }, channels: from.channels };
        k = r;
      }
    }
    const stored = this.m.store.getBlock(k);
    if (!stored) throw new Error(`derivation: no stored block ${k}`);
    const header = stored.block.header;
    const origin: L1BlockRef =
      k === 0n ? genesisOrigin : { ...header.l1Origin, parentHash: this.derivedFromOf(k).originParentHash };
    if (this.m.follow) {
      // Marks above the cursor are stale (a crash between a rewind and its marks): gone first.
      await this.m.store.unmarkDerivedAbove(k);
      this.past = new PastStateKv(this.m.store, k);
      this.coreNow = new ChainCore(this.opts.params, this.past, { header, hash: stored.hash });
    } else this.coreNow = new ChainCore(this.opts.params, this.m.store.kv, { header, hash: stored.hash });
    const safe = { number: k, hash: stored.hash, timestamp: header.timestamp, origin };
    this.deriver = new Deriver(this.opts.params, safe, resume);
    // Records from before the resume rule: refill the bank as before (not exact, see §5).
    this.nextL1 = legacyRefill ? origin.number - this.opts.params.channelTimeout : this.deriver.firstL1;
    if (this.nextL1 < genesisOrigin.number) this.nextL1 = genesisOrigin.number;
    this.fed.clear();
    this.fedTxs.clear();
    this.group = undefined;
    this.groupL1 = undefined;
    this.currentL1 = undefined;
    // Every block above k is derived again: the explorer's rows for them go first.
    for (const l of this.batchListeners) await this.tell(() => l.rewound(k));
    return k;
  }

  private derivedFromOf(k: bigint): DerivedFrom {
    const from = this.m.store.derivedFrom(k);
    if (!from)
      throw new RollupError(
        "NOT_DERIVED",
        `block ${k} was not derived from L1 (a sequencer's datadir?): a verifier needs its own datadir`,
      );
    return from;
  }

  /**
   * Rewinds to the last block whose deciding L1 block is still canonical (its origin, an
   * ancestor, is then canonical too) and resumes derivation there ({@link resumeAt}: possibly a
   * few blocks further back). Returns blocks taken back.
   */
  private async rewind(): Promise<bigint> {
    const head = this.core.head.header.number;
    const canonical = new Map<bigint, boolean>();
    let k = head;
    for (; k > 0n; k--) {
      const from = this.m.store.derivedFrom(k);
      if (!from) throw new RollupError("NOT_DERIVED", `block ${k} has no L1 cursor`);
      let ok = canonical.get(from.l1Number);
      if (ok === undefined) {
        const ref = await this.m.source.blockRef(from.l1Number);
        ok = ref !== undefined && equalBytes(ref.hash, from.l1Hash);
        canonical.set(from.l1Number, ok);
      }
      if (ok) break;
    }
    if (k === 0n) {
      const g = this.genesisOrigin!;
      const ref = await this.m.source.blockRef(g.number);
      if (ref === undefined || !equalBytes(ref.hash, g.hash))
        throw new RollupError(
          "L1_REORG_BELOW_GENESIS",
          `L1 reorged below the deployment (block ${g.number})`,
        );
    }
    if (this.m.follow) await this.m.store.unmarkDerivedAbove(k);
    else await this.m.store.rewindTo(k);
    k = await this.resumeAt(k);
    if (k < head) this.m.log.warn({ from: String(head), to: String(k) }, "derivation: rewound L2 blocks");
    return head - k;
  }

  /** The last stored block derived from L1 blocks at or below `l1` (binary search: derivedFrom grows). */
  private headAt(l1: L1BlockRef | undefined): Head {
    const store = this.m.store;
    let lo = 0n;
    let hi = this.core.head.header.number;
    if (l1 !== undefined) {
      while (lo < hi) {
        const mid = (lo + hi + 1n) / 2n;
        const from = store.derivedFrom(mid);
        if (from !== undefined && from.l1Number <= l1.number) lo = mid;
        else hi = mid - 1n;
      }
    }
    const b = store.getBlock(lo)!;
    return { header: b.block.header, hash: b.hash };
  }

  private async moveFinality(): Promise<void> {
    let finalized = this.headAt(this.heads.finalized).header.number;
    if (finalized <= this.m.store.undoPruned()) return;
    // A resume (restart or reorg) at any block from the last finalized one on takes back the
    // blocks of that block's deciding L1 block (resumeAt): keep their undo records.
    const group = this.derivedFromOf(finalized).l1Number;
    while (finalized > 0n && this.derivedFromOf(finalized).l1Number === group) finalized--;
    const keep = this.opts.keepUndoBlocks ?? 0n;
    finalized = finalized > keep ? finalized - keep : 0n;
    if (finalized > this.m.store.undoPruned()) await this.m.store.pruneUndo(finalized);
  }
}
