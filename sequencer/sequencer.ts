/**
 * The sequencer: admits signed txs into the mempool (durably journaled before they count as
 * accepted), and every block time builds a block from the due beacon rounds and the mempool,
 * commits it as one atomic batch and advances the head.
 * @module
 */
import { roundTimeMs } from "../chain/beacon/index.ts";
import { equalBytes } from "../chain/bytes.ts";
import type { BuiltBlock, ChainCore } from "../chain/chainCore.ts";
import { capMessage, DecodeError, TX_ERROR, TX_ERROR_MESSAGE, type TxErrorCode } from "../chain/errors.ts";
import type { StateDb } from "../chain/state/stateDb.ts";
import type { ExecCtx } from "../chain/transition/context.ts";
import { checkIncludable, headCheckContext, stepDeadline } from "../chain/transition/precheckTx.ts";
import type { Address, Block, Hash32, L1Origin, SignedTx, SystemTx, VerifiedTx } from "../chain/types.ts";
import { decodeSignedTx } from "../chain/wire/index.ts";
import { BeaconCache, type BeaconCacheOpts, DEFAULT_BEACON_CACHE_OPTS } from "./beaconCache.ts";
import { L1Origins, type L1OriginsOpts } from "./l1Origins.ts";
import { Mempool, type MempoolOpts, type MempoolReject, senderKey } from "./mempool.ts";
import type { BeaconSource, L1View, SenderRecovery, SequencedBlock, SequencerStore } from "./ports.ts";
import { type RewindStore, rewoundTxs } from "./rewind.ts";

export interface SequencerOpts {
  blockTimeMs: number;
  /** Signed txs per block at most. */
  maxTxsPerBlock: number;
  /**
   * How long one slice of a block build may hold the thread, ms (default 4): the build hands the
   * event loop back between slices, so requests in flight wait out one slice, not the whole build.
   */
  buildSliceMs?: number;
  mempool: MempoolOpts;
  /** Background beacon feed limits (defaults: DEFAULT_BEACON_CACHE_OPTS). */
  beaconCache?: Partial<BeaconCacheOpts>;
  /**
   * Follow L1 (with `SequencerModules.l1View`): blocks take L1 origins and carry their L1 inputs
   * (sequencer/l1Origins.ts). `origin`: the head's origin (genesis: the L1 block before the
   * deployment). Absent: no L1, every block keeps the genesis origin (tests, L1-less dev nodes).
   */
  l1?: Pick<L1OriginsOpts, "confirmations" | "pollMs" | "maxAhead" | "censorForcedTxs"> & {
    origin: L1Origin;
  };
}

/** SequencerOpts.buildSliceMs's default: each slice boundary costs one event-loop turn. */
const BUILD_SLICE_MS = 4;

/** Blocks whose forced-tx count the sequencer remembers for the batcher (older: read from L1). */
const FORCED_COUNT_MEMORY = 4096;

export interface SequencerModules {
  core: ChainCore;
  store: SequencerStore;
  beacon: BeaconSource;
  recovery: SenderRecovery;
  /** L1 reads for origin selection (with `SequencerOpts.l1`). */
  l1View?: L1View;
  /** Wall clock, ms. */
  now: () => bigint;
  log?: {
    info(o: object, msg?: string): void;
    warn(o: object, msg?: string): void;
    error(o: object, msg?: string): void;
  };
  metrics?: {
    blockBuilt(ms: number, txs: number, rejected: number): void;
    txAdmitted(ok: boolean): void;
    mempoolSize(n: number): void;
  };
}

export type AdmitResult =
  | { ok: true; hash: Hash32 }
  | { ok: false; code: TxErrorCode | MempoolReject | "NOT_ACCEPTING"; message: string };

export class Sequencer {
  readonly mempool: Mempool;
  private headState: StateDb;
  private readonly awaitedRounds = new Set<bigint>();
  /** Fetches the awaited rounds in the background; blocks take only what it already holds. */
  private readonly beaconFeed: BeaconCache;
  private readonly listeners = new Set<(b: SequencedBlock) => void>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  /** Set by pauseBuilding(): the build loop and the L1 origin feed wait for resumeBuilding(). */
  private paused = false;
  /** Set by stop(): no new txs are admitted while the node shuts down. */
  private closing = false;
  private producing: Promise<unknown> = Promise.resolve();
  private commitBarrier: Promise<void> | undefined;
  /** The L1 origin feed; undefined without L1. */
  readonly l1: L1Origins | undefined;
  /** Forced txs included by recent blocks (number -> count), for the batcher (batchBlockOf). */
  private readonly forcedCounts = new Map<bigint, number>();
  private stallWarned = "";

