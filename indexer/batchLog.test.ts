import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LevelKv } from "../store/levelKv.ts";
import { BatchLog, type DerivedBatch } from "./batchLog.ts";
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

/** What derivation tells of L1 block `l1`: blocks first..last, one batcher tx (or `txs`). */
const decided = (
  chain: FakeChain,
  first: bigint,
  last: bigint,
  l1: bigint,
  txs: DerivedBatch["txs"] = [
    { hash: new Uint8Array(32).fill(Number(l1)), bytes: 100 + Number(last - first), frames: 1 },
  ],
): DerivedBatch => ({
  l1Block: { number: l1 },
  firstBlock: first,
  lastBlock: last,
  lastBlockHash: chain.getBlock(last)!.hash,
  txs,
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

describe("BatchLog: the batches derivation read from L1, in the indexer's DB", () => {
  it("numbers rows 0, 1, 2…, sums an L1 block's batcher txs, lists them newest first in keyset pages, and keeps them across a restart", async () => {
    const chain = new FakeChain();
    chain.build(0n, 30n, 1);
    const { kv, dir } = await open();
    const log = new BatchLog(kv, chain);
    await log.decided(decided(chain, 1n, 10n, 5n));
    await log.decided(decided(chain, 11n, 20n, 6n));
    const two = [
      { hash: new Uint8Array(32).fill(0xa1), bytes: 1000, frames: 2 },
      { hash: new Uint8Array(32).fill(0xa2), bytes: 500, frames: 1 },
    ];
    const row = await log.decided(decided(chain, 21n, 30n, 8n, two));
    expect(row).toMatchObject({ index: 2n, bytes: 1500, frames: 3, l1BlockNumber: 8n });
    // The last batcher tx names the row (the one whose frame completed the channel, usually the only one).
    expect(row.l1TxHash).toEqual(new Uint8Array(32).fill(0xa2));
    await kv.close();

    const again = await open(dir);
    const reads = new IndexReads(again.kv, PARAMS);
    const p1 = await reads.batches({ limit: 2 });
    expect(p1.items.map((b) => [b.index, b.firstBlock, b.lastBlock, b.l1BlockNumber])).toEqual([
      [2n, 21n, 30n, 8n],
      [1n, 11n, 20n, 6n],
    ]);
    expect(p1.next).toBe("1");
    const p2 = await reads.batches({ limit: 2, cursor: p1.next! });
    expect(p2.items.map((b) => b.index)).toEqual([0n]);
    expect(p2.next).toBeNull();
    expect(reads.batch(1n)?.lastBlock).toBe(20n);
    expect(reads.batch(3n)).toBeUndefined();
    expect(() => reads.batches({ limit: 2, cursor: "x" })).toThrow(IndexCursorError);
    // The next row continues the numbering from the log itself; no batcher tx: no hash.
    chain.build(31n, 40n, 1);
    const next = await new BatchLog(again.kv, chain).decided(decided(chain, 31n, 40n, 9n, []));
    expect(next).toMatchObject({ index: 3n, bytes: 0, frames: 0 });
    expect(next.l1TxHash).toBeUndefined();
    await again.kv.close();
  });

  it("is idempotent: the same L1 blocks derived again (a resume) rewrite the same rows under the same numbers", async () => {
    const chain = new FakeChain();
    chain.build(0n, 30n, 1);
    const { kv } = await open();
    const log = new BatchLog(kv, chain);
    const reads = new IndexReads(kv, PARAMS);
    const all = [decided(chain, 1n, 10n, 5n), decided(chain, 11n, 20n, 6n), decided(chain, 21n, 30n, 7n)];
    for (const b of all) await log.decided(b);
    const before = (await reads.batches({ limit: 10 })).items;
    // A resume takes back the head's L1 block (blocks above 20) and derives it again.
    expect(await log.rewound(20n)).toBe(1);
    await log.decided(all[2]!);
    expect((await reads.batches({ limit: 10 })).items).toEqual(before);
    // Told twice without a rewind (a crash between a row and derivation's cursor): still one row.
    await log.decided(all[2]!);
    await log.decided(all[1]!);
    await log.decided(all[2]!);
    expect((await reads.batches({ limit: 10 })).items).toEqual(before);
    await kv.close();
  });

  it("a reorg's rewind drops every row reaching above its block (more than one scan's worth), and the re-derived rows take their numbers", async () => {
    const chain = new FakeChain();
    chain.build(0n, 700n, 1);
    const { kv } = await open();
    const log = new BatchLog(kv, chain);
    const reads = new IndexReads(kv, PARAMS);
    for (let i = 0n; i < 600n; i++) await log.decided(decided(chain, i + 1n, i + 1n, 10n + i));
    // A row reaching across the rewind point goes too (blocks 4..6 in one row).
    expect(await log.rewound(2n)).toBe(598);
    expect((await reads.batches({ limit: 10 })).items.map((b) => b.lastBlock)).toEqual([2n, 1n]);
    // L1 now decides blocks 3..6 in one other L1 block: the next number.
    chain.rewindTo(2n);
    chain.build(3n, 6n, 2);
    const r = await log.decided(decided(chain, 3n, 6n, 900n));
    expect([r.index, r.l1BlockNumber]).toEqual([2n, 900n]);
    expect(await log.rewound(6n)).toBe(0);
    await kv.close();
  });

  it("a sequencer's own rewind (other blocks at the same heights) prunes the rows pointing at replaced blocks", async () => {
    const chain = new FakeChain();
    chain.build(0n, 30n, 1);
    const { kv } = await open();
    const log = new BatchLog(kv, chain);
    const reads = new IndexReads(kv, PARAMS);
    for (const b of [decided(chain, 1n, 10n, 5n), decided(chain, 11n, 20n, 6n), decided(chain, 21n, 30n, 7n)])
      await log.decided(b);
    expect(await log.prune()).toBe(0);
    chain.rewindTo(15n);
    chain.build(16n, 30n, 2);
    expect(await log.prune()).toBe(2);
    expect((await reads.batches({ limit: 10 })).items.map((b) => b.index)).toEqual([0n]);
    // Derivation then decides the new blocks: a row reaching below the newest row's end replaces it.
    expect((await log.decided(decided(chain, 11n, 30n, 12n))).index).toBe(1n);
    expect((await log.decided(decided(chain, 5n, 30n, 14n))).index).toBe(0n);
    expect((await reads.batches({ limit: 10 })).items.map((b) => [b.index, b.l1BlockNumber])).toEqual([
      [0n, 14n],
    ]);
    await kv.close();
  });

  it("serializes concurrent rows: no two rows share a number", async () => {
    const chain = new FakeChain();
    chain.build(0n, 100n, 1);
    const { kv } = await open();
    const log = new BatchLog(kv, chain);
    const rows = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        log.decided(decided(chain, BigInt(i * 10 + 1), BigInt(i * 10 + 10), 5n)),
      ),
    );
    expect(rows.map((r) => r.index)).toEqual(Array.from({ length: 10 }, (_, i) => BigInt(i)));
    await kv.close();
  });
});
