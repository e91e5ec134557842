/**
 * The rewind rule (which blocks derivation will drop, D4) as a table, and the start-up sequence
 * over fakes of the store, sequencer and batcher: a crash between the store's rewind and the
 * batcher's restarts into a consistent state (the batcher is brought down to the head, nothing is
 * rewound twice). The real store's batch: store/chainStore.rewind.test.ts; the whole path on a
 * devnet: test/integration/sequencerRewind.test.ts.
 */
import { describe, expect, it } from "vitest";
import type { Block, BlockHeader, L1Origin, SignedTx } from "../chain/types.ts";
import {
  type ChannelLanding,
  type RewindAtStartModules,
  type RewindStore,
  rewindAtStart,
  rewindTarget,
  rewoundTxs,
} from "./rewind.ts";

/** Block n is stamped n seconds; maxBatchDelay 4 s. */
const blockTimeMs = (n: bigint) => n * 1000n;
const DELAY = 4000n;

describe("rewindTarget (D4: t + maxBatchDelay ≥ the inclusion block's time)", () => {
  const cases: Array<{
    name: string;
    handed: bigint;
    channels?: ChannelLanding[];
    l1: bigint;
    want: bigint | undefined;
  }> = [
    { name: "everything handed and landed", handed: 10n, l1: 99_000n, want: undefined },
    { name: "an unhanded tail, now too old", handed: 6n, l1: 11_001n, want: 6n },
    {
      name: "an unhanded tail exactly at the limit may still land",
      handed: 6n,
      l1: 11_000n,
      want: undefined,
    },
    {
      name: "a recorded channel not on L1, too old",
      handed: 6n,
      channels: [{ first: 5n, last: 6n }],
      l1: 9_001n,
      want: 4n,
    },
    {
      name: "a recorded channel on L1 in time counts as landed",
      handed: 6n,
      channels: [{ first: 5n, last: 6n, landedAtMs: 9_000n }],
      l1: 11_001n,
      want: 6n,
    },
    {
      name: "a recorded channel on L1 in time, the tail still fresh",
      handed: 6n,
      channels: [{ first: 5n, last: 6n, landedAtMs: 9_000n }],
      l1: 10_000n,
      want: undefined,
    },
    {
      name: "a recorded channel on L1 too late is dropped by derivation",
      handed: 6n,
      channels: [{ first: 5n, last: 6n, landedAtMs: 9_001n }],
      l1: 9_001n,
      want: 4n,
    },
    {
      name: "a landed channel after one that did not land does not count",
      handed: 8n,
      channels: [
        { first: 7n, last: 8n, landedAtMs: 10_000n },
        { first: 5n, last: 6n },
      ],
      l1: 9_001n,
      want: 4n,
    },
    {
      name: "landed channels in any order, then the tail",
      handed: 8n,
      channels: [
        { first: 7n, last: 8n, landedAtMs: 10_000n },
        { first: 5n, last: 6n, landedAtMs: 8_000n },
      ],
      l1: 13_001n,
      want: 8n,
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      expect(
        rewindTarget({
          head: 10n,
          handedThrough: c.handed,
          channels: c.channels ?? [],
          blockTimeMs,
          l1TimeMs: c.l1,
          maxBatchDelayMs: DELAY,
        }),
      ).toBe(c.want);
    });
});

const tx = (tag: number) => ({ hash: Uint8Array.of(tag), raw: Uint8Array.of(tag) }) as unknown as SignedTx;
const header = (n: bigint) => ({ number: n, timestamp: blockTimeMs(n) }) as unknown as BlockHeader;

/** A store of blocks 0..head, block k holding txs 10k and 10k+1, with undo records from `undoFrom`. */
function fakeStore(head: bigint, undoFrom = 1n) {
  let top = head;
  const pending: SignedTx[] = [];
  const store: RewindStore & { pending: SignedTx[] } = {
    pending,
    head: () => ({ header: header(top), hash: new Uint8Array(32) }),
    getBlock: (n) =>
      n > top
        ? undefined
        : {
            block: {
              header: header(n),
              systemTxs: [],
              txs: [tx(Number(n) * 10), tx(Number(n) * 10 + 1)],
            } as Block,
            hash: new Uint8Array(32),
            senders: [Uint8Array.of(1), Uint8Array.of(2)],
          },
    hasUndo: (n) => n >= undoFrom && n <= top,
    async rewindTo(n, repend) {
      top = n;
      pending.push(...repend);
    },
    listAwaitedRounds: async () => [],
  };
  return store;
}