  constructor(
    readonly opts: SequencerOpts,
    private readonly m: SequencerModules,
  ) {
    this.headState = m.core.readState();
    this.mempool = new Mempool(opts.mempool, {
      accountNonce: (a) => this.headState.getAccount(a).nonce,
      now: m.now, // admission times and block timestamps must come from one clock
      deadlineOf: (tx, from) => stepDeadline(this.headCtx(), { tx, from }),
    });
    this.beaconFeed = new BeaconCache(
      { ...DEFAULT_BEACON_CACHE_OPTS, ...opts.beaconCache },
      {
        source: m.beacon,
        config: m.core.params.beacon,
        wanted: () => this.awaitedRounds,
        now: m.now,
        ...(m.log ? { log: m.log } : {}),
      },
    );
    if (opts.l1 !== undefined) {
      if (m.l1View === undefined) throw new Error("Sequencer: opts.l1 needs modules.l1View");
      this.l1 = new L1Origins(
        {
          confirmations: opts.l1.confirmations,
          pollMs: opts.l1.pollMs,
          maxAhead: opts.l1.maxAhead,
          maxSequencerDriftMs: m.core.params.maxSequencerDriftMs,
          maxTxBytes: m.core.params.maxTxBytes,
          ...(opts.l1.censorForcedTxs === true ? { censorForcedTxs: true } : {}),
        },
        { view: m.l1View, recovery: m.recovery, ...(m.log ? { log: m.log } : {}) },
        opts.l1.origin,
      );
    }
  }

  /**
   * How many of block `n`'s first txs are forced txs of its origin (D7), if this sequencer built
   * it recently; undefined otherwise (the batcher then counts them from L1).
   */
  forcedCountOf(n: bigint): number | undefined {
    return this.forcedCounts.get(n);
  }

  /** Restores the mempool from the journal and the beacon work list from state. */
  async restore(
    journal: readonly Uint8Array[],
    awaitedRounds: readonly bigint[],
  ): Promise<{ restored: number; dropped: Hash32[] }> {
    for (const r of awaitedRounds) this.awaitedRounds.add(r);
    const dropped: Hash32[] = [];
    const senders: Address[] = [];
    const txs: SignedTx[] = [];
    for (const raw of journal) {
      try {
        txs.push(decodeSignedTx(raw));
      } catch {
        // cannot happen for bytes we journaled; never block startup on it
      }
    }
    // All at once: the pool batches them, then they are added in journal order.
    const froms = await Promise.all(txs.map((tx) => this.m.recovery.recover(tx)));
    for (const [i, tx] of txs.entries()) {
      const from = froms[i];
      const added = from && !this.m.store.isIncluded(tx.hash) ? this.mempool.add(tx, from) : undefined;
      if (!added?.ok) {
        dropped.push(tx.hash);
        continue;
      }
      senders.push(from!);
      if (added.replaced) dropped.push(added.replaced.tx.hash);
      for (const p of added.evicted ?? []) dropped.push(p.tx.hash);
    }
    // The limits and the pre-check apply to restored txs as to new ones.
    dropped.push(...this.sweep(senders));
    this.forget(dropped, "dropped on restore");
    return { restored: this.mempool.size, dropped };
  }

