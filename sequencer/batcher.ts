/**
 * The batcher (PROTOCOL §5 "Batches and derivation"; op-batcher's shape): committed L2 blocks, in
 * order, become batch blocks (`batchBlockOf`), a run of them one channel (`encodeChannel`, closed
 * at `targetBytes` of batch blocks or once its first block is `maxDelayMs` old), split into frames
 * (`splitChannel`), each frame one `BatchInbox.postBatch` tx through the {@link BatchPoster} port
 * (node/ wires bridge/txManager) under the intent id `<channel id>:<frame number>`.
 *
 * Exactly once, across crashes (SIGKILL at any point):
 * - a channel's bytes, then "blocks up to N are handed to channels" and the channel's record, are
 *   written durably (batcherState.ts) BEFORE any of its frames is posted;
 * - after a restart every recorded channel is posted again under the same intent ids: the tx
 *   manager's journal answers those it sent (confirmed: the receipt; in flight: joined) and sends
 *   only those it never journaled. Blocks after N were never handed: they go in new channels.
 * - frames are handed to the tx manager one at a time, each only once the previous one holds its
 *   nonce, so channels land on L1 in order (derivation judges batch blocks in channel order).
 *
 * A graceful stop flushes (`stop`): once the sequencer has stopped building, every block not yet
 * handed goes into final channels at once (due or not), and `stop` waits, at most `flushMs`, until
 * every frame of every channel in flight is in an L1 block. A block posted after a restart instead
 * would land later than maxBatchDelayMs after its time and derivation would drop it (D4).
 *
 * A channel that does not land whole (a frame reverted, or its frames spread over more than
 * channelTimeout L1 blocks so derivation dropped it) is lost: its blocks and every later one are
 * posted again in new channels (the `epoch` in the id keeps them apart from the old frames).
 *
 * Blocks a crash left off L1 past maxBatchDelayMs are rewound at start, before `start`
 * (sequencer/rewind.ts): `rewindAbove` drops the channels above the rewind target, in a new epoch.
 * @module
 */
import { setTimeout as sleep } from "node:timers/promises";
import { bytesToHex, concatAll, u32ToBytes } from "../chain/bytes.ts";
import { batchBlockOf } from "../chain/derive/batchBlockOf.ts";
import { channelIdOf, encodeChannel, splitChannel } from "../chain/derive/channel.ts";
import { encodeBatcherData } from "../chain/derive/frame.ts";
import { keccak256 } from "../chain/hash.ts";
import type { ChainParams } from "../chain/params.ts";
import type { Block, Hash32 } from "../chain/types.ts";
import { type BatchBlock, decodeSignedTx, encodeBatchBlock } from "../chain/wire/index.ts";
import { BatcherState, type BatcherStateData, type ChannelRecord, channelIdHex } from "./batcherState.ts";
import type { BatchPoster, L1View, PostedFrame } from "./ports.ts";

/** Pause after the poster refused a frame, ms. */
const RETRY_AFTER_REFUSAL_MS = 5000n;

export interface BatcherOpts {
  /** Folder of the batcher's state (`<datadir>/batcher`). */
  dir: string;
  /** A channel closes once its first block is this old (ms): well under maxBatchDelayMs. */
  maxDelayMs: number;
  /** A channel closes once its batch blocks reach this many bytes (before compression). */
  targetBytes: number;
  /** Largest frame (overhead included): one postBatch tx's data, less the version byte. */
  maxFrameBytes: number;
  /** Channels posted but not yet landed whole, at most. */
  maxInFlight: number;
  /** How often to look for new blocks, ms. */
  pollMs: number;
  /**
   * On stop, the longest wait (ms) for the final channels' frames to be in L1 blocks; 0: no
   * flush. Waiting past maxBatchDelayMs is pointless: derivation would drop those blocks anyway.
   */
  flushMs: number;
  params: Pick<ChainParams, "channelTimeout" | "maxChannelBytes">;
}