/** A batcher whose persisted state is `saved` (what a restart reads). */
function fakeBatcher(saved: { handedThrough: bigint; channels: Array<{ first: bigint; last: bigint }> }) {
  const calls: bigint[] = [];
  return {
    calls,
    crash: false,
    get handedThrough() {
      return saved.handedThrough;
    },
    get channels() {
      return saved.channels.map((c) => ({ id: `0x${c.first}`, frames: 1, ...c }));
    },
    forcedCount: async (n: bigint) => (n === 8n ? 1 : 0),
    async rewindAbove(n: bigint) {
      calls.push(n);
      if (this.crash) throw new Error("killed");
      saved.channels = saved.channels.filter((c) => c.last <= n);
      if (saved.handedThrough > n) saved.handedThrough = n;
    },
  };
}

function modules(store: RewindStore, batcher: ReturnType<typeof fakeBatcher>, l1TimeMs: bigint) {
  const rewinds: Array<{ n: bigint; txs: number }> = [];
  const warns: object[] = [];
  const errors: object[] = [];
  const m: RewindAtStartModules = {
    store,
    batcher,
    sequencer: {
      async rewindTo(n, d) {
        const txs = await rewoundTxs(d.store, n, d.store.head()!.header.number, d.forcedCount);
        await d.store.rewindTo(
          n,
          txs.map((v) => v.tx),
        );
        rewinds.push({ n, txs: txs.length });
        return { txs: txs.length, readmitted: txs.length };
      },
    },
    l1TimeMs: async () => l1TimeMs,
    landings: async (cs) => cs.map((c) => ({ first: c.first, last: c.last })),
    originOf: async (h) => ({ number: h.number, hash: new Uint8Array(32), timestamp: 0n }) as L1Origin,
    maxBatchDelayMs: DELAY,
    log: { warn: (o) => warns.push(o), error: (o) => errors.push(o) },
  };
  return { m, rewinds, warns, errors };
}

describe("rewindAtStart", () => {
  it("rewinds the store then the batcher; the txs go back without the forced ones; one warn line", async () => {
    const store = fakeStore(10n);
    const batcher = fakeBatcher({ handedThrough: 8n, channels: [{ first: 7n, last: 8n }] });
    const { m, rewinds, warns } = modules(store, batcher, 11_001n);
    const r = await rewindAtStart(m);
    expect(r).toEqual({ from: 7n, to: 10n, txs: 7, readmitted: 7 });
    expect(rewinds).toEqual([{ n: 6n, txs: 7 }]);
    // Block order; block 8's first tx is forced (derivation includes it again from L1).
    expect(store.pending.map((t) => t.hash[0])).toEqual([70, 71, 81, 90, 91, 100, 101]);
    expect(batcher.calls).toEqual([6n]);
    expect(batcher.handedThrough).toBe(6n);
    expect(batcher.channels).toEqual([]);
    expect(warns).toHaveLength(1);
    expect(warns[0]).toMatchObject({ from: "7", to: "10", txs: 7 });
  });

  it("does nothing while the first unlanded block can still land", async () => {
    const store = fakeStore(10n);
    const batcher = fakeBatcher({ handedThrough: 8n, channels: [{ first: 7n, last: 8n }] });
    const { m, rewinds } = modules(store, batcher, 11_000n);
    expect(await rewindAtStart(m)).toBeUndefined();
    expect(rewinds).toEqual([]);
    expect(batcher.calls).toEqual([]);
  });

  it("a crash between the store's rewind and the batcher's: the restart finishes the batcher's, once", async () => {
    const store = fakeStore(10n);
    const saved = { handedThrough: 8n, channels: [{ first: 7n, last: 8n }] };
    const first = fakeBatcher(saved);
    first.crash = true;
    const a = modules(store, first, 11_001n);
    await expect(rewindAtStart(a.m)).rejects.toThrow("killed");
    expect(store.head()!.header.number).toBe(6n);
    // The restart: same store, the batcher's state as persisted (untouched by the crashed call).
    const second = fakeBatcher(saved);
    const b = modules(store, second, 12_000n);
    expect(await rewindAtStart(b.m)).toBeUndefined();
    expect(second.calls).toEqual([6n]);
    expect(second.handedThrough).toBe(6n);
    expect(second.channels).toEqual([]);
    expect(b.rewinds).toEqual([]);
    expect(store.head()!.header.number).toBe(6n);
  });

  it("blocks without undo records (an older datadir) are left with an error line", async () => {
    const store = fakeStore(10n, 9n);
    const batcher = fakeBatcher({ handedThrough: 6n, channels: [] });
    const { m, rewinds, errors } = modules(store, batcher, 20_000n);
    expect(await rewindAtStart(m)).toBeUndefined();
    expect(rewinds).toEqual([]);
    expect(errors).toHaveLength(1);
  });
});