  /**
   * Takes back the blocks above `n` before {@link start} or while paused ({@link pauseBuilding};
   * sequencer/rewind.ts, lateWatch.ts: derivation would drop them): the store (one batch, which also journals the rewound txs), the chain core's head,
   * the forced-tx counts, the L1 origin feed (back to `origin`, block n's), the beacon work list
   * (read again from the rewound state: rounds the rewound blocks revealed are awaited again), and
   * the rewound blocks' signed txs re-admitted in block order (forced txs excluded: derivation
   * includes them again from L1). Admission waits meanwhile. Returns the txs rewound and re-admitted.
   */
  async rewindTo(
    n: bigint,
    d: { store: RewindStore; forcedCount(n: bigint, block: Block): Promise<number>; origin: L1Origin },
  ): Promise<{ txs: number; readmitted: number }> {
    if (!this.stopped && !this.paused) throw new Error("Sequencer.rewindTo: only before start or paused");
    const head = this.m.core.head.header.number;
    if (n >= head) return { txs: 0, readmitted: 0 };
    const txs = await rewoundTxs(d.store, n, head, d.forcedCount);
    while (this.commitBarrier) await this.commitBarrier;
    let release!: () => void;
    this.commitBarrier = new Promise((r) => {
      release = r;
    });
    try {
      await d.store.rewindTo(
        n,
        txs.map((v) => v.tx),
      );
      const target = d.store.getBlock(n);
      if (target === undefined) throw new Error(`Sequencer.rewindTo: no stored block ${n}`);
      this.m.core.rewind({ header: target.block.header, hash: target.hash });
      this.headState = this.m.core.readState();
      for (const k of [...this.forcedCounts.keys()]) if (k > n) this.forcedCounts.delete(k);
      this.l1?.rewind(d.origin);
      this.awaitedRounds.clear();
      for (const r of await d.store.listAwaitedRounds()) this.awaitedRounds.add(r);
      const dropped: Hash32[] = [];
      const senders: Address[] = [];
      for (const v of txs) {
        const added = this.mempool.add(v.tx, v.from);
        if (!added.ok) {
          // A copy already in the pool (journaled twice) is not a loss.
          if (!this.mempool.has(v.tx.hash)) dropped.push(v.tx.hash);
          continue;
        }
        senders.push(v.from);
        if (added.replaced) dropped.push(added.replaced.tx.hash);
        for (const p of added.evicted ?? []) dropped.push(p.tx.hash);
      }
      // The limits and the pre-check apply to them as to any restored tx.
      dropped.push(...this.sweep(senders));
      this.forget(dropped, "dropped after a rewind");
      this.m.metrics?.mempoolSize(this.mempool.size);
      return { txs: txs.length, readmitted: txs.filter((v) => this.mempool.has(v.tx.hash)).length };
    } finally {
      this.commitBarrier = undefined;
      release();
    }
  }

  /**
   * While paused ({@link pauseBuilding}): block `b`, derived from L1, was committed at the head on
   * this sequencer's chain core by its derivation (bridge/derivation follow mode: a default block
   * after a long downtime, or L1's block where this one built another). The head state, the L1
   * origin feed (at the block's origin), the beacon work list and the mempool (the block's txs
   * leave it) follow; listeners hear of the block as of one built here.
   */
  async adopted(b: SequencedBlock, awaitedRounds: readonly bigint[]): Promise<void> {
    if (!this.stopped && !this.paused) throw new Error("Sequencer.adopted: only before start or paused");
    if (!equalBytes(this.m.core.head.hash, b.hash)) throw new Error("Sequencer.adopted: not the core's head");
    this.headState = this.m.core.readState();
    this.l1?.rewind(b.block.header.l1Origin);
    this.awaitedRounds.clear();
    for (const r of awaitedRounds) this.awaitedRounds.add(r);
    // A derived block's commit leaves the pending journal alone: its txs leave it here.
    for (const tx of b.block.txs) this.mempool.remove(tx.hash);
    const stale = this.mempool.prune(b.senders).map((p) => p.tx.hash);
    this.forget(
      [...b.block.txs.map((t) => t.hash), ...stale, ...this.sweep(b.senders)],
      "included by a block adopted from L1, or refused after it",
    );
    this.m.metrics?.mempoolSize(this.mempool.size);
    for (const l of this.listeners) l(b);
  }

