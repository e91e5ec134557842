import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LevelKv } from "../store/levelKv.ts";
import { BatchLog, type LandedBatch } from "./batchLog.ts";
import type { IndexedBlock } from "./indexBlock.ts";
import { IndexCursorError, IndexReads } from "./indexReads.ts";

const PARAMS = { epochMs: 30_000n } as ConstructorParameters<typeof IndexReads>[1];

/** A chain of block hashes by number (a fake of the chain store's getBlock: only hashes matter here). */
class FakeChain {
  hashes = new Map<bigint, Uint8Array>();
  build(from: bigint, to: bigint, tag: number): void {
    for (let n = from; n <= to; n++)
      this.hashes.set(n, new Uint8Array(32).fill(tag).fill(Number(n % 256n), 0, 1));
  }
  rewindTo(n: bigint): void {
    for (const k of [...this.hashes.keys()]) if (k > n) this.hashes.delete(k);
  }
  getBlock = (n: bigint): IndexedBlock | undefined => {
    const hash = this.hashes.get(n);
    return hash === undefined ? undefined : ({ hash } as IndexedBlock);
  };
}

const landed = (first: bigint, last: bigint, l1: bigint): LandedBatch => ({
  l1BlockNumber: l1,
  l1TxHash: new Uint8Array(32).fill(Number(l1)),
  firstBlock: first,
  lastBlock: last,
  bytes: 100 + Number(last - first),
  frames: 1,
});

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

async function open(dir?: string): Promise<{ kv: LevelKv; dir: string }> {
  const d = dir ?? mkdtempSync(join(tmpdir(), "flops-batchlog-"));
  if (!dir) dirs.push(d);
  const kv = new LevelKv(d);
  await kv.open();
  return { kv, dir: d };
}

describe("BatchLog: the batches this node landed, in the indexer's DB", () => {
  it("numbers landings 0, 1, 2…, lists them newest first in keyset pages, and keeps them across a restart", async () => {
    const chain = new FakeChain();
    chain.build(0n, 30n, 1);
    const { kv, dir } = await open();
    const log = new BatchLog(kv, chain);
    await log.record(landed(1n, 10n, 5n));
    await log.record(landed(11n, 20n, 6n));
    await log.record(landed(21n, 30n, 8n));
    await kv.close();

    const again = await open(dir);
    const reads = new IndexReads(again.kv, PARAMS);
    const p1 = await reads.batches({ limit: 2 });
    expect(p1.items.map((b) => [b.index, b.firstBlock, b.lastBlock, b.l1BlockNumber])).toEqual([
      [2n, 21n, 30n, 8n],
      [1n, 11n, 20n, 6n],
    ]);
    expect(p1.items[0]!.l1TxHash).toEqual(new Uint8Array(32).fill(8));
    expect(p1.next).toBe("1");
    const p2 = await reads.batches({ limit: 2, cursor: p1.next! });
    expect(p2.items.map((b) => b.index)).toEqual([0n]);
    expect(p2.next).toBeNull();
    expect(reads.batch(1n)?.lastBlock).toBe(20n);
    expect(reads.batch(3n)).toBeUndefined();
    expect(() => reads.batches({ limit: 2, cursor: "x" })).toThrow(IndexCursorError);
    // The next landing continues the numbering from the log itself.
    chain.build(31n, 40n, 1);
    expect((await new BatchLog(again.kv, chain).record(landed(31n, 40n, 9n)))?.index).toBe(3n);
    await again.kv.close();
  });

  it("a rewind drops the rows pointing at replaced blocks (a tail), and a re-post supersedes them", async () => {
    const chain = new FakeChain();
    chain.build(0n, 30n, 1);
    const { kv } = await open();
    const log = new BatchLog(kv, chain);
    const reads = new IndexReads(kv, PARAMS);
    for (const b of [landed(1n, 10n, 5n), landed(11n, 20n, 6n), landed(21n, 30n, 7n)]) await log.record(b);
    expect(await log.prune()).toBe(0);

    // Blocks above 15 rewound and rebuilt (other hashes): batches 1 and 2 point at blocks gone.
    chain.rewindTo(15n);
    chain.build(16n, 30n, 2);
    expect(await log.prune()).toBe(2);
    expect((await reads.batches({ limit: 10 })).items.map((b) => b.index)).toEqual([0n]);

    // The re-posted range takes the next number after the rows left.
    expect((await log.record(landed(11n, 30n, 12n)))?.index).toBe(1n);
    // A channel that reaches below the newest row's end (its blocks were re-posted) replaces it.
    chain.rewindTo(25n);
    chain.build(26n, 30n, 3);
    const r = await log.record(landed(11n, 30n, 14n));
    expect(r?.index).toBe(1n);
    expect((await reads.batches({ limit: 10 })).items.map((b) => [b.index, b.l1BlockNumber])).toEqual([
      [1n, 14n],
      [0n, 5n],
    ]);
    // A landing whose last block is already gone is not recorded.
    chain.rewindTo(20n);
    expect(await log.record(landed(21n, 30n, 15n))).toBeUndefined();
    await kv.close();
  });

  it("serializes concurrent landings: no two rows share an index", async () => {
    const chain = new FakeChain();
    chain.build(0n, 100n, 1);
    const { kv } = await open();
    const log = new BatchLog(kv, chain);
    const rows = await Promise.all(
      Array.from({ length: 10 }, (_, i) => log.record(landed(BigInt(i * 10 + 1), BigInt(i * 10 + 10), 5n))),
    );
    expect(rows.map((r) => r?.index)).toEqual(Array.from({ length: 10 }, (_, i) => BigInt(i)));
    await kv.close();
  });
});
