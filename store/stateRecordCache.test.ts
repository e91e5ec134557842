/**
 * The flat record cache carried across heads (stateRecordCache.ts): what it holds, its bounds, and
 * on a real ChainStore that it is never ahead of or behind the database: after a head moves, after
 * a block that was built and dropped, after a failed write and after rewinds (a sequencer's late
 * blocks, a verifier's L1 reorg), every record read through it equals the database's.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { ChainCore, type Head } from "../chain/chainCore.ts";
import { type KvOp, MemoryKv } from "../chain/kv.ts";
import { flatKey, NS } from "../chain/state/keys.ts";
import type { Address } from "../chain/types.ts";
import { cleanupGenesisStores, openGenesisStore } from "../test/helpers/storeGenesis.ts";
import { PREFIX } from "./prefixes.ts";
import { StateRecordCache } from "./stateRecordCache.ts";

afterEach(cleanupGenesisStores);

const acct = (i: number) => flatKey(NS.ACCOUNT, new Uint8Array(20).fill(i));
const val = (n: number, len = 8) => new Uint8Array(len).fill(n);

/** A MemoryKv that counts reads. */
function countingDb() {
  const db = new MemoryKv();
  const reads = { n: 0 };
  const reader = {
    get(k: Uint8Array) {
      reads.n++;
      return db.get(k);
    },
  };
  return { db, reads, reader };
}

describe("StateRecordCache", () => {
  it("holds flat records and their absence; other keys are read through every time", () => {
    const { db, reads, reader } = countingDb();
    db.put(acct(1), val(1));
    const smtNode = Uint8Array.of(PREFIX.SMT_STATE, ...new Uint8Array(32).fill(9));
    db.put(smtNode, val(9));
    const c = new StateRecordCache(reader);
    expect(c.get(acct(1))).toEqual(val(1));
    expect(c.get(acct(2))).toBeUndefined();
    expect(reads.n).toBe(2);
    expect(c.get(acct(1))).toEqual(val(1));
    expect(c.get(acct(2))).toBeUndefined();
    expect(reads.n).toBe(2);
    c.get(smtNode);
    c.get(smtNode);
    expect(reads.n).toBe(4);
    expect(c.size).toBe(2);
  });

  it("applied: a written batch's puts and deletes are what it serves next, in batch order", () => {
    const { db, reads, reader } = countingDb();
    db.put(acct(1), val(1));
    const c = new StateRecordCache(reader);
    c.get(acct(1));
    c.get(acct(3));
    const ops: KvOp[] = [
      { type: "del", key: acct(1) },
      { type: "put", key: acct(3), value: val(3) },
      { type: "put", key: acct(4), value: val(4) },
      { type: "del", key: acct(4) },
      { type: "put", key: Uint8Array.of(PREFIX.BLOCK, 1), value: val(7) },
    ];
    db.apply(ops);
    c.applied(ops);
    const before = reads.n;
    expect(c.get(acct(1))).toBeUndefined();
    expect(c.get(acct(3))).toEqual(val(3));
    expect(c.get(acct(4))).toBeUndefined();
    expect(reads.n).toBe(before);
    c.clear();
    expect(c.size).toBe(0);
    expect(c.get(acct(3))).toEqual(val(3));
    expect(reads.n).toBe(before + 1);
  });

  it("is bounded by count and by bytes (oldest first), and never holds an oversized record", () => {
    const { db, reader } = countingDb();
    for (let i = 0; i < 10; i++) db.put(acct(i), val(i, 100));
    const byCount = new StateRecordCache(reader, { maxBytes: 1 << 20, maxEntries: 4 });
    for (let i = 0; i < 10; i++) byCount.get(acct(i));
    expect(byCount.size).toBe(4);
    const byBytes = new StateRecordCache(reader, { maxBytes: 3 * 260, maxEntries: 1000 });
    for (let i = 0; i < 10; i++) byBytes.get(acct(i));
    expect(byBytes.size).toBe(3);
    const big = new Uint8Array(65 * 1024);
    db.put(acct(50), big);
    byBytes.applied([{ type: "put", key: acct(51), value: big }]);
    expect(byBytes.get(acct(50))).toBe(big);
    expect(byBytes.size).toBe(3);
    // Every value served is the database's, held or not.
    for (let i = 0; i < 10; i++) expect(byBytes.get(acct(i))).toEqual(val(i, 100));
  });
});

/**
 * A chain on LevelDB whose core reads through the store's cache (as the node's does), and an
 * oracle that reads the same head straight from the database.
 */
