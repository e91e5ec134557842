import { brotliCompressSync, constants } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { arbU64 } from "../../test/helpers/wireArbitraries.ts";
import { type BatchBlock, decodeBatchBlock, encodeBatch, encodeBatchBlock } from "../wire/index.ts";
import type { L1BlockRef } from "./attributes.ts";
import {
  CHANNEL_VERSION_BROTLI,
  channelIdOf,
  decodeChannel,
  encodeChannel,
  splitChannel,
} from "./channel.ts";
import { ChannelBank } from "./channelBank.ts";
import { Deriver } from "./deriver.ts";
import {
  encodeBatcherData,
  FRAME_OVERHEAD_BYTES,
  type Frame,
  MAX_FRAME_DATA_BYTES,
  parseBatcherData,
} from "./frame.ts";

const MAX = 1 << 20;

const arbBytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const arbBatchBlock: fc.Arbitrary<BatchBlock> = fc.record({
  parentHash: arbBytes(32),
  timestamp: arbU64,
  l1OriginNumber: arbU64,
  l1OriginHash: arbBytes(32),
  beacons: fc.array(
    fc.record({ kind: fc.constant("beacon" as const), round: arbU64, signature: arbBytes(48) }),
    { maxLength: 3 },
  ),
  txs: fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 6 }),
});

function blocksOf(channel: Uint8Array): BatchBlock[] {
  const r = decodeChannel(channel, MAX);
  if (!r.ok) throw new Error(r.error);
  return r.value.map(decodeBatchBlock);
}

/** Frames → batcher txs → parse → bank → the completed channel. */
function throughBank(frames: Frame[], perTx: number): Uint8Array | undefined {
  const bank = new ChannelBank({ channelTimeout: 10n, maxChannelBytes: MAX });
  let done: Uint8Array | undefined;
  for (let i = 0; i < frames.length; i += perTx) {
    const parsed = parseBatcherData(encodeBatcherData(frames.slice(i, i + perTx)));
    if (!parsed.ok) throw new Error(parsed.error);
    for (const f of parsed.value) done = bank.addFrame(f, 1n, [])?.data ?? done;
  }
  return done;
}