  onBlock(listener: (b: SequencedBlock) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Sender's next usable nonce (past its pending txs). */
  pendingNonce(address: Address): bigint {
    return this.mempool.pendingNonce(address);
  }

  /** The state at the head (recreated on every new head; its record cache is per head). */
  state(): StateDb {
    return this.headState;
  }

  // ------------------------------------------------------------------------------------------
  // Admission
  // ------------------------------------------------------------------------------------------

  async submit(raw: Uint8Array): Promise<AdmitResult> {
    if (this.closing) return { ok: false, code: "NOT_ACCEPTING", message: "node is shutting down" };
    const params = this.m.core.params;
    if (raw.length > params.maxTxBytes) {
      return reject(TX_ERROR.TX_TOO_LARGE, `${raw.length} bytes (max ${params.maxTxBytes})`);
    }
    let tx: SignedTx;
    try {
      tx = decodeSignedTx(raw);
    } catch (e) {
      if (e instanceof DecodeError) return reject(TX_ERROR.MALFORMED, e.message);
      throw e;
    }
    const from = await this.m.recovery.recover(tx);
    if (!from) return reject(TX_ERROR.BAD_SIGNATURE, "signature does not recover a sender");
    if (tx.body.chainId !== params.l2ChainId) {
      return reject(TX_ERROR.WRONG_CHAIN_ID, `expected chain id ${params.l2ChainId}, got ${tx.body.chainId}`);
    }
    // Wait out a block commit: the head must not move between the checks and the add.
    while (this.commitBarrier) await this.commitBarrier;
    // The includability check; the sweep and block building run the same one (its context rules).
    const pre = checkIncludable(this.headCtx(), { tx, from });
    if (!pre.ok) return reject(pre.error, pre.detail);
    const added = this.mempool.add(tx, from);
    // An included tx's nonce is below its sender's at the head, so only a nonce refusal can be
    // one: the tx index (a LevelDB read, ~15% of admission when asked for every tx) names it then.
    if (!added.ok && added.code === TX_ERROR.NONCE_TOO_LOW && this.m.store.isIncluded(tx.hash))
      return { ok: false, code: "ALREADY_KNOWN", message: "transaction already included" };
    this.m.metrics?.txAdmitted(added.ok);
    if (!added.ok) return added;
    await this.m.store.addPending(tx);
    if (added.replaced || added.evicted) {
      this.forget(
        [...(added.replaced ? [added.replaced] : []), ...(added.evicted ?? [])].map((p) => p.tx.hash),
        "replaced or evicted",
      );
    }
    this.m.metrics?.mempoolSize(this.mempool.size);
    return { ok: true, hash: tx.hash };
  }

  /** The includability check's context at the head, now (stall-aware: see headCheckContext). */
  private headCtx(): ExecCtx {
    return headCheckContext(this.m.core.params, this.m.core.head.header, this.headState, this.m.now());
  }

  /**
   * After a new head (and on restore): the next tx of each of `senders` (whose nonce moved) now
   * meets the state it will run on, so it meets the includability check as at admission, and
   * leaves the pool if it would certainly fail; queued txs past their TTL leave too. Returns what
   * left.
   */
  private sweep(senders: readonly Address[]): Hash32[] {
    const out: Hash32[] = [];
    const ctx = this.headCtx();
    const seen = new Set<string>();
    for (const from of senders) {
      const key = senderKey(from);
      if (seen.has(key)) continue;
      seen.add(key);
      const p = this.mempool.head(from);
      if (p && !checkIncludable(ctx, { tx: p.tx, from }).ok) {
        this.mempool.remove(p.tx.hash);
        out.push(p.tx.hash);
      }
    }
    for (const p of this.mempool.evictExpired()) out.push(p.tx.hash);
    return out;
  }

  /**
   * Drops txs from the pending journal in the background. A failure is logged, never thrown: the
   * txs are out of the pool already, and a restart re-checks whatever the journal still holds.
   */
  private forget(hashes: readonly Hash32[], why: string): void {
    if (hashes.length === 0) return;
    this.m.store.removePending(hashes).catch((e: unknown) => {
      this.m.log?.error({ err: e, txs: hashes.length, why }, "could not drop txs from the pending journal");
    });
  }

  // ------------------------------------------------------------------------------------------
  // Block production
  // ------------------------------------------------------------------------------------------

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.beaconFeed.start();
    if (this.paused) return; // resumeBuilding starts the rest
    this.startLoop();
  }

  /**
   * Stops building (a running node's rewind, sequencer/lateWatch.ts) until {@link resumeBuilding}:
   * resolves once the block in progress is committed and the L1 origin feed has stopped (a rewind
   * resets it). Admission goes on.
   */
  async pauseBuilding(): Promise<void> {
    this.paused = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.producing;
    await this.l1?.stop();
  }

  /** Builds again after {@link pauseBuilding} (unless stopped meanwhile). */
  resumeBuilding(): void {
    if (!this.paused) return;
    this.paused = false;
    if (!this.stopped) this.startLoop();
  }