export interface BatcherBlocks {
  headNumber(): bigint;
  get(n: bigint): { block: Block; hash: Hash32 } | undefined;
}

export interface BatcherModules {
  blocks: BatcherBlocks;
  poster: BatchPoster & {
    /** Whether the intent holds its nonce (journaled): the next frame may be handed over. */
    sent(id: string): boolean;
    /** Whether the intent's tx is in an L1 block (any depth): a stop no longer loses it. */
    included(id: string): boolean;
  };
  /** For the forced-tx count of blocks the sequencer no longer remembers. */
  l1: Pick<L1View, "blockEvents">;
  /** The sequencer's memory of forced-tx counts (Sequencer.forcedCountOf). */
  forcedCountOf?: (n: bigint) => number | undefined;
  /** Wall clock, ms. */
  now: () => bigint;
  log?: {
    info(o: object, msg?: string): void;
    warn(o: object, msg?: string): void;
    error(o: object, msg?: string): void;
  };
  metrics?: { posted(p: PostedBatch): void };
  /**
   * Blocks up to `through` are on L1, `numConfirmations` deep (below every channel still in
   * flight): the store may drop their undo records (no rewind goes below them).
   */
  onLanded?: (through: bigint) => void;
  /**
   * A channel's frames are all in L1 blocks (`l1Block`: the last one's), told before its record
   * goes: the running node's rewind (sequencer/lateWatch.ts) judges whether it landed in time,
   * which the record, once gone, no longer says.
   */
  onChannelLanded?: (c: { first: bigint; last: bigint; l1Block: bigint }) => void;
}

/** The last channel seen on L1 in full. */
export interface PostedBatch {
  /** The L1 block of its last frame. */
  l1Block: bigint;
  first: bigint;
  last: bigint;
  /** Calldata bytes of its frames (batcher data, before ABI encoding). */
  bytes: number;
  frames: number;
}

export class Batcher {
  private s: BatcherStateData;
  /** Ends the posting of frames (the last step of {@link stop}). */
  private abort = new AbortController();
  /** Ends the polling loop (the first step of {@link stop}); frames in flight go on. */
  private readonly loopAbort = new AbortController();
  private loop: Promise<void> | undefined;
  /** Frames are handed to the poster one at a time, in channel order. */
  private submitting: Promise<void> = Promise.resolve();
  private readonly landing = new Set<Promise<void>>();
  private lastPostedNow: PostedBatch | undefined;
  /** Serialises state writes. */
  private writing: Promise<void> = Promise.resolve();
  /** After a frame the poster refused (no funds, a reverting call): no new channel before this (ms). */
  private pauseUntil = 0n;
  /** Holds ({@link hold}) in force: no new channel is handed over while positive. */
  private held = 0;
  /** The loop's round in progress ({@link hold} waits for it). */
  private ticking: Promise<void> = Promise.resolve();

  private constructor(
    readonly opts: BatcherOpts,
    private readonly m: BatcherModules,
    private readonly store: BatcherState,
    state: BatcherStateData,
  ) {
    this.s = state;
  }

  /** Opens (or creates) the state in `opts.dir`. Throws on a state file that is not valid. */
  static async open(opts: BatcherOpts, m: BatcherModules): Promise<Batcher> {
    const store = await BatcherState.open(opts.dir);
    const s = (await store.load()) ?? { handedThrough: 0n, epoch: 0, channels: [] };
    await store.prune(s.channels);
    return new Batcher(opts, m, store, s);
  }

  /** The last L2 block handed to a channel. */
  get handedThrough(): bigint {
    return this.s.handedThrough;
  }

  /** The last channel seen on L1 in full (since start). */
  get lastPosted(): PostedBatch | undefined {
    return this.lastPostedNow;
  }

  /** Channels handed over and not yet landed whole. */
  get inFlight(): number {
    return this.s.channels.length;
  }

