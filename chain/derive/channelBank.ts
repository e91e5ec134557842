/**
 * The channel bank (PROTOCOL §5 rule D2): frames from the batcher's txs, in L1 order, collected
 * into channels until a channel is complete (its last frame and every frame before it arrived).
 * Bounded in every dimension, so a faulty or hostile batcher key costs a verifier bounded memory:
 * at most {@link MAX_OPEN_CHANNELS} channels, at most `2 × maxChannelBytes` buffered (each frame
 * counted with {@link FRAME_COST_BYTES} extra, as in the OP Stack), at most `maxChannelBytes` in
 * one channel, and a channel still incomplete `channelTimeout` L1 blocks after its first frame is
 * dropped. Eviction is oldest-first. Time is L1 block numbers; no clock.
 * @module
 */
import { bytesToHex, concatAll } from "../bytes.ts";
import type { Frame } from "./frame.ts";

/** Most channels buffered at once; a new one evicts the oldest. */
export const MAX_OPEN_CHANNELS = 64;
/** Bookkeeping cost charged per buffered frame (OP Stack: 200), so tiny frames cannot flood the bank. */
export const FRAME_COST_BYTES = 200;

export interface ChannelBankOpts {
  channelTimeout: bigint;
  maxChannelBytes: number;
}

/** What happened to a frame or channel, for the verifier's log (never an exception). */
export interface BankDrop {
  channelId: string;
  reason:
    | "duplicate frame"
    | "frame after the last frame"
    | "second last frame"
    | "channel above maxChannelBytes"
    | "timed out"
    | "evicted: too many open channels"
    | "evicted: bank full";
  frame?: number;
}

/**
 * Where an open channel began: enough to rebuild it exactly from the L1 blocks since (a restart,
 * PROTOCOL §5 "Resets"). A channel that stays open takes every frame of its id from here on, so
 * its content depends only on those frames. `firstFrame` counts the frames of block `openedAt`
 * that reached the bank before the one that opened it: a channel completed or removed in that
 * block may have had the same id.
 */
export interface OpenChannelRef {
  /** 0x-hex of the 16-byte id. */
  id: string;
  openedAt: bigint;
  firstFrame: number;
}

interface OpenChannel extends OpenChannelRef {
  frames: Map<number, Uint8Array>;
  /** Number of the frame marked last, once seen. */
  last?: number;
  bytes: number;
}

export interface CompleteChannel {
  /** 0x-hex of the 16-byte id. */
  id: string;
  data: Uint8Array;
  /** L1 block whose frame completed it: its batches are judged by this block (D4). */
  completedAt: bigint;
}

export class ChannelBank {
  /** Insertion order = age order (oldest first). */
  private readonly open = new Map<string, OpenChannel>();
  private size = 0;
  /** The L1 block of the last frame, and how many frames of it came before the next one. */
  private cursor = { block: -1n, frames: 0 };

  constructor(private readonly opts: ChannelBankOpts) {}

  /** Bytes charged against the bank's limit now. */
  get bufferedBytes(): number {
    return this.size;
  }

  get openChannels(): number {
    return this.open.size;
  }

  /**
   * Times out channels for L1 block `l1Block`; call once per L1 block, before its frames. A
   * channel opened in block n may still complete in block n + channelTimeout.
   */
  startBlock(l1Block: bigint, drops: BankDrop[]): void {
    for (const ch of [...this.open.values()]) {
      if (ch.openedAt + this.opts.channelTimeout < l1Block) {
        this.remove(ch);
        drops.push({ channelId: ch.id, reason: "timed out" });
      }
    }
  }

  /** The open channels, oldest first: what a restart needs to rebuild the bank ({@link restore}). */
  openRefs(): OpenChannelRef[] {
    return [...this.open.values()].map(({ id, openedAt, firstFrame }) => ({ id, openedAt, firstFrame }));
  }

  /**
   * Starts rebuilding the bank of a past moment from its {@link openRefs} (oldest first), on an
   * empty bank: the frames of the L1 blocks from the oldest `openedAt` up to that moment then go
   * through {@link replayFrame}, and the bank ends exactly as it was.
   */
  restore(refs: readonly OpenChannelRef[]): void {
    if (this.open.size > 0) throw new Error("ChannelBank.restore: the bank is not empty");
    if (refs.length > MAX_OPEN_CHANNELS) throw new RangeError("ChannelBank.restore: too many channels");
    for (const r of refs) {
      if (this.open.has(r.id)) throw new RangeError(`ChannelBank.restore: channel ${r.id} twice`);
      this.open.set(r.id, {
        id: r.id,
        openedAt: r.openedAt,
        firstFrame: r.firstFrame,
        frames: new Map(),
        bytes: 0,
      });
    }
  }

