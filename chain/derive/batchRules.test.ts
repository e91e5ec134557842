import { describe, expect, it } from "vitest";
import type { BatchBlock } from "../wire/index.ts";
import type { L1BlockRef } from "./attributes.ts";
import {
  type BatchDropReason,
  checkBatchBlock,
  defaultBlockTime,
  type SafeHead,
  windowClosed,
} from "./batchRules.ts";

const params = { maxBatchDelayMs: 4_000n, maxSequencerDriftMs: 30_000n, sequencingWindow: 64n };
const T0 = 1_000_000n; // s
const ref = (n: bigint, dtSec = n - 10n): L1BlockRef => ({
  number: n,
  hash: new Uint8Array(32).fill(Number(n)),
  parentHash: new Uint8Array(32).fill(Number(n - 1n)),
  timestamp: T0 + dtSec,
});
const l1 = (n: bigint): L1BlockRef | undefined => (n <= 200n ? ref(n) : undefined);
const E = ref(10n);
const safe: SafeHead = {
  number: 5n,
  hash: new Uint8Array(32).fill(0xaa),
  timestamp: T0 * 1000n + 500n,
  origin: E,
};
const ms = (sec: bigint, extra = 0n): bigint => (T0 + sec) * 1000n + extra;
const good: BatchBlock = {
  parentHash: safe.hash,
  timestamp: ms(0n, 600n),
  l1OriginNumber: 10n,
  l1OriginHash: E.hash,
  beacons: [],
  txs: [],
};

describe("batch block rules (PROTOCOL §5 D4, D5)", () => {
  const table: Array<[string, Partial<BatchBlock>, bigint, BatchDropReason | "ok"]> = [
    ["the next block on the same origin", {}, 12n, "ok"],
    [
      "the next origin, at its time",
      { l1OriginNumber: 11n, l1OriginHash: ref(11n).hash, timestamp: ms(1n) },
      12n,
      "ok",
    ],
    ["at the parent's time", { timestamp: safe.timestamp }, 12n, "already derived"],
    ["another parent", { parentHash: new Uint8Array(32) }, 12n, "wrong parent"],
    [
      "origin two ahead",
      { l1OriginNumber: 12n, l1OriginHash: ref(12n).hash, timestamp: ms(2n) },
      12n,
      "origin neither the parent's nor the next",
    ],
    [
      "origin behind the parent's",
      { l1OriginNumber: 9n, l1OriginHash: ref(9n).hash },
      12n,
      "origin neither the parent's nor the next",
    ],
    [
      "origin after its inclusion block",
      { l1OriginNumber: 11n, l1OriginHash: ref(11n).hash, timestamp: ms(1n) },
      10n,
      "origin after the inclusion block",
    ],
    ["a reorged origin hash", { l1OriginHash: new Uint8Array(32).fill(1) }, 12n, "origin hash mismatch"],
    [
      "before its origin's time",
      { l1OriginNumber: 11n, l1OriginHash: ref(11n).hash, timestamp: ms(1n) - 1n },
      12n,
      "timestamp before its origin",
    ],
    ["past the drift", { timestamp: ms(30n, 1n) }, 12n, "timestamp past the sequencer drift"],
    ["at the drift", { timestamp: ms(30n) }, 34n, "ok"],
    ["exactly maxBatchDelay old", {}, 14n, "ok"],
    ["older than maxBatchDelay", {}, 15n, "late: older than maxBatchDelay"],
  ];
  for (const [name, change, inclusion, want] of table) {
    it(`table: ${name} (included in L1 block ${inclusion}) → ${want}`, () => {
      const r = checkBatchBlock(params, safe, { ...good, ...change }, ref(inclusion), l1);
      expect(r.ok ? "ok" : r.error).toBe(want);
    });
  }

  it("behavior: a batch past the sequencing window (in blocks) is dropped even if L1 time stood nearly still", () => {
    // L1 blocks 1 ms apart in our model are impossible; 1 s apart with a window of 4 blocks.
    const p = { ...params, sequencingWindow: 4n };
    const slow = (n: bigint): L1BlockRef => ({ ...ref(n), timestamp: T0 + (n - 10n) / 10n });
    expect(checkBatchBlock(p, safe, good, slow(14n), l1).ok).toBe(true);
    expect(checkBatchBlock(p, safe, good, slow(15n), l1)).toEqual({
      ok: false,
      error: "sequencing window passed",
    });
  });
});

describe("the window rule and default blocks (D8)", () => {
  it("table: the window closes once no batch in the L1 block could still be valid", () => {
    const next = ref(11n); // T0 + 1
    // Latest L2 time for the next block: next + drift = T0 + 31 s; a batch may lag it by 4 s.
    expect(windowClosed(params, next, ref(45n))).toBe(false); // T0 + 35 s: 31 s ≥ 35 − 4
    expect(windowClosed(params, next, ref(46n))).toBe(true);
    expect(
      windowClosed({ ...params, sequencingWindow: 10n }, next, { ...ref(21n), timestamp: T0 + 2n }),
    ).toBe(false);
    expect(
      windowClosed({ ...params, sequencingWindow: 10n }, next, { ...ref(22n), timestamp: T0 + 2n }),
    ).toBe(true);
  });

  it("behavior: a default block takes its origin's time, or 1 ms after its parent when that is later", () => {
    expect(defaultBlockTime(safe, ref(11n))).toBe(ms(1n));
    expect(defaultBlockTime({ ...safe, timestamp: ms(5n) }, ref(11n))).toBe(ms(5n) + 1n);
  });
});