describe("channel and frame codec (PROTOCOL §5 D1–D3)", () => {
  it("property: blocks → channel → frames → batcher txs → bank → blocks is the identity (300 cases)", () => {
    fc.assert(
      fc.property(
        fc.array(arbBatchBlock, { minLength: 1, maxLength: 4 }),
        fc.integer({ min: FRAME_OVERHEAD_BYTES + 1, max: 2000 }),
        fc.integer({ min: 1, max: 4 }),
        (blocks, maxFrame, perTx) => {
          const id = channelIdOf(blocks[0]!.parentHash, blocks[0]!.l1OriginHash);
          const frames = splitChannel(id, encodeChannel(blocks, { quality: 1 }), maxFrame);
          for (const f of frames) expect(FRAME_OVERHEAD_BYTES + f.data.length).toBeLessThanOrEqual(maxFrame);
          const channel = throughBank(frames, perTx);
          expect(channel).toBeDefined();
          expect(blocksOf(channel!).map(encodeBatchBlock)).toEqual(blocks.map(encodeBatchBlock));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("property: arbitrary bytes as batcher data never throw (2000 cases)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (data) => {
        const r = parseBatcherData(data);
        if (r.ok) expect(encodeBatcherData(r.value)).toEqual(data);
      }),
      { numRuns: 2000 },
    );
  });

  it("property: any byte flip in posted batcher data never throws through the whole pipeline (1000 cases)", () => {
    const blocks = fc.sample(arbBatchBlock, { numRuns: 3, seed: 7 });
    const frames = splitChannel(new Uint8Array(16).fill(9), encodeChannel(blocks), 120);
    const data = encodeBatcherData(frames);
    const params = {
      maxBatchDelayMs: 4000n,
      maxSequencerDriftMs: 30_000n,
      sequencingWindow: 64n,
      channelTimeout: 8n,
      maxChannelBytes: MAX,
    };
    const origin: L1BlockRef = {
      number: 1n,
      hash: new Uint8Array(32),
      parentHash: new Uint8Array(32),
      timestamp: 1n,
    };
    fc.assert(
      fc.property(fc.nat(data.length - 1), fc.integer({ min: 1, max: 255 }), (at, xor) => {
        const bad = data.slice();
        bad[at]! ^= xor;
        const d = new Deriver(params, { number: 0n, hash: new Uint8Array(32), timestamp: 1000n, origin });
        const r = d.addL1Block({
          block: { number: 2n, hash: new Uint8Array(32).fill(2), parentHash: origin.hash, timestamp: 2n },
          batcherData: [bad],
          events: [],
        });
        expect(r.ok).toBe(true);
        expect(d.next().kind).toBe("wait");
      }),
      { numRuns: 1000 },
    );
  });

  it("behavior: malformed batcher data is dropped whole, with the reason", () => {
    const f: Frame = {
      channelId: new Uint8Array(16),
      number: 0,
      data: new Uint8Array([1, 2, 3]),
      isLast: true,
    };
    const good = encodeBatcherData([f, { ...f, number: 1 }]);
    expect(parseBatcherData(good).ok).toBe(true);
    const lastByte = good.slice();
    lastByte[good.length - 1] = 2;
    const longLength = good.slice();
    new DataView(longLength.buffer).setUint32(1 + 18, MAX_FRAME_DATA_BYTES + 1);
    const past = good.slice();
    new DataView(past.buffer).setUint32(1 + 18, 2); // is_last is then data byte 3
    const table: Array<[string, Uint8Array, string]> = [
      ["empty", new Uint8Array(0), "empty"],
      ["version 1", Uint8Array.of(1, ...good.subarray(1)), "unknown version"],
      ["version byte alone", Uint8Array.of(0), "truncated frame header"],
      ["a cut header", good.subarray(0, 10), "truncated frame header"],
      ["is_last = 2", lastByte, "bad is_last byte"],
      ["length above 1,000,000", longLength, "frame data too long"],
      ["a cut frame", good.subarray(0, good.length - 1), "truncated frame data"],
      ["length past is_last", past, "bad is_last byte"],
    ];
    for (const [name, data, reason] of table)
      expect([name, parseBatcherData(data)]).toEqual([name, { ok: false, error: reason }]);
  });

  it("behavior: a zip bomb stops at maxChannelBytes", () => {
    const zeros = new Uint8Array(16 << 20);
    const bomb = Uint8Array.of(
      CHANNEL_VERSION_BROTLI,
      ...brotliCompressSync(zeros, { params: { [constants.BROTLI_PARAM_QUALITY]: 1 } }),
    );
    expect(bomb.length * 1000).toBeLessThan(zeros.length);
    expect(decodeChannel(bomb, MAX)).toEqual({ ok: false, error: "decompressed size above maxChannelBytes" });
  });

  it("behavior: a channel decompressing to exactly maxChannelBytes is read; one byte more is not", () => {
    const batch = encodeBatch([new Uint8Array(1000)]);
    const ch = Uint8Array.of(CHANNEL_VERSION_BROTLI, ...brotliCompressSync(batch));
    expect(decodeChannel(ch, batch.length).ok).toBe(true);
    expect(decodeChannel(ch, batch.length - 1)).toEqual({
      ok: false,
      error: "decompressed size above maxChannelBytes",
    });
  });

  it("behavior: bad channels are dropped with a reason value", () => {
    const ch = encodeChannel([fc.sample(arbBatchBlock, { numRuns: 1, seed: 1 })[0]!]);
    const notBatch = Uint8Array.of(CHANNEL_VERSION_BROTLI, ...brotliCompressSync(Uint8Array.of(0x0a, 0x05)));
    const table: Array<[Uint8Array, string]> = [
      [new Uint8Array(0), "empty"],
      [Uint8Array.of(0, ...ch.subarray(1)), "unknown channel version"],
      [Uint8Array.of(...ch, 0), "trailing bytes after the compressed stream"],
      [ch.subarray(0, ch.length - 1), "corrupt compressed data"],
      [notBatch, "malformed batch"],
    ];
    for (const [bytes, reason] of table)
      expect(decodeChannel(bytes, MAX)).toEqual({ ok: false, error: reason });
  });
});
