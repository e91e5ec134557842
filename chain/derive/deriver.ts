/**
 * The derivation pipeline (PROTOCOL §5 rules D0–D8): L1 blocks in, the attributes of each next
 * L2 block out. Pure and synchronous: no clock, no I/O. The caller (a verifier node, or the
 * sequencer checking itself) feeds L1 blocks in order with {@link Deriver.addL1Block}, asks for
 * the next block with {@link Deriver.next}, executes it (executeAttributes.ts) and reports the
 * resulting block with {@link Deriver.advance}. A reorg (D0) is reported, never repaired here:
 * the caller builds a new Deriver from a safe point (see PROTOCOL §5 "Resets").
 *
 * Determinism: L1 blocks are processed one at a time, in order. For each, its batches are judged
 * first (D4), then the window rule (D8) may fill gaps; only then does the next L1 block count. The
 * result depends on the L1 data only, never on how the caller interleaves feeding and draining.
 * @module
 */
import { equalBytes } from "../bytes.ts";
import type { Result } from "../errors.ts";
import type { ChainParams } from "../params.ts";
import { type BatchBlock, decodeBatchBlock } from "../wire/index.ts";
import {
  type BlockAttributes,
  epochInputs,
  type L1BlockInput,
  type L1BlockRef,
  type PortalEvent,
} from "./attributes.ts";
import {
  type BatchDropReason,
  checkBatchBlock,
  defaultBlockTime,
  pastDrift,
  type SafeHead,
  windowClosed,
} from "./batchRules.ts";
import { type ChannelDropReason, decodeChannel } from "./channel.ts";
import { type BankDrop, ChannelBank, MAX_OPEN_CHANNELS, type OpenChannelRef } from "./channelBank.ts";
import { type FrameDropReason, parseBatcherData } from "./frame.ts";

export type DeriverParams = Pick<
  ChainParams,
  "maxBatchDelayMs" | "maxSequencerDriftMs" | "sequencingWindow" | "channelTimeout" | "maxChannelBytes"
>;

/** Something derivation dropped, for the log: every malformed input ends here, never in a throw. */
export type DeriveDrop =
  | { stage: "batcher tx"; l1Block: bigint; tx: number; reason: FrameDropReason }
  | ({ stage: "frame"; l1Block: bigint } & BankDrop)
  | { stage: "channel"; l1Block: bigint; channelId: string; reason: ChannelDropReason }
  | { stage: "batch"; l1Block: bigint; channelId: string; index: number; reason: BatchDropReason };

/** Why an L1 block cannot be appended (D0): the caller resets derivation. */
export type L1LinkError =
  | "not the next block"
  | "parent hash mismatch"
  | "timestamp not increasing"
  | "safe origin not on this chain";

/**
 * Where a restarted Deriver picks up (PROTOCOL §5 "Resets"): the safe head given to it is the
 * last block derived before L1 block `at` was judged, and `channels` the channel bank at that
 * moment ({@link Deriver.channelsBefore}). The L1 blocks before `at` are fed again from
 * `min(safe origin, oldest openedAt)` only to rebuild those channels and the origins' events:
 * their batches were judged before the restart and are never judged again.
 */
export interface DeriverResume {
  at: { number: bigint; hash: Uint8Array };
  channels: readonly OpenChannelRef[];
}

export type NextStep = { kind: "block"; attrs: BlockAttributes } | { kind: "wait" };

interface Element {
  channelId: string;
  index: number;
  bytes: Uint8Array;
}

interface SeenL1 {
  ref: L1BlockRef;
  events: readonly PortalEvent[];
  /** Batch blocks completed in this block, in order, not yet judged. */
  elements: Element[];
  /** The channel bank before this block's frames: a restart here rebuilds it ({@link DeriverResume}). Undefined: a replayed block. */
  channelsBefore: readonly OpenChannelRef[] | undefined;
}