  /** The recorded channels (handed over, not yet seen landed whole), oldest first. */
  get channels(): readonly ChannelRecord[] {
    return this.s.channels;
  }

  /**
   * Takes back every channel reaching above block `n` and lowers the mark to `n` at most, before
   * {@link start} or under a {@link hold}: the sequencer rewound the blocks above `n`
   * (sequencer/rewind.ts, lateWatch.ts), so new blocks of those numbers go in new channels. A new
   * epoch gives them new ids: frames of the dropped channels the L1 still mines (the tx manager
   * drives what it journaled) never join them, and their frames not yet handed over never go.
   */
  async rewindAbove(n: bigint): Promise<void> {
    if (this.loop && this.held === 0) throw new Error("Batcher.rewindAbove: only before start or under hold");
    const gone = this.s.channels.filter((c) => c.last > n);
    if (gone.length === 0 && this.s.handedThrough <= n) return;
    await this.persist(() => {
      this.s.epoch++;
      this.s.channels = this.s.channels.filter((c) => c.last <= n);
      let mark = this.s.handedThrough < n ? this.s.handedThrough : n;
      for (const c of gone) if (c.first - 1n < mark) mark = c.first - 1n;
      this.s.handedThrough = mark;
    });
    for (const c of gone) await this.store.dropChannel(c.id);
  }

  /**
   * Blocks up to `n` are on L1 already (the sequencer adopted them from derivation: default
   * blocks, or L1's version of a block): they are never handed over. Before {@link start} or
   * under a {@link hold}.
   */
  async skipThrough(n: bigint): Promise<void> {
    if (this.loop && this.held === 0) throw new Error("Batcher.skipThrough: only before start or under hold");
    if (this.s.handedThrough >= n) return;
    await this.persist(() => {
      this.s.handedThrough = n;
    });
  }

  /**
   * Stops handing new channels over until {@link release} (frames in flight go on); resolves once
   * the round in progress and its state writes are done, so the mark and the records hold still.
   */
  async hold(): Promise<void> {
    this.held++;
    await this.ticking;
    await this.writing;
  }

  release(): void {
    if (this.held > 0) this.held--;
  }

  /** Re-posts the recorded channels (same intents), then posts new blocks until {@link stop}. */
  start(): void {
    if (this.loop) return;
    const signal = this.loopAbort.signal;
    this.loop = (async () => {
      const epoch = this.s.epoch;
      for (const rec of this.s.channels) {
        try {
          this.submit(rec, await this.store.loadChannel(rec.id), epoch);
        } catch (e) {
          this.m.log?.error(
            { err: e, channel: rec.id },
            "batcher: channel file unreadable; re-posting its blocks",
          );
          await this.rewind(rec);
          break;
        }
      }
      while (!signal.aborted) {
        this.ticking = this.tick().catch((e: unknown) => {
          if (!signal.aborted) this.m.log?.error({ err: e }, "batcher: round failed");
        });
        await this.ticking;
        await sleep(this.opts.pollMs, undefined, { signal }).catch(() => {});
      }
    })();
  }

  /**
   * Stops, after a flush (`flushMs` > 0): every block not yet handed goes into final channels,
   * and the frames get up to `flushMs` to be in L1 blocks. Call it once the sequencer has stopped
   * building (a later block would miss the flush). Intents still unsent then stay with the tx
   * manager's journal and the channel records: a restart posts them again.
   * @returns whether every block up to the head is in a channel whose frames are all on L1.
   */
  async stop(): Promise<boolean> {
    this.loopAbort.abort();
    await this.loop;
    let flushed = false;
    if (this.opts.flushMs > 0 && this.loop !== undefined && !this.abort.signal.aborted) {
      try {
        flushed = await this.flush(this.m.now() + BigInt(this.opts.flushMs));
      } catch (e) {
        this.m.log?.error({ err: e }, "batcher: flush failed");
      }
      if (!flushed)
        this.m.log?.warn(
          { handedThrough: String(this.s.handedThrough), inFlight: this.s.channels.length },
          "batcher: stopped before every block was on L1; a restart posts the rest (late blocks are dropped by derivation)",
        );
    }
    this.abort.abort();
    await this.submitting;
    await Promise.allSettled([...this.landing]);
    await this.writing;
    return flushed;
  }