  /**
   * A frame of an L1 block already judged before a restart, replayed to rebuild the channels
   * {@link restore} named: it reaches one of them only if it came at or after the frame that
   * opened it; no channel is opened, timed out, evicted or handed out (none was, up to the
   * moment restored, or it would not be open).
   */
  replayFrame(frame: Frame, l1Block: bigint): void {
    const pos = this.position(l1Block);
    const ch = this.open.get(bytesToHex(frame.channelId));
    if (ch === undefined || l1Block < ch.openedAt || (l1Block === ch.openedAt && pos < ch.firstFrame)) return;
    this.put(ch, frame, l1Block, [], false);
  }

  /** Adds one frame seen in L1 block `l1Block`; returns the channel if this frame completed it. */
  addFrame(frame: Frame, l1Block: bigint, drops: BankDrop[]): CompleteChannel | undefined {
    const pos = this.position(l1Block);
    const id = bytesToHex(frame.channelId);
    let ch = this.open.get(id);
    if (ch === undefined) {
      if (this.open.size >= MAX_OPEN_CHANNELS) {
        const oldest = this.open.values().next().value!;
        this.remove(oldest);
        drops.push({ channelId: oldest.id, reason: "evicted: too many open channels" });
      }
      ch = { id, openedAt: l1Block, firstFrame: pos, frames: new Map(), bytes: 0 };
      this.open.set(id, ch);
    }
    return this.put(ch, frame, l1Block, drops, true);
  }

  /** The frame's place in its L1 block (frames counted as they reach the bank). */
  private position(l1Block: bigint): number {
    if (this.cursor.block !== l1Block) this.cursor = { block: l1Block, frames: 0 };
    return this.cursor.frames++;
  }

  /** D2's rules for one frame of an open channel. */
  private put(
    ch: OpenChannel,
    frame: Frame,
    l1Block: bigint,
    drops: BankDrop[],
    prune: boolean,
  ): CompleteChannel | undefined {
    const id = ch.id;
    if (ch.frames.has(frame.number)) {
      drops.push({ channelId: id, reason: "duplicate frame", frame: frame.number });
      return undefined;
    }
    if (ch.last !== undefined) {
      if (frame.isLast) {
        drops.push({ channelId: id, reason: "second last frame", frame: frame.number });
        return undefined;
      }
      if (frame.number > ch.last) {
        drops.push({ channelId: id, reason: "frame after the last frame", frame: frame.number });
        return undefined;
      }
    }
    if (frame.isLast) {
      ch.last = frame.number;
      // Frames numbered past the last one can never belong to the channel.
      for (const [n, data] of ch.frames) {
        if (n > frame.number) {
          ch.frames.delete(n);
          this.charge(ch, -(data.length + FRAME_COST_BYTES));
          drops.push({ channelId: id, reason: "frame after the last frame", frame: n });
        }
      }
    }
    ch.frames.set(frame.number, frame.data);
    this.charge(ch, frame.data.length + FRAME_COST_BYTES);
    if (ch.bytes > this.opts.maxChannelBytes) {
      this.remove(ch);
      drops.push({ channelId: id, reason: "channel above maxChannelBytes" });
      return undefined;
    }
    if (ch.last !== undefined && ch.frames.size === ch.last + 1) {
      this.remove(ch);
      const parts: Uint8Array[] = [];
      for (let n = 0; n <= ch.last; n++) parts.push(ch.frames.get(n)!);
      return { id, data: concatAll(parts), completedAt: l1Block };
    }
    if (prune) this.prune(ch, drops);
    return undefined;
  }

  /** Evicts the oldest channels (never `keep`, the one just added to) while over the byte limit. */
  private prune(keep: OpenChannel, drops: BankDrop[]): void {
    const limit = 2 * this.opts.maxChannelBytes;
    for (const ch of [...this.open.values()]) {
      if (this.size <= limit) return;
      if (ch === keep) continue;
      this.remove(ch);
      drops.push({ channelId: ch.id, reason: "evicted: bank full" });
    }
  }

  private charge(ch: OpenChannel, bytes: number): void {
    ch.bytes += bytes;
    this.size += bytes;
  }

  private remove(ch: OpenChannel): void {
    this.open.delete(ch.id);
    this.size -= ch.bytes;
  }
}