  private startLoop(): void {
    this.l1?.start();
    const tick = () => {
      if (this.stopped || this.paused) return;
      const started = Date.now();
      this.producing = this.tryProduceBlock().then(
        () => undefined,
        (e) => this.m.log?.error({ err: e }, "block production failed"),
      );
      void this.producing.then(() => {
        if (this.stopped || this.paused) return;
        const wait = Math.max(0, this.opts.blockTimeMs - (Date.now() - started));
        this.timer = setTimeout(tick, wait);
      });
    };
    this.timer = setTimeout(tick, this.opts.blockTimeMs);
  }

  /** Stops producing; resolves after the block in progress (if any) is committed. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.closing = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.beaconFeed.stop();
    await this.l1?.stop();
    await this.producing;
  }

  /**
   * Rounds in the work list whose time has come by `timestamp` and that the beacon feed already
   * holds. Synchronous: a round not fetched yet waits for a later block, never this one.
   */
  private dueRounds(timestamp: bigint): SystemTx[] {
    const out: SystemTx[] = [];
    const due = [...this.awaitedRounds]
      .filter((r) => roundTimeMs(this.m.core.params.beacon, r) <= timestamp)
      .sort((a, b) => (a < b ? -1 : 1));
    for (const round of due) {
      if (this.headState.getAwaited(round).length === 0) {
        this.awaitedRounds.delete(round); // every waiter was cancelled
        this.beaconFeed.forget(round);
        continue;
      }
      const signature = this.beaconFeed.get(round);
      if (signature) out.push({ kind: "beacon", round, signature });
    }
    return out;
  }

  /**
   * Builds, commits and announces one block. Nothing before the build awaits (no network, no
   * disk): the timestamp is read here, after every wait of the previous block, and the rounds and
   * txs are chosen against it in the same synchronous step, so a tx is never stamped with a time
   * before its admission and a round is never included before its time (PROTOCOL §2).
   */
  async produceBlock(): Promise<SequencedBlock> {
    const b = await this.tryProduceBlock();
    if (b === undefined) throw new Error("no block: the L1 origin is past maxSequencerDrift (see the log)");
    return b;
  }