  /**
   * Hands every block not yet handed to channels (due or not), then waits until
   * every frame of every recorded channel is in an L1 block, or `deadline` (ms). A channel lost
   * meanwhile (a frame reverted) rewinds `handedThrough`: its blocks are handed again.
   */
  private async flush(deadline: bigint): Promise<boolean> {
    for (;;) {
      // A refused frame (no funds, a reverting call) would be refused again: give up at once.
      if (this.m.now() < this.pauseUntil) return false;
      // maxInFlight still bounds the channels (and files) at once: a longer backlog waits for slots.
      while (this.s.channels.length < this.opts.maxInFlight && (await this.handOver(true)));
      await this.writing;
      if (this.allIncluded() && this.s.handedThrough >= this.m.blocks.headNumber()) return true;
      if (this.m.now() >= deadline) return false;
      await sleep(Math.min(this.opts.pollMs, 50));
    }
  }

  /** Whether every frame of every channel in flight is in an L1 block. */
  private allIncluded(): boolean {
    return this.s.channels.every((c) => {
      for (let k = 0; k < c.frames; k++) if (!this.m.poster.included(`${c.id}:${k}`)) return false;
      return true;
    });
  }

  /** One round: closes and hands over every channel that is due. Exposed for tests. */
  async tick(): Promise<void> {
    if (this.m.now() < this.pauseUntil || this.held > 0) return;
    while (!this.abort.signal.aborted && this.s.channels.length < this.opts.maxInFlight) {
      if (!(await this.handOver(false))) return;
    }
  }

  /** Closes the next run of blocks into a channel (`force`: due or not) and hands it over. */
  private async handOver(force: boolean): Promise<boolean> {
    const run = await this.nextRun(force);
    if (run === undefined) return false;
    const first = run[0]!;
    const last = run.at(-1)!;
    const channel = encodeChannel(run.map((r) => r.batch));
    const epoch = this.s.epoch;
    const rec: ChannelRecord = {
      id: channelIdHex(channelIdFor(first.hash, last.hash, epoch)),
      first: first.number,
      last: last.number,
      frames: 0,
      maxFrameBytes: this.opts.maxFrameBytes,
    };
    rec.frames = splitChannel(hexId(rec.id), channel, rec.maxFrameBytes).length;
    // Durable before any frame leaves: the channel's bytes, then the record and the new mark.
    await this.store.saveChannel(rec.id, channel);
    await this.persist(() => {
      this.s.channels.push(rec);
      this.s.handedThrough = rec.last;
    });
    this.submit(rec, channel, epoch);
    return true;
  }

  /**
   * The next run of blocks if a channel is due (target size reached, or the first block old
   * enough) or `force`d.
   */
  private async nextRun(
    force: boolean,
  ): Promise<Array<{ number: bigint; hash: Hash32; batch: BatchBlock; timestamp: bigint }> | undefined> {
    const head = this.m.blocks.headNumber();
    const out: Array<{ number: bigint; hash: Hash32; batch: BatchBlock; timestamp: bigint }> = [];
    // Decompressed channel ≤ maxChannelBytes (D3): keep a margin for the Batch's own framing.
    const cap = Math.min(this.opts.targetBytes, Math.floor(this.opts.params.maxChannelBytes / 2));
    let bytes = 0;
    for (let n = this.s.handedThrough + 1n; n <= head && bytes < this.opts.targetBytes; n++) {
      const b = this.m.blocks.get(n);
      if (b === undefined) break;
      const batch = batchBlockOf(b.block, await this.forcedCount(n, b.block));
      const size = encodeBatchBlock(batch).length + 8;
      if (out.length > 0 && bytes + size > cap) break;
      bytes += size;
      out.push({ number: n, hash: b.hash, batch, timestamp: b.block.header.timestamp });
    }
    if (out.length === 0) return undefined;
    const due =
      force ||
      bytes >= this.opts.targetBytes ||
      out.at(-1)!.number < head || // the cap closed it with blocks left over
      this.m.now() - out[0]!.timestamp >= BigInt(this.opts.maxDelayMs);
    return due ? out : undefined;
  }

