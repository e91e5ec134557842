import { describe, expect, it } from "vitest";
import { IX } from "./keys.ts";
import type { TxRecord } from "./records.ts";
import {
  CHUNK_TXS,
  chunkBlockTxCount,
  chunkKey,
  chunkStart,
  decodeChunk,
  rowAt,
  TxChunkError,
  TxChunkWriter,
} from "./txChunks.ts";

const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);

/** One row of each shape the indexer writes: optional fields present and absent. */
function rows(block: bigint, first: number, time: bigint): TxRecord[] {
  const base = (index: number, kind: TxRecord["kind"]): TxRecord => ({
    hash: bytes(32, index + 1),
    blockNumber: block,
    index,
    timestamp: time,
    kind,
    status: "success",
  });
  return [
    { ...base(first, "beacon") },
    { ...base(first + 1, "deposit"), to: bytes(20, 7), amount: 2n ** 200n + 5n, credits: 2n ** 200n + 5n },
    {
      ...base(first + 2, "revoke"),
      challengeId: 2n ** 64n - 1n,
      credits: 0n,
      status: "failed",
      error: "NOT_PASSED",
    },
    { ...base(first + 3, "transfer"), from: bytes(20, 1), to: bytes(20, 2), amount: 0n },
    { ...base(first + 4, "reveal"), from: bytes(20, 3), challengeId: 9n, credits: 123_456_789_012_345n },
    { ...base(first + 5, "withdraw"), from: bytes(20, 4), to: bytes(20, 4), amount: 281_474_976_710_655n },
    { ...base(first + 6, "register"), from: bytes(20, 5), status: "failed", error: "ALREADY_REGISTERED" },
  ];
}

function chunkOf(records: TxRecord[], time: bigint): Uint8Array {
  const w = new TxChunkWriter(time, 200);
  for (const t of records) w.add(t);
  return w.take();
}

describe("txChunks", () => {
  it("default: every row shape round-trips with its position from the key and its time from the chunk", () => {
    const want = rows(7n, 128, 1_700_000_000_123n);
    const value = chunkOf(want, 1_700_000_000_123n);
    expect(decodeChunk(7n, 128, value)).toEqual(want);
    expect(rowAt(7n, 128, value, 132)).toEqual(want[4]);
    expect(rowAt(7n, 128, value, 135)).toBeUndefined();
    expect(decodeChunk(7n, 128, value, (i) => i % 2 === 0).map((t) => t.index)).toEqual([128, 130, 132, 134]);
    // A transfer's row: length, kind, flags, hash, two addresses, a zero amount (its length byte only).
    expect(chunkOf([want[3]!], 0n).length).toBe(12 + 2 + 2 + 32 + 40 + 1);
    expect(chunkBlockTxCount(value)).toBe(200);
  });

  it("take: a writer reused for the next chunk of the block starts empty, with the block's time", () => {
    const w = new TxChunkWriter(5n, 65);
    const [a, b] = rows(1n, 0, 5n);
    w.add(a!);
    const first = w.take();
    expect(w.count).toBe(0);
    w.add({ ...b!, index: 64 });
    expect(decodeChunk(1n, 0, first)).toEqual([a]);
    expect(decodeChunk(1n, 64, w.take())).toEqual([{ ...b!, index: 64 }]);
  });

  it("growth: rows past the writer's first buffer move only the open chunk; taken chunks stay whole", () => {
    const w = new TxChunkWriter(9n, 1);
    const long = (index: number): TxRecord => ({
      ...rows(3n, 0, 9n)[6]!,
      index,
      error: `E${index}`.padEnd(200, "x"),
    });
    const taken: Uint8Array[] = [];
    for (let i = 0; i < 130; i++) {
      w.add(long(i));
      if (w.count === CHUNK_TXS) taken.push(w.take());
    }
    taken.push(w.take());
    expect(taken.map((c, k) => decodeChunk(3n, k * CHUNK_TXS, c).length)).toEqual([64, 64, 2]);
    expect(decodeChunk(3n, 64, taken[1]!)[63]).toEqual(long(127));
    expect(chunkBlockTxCount(taken[2]!)).toBe(1);
  });

  it("keys: a chunk starts at a multiple of 64 and keys sort by block, then first index", () => {
    expect(CHUNK_TXS).toBe(64);
    expect([0, 63, 64, 4999].map(chunkStart)).toEqual([0, 0, 64, 4992]);
    const k = chunkKey(IX.TX, 2n ** 40n, 4992);
    expect(Buffer.from(k).toString("hex")).toBe(`03${"0000010000000000"}${"00001380"}`);
    expect(Buffer.compare(chunkKey(IX.TX, 1n, 4992), chunkKey(IX.TX, 2n, 0))).toBe(-1);
  });

  it("a long error text is cut to 255 bytes, on a character boundary", () => {
    const t: TxRecord = { ...rows(1n, 0, 0n)[6]!, error: "é".repeat(300) };
    const back = decodeChunk(1n, 0, chunkOf([t], 0n))[0]!;
    expect(back.error).toBe("é".repeat(127));
  });

  it("damaged: a truncated chunk, an unknown kind and a row longer than its fields are refused", () => {
    const value = chunkOf(rows(1n, 0, 0n), 0n);
    expect(() => decodeChunk(1n, 0, value.subarray(0, value.length - 1))).toThrow(TxChunkError);
    expect(() => decodeChunk(1n, 0, value.subarray(0, 11))).toThrow(TxChunkError);
    const badKind = value.slice();
    badKind[14] = 200;
    expect(() => decodeChunk(1n, 0, badKind)).toThrow(TxChunkError);
    // The first row (a beacon: 34 bytes) claims 35 with a zero byte after it.
    const longer = new Uint8Array([...value.subarray(0, 12), 0, 35, ...value.subarray(14, 48), 0]);
    expect(() => decodeChunk(1n, 0, longer)).toThrow(/longer than its fields/);
    expect(() => new TxChunkWriter(0n, 1).add({ ...rows(1n, 0, 0n)[0]!, kind: "mint" as never })).toThrow(
      TxChunkError,
    );
  });
});
