import { describe, expect, it } from "vitest";
import type { Block } from "../chain/types.ts";
import { LateWatch, lostFrom } from "./lateWatch.ts";

// Block n's time: 1000·n ms; maxBatchDelay 4000 ms: block n's deadline is 1000·n + 4000.
const time = (n: bigint) => 1000n * n;
const D = 4000n;

describe("lostFrom (the running rewind's detection)", () => {
  const cases: Array<{
    name: string;
    head: bigint;
    handedThrough: bigint;
    recorded?: Array<{ first: bigint; last: bigint; landedAtMs?: bigint }>;
    landed?: Array<{ first: bigint; last: bigint; atMs: bigint | undefined }>;
    l1: bigint;
    want: bigint | undefined;
  }> = [
    { name: "all landed", head: 10n, handedThrough: 10n, l1: 99_000n, want: undefined },
    {
      name: "unhanded, deadline not passed",
      head: 10n,
      handedThrough: 5n,
      l1: time(6n) + D,
      want: undefined,
    },
    { name: "unhanded, L1 past u's deadline", head: 10n, handedThrough: 5n, l1: time(6n) + D + 1n, want: 5n },
    {
      name: "recorded, frames not mined, L1 past its deadline",
      head: 10n,
      handedThrough: 8n,
      recorded: [{ first: 4n, last: 8n }],
      l1: time(4n) + D + 1n,
      want: 3n,
    },
    {
      name: "recorded, mined in time: the next block counts",
      head: 10n,
      handedThrough: 8n,
      recorded: [{ first: 4n, last: 8n, landedAtMs: time(4n) + D }],
      l1: time(9n) + D,
      want: undefined,
    },
    {
      name: "landed late (the batcher forgot its record)",
      head: 10n,
      handedThrough: 8n,
      landed: [{ first: 4n, last: 8n, atMs: time(4n) + D + 1000n }],
      l1: time(4n) + D + 1000n,
      want: 3n,
    },
    {
      name: "landed in time, a later one late",
      head: 10n,
      handedThrough: 9n,
      landed: [
        { first: 6n, last: 9n, atMs: time(6n) + D + 1000n },
        { first: 2n, last: 5n, atMs: time(2n) + D },
      ],
      l1: time(6n) + D + 1000n,
      want: 5n,
    },
    {
      name: "landed, time not read yet, deadline not passed",
      head: 10n,
      handedThrough: 8n,
      landed: [{ first: 4n, last: 8n, atMs: undefined }],
      l1: time(4n) + D,
      want: undefined,
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      expect(
        lostFrom({
          head: c.head,
          handedThrough: c.handedThrough,
          recorded: c.recorded ?? [],
          landed: c.landed ?? [],
          blockTimeMs: time,
          l1TimeMs: c.l1,
          maxBatchDelayMs: D,
        }),
      ).toBe(c.want);
    });
});

/** A chain of blocks 0..head (time 1000·n), and a log of what the watch did, in order. */
function rig(head: bigint, derivedThrough?: bigint) {
  const calls: string[] = [];
  let l1Readable = true;
  const chain = { head, undoFrom: 1n };
  const blockOf = (n: bigint) => ({
    block: { header: { number: n, timestamp: time(n) }, txs: [] } as unknown as Block,
    hash: new Uint8Array(32),
    senders: [],
  });
  const batcher = {
    handedThrough: head,
    channels: [] as Array<{ id: string; first: bigint; last: bigint; frames: number }>,
    forcedCount: async () => 0,
    async rewindAbove(n: bigint) {
      calls.push(`batcher.rewindAbove ${n}`);
      if (this.handedThrough > n) this.handedThrough = n;
    },
    async hold() {
      calls.push("batcher.hold");
    },
    release() {
      calls.push("batcher.release");
    },
  };
  let l1 = 0n;
  const watch = new LateWatch({
    store: {
      head: () => ({ header: blockOf(chain.head).block.header, hash: new Uint8Array(32) }),
      getBlock: (n) => (n <= chain.head ? blockOf(n) : undefined),
      hasUndo: (n) => n >= chain.undoFrom && n <= chain.head,
      async rewindTo() {},
      listAwaitedRounds: async () => [],
      async pruneUndo(through) {
        calls.push(`pruneUndo ${through}`);
      },
    },
    sequencer: {
      async pauseBuilding() {
        calls.push("sequencer.pause");
      },
      resumeBuilding() {
        calls.push("sequencer.resume");
      },
      async rewindTo(n) {
        calls.push(`sequencer.rewindTo ${n}`);
        chain.head = n;
        return { txs: 0, readmitted: 0 };
      },
    },
    batcher,
    l1TimeMs: async () => l1,
    l1BlockTimeMs: async (n) => (l1Readable ? 1000n * n : undefined), // L1 block n: time 1000·n
    landings: async () => [],
    originOf: async () => ({ number: 0n, hash: new Uint8Array(32), timestamp: 0n }),
    maxBatchDelayMs: D,
    pollMs: 10,
    onRewind: () => calls.push("metric"),
    ...(derivedThrough === undefined ? {} : { derivedThrough: () => derivedThrough }),
  });
  return {
    calls,
    chain,
    batcher,
    watch,
    setL1: (t: bigint) => {
      l1 = t;
    },
    setL1Readable: (ok: boolean) => {
      l1Readable = ok;
    },
  };
}