export class Deriver {
  private safeHead: SafeHead;
  private readonly bank: ChannelBank;
  /** L1 blocks fed, from the safe head's origin on (older ones are pruned as the head advances). */
  private readonly l1 = new Map<bigint, SeenL1>();
  /** Last L1 block fed. */
  private tip: L1BlockRef | undefined;
  /** The L1 block being processed (its elements judged, then the window rule); undefined: none yet. */
  private cursor: bigint | undefined;
  /** Attributes handed out by next() and not yet advanced past. */
  private pending: BlockAttributes | undefined;
  /**
   * The L1 block that decided the last block, when that was a default block (D8): at that L1
   * block, default blocks go on through every origin older than maxSequencerDrift (D8's catch-up).
   * Re-derived after a resume, which judges the head's deciding L1 block again from its start.
   */
  private defaultsAt: bigint | undefined;
  private drops: DeriveDrop[] = [];

  /**
   * Starts at `safe` (the genesis block with the L1 block before the contracts' deployment as its
   * origin, or any derived block with its origin). Throws if `safe` breaks the drift rule, which
   * only a wrong start (genesis time far after its origin) can.
   */
  constructor(
    private readonly params: DeriverParams,
    safe: SafeHead,
    private readonly resume?: DeriverResume,
  ) {
    if (safe.timestamp > safe.origin.timestamp * 1000n + params.maxSequencerDriftMs)
      throw new RangeError(
        `Deriver: safe head time ${safe.timestamp} is past its origin's time + maxSequencerDriftMs; start from an origin at most ${params.maxSequencerDriftMs} ms before it`,
      );
    this.safeHead = safe;
    this.bank = new ChannelBank({
      channelTimeout: params.channelTimeout,
      maxChannelBytes: params.maxChannelBytes,
    });
    if (resume !== undefined) {
      if (resume.at.number <= safe.origin.number)
        throw new RangeError("Deriver: resume.at must be after the safe head's origin");
      if (resume.channels.length > MAX_OPEN_CHANNELS)
        throw new RangeError("Deriver: too many resume channels");
      for (const c of resume.channels)
        if (c.openedAt >= resume.at.number || c.openedAt + params.channelTimeout < resume.at.number - 1n)
          throw new RangeError(
            `Deriver: resume channel ${c.id} cannot be open before L1 block ${resume.at.number}`,
          );
      this.bank.restore(resume.channels);
    }
  }

  /** The first L1 block to feed: the safe origin, or the oldest channel to rebuild if older. */
  get firstL1(): bigint {
    let first = this.safeHead.origin.number;
    for (const c of this.resume?.channels ?? []) if (c.openedAt < first) first = c.openedAt;
    return first;
  }

  /**
   * The channel bank before fed L1 block `l1Number` (still kept: the deciding block of the
   * attributes handed out, or later), for the caller to store with the blocks it decides.
   */
  channelsBefore(l1Number: bigint): readonly OpenChannelRef[] {
    const seen = this.l1.get(l1Number)?.channelsBefore;
    // A replayed block never decides a block (PROTOCOL §5 "Resets"): asking for one is a bug.
    if (seen === undefined)
      throw new Error(`Deriver.channelsBefore: L1 block ${l1Number} is not kept or was replayed`);
    return seen;
  }

  get safe(): SafeHead {
    return this.safeHead;
  }

  /** The last L1 block fed. */
  get l1Tip(): L1BlockRef | undefined {
    return this.tip;
  }

  /** Drops since the last call (for logs and metrics). */
  takeDrops(): DeriveDrop[] {
    const d = this.drops;
    this.drops = [];
    return d;
  }

