/**
 * Batcher.rewindAbove on a real state folder: the channels reaching above the rewind target are
 * dropped (record and file), the mark comes down, the epoch moves (new channel ids), and all of it
 * is durable (a reopen reads it back); a rewind that changes nothing writes nothing.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Batcher, type BatcherModules, closeAfterMs } from "./batcher.ts";
import { BatcherState, type ChannelRecord } from "./batcherState.ts";

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const chan = (first: bigint, last: bigint): ChannelRecord => ({
  id: `0x${first.toString(16).padStart(32, "0")}`,
  first,
  last,
  frames: 1,
  maxFrameBytes: 1000,
});

const modules = {
  blocks: { headNumber: () => 0n, get: () => undefined },
  poster: {
    post: () => Promise.reject(new Error("not in this test")),
    sent: () => false,
    included: () => false,
  },
  l1: { blockEvents: () => Promise.reject(new Error("not in this test")) },
  now: () => 0n,
} satisfies BatcherModules;

async function open(dir: string): Promise<Batcher> {
  return Batcher.open(
    {
      dir,
      maxDelayMs: 1000,
      targetBytes: 1000,
      maxFrameBytes: 1000,
      maxInFlight: 4,
      pollMs: 50,
      flushMs: 0,
      params: { channelTimeout: 4n, maxChannelBytes: 1 << 20 },
    },
    modules,
  );
}

async function setup(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "flops-batcher-rewind-"));
  dirs.push(dir);
  const s = await BatcherState.open(dir);
  const channels = [chan(3n, 4n), chan(5n, 6n), chan(7n, 8n)];
  for (const c of channels) await s.saveChannel(c.id, Uint8Array.of(1));
  await s.save({ handedThrough: 8n, epoch: 2, channels });
  return dir;
}

describe("Batcher.rewindAbove", () => {
  it("drops the channels above the target, lowers the mark, moves the epoch, durably", async () => {
    const dir = await setup();
    const b = await open(dir);
    await b.rewindAbove(6n);
    expect(b.handedThrough).toBe(6n);
    expect(b.channels.map((c) => c.first)).toEqual([3n, 5n]);
    expect(existsSync(join(dir, `${chan(7n, 8n).id}.channel`))).toBe(false);
    expect(existsSync(join(dir, `${chan(5n, 6n).id}.channel`))).toBe(true);
    const saved = await (await BatcherState.open(dir)).load();
    expect(saved).toMatchObject({ handedThrough: 6n, epoch: 3 });
    expect(saved!.channels.map((c) => c.first)).toEqual([3n, 5n]);
  });

  it("a channel reaching above the target goes whole: its first blocks are handed again", async () => {
    const dir = await setup();
    const b = await open(dir);
    await b.rewindAbove(7n);
    expect(b.handedThrough).toBe(6n);
    expect(b.channels.map((c) => c.first)).toEqual([3n, 5n]);
  });

  it("nothing above the target: no write; a target below every channel drops them all", async () => {
    const dir = await setup();
    const b = await open(dir);
    await b.rewindAbove(8n);
    expect((await (await BatcherState.open(dir)).load())!.epoch).toBe(2);
    await b.rewindAbove(1n);
    expect(b.handedThrough).toBe(1n);
    expect(b.channels).toEqual([]);
    expect((await (await BatcherState.open(dir)).load())!.epoch).toBe(3);
  });

  it("refuses once started", async () => {
    const dir = await setup();
    const b = await open(dir);
    b.start();
    await expect(b.rewindAbove(1n)).rejects.toThrow(/only before start/);
    await b.stop();
  });

  it("works while started under a hold (the running rewind), not after its release", async () => {
    const dir = await setup();
    const b = await open(dir);
    b.start();
    await b.hold();
    await b.rewindAbove(4n);
    expect(b.handedThrough).toBe(4n);
    expect(b.channels.map((c) => c.first)).toEqual([3n]);
    b.release();
    await expect(b.rewindAbove(1n)).rejects.toThrow(/only before start or under hold/);
    await b.stop();
  });
});

describe("closeAfterMs (a channel closes early enough to land in time)", () => {
  const p = (delay: bigint, l1: bigint) => ({ maxBatchDelayMs: delay, l1BlockTimeMs: l1 });
  it.each([
    // maxDelayMs, maxBatchDelayMs, l1BlockTimeMs, closes after
    [1000, 4000n, 1000n, 1000], // the default (a quarter): room for 2.5 L1 blocks after it
    [3000, 4000n, 1000n, 1500], // configured too late: deadline − 2.5 L1 blocks
    [1000, 4000n, 2000n, 0], // 2 s L1 blocks: every block goes out at once
    [60_000, 600_000n, 12_000n, 60_000],
  ])("maxDelayMs %i, maxBatchDelay %i, L1 block %i: %i", (maxDelay, delay, l1, want) => {
    expect(closeAfterMs(maxDelay, p(delay, l1))).toBe(want);
  });
});
