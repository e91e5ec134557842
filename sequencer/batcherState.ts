/**
 * The batcher's durable state (`<datadir>/batcher/`), so that a crash at any point re-posts
 * nothing twice and loses nothing:
 *
 *   state.json      {"version":1,"handedThrough":"N","epoch":E,
 *                    "channels":[{"id","first","last","frames","maxFrameBytes"}]}
 *   <id>.channel    the channel's bytes (version ‖ brotli(Batch)), written before state.json names it
 *
 * `handedThrough`: the last L2 block handed to a channel; `channels`: the channels handed but not
 * yet seen on L1 in full (their frames are re-posted under the same intent ids after a restart,
 * which the L1 tx manager answers from its journal). `epoch` counts re-posts after a lost channel
 * and rewinds (sequencer/rewind.ts): it changes the channel ids, so derivation never mixes a new
 * channel with an old one's frames.
 * Every write is atomic (temp file, fsync, rename, fsync of the folder). The reader is strict: the
 * folder is ours, but a torn or edited file must stop the batcher, not make it re-post at random.
 * @module
 */
import { mkdir, open, readdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { bytesToHex } from "../chain/bytes.ts";

export interface ChannelRecord {
  /** 0x-hex of the 16-byte channel id. */
  id: string;
  first: bigint;
  last: bigint;
  frames: number;
  /** The frame size it was split with: a restart splits it the same way (same intents). */
  maxFrameBytes: number;
}

export interface BatcherStateData {
  handedThrough: bigint;
  epoch: number;
  channels: ChannelRecord[];
}

/** A state file is small (a few channels in flight); anything larger is not ours. */
const MAX_STATE_BYTES = 1 << 20;
const ID = /^0x[0-9a-f]{32}$/;
const DECIMAL = /^(0|[1-9][0-9]{0,19})$/;

export class BatcherState {
  private constructor(private readonly dir: string) {}

  static async open(dir: string): Promise<BatcherState> {
    await mkdir(dir, { recursive: true });
    return new BatcherState(dir);
  }

  /** The stored state, or undefined in a new folder. Throws on a file that is not a valid state. */
  async load(): Promise<BatcherStateData | undefined> {
    let text: string;
    try {
      const h = await open(join(this.dir, "state.json"), "r");
      try {
        if ((await h.stat()).size > MAX_STATE_BYTES) throw new Error("batcher state.json is too large");
        text = await h.readFile("utf8");
      } finally {
        await h.close();
      }
    } catch (e) {
      if ((e as { code?: string }).code === "ENOENT") return undefined;
      throw e;
    }
    return parseState(text);
  }

  async save(s: BatcherStateData): Promise<void> {
    const text = JSON.stringify({
      version: 1,
      handedThrough: s.handedThrough.toString(),
      epoch: s.epoch,
      channels: s.channels.map((c) => ({
        id: c.id,
        first: c.first.toString(),
        last: c.last.toString(),
        frames: c.frames,
        maxFrameBytes: c.maxFrameBytes,
      })),
    });
    await this.writeAtomic("state.json", text);
  }

  async saveChannel(id: string, data: Uint8Array): Promise<void> {
    await this.writeAtomic(`${id}.channel`, data);
  }

  async loadChannel(id: string): Promise<Uint8Array> {
    return new Uint8Array(await readFile(join(this.dir, `${id}.channel`)));
  }

  /** Removes one channel's file (it landed, or was given up). */
  async dropChannel(id: string): Promise<void> {
    await rm(join(this.dir, `${id}.channel`), { force: true });
  }

  /**
   * Removes channel files the state does not name (orphans of a crash between writing a channel
   * and the state). Only at open: later, a channel being written is not named yet.
   */
  async prune(keep: readonly ChannelRecord[]): Promise<void> {
    const live = new Set(keep.map((c) => `${c.id}.channel`));
    for (const f of await readdir(this.dir)) {
      if (f.endsWith(".channel") && !live.has(f)) await rm(join(this.dir, f), { force: true });
    }
  }

  private async writeAtomic(name: string, data: string | Uint8Array): Promise<void> {
    const tmp = join(this.dir, `${name}.tmp`);
    const h = await open(tmp, "w");
    try {
      await h.writeFile(data);
      await h.sync();
    } finally {
      await h.close();
    }
    await rename(tmp, join(this.dir, name));
    // The rename itself must survive a power cut: fsync the folder.
    const d = await open(this.dir, "r");
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  }
}

function parseState(text: string): BatcherStateData {
  const bad = (what: string) => new Error(`batcher state.json: ${what}`);
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    throw bad("not JSON");
  }
  const o = j as Record<string, unknown>;
  if (typeof o !== "object" || o === null || o.version !== 1) throw bad("version must be 1");
  const big = (v: unknown, what: string): bigint => {
    if (typeof v !== "string" || !DECIMAL.test(v)) throw bad(`${what} must be a decimal string`);
    return BigInt(v);
  };
  if (!Number.isSafeInteger(o.epoch) || (o.epoch as number) < 0) throw bad("epoch must be an integer >= 0");
  if (!Array.isArray(o.channels) || o.channels.length > 10_000) throw bad("channels must be a short array");
  const channels = o.channels.map((c: Record<string, unknown>, i): ChannelRecord => {
    if (typeof c !== "object" || c === null) throw bad(`channels[${i}] must be an object`);
    if (typeof c.id !== "string" || !ID.test(c.id)) throw bad(`channels[${i}].id must be 16 bytes of 0x-hex`);
    const frames = c.frames;
    if (!Number.isInteger(frames) || (frames as number) < 1 || (frames as number) > 0x10000)
      throw bad(`channels[${i}].frames must be in [1, 65536]`);
    const mfb = c.maxFrameBytes;
    if (!Number.isSafeInteger(mfb) || (mfb as number) < 24)
      throw bad(`channels[${i}].maxFrameBytes must be >= 24`);
    const first = big(c.first, `channels[${i}].first`);
    const last = big(c.last, `channels[${i}].last`);
    if (first < 1n || last < first) throw bad(`channels[${i}]: blocks ${first}..${last}`);
    return { id: c.id, first, last, frames: frames as number, maxFrameBytes: mfb as number };
  });
  return { handedThrough: big(o.handedThrough, "handedThrough"), epoch: o.epoch as number, channels };
}

/** 0x-hex of a channel id. */
export function channelIdHex(id: Uint8Array): string {
  return bytesToHex(id).toLowerCase();
}