  /**
   * {@link produceBlock}, or undefined when no block may be built now: following L1, the clock is
   * past the origin's time + maxSequencerDrift and no newer L1 block is known (L1 down).
   */
  async tryProduceBlock(): Promise<SequencedBlock | undefined> {
    const core = this.m.core;
    const parent = core.head.header;
    let now = this.m.now();
    if (now <= parent.timestamp) now = parent.timestamp + 1n;
    let l1Origin: L1Origin = { number: 0n, hash: new Uint8Array(32), timestamp: now / 1000n };
    let l1SystemTxs: SystemTx[] = [];
    let forced: VerifiedTx[] = [];
    if (this.l1 !== undefined) {
      const c = this.l1.choose(parent.timestamp, now);
      if (!c.ok) {
        if (this.stallWarned !== c.reason)
          this.m.log?.warn({ reason: c.reason }, "block production waits for L1");
        this.stallWarned = c.reason;
        return undefined;
      }
      this.stallWarned = "";
      now = c.timestamp;
      l1Origin = c.origin;
      l1SystemTxs = c.l1SystemTxs;
      forced = c.forced;
    }
    const systemTxs = this.dueRounds(now);
    const pending = this.mempool.select(
      this.opts.maxTxsPerBlock,
      core.params.maxBlockBytes,
      now,
      core.params.maxRevealsPerBlock,
    );
    // executeAttributes' order (chain/derive): the origin's deposits and revokes, then the beacon
    // rounds; the origin's forced txs (never put to `admit`), then the mempool's.
    const candidates: VerifiedTx[] = [...forced, ...pending];
    const builder = core.beginBuild({
      timestamp: now,
      l1Origin,
      systemTxs: [...l1SystemTxs, ...systemTxs],
      txs: candidates,
      forcedCount: forced.length,
      admit: checkIncludable, // a tx that would certainly fail is left out, never included
    });
    // The candidates, then the state commit, in slices, handing the thread back between them:
    // admission (HTTP, recovery results, journal writes) goes on during a large block instead of
    // waiting it out. Nothing moves the head meanwhile (pauseBuilding and stop wait for
    // `producing`; `endSteps` checks), and admission only reads the parent's state.
    const sliceMs = this.opts.buildSliceMs ?? BUILD_SLICE_MS;
    let buildMs = 0;
    let until = 0;
    const steps = builder.endSteps(() => performance.now() >= until);
    let built: BuiltBlock;
    for (;;) {
      const s = performance.now();
      until = s + sliceMs;
      const r = steps.next();
      buildMs += performance.now() - s;
      if (r.done) {
        built = r.value;
        break;
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const { senders, forcedIncluded } = sendersOf(built.block.txs, candidates, forced.length);
    const block: SequencedBlock = {
      block: built.block,
      hash: built.hash,
      receipts: built.receipts,
      senders,
      size: built.size,
      encoded: built.encoded,
    };

    let release!: () => void;
    this.commitBarrier = new Promise((r) => {
      release = r;
    });
    try {
      await this.m.store.commitBlock(block, built.ops);
      core.advance({ header: built.block.header, hash: built.hash });
      this.l1?.committed(l1Origin);
      this.forcedCounts.set(built.block.header.number, forcedIncluded);
      this.forcedCounts.delete(built.block.header.number - BigInt(FORCED_COUNT_MEMORY));
      this.headState = core.readState();
      // Txs refused now (nonce gaps after a replacement, limits) stay if they may become valid;
      // those refused for good leave the pool and the journal.
      // Rejections of forced txs (the first `forced.length`) are L1's business, not the pool's.
      const hopeless = built.rejected
        .filter(
          (r) =>
            !r.system &&
            r.index >= forced.length &&
            r.error !== TX_ERROR.NONCE_TOO_HIGH &&
            r.error !== TX_ERROR.BLOCK_REVEAL_LIMIT,
        )
        .map((r) => pending[r.index - forced.length]!.tx.hash);
      for (const h of hopeless) this.mempool.remove(h);
      // Pruned and not in the block: a same-nonce replacement admitted while the block was built
      // (the block's own txs leave the journal in its commit).
      const inBlock = new Set<SignedTx>(built.block.txs);
      const stale: Hash32[] = [];
      for (const p of this.mempool.prune(senders)) if (!inBlock.has(p.tx)) stale.push(p.tx.hash);
      this.forget([...hopeless, ...stale, ...this.sweep(senders)], "refused after admission, or replaced");
      this.trackRounds(block, systemTxs);
    } finally {
      this.commitBarrier = undefined;
      release();
    }
    this.m.metrics?.blockBuilt(buildMs, built.block.txs.length, built.rejected.length);
    this.m.metrics?.mempoolSize(this.mempool.size);
    for (const l of this.listeners) l(block);
    return block;
  }

  /** Keeps the beacon work list: rounds new challenges/commits await, minus rounds included. */
  private trackRounds(b: SequencedBlock, included: SystemTx[]): void {
    for (const s of included) {
      if (s.kind !== "beacon") continue;
      this.awaitedRounds.delete(s.round);
      this.beaconFeed.forget(s.round);
    }
    b.block.txs.forEach((tx, i) => {
      const kind = tx.body.action.kind;
      if (kind !== "challenge" && kind !== "commit") return;
      const receipt = b.receipts[b.block.systemTxs.length + i];
      if (receipt?.status !== "success" || receipt.challengeId === undefined) return;
      const c = this.headState.getChallenge(receipt.challengeId);
      if (!c) return;
      this.awaitedRounds.add(kind === "challenge" ? c.r1 : c.r2!);
    });
    this.beaconFeed.poke();
  }
}

/**
 * The senders of a built block's txs, and how many of them are forced: the block keeps a
 * subsequence of the candidates in their order (ChainCore.build), so one walk pairs them up.
 */
function sendersOf(
  txs: readonly SignedTx[],
  candidates: readonly VerifiedTx[],
  forcedCount: number,
): { senders: Address[]; forcedIncluded: number } {
  const senders: Address[] = [];
  let forcedIncluded = 0;
  let j = 0;
  for (const tx of txs) {
    while (j < candidates.length && candidates[j]!.tx !== tx && !equalBytes(candidates[j]!.tx.hash, tx.hash))
      j++;
    if (j === candidates.length) throw new Error("Sequencer: a built block holds a tx it was not given");
    senders.push(candidates[j]!.from);
    if (j < forcedCount) forcedIncluded++;
    j++;
  }
  return { senders, forcedIncluded };
}

/** An admission refusal; its message goes to the client, so its length is capped. */
function reject(code: TxErrorCode, detail?: string): { ok: false; code: TxErrorCode; message: string } {
  const base = TX_ERROR_MESSAGE[code];
  return { ok: false, code, message: detail ? capMessage(`${base}: ${detail}`) : base };
}