describe("LateWatch", () => {
  it("rewinds a channel that landed late, paused and held, and counts it", async () => {
    const r = rig(10n);
    r.watch.channelLanded({ first: 1n, last: 3n, l1Block: 1n + 4n }); // time 5000: in time for block 1
    r.watch.channelLanded({ first: 4n, last: 10n, l1Block: 9n }); // time 9000 > 4000 + 4000: late
    r.watch.landedThrough(10n);
    r.setL1(9000n);
    const report = await r.watch.check();
    expect(report).toMatchObject({ from: 4n, to: 10n });
    expect(r.calls).toEqual([
      "sequencer.pause",
      "batcher.hold",
      "sequencer.rewindTo 3",
      "batcher.rewindAbove 3",
      "metric",
      "batcher.release",
      "sequencer.resume",
    ]);
    // Once judged, undo records go, but never those of blocks above the rewind.
    r.calls.length = 0;
    expect(await r.watch.check()).toBeUndefined();
    expect(r.calls).toEqual(["pruneUndo 3"]);
  });

  it("never rewinds blocks derivation already confirmed from L1, whatever it saw of their landing", async () => {
    // The same late-looking landing as above, but the sequencer's derivation has confirmed blocks
    // up to 10 (the frame's receipt the watch read was stale): nothing is rewound.
    const r = rig(10n, 10n);
    r.watch.channelLanded({ first: 4n, last: 10n, l1Block: 9n });
    r.setL1(9000n);
    expect(await r.watch.check()).toBeUndefined();
    expect(r.calls.filter((c) => c.startsWith("sequencer.rewindTo"))).toEqual([]);
    // Confirmed only through 5: the channel 4..10 was read whole by derivation (a channel is
    // atomic), so it is not judged either.
    const r2 = rig(10n, 5n);
    r2.watch.channelLanded({ first: 4n, last: 10n, l1Block: 9n });
    r2.setL1(9000n);
    expect(await r2.watch.check()).toBeUndefined();
    // A later channel that did land late is still rewound.
    const r3 = rig(14n, 10n);
    r3.watch.channelLanded({ first: 11n, last: 14n, l1Block: 17n }); // 17000 > 11000 + 4000
    r3.setL1(17_000n);
    expect(await r3.watch.check()).toMatchObject({ from: 11n, to: 14n });
  });

  it("keeps the undo records of a landed channel until it is judged in time", async () => {
    const r = rig(10n);
    r.watch.channelLanded({ first: 4n, last: 10n, l1Block: 7n }); // 7000 ≤ 8000: in time
    r.watch.landedThrough(10n);
    r.setL1(7000n);
    expect(await r.watch.check()).toBeUndefined();
    expect(r.calls).toEqual(["pruneUndo 10"]);
  });

  it("prunes only below a landed channel whose landing time is not read yet", async () => {
    const r = rig(10n);
    r.watch.channelLanded({ first: 1n, last: 3n, l1Block: 4n });
    r.watch.landedThrough(3n);
    r.setL1(4000n);
    await r.watch.check();
    r.setL1Readable(false);
    r.watch.channelLanded({ first: 4n, last: 10n, l1Block: 7n });
    r.watch.landedThrough(10n);
    r.setL1(7000n);
    expect(await r.watch.check()).toBeUndefined();
    expect(r.calls).toEqual(["pruneUndo 3"]);
    r.setL1Readable(true);
    expect(await r.watch.check()).toBeUndefined();
    expect(r.calls).toEqual(["pruneUndo 3", "pruneUndo 10"]);
  });

  it("rewinds blocks no channel took once L1 passes their deadline; not before", async () => {
    const r = rig(10n);
    r.batcher.handedThrough = 6n;
    r.setL1(time(7n) + D);
    expect(await r.watch.check()).toBeUndefined();
    expect(r.calls).not.toContain("sequencer.pause");
    r.setL1(time(7n) + D + 1n);
    expect(await r.watch.check()).toMatchObject({ from: 7n, to: 10n });
    expect(r.chain.head).toBe(6n);
  });

  it("says once, and does not retry, a rewind without undo records", async () => {
    const r = rig(10n);
    r.chain.undoFrom = 8n;
    r.batcher.handedThrough = 6n;
    r.setL1(99_000n);
    expect(await r.watch.check()).toBeUndefined();
    expect(r.calls).not.toContain("sequencer.rewindTo 6");
    r.calls.length = 0;
    expect(await r.watch.check()).toBeUndefined();
    expect(r.calls).toEqual([]);
  });
});