  /**
   * D0–D3: appends the next L1 block. The first block fed may be any block up to the safe head's
   * origin + 1, or, on a resume, up to {@link firstL1} (blocks before `resume.at` only rebuild
   * the stored channels); each later one must be the next block, child of the last (else a reorg: nothing
   * changes and the caller resets). Frames go to the channel bank; complete channels are queued for
   * D4. Malformed data is dropped (see takeDrops), never thrown.
   */
  addL1Block(input: L1BlockInput): Result<null, L1LinkError> {
    const b = input.block;
    const origin = this.safeHead.origin;
    if (b.number === origin.number && !equalBytes(b.hash, origin.hash))
      return { ok: false, error: "safe origin not on this chain" };
    const resume = this.resume;
    if (resume !== undefined && b.number === resume.at.number && !equalBytes(b.hash, resume.at.hash))
      return { ok: false, error: "safe origin not on this chain" };
    if (this.tip === undefined) {
      // A resume must see every frame of the channels it rebuilds.
      if (b.number > (resume === undefined ? origin.number + 1n : this.firstL1))
        return { ok: false, error: "not the next block" };
      if (b.number === origin.number + 1n && !equalBytes(b.parentHash, origin.hash))
        return { ok: false, error: "safe origin not on this chain" };
    } else {
      if (b.number !== this.tip.number + 1n) return { ok: false, error: "not the next block" };
      if (!equalBytes(b.parentHash, this.tip.hash)) return { ok: false, error: "parent hash mismatch" };
      // Ethereum's rule; the drift argument of D8 relies on it.
      if (b.timestamp <= this.tip.timestamp) return { ok: false, error: "timestamp not increasing" };
    }
    if (b.number === origin.number + 1n && b.timestamp <= origin.timestamp)
      return { ok: false, error: "timestamp not increasing" };
    this.tip = b;
    // Judged before the restart: only the channels still open at `resume.at` are rebuilt (and
    // the block's events kept); nothing is judged or logged again.
    const replay = resume !== undefined && b.number < resume.at.number;
    const seen: SeenL1 = {
      ref: b,
      events: input.events,
      elements: [],
      channelsBefore: replay ? undefined : this.bank.openRefs(),
    };
    const bankDrops: BankDrop[] = [];
    if (!replay) this.bank.startBlock(b.number, bankDrops);
    input.batcherData.forEach((data, tx) => {
      const frames = parseBatcherData(data);
      if (replay) {
        if (frames.ok) for (const frame of frames.value) this.bank.replayFrame(frame, b.number);
        return;
      }
      if (!frames.ok) {
        this.drops.push({ stage: "batcher tx", l1Block: b.number, tx, reason: frames.error });
        return;
      }
      for (const frame of frames.value) {
        const done = this.bank.addFrame(frame, b.number, bankDrops);
        if (done === undefined) continue;
        const entries = decodeChannel(done.data, this.params.maxChannelBytes);
        if (!entries.ok) {
          this.drops.push({ stage: "channel", l1Block: b.number, channelId: done.id, reason: entries.error });
          continue;
        }
        entries.value.forEach((bytes, index) => {
          seen.elements.push({ channelId: done.id, index, bytes });
        });
      }
    });
    for (const d of bankDrops) this.drops.push({ stage: "frame", l1Block: b.number, ...d });
    // Blocks at or before the safe origin only refill the bank; their events belong to derived epochs.
    if (b.number >= origin.number) this.l1.set(b.number, seen);
    return { ok: true, value: null };
  }

