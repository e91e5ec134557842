import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type BankDrop, ChannelBank, FRAME_COST_BYTES, MAX_OPEN_CHANNELS } from "./channelBank.ts";
import type { Frame } from "./frame.ts";

const id = (n: number): Uint8Array => new Uint8Array(16).fill(n);
const frame = (ch: number, number: number, data: number[], isLast = false): Frame => ({
  channelId: id(ch),
  number,
  data: Uint8Array.from(data),
  isLast,
});
const opts = { channelTimeout: 2n, maxChannelBytes: 10_000 };

describe("channel bank (PROTOCOL §5 D2)", () => {
  it("default: frames in any order complete the channel when the last and all before it are in", () => {
    const bank = new ChannelBank(opts);
    const drops: BankDrop[] = [];
    expect(bank.addFrame(frame(1, 2, [5, 6], true), 1n, drops)).toBeUndefined();
    expect(bank.addFrame(frame(1, 0, [1, 2]), 1n, drops)).toBeUndefined();
    const done = bank.addFrame(frame(1, 1, [3, 4]), 2n, drops);
    expect(done).toEqual({
      id: `0x${"01".repeat(16)}`,
      data: Uint8Array.of(1, 2, 3, 4, 5, 6),
      completedAt: 2n,
    });
    expect(drops).toEqual([]);
    expect(bank.openChannels).toBe(0);
    expect(bank.bufferedBytes).toBe(0);
  });

  it("behavior: duplicates, a second last frame and frames past the last are dropped with reasons", () => {
    const bank = new ChannelBank(opts);
    const drops: BankDrop[] = [];
    bank.addFrame(frame(1, 0, [1]), 1n, drops);
    bank.addFrame(frame(1, 3, [9]), 1n, drops);
    bank.addFrame(frame(1, 0, [7]), 1n, drops);
    bank.addFrame(frame(1, 2, [3], true), 1n, drops);
    bank.addFrame(frame(1, 1, [2], true), 1n, drops);
    bank.addFrame(frame(1, 4, [5]), 1n, drops);
    expect(drops.map((d) => [d.reason, d.frame])).toEqual([
      ["duplicate frame", 0],
      ["frame after the last frame", 3],
      ["second last frame", 1],
      ["frame after the last frame", 4],
    ]);
    expect(bank.addFrame(frame(1, 1, [2]), 1n, drops)?.data).toEqual(Uint8Array.of(1, 2, 3));
  });

  it("behavior: a channel incomplete channelTimeout blocks after its first frame times out", () => {
    const bank = new ChannelBank(opts);
    const drops: BankDrop[] = [];
    bank.addFrame(frame(1, 0, [1]), 10n, drops);
    bank.startBlock(12n, drops); // 10 + 2: still open
    expect(drops).toEqual([]);
    bank.startBlock(13n, drops);
    expect(drops).toEqual([{ channelId: `0x${"01".repeat(16)}`, reason: "timed out" }]);
    // Its late last frame opens a new channel instead of completing the old one.
    expect(bank.addFrame(frame(1, 1, [2], true), 13n, drops)).toBeUndefined();
  });

  it("behavior: too many open channels or bytes evict the oldest; one channel never passes maxChannelBytes", () => {
    const bank = new ChannelBank(opts);
    const drops: BankDrop[] = [];
    for (let i = 0; i <= MAX_OPEN_CHANNELS; i++) bank.addFrame(frame(i, 0, [i]), 1n, drops);
    expect(bank.openChannels).toBe(MAX_OPEN_CHANNELS);
    expect(drops).toEqual([{ channelId: `0x${"00".repeat(16)}`, reason: "evicted: too many open channels" }]);

    const small = new ChannelBank({ channelTimeout: 10n, maxChannelBytes: 1000 });
    const d2: BankDrop[] = [];
    const big = new Array(700).fill(1);
    small.addFrame(frame(1, 0, big), 1n, d2);
    small.addFrame(frame(2, 0, big), 1n, d2);
    expect(d2).toEqual([]);
    small.addFrame(frame(3, 0, big), 1n, d2); // 3 × 900 > 2 × 1000
    expect(d2).toEqual([{ channelId: `0x${"01".repeat(16)}`, reason: "evicted: bank full" }]);
    expect(small.bufferedBytes).toBe(2 * (700 + FRAME_COST_BYTES));
    small.addFrame(frame(3, 1, [1]), 1n, d2); // 900 + 201 > 1000
    expect(d2.at(-1)).toEqual({ channelId: `0x${"03".repeat(16)}`, reason: "channel above maxChannelBytes" });
  });

  it("property: a bank rebuilt from its open channels (restore + replayFrame) behaves exactly like the original", () => {
    // Few ids, small limits: reopened ids, timeouts, evictions (bytes and count) all happen.
    const small = { channelTimeout: 3n, maxChannelBytes: 4 * FRAME_COST_BYTES };
    const frameArb = fc.record({
      ch: fc.nat(5),
      number: fc.nat(3),
      len: fc.nat(120),
      isLast: fc.boolean(),
    });
    const blocksArb = fc.array(fc.array(frameArb, { maxLength: 6 }), { minLength: 2, maxLength: 14 });
    fc.assert(
      fc.property(blocksArb, fc.nat(), (blocks, cut) => {
        const mk = (f: { ch: number; number: number; len: number; isLast: boolean }): Frame =>
          frame(
            f.ch,
            f.number,
            Array.from({ length: f.len }, (_, i) => (i + f.ch) & 0xff),
            f.isLast,
          );
        // Restart after block y: the original's state then, and everything it does after.
        const y = BigInt(cut % blocks.length);
        const original = new ChannelBank(small);
        let refs: ReturnType<ChannelBank["openRefs"]> = [];
        const after: unknown[] = [];
        blocks.forEach((fs, i) => {
          const n = BigInt(i);
          const drops: BankDrop[] = [];
          original.startBlock(n, drops);
          const done = fs.map((f) => original.addFrame(mk(f), n, drops));
          if (n > y) after.push(done, drops);
          if (n === y) refs = original.openRefs();
        });
        const rebuilt = new ChannelBank(small);
        rebuilt.restore(refs);
        let from = y + 1n;
        for (const r of refs) if (r.openedAt < from) from = r.openedAt;
        const again: unknown[] = [];
        blocks.forEach((fs, i) => {
          const n = BigInt(i);
          if (n < from) return;
          if (n <= y) {
            for (const f of fs) rebuilt.replayFrame(mk(f), n);
            return;
          }
          const drops: BankDrop[] = [];
          rebuilt.startBlock(n, drops);
          const done = fs.map((f) => rebuilt.addFrame(mk(f), n, drops));
          again.push(done, drops);
        });
        expect(again).toEqual(after);
        expect(rebuilt.openRefs()).toEqual(original.openRefs());
        expect(rebuilt.bufferedBytes).toBe(original.bufferedBytes);
      }),
      { numRuns: 300, seed: 11 },
    );
  });
});