  /**
   * How many of the block's first txs are its origin's forced txs (batchBlockOf): the sequencer's
   * memory, else counted against the origin's forced txs read from L1 (the first block of an
   * origin only; forced txs are included first, D7).
   */
  async forcedCount(n: bigint, block: Block): Promise<number> {
    const known = this.m.forcedCountOf?.(n);
    if (known !== undefined) return known;
    if (block.txs.length === 0) return 0;
    const parent = this.m.blocks.get(n - 1n);
    if (parent === undefined || parent.block.header.l1Origin.number === block.header.l1Origin.number)
      return 0;
    const l1 = await this.m.l1.blockEvents(block.header.l1Origin.number);
    const forced = new Set<string>();
    for (const e of l1.events) {
      if (e.kind !== "forced") continue;
      try {
        forced.add(bytesToHex(decodeSignedTx(e.tx).hash));
      } catch {
        // malformed: never included
      }
    }
    let count = 0;
    while (count < block.txs.length && forced.has(bytesToHex(block.txs[count]!.hash))) count++;
    return count;
  }

  /** Hands the channel's frames to the poster in order (each once the previous holds its nonce). */
  private submit(rec: ChannelRecord, channel: Uint8Array, epoch: number): void {
    const signal = this.abort.signal;
    const frames = splitChannel(hexId(rec.id), channel, rec.maxFrameBytes);
    const posts: Array<Promise<PostedFrame>> = [];
    let handed!: () => void;
    const allHanded = new Promise<void>((r) => {
      handed = r;
    });
    this.submitting = this.submitting.then(async () => {
      try {
        for (const f of frames) {
          // A channel a rewind dropped: its frames not handed yet never go.
          if (signal.aborted || epoch !== this.s.epoch) break;
          const id = `${rec.id}:${f.number}`;
          const p = this.m.poster.post(id, encodeBatcherData([f]), signal);
          posts.push(p);
          let settled = false;
          p.then(
            () => {
              settled = true;
            },
            () => {
              settled = true;
            },
          );
          while (!settled && !this.m.poster.sent(id) && !signal.aborted) await sleep(5);
        }
      } finally {
        handed();
      }
    });
    const landed = allHanded
      .then(() => Promise.all(posts))
      .then(
        (r) => this.landed(rec, frames.length, r, channel.length, epoch),
        (e: unknown) => {
          if (signal.aborted) return;
          this.m.log?.error({ err: e, channel: rec.id }, "batcher: a frame could not be posted");
          // A refusal (no funds, a reverting call) repeats at once: wait before trying again.
          this.pauseUntil = this.m.now() + RETRY_AFTER_REFUSAL_MS;
          return this.lost(rec, epoch, "a frame could not be posted");
        },
      )
      .catch((e: unknown) => this.m.log?.error({ err: e }, "batcher: state write failed"));
    this.landing.add(landed);
    void landed.finally(() => this.landing.delete(landed));
  }

