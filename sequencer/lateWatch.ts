/**
 * The running sequencer's rewind (PROTOCOL §5 "Sequencer obligations", D4): under L1 congestion a
 * channel may land in an L1 block later than its first block's time + maxBatchDelayMs while the
 * node runs. Derivation drops it, and every later batch (wrong parent); a sequencer that kept its
 * chain would fork from every verifier for good. The watch polls, with the rule of the rewind at
 * start ({@link rewindTarget}): the first block u not known to have landed in time is lost once a
 * frame of its channel landed later than its deadline, or L1's time passed its deadline with u not
 * landed (either makes L1's latest time pass it). Then it pauses the build loop and the batcher,
 * rewinds to u − 1 (the store, the sequencer, the batcher's channels: the same path as at start),
 * and resumes: new blocks carry fresh times, so their batches land in time.
 *
 * The batcher forgets a channel once all its frames are in L1 blocks, in time or not: the watch is
 * told first (`channelLanded`) and keeps it until it has judged the landing time; until then the
 * channel's undo records are kept too (`landedThrough` prunes only below the blocks not judged),
 * so a late channel can still be taken back.
 * @module
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { BlockHeader, L1Origin } from "../chain/types.ts";
import {
  type ChannelLanding,
  type RewindAtStartModules,
  type RewindableBatcher,
  type RewindStore,
  rewindTarget,
} from "./rewind.ts";

/** A channel whose frames are all in L1 blocks (`l1Block`: the last one's), as the batcher says. */
interface LandedChannel {
  first: bigint;
  last: bigint;
  l1Block: bigint;
}

/** Channels landed and not yet judged, at most (the batcher keeps at most maxInFlight in flight). */
const MAX_UNJUDGED = 1024;

interface LostInputs {
  head: bigint;
  handedThrough: bigint;
  /** The batcher's recorded channels, with where their frames are. */
  recorded: readonly ChannelLanding[];
  /** Channels the batcher saw land, with their inclusion block's time (undefined: not read yet). */
  landed: ReadonlyArray<{ first: bigint; last: bigint; atMs: bigint | undefined }>;
  blockTimeMs(n: bigint): bigint;
  l1TimeMs: bigint;
  maxBatchDelayMs: bigint;
}

/**
 * The block to rewind to while running, or undefined: {@link rewindTarget} over the recorded
 * channels and the landed ones (a landed channel whose time is unknown counts as not landed).
 */
export function lostFrom(i: LostInputs): bigint | undefined {
  return rewindTarget({
    head: i.head,
    handedThrough: i.handedThrough,
    channels: [...i.recorded, ...i.landed.map((c) => ({ first: c.first, last: c.last, landedAtMs: c.atMs }))],
    blockTimeMs: i.blockTimeMs,
    l1TimeMs: i.l1TimeMs,
    maxBatchDelayMs: i.maxBatchDelayMs,
  });
}

export interface LateWatchModules {
  store: RewindStore & { pruneUndo(through: bigint): Promise<void> };
  sequencer: RewindAtStartModules["sequencer"] & { pauseBuilding(): Promise<void>; resumeBuilding(): void };
  batcher: RewindableBatcher & { hold(): Promise<void>; release(): void };
  /** L1's latest block time, ms (undefined: no block). */
  l1TimeMs(): Promise<bigint | undefined>;
  /** An L1 block's time, ms (undefined: not there). */
  l1BlockTimeMs(n: bigint): Promise<bigint | undefined>;
  landings: RewindAtStartModules["landings"];
  originOf(header: BlockHeader): Promise<L1Origin>;
  maxBatchDelayMs: bigint;
  pollMs: number;
  log?: RewindAtStartModules["log"];
  /** Counts the rewinds (flops_sequencer_rewinds_total). */
  onRewind?: () => void;
  /**
   * Runs `fn` with building paused and the batcher held, one caller at a time: shared with the
   * sequencer's derivation (node/sequencerL1.ts), which rewinds and adopts under the same lock.
   * Absent: the watch pauses and holds by itself.
   */
  exclusive?: <T>(fn: () => Promise<T>) => Promise<T>;
  /**
   * The highest block whose undo record may go (derivation's safe cursor: it reads older states
   * through them); absent: no cap.
   */
  pruneCap?: () => bigint;
  /**
   * The highest block the sequencer's derivation confirmed from L1 (its safe cursor): those blocks
   * and their channels landed in time whatever this watch has seen of their receipts, so only
   * channels after it are judged. Absent: 0.
   */
  derivedThrough?: () => bigint;
}

export class LateWatch {
  private readonly unjudged: Array<LandedChannel & { atMs: bigint | undefined }> = [];
  /** The batcher's landed mark (undo records below it may go once judged). */
  private landedMark = -1n;
  private pruned = -1n;
  /** A rewind that cannot be done (no undo records): said once, not retried. */
  private stuckAt: bigint | undefined;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(private readonly m: LateWatchModules) {}

  /** The batcher's onChannelLanded. */
  channelLanded(c: LandedChannel): void {
    if (this.unjudged.length >= MAX_UNJUDGED) this.unjudged.shift();
    this.unjudged.push({ ...c, atMs: undefined });
  }

