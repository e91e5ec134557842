import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { bytesToHex, hexToBytes } from "../../chain/bytes.ts";
import { decodeChannel, encodeChannel, splitChannel } from "../../chain/derive/channel.ts";
import { ChannelBank } from "../../chain/derive/channelBank.ts";
import { parseBatcherData } from "../../chain/derive/frame.ts";
import { decodeBatchBlock, encodeBatch } from "../../chain/wire/index.ts";
import { channelVectorBlocks } from "./generateChannel.ts";
import { jsonView } from "./wireCases.ts";

interface Named {
  name: string;
  hex: string;
  reason: string;
}
const v = JSON.parse(readFileSync(new URL("./channel.json", import.meta.url), "utf8")) as {
  maxFrameBytes: number;
  blocks: Array<{ value: unknown; hex: string }>;
  batch: string;
  channelId: string;
  channel: string;
  frames: Array<{ number: number; data: string; isLast: boolean }>;
  batcherData: string[];
  invalidBatcherData: Named[];
  invalidChannels: Named[];
};
const MAX = 1 << 20;

describe("channel golden vectors (test/vectors/channel.json)", () => {
  it("default: the pinned batcher txs decode, through the bank, to the pinned channel and blocks", () => {
    const bank = new ChannelBank({ channelTimeout: 1n, maxChannelBytes: MAX });
    let channel: Uint8Array | undefined;
    for (const hex of v.batcherData) {
      const frames = parseBatcherData(hexToBytes(hex));
      if (!frames.ok) throw new Error(frames.error);
      for (const f of frames.value) channel = bank.addFrame(f, 1n, [])?.data ?? channel;
    }
    expect(channel && bytesToHex(channel)).toBe(v.channel);
    const entries = decodeChannel(hexToBytes(v.channel), MAX);
    if (!entries.ok) throw new Error(entries.error);
    expect(bytesToHex(encodeBatch(entries.value))).toBe(v.batch);
    expect(entries.value.map(bytesToHex)).toEqual(v.blocks.map((b) => b.hex));
    expect(entries.value.map((e) => jsonView(decodeBatchBlock(e)))).toEqual(v.blocks.map((b) => b.value));
  });

  it("default: the encoder makes the pinned bytes (blocks, channel, frames)", () => {
    const blocks = channelVectorBlocks();
    expect(bytesToHex(encodeChannel(blocks))).toBe(v.channel);
    const frames = splitChannel(hexToBytes(v.channelId), hexToBytes(v.channel), v.maxFrameBytes);
    expect(frames.map((f) => ({ number: f.number, data: bytesToHex(f.data), isLast: f.isLast }))).toEqual(
      v.frames,
    );
    expect(v.frames.length).toBeGreaterThan(1);
  });

  it("behavior: every pinned malformed input is dropped with its reason", () => {
    for (const c of v.invalidBatcherData)
      expect([c.name, parseBatcherData(hexToBytes(c.hex))]).toEqual([c.name, { ok: false, error: c.reason }]);
    for (const c of v.invalidChannels)
      expect([c.name, decodeChannel(hexToBytes(c.hex), MAX)]).toEqual([
        c.name,
        { ok: false, error: c.reason },
      ]);
  });
});