  private async landed(
    rec: ChannelRecord,
    frameCount: number,
    r: PostedFrame[],
    bytes: number,
    epoch: number,
  ): Promise<void> {
    if (epoch !== this.s.epoch) return; // re-posted already
    if (r.some((f) => !f.success)) return this.lost(rec, epoch, "a frame reverted");
    let lo = r[0]!.l1Block;
    let hi = lo;
    for (const f of r) {
      if (f.l1Block < lo) lo = f.l1Block;
      if (f.l1Block > hi) hi = f.l1Block;
    }
    // D2: a channel still incomplete channelTimeout blocks after its first frame is dropped.
    if (hi > lo + this.opts.params.channelTimeout)
      return this.lost(rec, epoch, `frames spread over L1 blocks ${lo}..${hi} (channel timed out)`);
    this.m.onChannelLanded?.({ first: rec.first, last: rec.last, l1Block: hi });
    let through = 0n;
    await this.persist(() => {
      this.s.channels = this.s.channels.filter((c) => c.id !== rec.id);
      // Channels land in order, but a later one may be seen first: only below the oldest left.
      const oldest = this.s.channels[0];
      through =
        oldest !== undefined && oldest.first - 1n < this.s.handedThrough
          ? oldest.first - 1n
          : this.s.handedThrough;
      if (rec.last < through) through = rec.last;
    });
    await this.store.dropChannel(rec.id);
    this.m.onLanded?.(through);
    const p: PostedBatch = {
      l1Block: hi,
      first: rec.first,
      last: rec.last,
      bytes: bytes + frameCount * 24,
      frames: frameCount,
    };
    if (this.lastPostedNow === undefined || p.last > this.lastPostedNow.last) this.lastPostedNow = p;
    this.m.metrics?.posted(p);
    this.m.log?.info(
      {
        l1Block: String(hi),
        l2First: String(rec.first),
        l2Last: String(rec.last),
        bytes: p.bytes,
        frames: frameCount,
      },
      "batch posted",
    );
  }

  /** A channel that will never derive: its blocks and every later one go out again in new channels. */
  private async lost(rec: ChannelRecord, epoch: number, why: string): Promise<void> {
    if (epoch !== this.s.epoch) return;
    this.m.log?.warn(
      { channel: rec.id, l2First: String(rec.first), l2Last: String(rec.last), why },
      "batcher: channel lost, re-posting",
    );
    await this.rewind(rec);
  }

  private async rewind(rec: ChannelRecord): Promise<void> {
    let dropped: ChannelRecord[] = [];
    await this.persist(() => {
      dropped = this.s.channels;
      this.s.epoch++;
      this.s.channels = [];
      if (rec.first - 1n < this.s.handedThrough) this.s.handedThrough = rec.first - 1n;
    });
    for (const c of dropped) await this.store.dropChannel(c.id);
  }

  private persist(change: () => void): Promise<void> {
    const next = this.writing.then(async () => {
      change();
      await this.store.save(this.s);
    });
    this.writing = next.catch(() => {});
    return next;
  }
}

/**
 * How old a channel's first block may get before the channel closes (ms): `maxDelayMs`, but at
 * most its deadline (maxBatchDelayMs, D4) less two L1 block times (one to be sent and wait for the
 * next L1 block, one for that block) and half of one of margin (the batcher's poll, a frame waiting
 * for the previous one's nonce): a channel closed later lands late even on an idle L1.
 */
export function closeAfterMs(
  maxDelayMs: number,
  p: Pick<ChainParams, "maxBatchDelayMs" | "l1BlockTimeMs">,
): number {
  const latest = p.maxBatchDelayMs - 2n * p.l1BlockTimeMs - p.l1BlockTimeMs / 2n;
  return Math.max(0, Math.min(maxDelayMs, Number(latest)));
}

/**
 * The channel id of blocks first..last in epoch `epoch`: chain/derive's `channelIdOf` (epoch 0),
 * or of keccak256(first ‖ u32 epoch) after a re-post, so new frames never join an old channel.
 */
function channelIdFor(first: Hash32, last: Hash32, epoch: number): Uint8Array {
  if (epoch === 0) return channelIdOf(first, last);
  return channelIdOf(keccak256(concatAll([first, u32ToBytes(epoch)])), last);
}

function hexId(id: string): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = Number.parseInt(id.slice(2 + 2 * i, 4 + 2 * i), 16);
  return out;
}