async function chain(prefix: string) {
  const g = await openGenesisStore(prefix);
  const { store, params, doc, alice, bob } = g;
  const core = new ChainCore(params, store.state, g.genesis);
  const origin = { number: 7n, hash: new Uint8Array(32).fill(7), timestamp: 1_700_000_000n };
  const build = (n: bigint, amount: bigint, nonce = n - 1n) =>
    core.build({
      timestamp: doc.timestamp + n * 1000n,
      l1Origin: origin,
      systemTxs: [],
      txs: [{ tx: alice.sign({ kind: "transfer", to: bob.address, amount }, nonce), from: alice.address }],
    });
  const commit = async (n: bigint, amount: bigint, how: "derived" | "sequencer") => {
    const b = build(n, amount);
    const rec = {
      block: b.block,
      hash: b.hash,
      receipts: b.receipts,
      senders: [alice.address],
      size: b.size,
    };
    if (how === "derived")
      await store.commitDerivedBlock({ ...rec, encoded: b.encoded }, b.ops, {
        originParentHash: new Uint8Array(32).fill(6),
        l1Number: 8n + n,
        l1Hash: new Uint8Array(32).fill(Number(n)),
      });
    else await store.commitBlock({ ...rec, encoded: b.encoded }, b.ops, { undo: true });
    core.advance({ header: b.block.header, hash: b.hash });
    return b;
  };
  /** Reads both accounts through the core (its cache) and straight from the database: equal. */
  const same = () => {
    const oracle = new ChainCore(params, store.kv, core.head).readState();
    const s = core.readState();
    const out: Record<string, unknown> = {};
    for (const [name, a] of [
      ["alice", alice.address],
      ["bob", bob.address],
    ] as Array<[string, Address]>) {
      expect(s.getAccount(a)).toEqual(oracle.getAccount(a));
      out[name] = s.getAccount(a);
    }
    return out as { alice: { nonce: bigint; credits: bigint }; bob: { nonce: bigint; credits: bigint } };
  };
  const rewind = async (n: bigint) => {
    await store.rewindTo(n);
    const t = store.getBlock(n)!;
    core.rewind({ header: t.block.header, hash: t.hash } satisfies Head);
  };
  return { ...g, core, build, commit, same, rewind };
}

describe("StateRecordCache on a ChainStore", () => {
  it("after each head, records read through it are the new head's, without LevelDB reads", async () => {
    const c = await chain("flops-rcache-head-");
    expect(c.same().bob.credits).toBe(0n);
    await c.commit(1n, 5n, "sequencer");
    const get = vi.spyOn(c.store.kv, "get");
    const s = c.core.readState();
    expect(s.getAccount(c.bob.address).credits).toBe(5n);
    expect(s.getAccount(c.alice.address).nonce).toBe(1n);
    expect(get).not.toHaveBeenCalled(); // both were written by block 1: served from the cache
    get.mockRestore();
    await c.commit(2n, 7n, "sequencer");
    expect(c.same().bob.credits).toBe(12n);
  });

  it("a block built and dropped (never committed, or its write failed) leaves no trace", async () => {
    const c = await chain("flops-rcache-drop-");
    await c.commit(1n, 5n, "sequencer");
    c.same();
    // Built, executed against the cache, never committed.
    c.build(2n, 1000n);
    expect(c.same().bob.credits).toBe(5n);
    // Its write fails: the cache forgets everything rather than guess what reached the disk.
    const b = c.build(2n, 2000n);
    const write = vi.spyOn(c.store.kv, "write").mockRejectedValueOnce(new Error("disk full"));
    const rec = {
      block: b.block,
      hash: b.hash,
      receipts: b.receipts,
      senders: [c.alice.address],
      size: b.size,
    };
    await expect(c.store.commitBlock(rec, b.ops)).rejects.toThrow("disk full");
    write.mockRestore();
    expect(c.store.state.size).toBe(0);
    expect(c.same().bob.credits).toBe(5n);
    expect((await c.commit(2n, 3n, "sequencer")).block.txs).toHaveLength(1);
    expect(c.same().bob.credits).toBe(8n);
  });

  it("a rewind of the sequencer's blocks serves the older head's records, then the new branch's", async () => {
    const c = await chain("flops-rcache-seqrewind-");
    await c.commit(1n, 5n, "sequencer");
    await c.commit(2n, 50n, "sequencer");
    await c.commit(3n, 500n, "sequencer");
    expect(c.same()).toMatchObject({ bob: { credits: 555n }, alice: { nonce: 3n } });
    await c.rewind(1n);
    expect(c.same()).toMatchObject({ bob: { credits: 5n }, alice: { nonce: 1n } });
    await c.commit(2n, 9n, "sequencer");
    expect(c.same()).toMatchObject({ bob: { credits: 14n }, alice: { nonce: 2n } });
  });

  it("an L1 reorg (a verifier's derived blocks taken back) never leaves a dropped block's record", async () => {
    const c = await chain("flops-rcache-reorg-");
    await c.commit(1n, 5n, "derived");
    await c.commit(2n, 50n, "derived");
    c.same();
    // A read during the rewind's write may see either side; after it, only the older head.
    const rewinding = c.rewind(1n);
    c.core.readState().getAccount(c.bob.address);
    await rewinding;
    expect(c.same()).toMatchObject({ bob: { credits: 5n }, alice: { nonce: 1n } });
    await c.commit(2n, 70n, "derived");
    await c.commit(3n, 700n, "derived");
    expect(c.same()).toMatchObject({ bob: { credits: 775n }, alice: { nonce: 3n } });
    await c.rewind(0n);
    expect(c.same()).toMatchObject({ bob: { credits: 0n }, alice: { nonce: 0n } });
  });
});