  /** The batcher's onLanded: undo records up to `through` may go once their channels are judged. */
  landedThrough(through: bigint): void {
    if (through > this.landedMark) this.landedMark = through;
  }

  start(): void {
    if (this.loop) return;
    const signal = this.abort.signal;
    this.loop = (async () => {
      while (!signal.aborted) {
        await sleep(this.m.pollMs, undefined, { signal }).catch(() => {});
        if (signal.aborted) break;
        try {
          await this.check();
        } catch (e) {
          if (!signal.aborted) this.m.log?.error({ err: e }, "sequencer: late-batch check failed");
        }
      }
    })();
  }

  /** Ends the loop; resolves after a rewind in progress. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  /**
   * The sequencer was rewound to block `n` by another path (its derivation, under the shared
   * lock): landings of the blocks above it are no longer this watch's to judge.
   */
  rewoundTo(n: bigint): void {
    for (let i = this.unjudged.length - 1; i >= 0; i--)
      if (this.unjudged[i]!.last > n) this.unjudged.splice(i, 1);
    if (this.landedMark > n) this.landedMark = n;
  }

  /** One round: judges the landed channels, rewinds if a block is lost, prunes undo records. */
  async check(): Promise<{ from: bigint; to: bigint; txs: number; readmitted: number } | undefined> {
    for (const c of this.unjudged) if (c.atMs === undefined) c.atMs = await this.m.l1BlockTimeMs(c.l1Block);
    const n = await this.target();
    if (n === undefined) {
      this.judged();
      return undefined;
    }
    if (this.stuckAt === n) return undefined;
    // Blocks were built, and channels handed, while pausing: judge again, at rest.
    const atRest = async () => {
      const again = await this.target();
      return again === undefined ? undefined : await this.rewind(again);
    };
    if (this.m.exclusive) return this.m.exclusive(atRest);
    await this.m.sequencer.pauseBuilding();
    try {
      await this.m.batcher.hold();
      try {
        return await atRest();
      } finally {
        this.m.batcher.release();
      }
    } finally {
      this.m.sequencer.resumeBuilding();
    }
  }

  private async target(): Promise<bigint | undefined> {
    const head = this.m.store.head();
    const l1TimeMs = await this.m.l1TimeMs();
    if (head === undefined || l1TimeMs === undefined) return undefined;
    const floor = this.m.derivedThrough?.() ?? 0n;
    const recorded = await this.m.landings(this.m.batcher.channels.filter((c) => c.first > floor));
    return lostFrom({
      head: head.header.number,
      handedThrough: this.m.batcher.handedThrough,
      recorded,
      landed: this.unjudged.filter((c) => c.first > floor),
      blockTimeMs: (k) => {
        const b = this.m.store.getBlock(k);
        if (b === undefined) throw new Error(`rewind: no stored block ${k}`);
        return b.block.header.timestamp;
      },
      l1TimeMs,
      maxBatchDelayMs: this.m.maxBatchDelayMs,
    });
  }

  private async rewind(
    n: bigint,
  ): Promise<{ from: bigint; to: bigint; txs: number; readmitted: number } | undefined> {
    const h = this.m.store.head()!.header.number;
    if (!this.m.store.hasUndo(n + 1n)) {
      this.stuckAt = n;
      this.m.log?.error(
        { from: String(n + 1n), to: String(h) },
        "sequencer: blocks derivation will drop have no undo records: cannot rewind them; this chain forks from its verifiers",
      );
      return undefined;
    }
    const origin = await this.m.originOf(this.m.store.getBlock(n)!.block.header);
    const r = await this.m.sequencer.rewindTo(n, {
      store: this.m.store,
      forcedCount: (k, b) => this.m.batcher.forcedCount(k, b),
      origin,
    });
    await this.m.batcher.rewindAbove(n);
    this.rewoundTo(n);
    this.m.onRewind?.();
    this.m.log?.warn(
      { from: String(n + 1n), to: String(h), txs: r.txs, readmitted: r.readmitted },
      "sequencer: rewound blocks whose batch missed maxBatchDelayMs while running (derivation drops them); their txs are back in the mempool",
    );
    return { from: n + 1n, to: h, ...r };
  }

  /** Forgets the channels judged in time; prunes undo records below the first not judged. */
  private judged(): void {
    for (let i = this.unjudged.length - 1; i >= 0; i--) {
      const c = this.unjudged[i]!;
      const first = this.m.store.getBlock(c.first);
      // A block no longer stored cannot be rewound: nothing to judge.
      if (
        first === undefined ||
        (c.atMs !== undefined && c.atMs <= first.block.header.timestamp + this.m.maxBatchDelayMs)
      )
        this.unjudged.splice(i, 1);
    }
    let through = this.landedMark;
    for (const c of this.unjudged) if (c.first - 1n < through) through = c.first - 1n;
    const cap = this.m.pruneCap?.();
    if (cap !== undefined && cap < through) through = cap;
    if (through <= this.pruned) return;
    this.pruned = through;
    this.m.store
      .pruneUndo(through)
      .catch((err: unknown) => this.m.log?.warn({ err }, "could not prune undo records"));
  }
}
