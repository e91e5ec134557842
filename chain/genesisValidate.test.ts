import { describe, expect, it } from "vitest";
import { genesisFromJson, genesisToJson } from "./genesisDoc.ts";
import { validateParams } from "./genesisValidate.ts";
import { type ChainParams, defaultParams, productionParams, QUICKNET } from "./params.ts";

const dev = defaultParams(QUICKNET);
const prod = productionParams(QUICKNET, 4242n);
const problem = (p: Partial<ChainParams>, base: ChainParams = dev): string => {
  try {
    validateParams({ ...base, ...p });
    return "ok";
  } catch (e) {
    return (e as Error).message;
  }
};

describe("genesis: L1 timing and derivation params (PROTOCOL §2, §5 D-rules)", () => {
  it("default: devnet and production defaults hold every relation, and survive the JSON round trip", () => {
    expect(problem({}, dev)).toBe("ok");
    expect(problem({}, prod)).toBe("ok");
    expect(prod).toMatchObject({ l1BlockTimeMs: 12_000n, maxBatchDelayMs: 60_000n, sequencingWindow: 300n });
    expect(dev).toMatchObject({ l1BlockTimeMs: 1_000n, maxBatchDelayMs: 4_000n, sequencingWindow: 64n });
    const g = { params: prod, timestamp: 1n, alloc: [] };
    expect(genesisFromJson(genesisToJson(g))).toEqual(g);
  });

  it("table: each broken relation names its field", () => {
    const table: Array<[Partial<ChainParams>, ChainParams, RegExp]> = [
      // The old devnet default (2 s) is below one 12 s slot; 3 slots are needed.
      [
        { maxBatchDelayMs: 2_000n },
        prod,
        /^genesis: params\.maxBatchDelayMs must be at least 3 L1 blocks \(3 x params\.l1BlockTimeMs = 36000 ms/,
      ],
      [{ maxBatchDelayMs: 2_999n }, dev, /^genesis: params\.maxBatchDelayMs must be at least 3 L1 blocks/],
      [{ l1BlockTimeMs: 0n }, dev, /^genesis: params\.l1BlockTimeMs must be in \[1, /],
      [
        { sequencingWindow: 0n },
        dev,
        /^genesis: params\.sequencingWindow must be in \[1, 1048576\] L1 blocks, got 0/,
      ],
      [
        { sequencingWindow: 33n },
        dev,
        /^genesis: params\.sequencingWindow must cover maxSequencerDriftMs \+ maxBatchDelayMs \(34000 ms\)/,
      ],
      [{ channelTimeout: 0n }, dev, /^genesis: params\.channelTimeout must be in \[1, 64\]/],
      [
        { channelTimeout: 65n },
        dev,
        /^genesis: params\.channelTimeout must be in \[1, 64\] L1 blocks \(at most the sequencing window\), got 65/,
      ],
      [
        { maxChannelBytes: 2 * dev.maxBlockBytes - 1 },
        dev,
        /^genesis: params\.maxChannelBytes must be an integer in \[16777216, 268435456\]/,
      ],
    ];
    for (const [change, base, want] of table) expect(problem(change, base)).toMatch(want);
    expect(problem({ sequencingWindow: 34n })).toBe("ok");
    expect(problem({ maxBatchDelayMs: 3_000n })).toBe("ok");
  });

  it("behavior: a genesis document without the new fields is refused, naming the first", () => {
    const text = genesisToJson({ params: dev, timestamp: 1n, alloc: [] });
    const doc = JSON.parse(text) as { params: Record<string, unknown> };
    delete doc.params.sequencingWindow;
    expect(() => genesisFromJson(JSON.stringify(doc))).toThrow(
      /^genesis: params\.sequencingWindow is missing/,
    );
  });
});

describe("genesis: recordTtlMs (PROTOCOL §3 record expiry)", () => {
  it("table: the floor is maxBatchDelay + drift + one minute for an output interval and a challenge window", () => {
    // dev: 4 s + 30 s + 60 s = 94 s; prod: 60 s + 30 s + 60 s = 150 s.
    expect(problem({ recordTtlMs: 94_000n })).toBe("ok");
    expect(problem({ recordTtlMs: 93_999n })).toMatch(
      /^genesis: params\.recordTtlMs must be at least maxBatchDelayMs \+ maxSequencerDriftMs \+ 60000 ms for an output interval and a challenge window \(94000 ms\).*got 93999$/,
    );
    expect(problem({ recordTtlMs: 149_999n }, prod)).toMatch(/\(150000 ms\)/);
    expect(problem({ recordTtlMs: 0n })).toMatch(/^genesis: params\.recordTtlMs must be in \[1, /);
    expect(problem({ recordTtlMs: 367n * 86_400_000n })).toMatch(
      /^genesis: params\.recordTtlMs must be in \[1, /,
    );
    // The floor moves with the L2 terms it names.
    expect(problem({ recordTtlMs: 94_000n, maxSequencerDriftMs: 30_001n })).toMatch(/\(94001 ms\)/);
  });

  it("behavior: a genesis document without recordTtlMs is refused", () => {
    const text = genesisToJson({ params: dev, timestamp: 1n, alloc: [] });
    const doc = JSON.parse(text) as { params: Record<string, unknown> };
    expect(doc.params.recordTtlMs).toBe("600000");
    delete doc.params.recordTtlMs;
    expect(() => genesisFromJson(JSON.stringify(doc))).toThrow(/^genesis: params\.recordTtlMs is missing/);
  });
});
