import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { concatBytes, equalBytes, u64ToBytes } from "../chain/bytes.ts";
import { signTx } from "../chain/tx/index.ts";
import type { Block, BlockHeader, Receipt, SignedTx } from "../chain/types.ts";
import { blockHash, decodeBlock, encodeBlock } from "../chain/wire/index.ts";
import { TestAccount, TestChain } from "../test/helpers/testChain.ts";
import { BlockCache, DEFAULT_BLOCK_CACHE } from "./blockCache.ts";
import {
  type BlockToCommit,
  CHAIN_WRITE_BUFFER_BYTES,
  ChainStore,
  type ChainStoreOpts,
  type StoredBlockData,
} from "./chainStore.ts";
import { PREFIX } from "./prefixes.ts";

// encodeBlock, counted: the store must write the builder's bytes, not encode the block again.
vi.mock("../chain/wire/index.ts", async (importOriginal) => {
  const mod = await importOriginal<typeof import("../chain/wire/index.ts")>();
  return { ...mod, encodeBlock: vi.fn(mod.encodeBlock) };
});

const dirs: string[] = [];
const open: ChainStore[] = [];

afterEach(async () => {
  for (const s of open.splice(0)) if (s.kv.db.status === "open") await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function openStore(dir?: string, opts?: ChainStoreOpts): Promise<{ store: ChainStore; dir: string }> {
  const d = dir ?? mkdtempSync(join(tmpdir(), "flops-chainstore-"));
  if (!dir) dirs.push(d);
  const store = await ChainStore.open(d, opts);
  open.push(store);
  return { store, dir: d };
}

const KEY = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const ZERO = new Uint8Array(32);

/** A reveal carrying `bytes` of tiles+proof: the largest kind of tx (up to maxTxBytes). */
function bigTx(nonce: number, bytes: number): SignedTx {
  const half = bytes >> 1;
  return signTx(
    {
      chainId: 7n,
      nonce: BigInt(nonce),
      action: {
        kind: "reveal",
        challengeId: 1n,
        tiles: new Uint8Array(half).fill(nonce & 0xff),
        proof: new Uint8Array(half).fill(0x5a),
      },
    },
    KEY,
  );
}

function smallTx(nonce: number): SignedTx {
  return signTx({ chainId: 7n, nonce: BigInt(nonce), action: { kind: "register" } }, KEY);
}

/** A hand-made block with its canonical bytes, as ChainCore.build would hand it over. */
function storedBlock(number: number, txs: SignedTx[]): BlockToCommit {
  const header: BlockHeader = {
    number: BigInt(number),
    parentHash: ZERO,
    timestamp: 1_700_000_000_000n + BigInt(number),
    l1Origin: { number: 0n, hash: ZERO, timestamp: 0n },
    stateRoot: ZERO,
    withdrawalsRoot: ZERO,
    txRoot: ZERO,
    receiptsRoot: ZERO,
  };
  const block: Block = { header, systemTxs: [], txs };
  const receipts: Receipt[] = txs.map((tx) => ({ txHash: tx.hash, status: "success" }));
  const encoded = encodeBlock(block);
  return {
    block,
    hash: blockHash(header),
    receipts,
    senders: txs.map(() => new Uint8Array(20).fill(9)),
    size: encoded.length,
    encoded,
  };
}

interface WriteCall {
  ops: number;
  options: unknown;
}

/**
 * Records the options of every batch written to level. A power cut cannot be simulated in a test,
 * so what is checked is that each write a caller waits on asks level (LevelDB's WriteOptions.sync)
 * to fsync before it resolves. `delayMs` stands for a slow fsync (on tmpfs it costs nothing).
 */
function recordWrites(store: ChainStore, delayMs = 0): WriteCall[] {
  const calls: WriteCall[] = [];
  const db = store.kv.db;
  const batch = db.batch.bind(db);
  db.batch = ((...args: unknown[]) => {
    if (args.length > 0) throw new Error("only chained batches are expected");
    const b = batch();
    const write = b.write.bind(b);
    b.write = (async (options?: unknown) => {
      calls.push({ ops: b.length, options });
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      return write(options as Parameters<typeof write>[0]);
    }) as typeof b.write;
    return b;
  }) as typeof db.batch;
  return calls;
}

const tick = () => new Promise<void>((r) => setImmediate(r));

describe("ChainStore block cache", () => {
  it("bounds its cache by bytes, and re-reads evicted blocks from level intact", async () => {
    // An 8 MiB bound (the default is 64 MiB: the same code, eight times the bytes to write).
    const limit = 8 * 1024 * 1024;
    const { store } = await openStore(undefined, { blockCache: { maxBytes: limit, maxBlocks: 512 } });
    // 7 blocks of ~2.5 MiB (20 × 125 KB reveals): ~17.5 MiB in all, twice the byte bound yet far
    // under the count bound, which was the only bound before.
    const txs = Array.from({ length: 20 }, (_, i) => bigTx(i, 125_000));
    const written: StoredBlockData[] = [];
    for (let n = 1; n <= 7; n++) {
      const b = storedBlock(n, txs);
      await store.commitBlock(b, []);
      written.push(b);
      expect(store.blocks.bytes).toBeLessThanOrEqual(limit);
    }
    expect(written[0]!.size).toBeGreaterThan(2_500_000);
    expect(store.blocks.size).toBeLessThan(4);
    expect(store.blocks.has(1n)).toBe(false);
    expect(store.blocks.has(7n)).toBe(true);

    // Evicted blocks come back from level, equal to what was written; the bound still holds.
    for (const n of [1, 2, 4]) {
      const want = written[n - 1]!;
      const got = store.getBlock(BigInt(n))!;
      expect(got.hash).toEqual(want.hash);
      expect(got.size).toBe(want.size);
      expect(got.block.header).toEqual(want.block.header);
      // equalBytes: toEqual walks a 125 KB array element by element, far too slowly.
      expect(got.block.txs.every((t, i) => equalBytes(t.raw, want.block.txs[i]!.raw))).toBe(true);
      expect(got.block.txs.length).toBe(want.block.txs.length);
      expect(got.receipts).toEqual(want.receipts);
      expect(got.senders).toEqual(want.senders);
      expect(store.blocks.bytes).toBeLessThanOrEqual(limit);
    }
    expect(store.blocks.has(1n)).toBe(true); // re-read blocks are cached again
  });

  it("defaults to the documented bound", async () => {
    const { store } = await openStore();
    expect(store.blocks.limits).toEqual(DEFAULT_BLOCK_CACHE);
    expect(DEFAULT_BLOCK_CACHE).toEqual({ maxBytes: 64 * 1024 * 1024, maxBlocks: 512 });
  });

  it("opens LevelDB with a 32 MiB memtable unless told otherwise", async () => {
    const { store } = await openStore();
    expect(store.kv.tuning.writeBufferSize).toBe(CHAIN_WRITE_BUFFER_BYTES);
    expect(CHAIN_WRITE_BUFFER_BYTES).toBe(32 * 1024 * 1024);
    const { store: other } = await openStore(undefined, { writeBufferSize: 8 << 20 });
    expect(other.kv.tuning.writeBufferSize).toBe(8 << 20);
  });

  it("also bounds the count, and evicts the least recently used", () => {
    const cache = new BlockCache<string>({ maxBytes: 1000, maxBlocks: 3 });
    cache.set(1n, "a", 100);
    cache.set(2n, "b", 100);
    cache.set(3n, "c", 100);
    expect(cache.get(1n)).toBe("a"); // 1 is now the most recent; 2 the least
    cache.set(4n, "d", 100);
    expect([cache.has(1n), cache.has(2n), cache.has(3n), cache.has(4n)]).toEqual([true, false, true, true]);
    cache.set(5n, "e", 850); // bytes: evicts 3 and 1 (least recent first)
    expect([cache.has(1n), cache.has(3n), cache.has(4n), cache.has(5n)]).toEqual([false, false, true, true]);
    expect(cache.bytes).toBe(950);
    cache.set(6n, "f", 1001); // larger than the whole bound: not cached, nothing evicted
    expect(cache.has(6n)).toBe(false);
    expect(cache.bytes).toBe(950);
    cache.set(4n, "d2", 50); // replacing re-charges
    expect(cache.bytes).toBe(900);
    expect(cache.size).toBe(2);
  });

  it("charges blocks of many small txs for their decoded objects, not just their bytes", async () => {
    const { store } = await openStore();
    const b = storedBlock(
      1,
      Array.from({ length: 200 }, (_, i) => smallTx(i)),
    );
    await store.commitBlock(b, []);
    expect(store.blocks.bytes).toBeGreaterThanOrEqual(b.size + 200 * 1024);
  });
});

describe("ChainStore records", () => {
  it("stores and reads back a block with more receipts than a call's arguments can hold", async () => {
    const { store } = await openStore(undefined, { blockCache: { maxBytes: 0, maxBlocks: 0 } });
    const b = storedBlock(1, []);
    // 70,000 receipts and senders: the record was built with concatBytes(...items), which
    // overflows the stack past ~130k arguments (two per receipt).
    b.receipts = Array.from({ length: 70_000 }, (_, i) => ({
      txHash: new Uint8Array(32).fill(i & 0xff),
      status: "failed",
      error: "NONCE_TOO_LOW",
    }));
    b.senders = b.receipts.map((_, i) => new Uint8Array(20).fill(i & 0xff));
    await store.commitBlock(b, []);
    const got = store.getBlock(1n)!;
    expect(got.receipts.length).toBe(70_000);
    expect(got.receipts[69_999]).toEqual(b.receipts[69_999]);
    expect(got.senders[12_345]).toEqual(b.senders[12_345]);
  });
});

describe("ChainStore durability", () => {
  it("fsyncs every block commit and every journal group commit (genesis already did)", async () => {
    const { store } = await openStore();
    const calls = recordWrites(store);

    await store.commitBlock(storedBlock(1, [smallTx(0)]), []);
    expect(calls).toEqual([{ ops: expect.any(Number), options: { sync: true } }]);

    calls.length = 0;
    await Promise.all([
      store.addPending(smallTx(1)),
      store.addPending(smallTx(2)),
      store.addPending(smallTx(3)),
    ]);
    // One group commit for the three (they arrived in the same tick), synced.
    expect(calls).toEqual([{ ops: 3, options: { sync: true } }]);
  });

  it("group-commits: txs that arrive while a group is being written go together into the next", async () => {
    const { store } = await openStore();
    const calls = recordWrites(store, 20);
    const done: Promise<void>[] = [store.addPending(smallTx(0))];
    // 40 more, one per tick, while the first group's (20 ms) write is in flight.
    for (let i = 1; i <= 40; i++) {
      await tick();
      done.push(store.addPending(smallTx(i)));
    }
    await Promise.all(done);
    // At most one write is in flight, so the writes are far fewer than the ticks (one per tick
    // before); every op is written, and each write was synced.
    expect(calls.reduce((n, c) => n + c.ops, 0)).toBe(41);
    expect(calls.length).toBeLessThan(10);
    for (const c of calls) expect(c.options).toEqual({ sync: true });
    expect((await store.loadPending()).length).toBe(41);
  });

  it("a failed group commit fails every tx of its group (none counts as accepted), and the next group goes on", async () => {
    const { store } = await openStore();
    const write = vi.spyOn(store.kv, "write").mockRejectedValueOnce(new Error("disk full"));
    const group = [store.addPending(smallTx(0)), store.addPending(smallTx(1))];
    for (const p of group) await expect(p).rejects.toThrow("disk full");
    write.mockRestore();
    await store.addPending(smallTx(2));
    expect(await store.loadPending()).toEqual([smallTx(2).raw]);
  });

  it("keeps journal order (a removal never lands before its addition) and drains it on close", async () => {
    const { store, dir } = await openStore();
    const [a, b, c] = [smallTx(0), smallTx(1), smallTx(2)];
    // Added and removed in the same tick: the removal must win.
    const added = store.addPending(a);
    const removed = store.removePending([a.hash]);
    await Promise.all([added, removed]);
    // Not awaited: close() must still write them.
    void store.addPending(b);
    void store.addPending(c);
    void store.removePending([c.hash]);
    await store.close();

    const { store: again } = await openStore(dir);
    expect(await again.loadPending()).toEqual([b.raw]);
  });
});

describe("ChainStore block bytes", () => {
  /** The block bytes of the stored record of block `n`: the record's first (u32be length ‖ bytes) item. */
  function storedBlockBytes(store: ChainStore, n: bigint): Uint8Array {
    const record = store.kv.get(concatBytes(Uint8Array.of(PREFIX.BLOCK), u64ToBytes(n)))!;
    const len = new DataView(record.buffer, record.byteOffset).getUint32(0);
    return record.subarray(4, 4 + len);
  }

  it("build encodes once: the store writes exactly build's bytes, re-encodes nothing, mutates nothing", async () => {
    const chain = new TestChain();
    const acct = TestAccount.fromSeed(3, chain.params.l2ChainId);
    const built = chain.core.build({
      timestamp: chain.time,
      l1Origin: { number: 0n, hash: new Uint8Array(32), timestamp: chain.time / 1000n },
      systemTxs: [],
      txs: [{ tx: acct.sign({ kind: "register" }), from: acct.address }],
    });
    expect(built.block.txs.length).toBe(1);
    expect(built.encoded).toEqual(encodeBlock(built.block));
    expect(built.size).toBe(built.encoded.length);
    // The hash is still the header's: the encoded block decodes to a header with that hash.
    expect(blockHash(decodeBlock(built.encoded).header)).toEqual(built.hash);

    const { store } = await openStore();
    const b = Object.freeze({
      block: built.block,
      hash: built.hash,
      receipts: built.receipts,
      senders: [acct.address],
      size: built.size,
      encoded: built.encoded,
    });
    const encode = vi.mocked(encodeBlock);
    encode.mockClear();
    await store.commitBlock(b, built.ops);
    expect(encode).not.toHaveBeenCalled();
    expect(storedBlockBytes(store, 1n)).toEqual(built.encoded);
    expect(store.getBlock(1n)!.size).toBe(built.size);
  });

  it("refuses a block whose size is not its encoded length", async () => {
    const { store } = await openStore();
    const b = storedBlock(1, [smallTx(0)]);
    await expect(store.commitBlock({ ...b, size: b.size + 1 }, [])).rejects.toThrow(/does not match/);
    expect(store.getBlock(1n)).toBeUndefined();
  });
});