  /**
   * The attributes of the next L2 block (the same ones again until {@link advance}), or "wait"
   * when the L1 blocks fed so far do not decide it yet.
   */
  next(): NextStep {
    if (this.pending !== undefined) return { kind: "block", attrs: this.pending };
    const safe = this.safeHead;
    for (;;) {
      if (this.cursor === undefined || !this.l1.has(this.cursor)) {
        // Start at the first L1 block kept (the safe origin, or the first fed after it).
        const first = this.tip === undefined ? undefined : this.firstKept();
        if (first === undefined) return { kind: "wait" };
        this.cursor = first;
      }
      const at = this.l1.get(this.cursor)!;
      // D4: this block's batch blocks, in order.
      while (at.elements.length > 0) {
        const el = at.elements.shift()!;
        let b: BatchBlock;
        try {
          b = decodeBatchBlock(el.bytes);
        } catch {
          this.dropBatch(at.ref, el, "malformed batch block");
          continue;
        }
        const checked = checkBatchBlock(this.params, safe, b, at.ref, (n) => this.l1.get(n)?.ref);
        if (!checked.ok) {
          this.dropBatch(at.ref, el, checked.error);
          continue;
        }
        return this.handOut(this.attributes(checked.value, b.timestamp, at.ref.number, b));
      }
      // D8: the next block's window closed at this L1 block: a default block fills it, and then
      // one for every origin older than maxSequencerDrift at this L1 block (the catch-up), so that
      // the next origin leaves a returning sequencer a block time up to this L1 block's time.
      const next = this.l1.get(safe.origin.number + 1n);
      if (
        next !== undefined &&
        (windowClosed(this.params, next.ref, at.ref) ||
          (this.defaultsAt === at.ref.number && pastDrift(this.params, next.ref, at.ref)))
      )
        return this.handOut(
          this.attributes(next.ref, defaultBlockTime(safe, next.ref), at.ref.number, undefined),
        );
      if (this.cursor === this.tip!.number) return { kind: "wait" };
      this.cursor++;
    }
  }

  /**
   * Records the block executed from the last attributes (its hash is known only after execution).
   * Throws if it is not that block: a caller bug, not an input problem.
   */
  advance(block: { number: bigint; hash: Uint8Array; timestamp: bigint }): void {
    const a = this.pending;
    if (a === undefined) throw new Error("Deriver.advance: no attributes handed out");
    if (block.number !== a.number || block.timestamp !== a.timestamp)
      throw new Error(`Deriver.advance: expected block ${a.number} at ${a.timestamp}, got ${block.number}`);
    const origin =
      a.l1Origin.number === this.safeHead.origin.number
        ? this.safeHead.origin
        : this.l1.get(a.l1Origin.number)!.ref;
    this.safeHead = { number: block.number, hash: block.hash, timestamp: block.timestamp, origin };
    this.defaultsAt = a.source === "default" ? a.derivedFrom : undefined;
    this.pending = undefined;
    // Older L1 blocks can no longer be an origin, nor hold an undecided batch (the cursor is past them).
    for (const n of this.l1.keys()) {
      if (n < origin.number && (this.cursor === undefined || n < this.cursor)) this.l1.delete(n);
    }
  }

  private firstKept(): bigint | undefined {
    for (const n of this.l1.keys()) return n;
    return undefined;
  }

  private attributes(
    origin: L1BlockRef,
    timestamp: bigint,
    derivedFrom: bigint,
    batch: BatchBlock | undefined,
  ): BlockAttributes {
    const safe = this.safeHead;
    // D6: the first block of a new origin carries its events.
    const epoch =
      origin.number === safe.origin.number
        ? { l1SystemTxs: [], forcedTxs: [] }
        : epochInputs({ block: origin, events: this.l1.get(origin.number)!.events });
    return {
      number: safe.number + 1n,
      parentHash: safe.hash,
      timestamp,
      l1Origin: { number: origin.number, hash: origin.hash, timestamp: origin.timestamp },
      l1SystemTxs: epoch.l1SystemTxs,
      forcedTxs: epoch.forcedTxs,
      beacons: batch?.beacons ?? [],
      txs: batch?.txs ?? [],
      source: batch === undefined ? "default" : "batch",
      derivedFrom,
    };
  }

  private handOut(attrs: BlockAttributes): NextStep {
    this.pending = attrs;
    return { kind: "block", attrs };
  }

  private dropBatch(at: L1BlockRef, el: Element, reason: BatchDropReason): void {
    this.drops.push({ stage: "batch", l1Block: at.number, channelId: el.channelId, index: el.index, reason });
  }
}
