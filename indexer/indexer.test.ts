/**
 * The indexer on a real chain store and a real LevelDB of its own: it indexes the devnet
 * scenario, follows an unsafe-head reorg (store.rewindTo, then a different block at the same
 * height) by undoing exactly what it had indexed, and after a restart resumes from its cursor.
 */
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { bytesToHex } from "../chain/bytes.ts";
import { ExplorerChain } from "../test/helpers/explorerChain.ts";
import { INDEX_WRITE_BUFFER_BYTES, Indexer } from "./indexer.ts";
import { IndexReads } from "./indexReads.ts";

const open: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of open.splice(0).reverse()) await c();
});

async function setup() {
  const chain = await ExplorerChain.open();
  open.push(() => chain.close());
  const start = async () => {
    const ix = await Indexer.open(
      { dir: join(chain.dir, "indexer"), params: chain.params },
      { source: chain.store },
    );
    open.push(() => ix.close());
    return { ix, reads: new IndexReads(ix.kv, chain.params) };
  };
  return { chain, start };
}

/** Every key and value in the index, as hex, to compare two indexes of the same chain. */
async function dump(ix: Indexer): Promise<string[]> {
  const out: string[] = [];
  for await (const [k, v] of ix.kv.db.iterator()) out.push(`${bytesToHex(k)}=${bytesToHex(v)}`);
  return out;
}

describe("indexer", () => {
  it("default: indexes blocks, txs, challenges with their steps, withdrawals, deposits and epochs", async () => {
    const { chain, start } = await setup();
    const { passed, failed } = await chain.scenario();
    const { ix, reads } = await start();
    await ix.sync();
    const head = chain.store.head()!.header.number;
    expect(ix.cursor()?.number).toBe(head);
    const totals = reads.totals();
    expect(totals.blocks).toBe(head + 1n);
    expect(totals.nodes).toBe(2n);
    expect(totals.challenges).toBe(2n);
    expect(totals.withdrawals).toBe(2n);
    expect((await reads.challengeEvents(passed)).map((e) => e.kind)).toEqual([
      "requested",
      "committed",
      "passed",
    ]);
    expect((await reads.challengeEvents(failed)).map((e) => e.kind)).toEqual([
      "requested",
      "committed",
      "failed",
    ]);
    const epochs = await reads.epochs(10);
    expect(epochs.reduce((s, e) => s + e.passes, 0)).toBe(1);
    expect(epochs.reduce((s, e) => s + e.fails, 0)).toBe(1);
    // The multiplier recovered from the minted credits is the chain's (a first pass: 1.0×).
    expect(epochs.find((e) => e.passes === 1)?.multiplierBps).toBe(10_000n);
    const c = chain.challenge(passed);
    expect(epochs.reduce((s, e) => s + e.credits, 0n)).toBe(c.credits);
    expect((await reads.withdrawals({ limit: 10 })).items.map((w) => w.amount)).toEqual([200n, 100n]);
    expect((await reads.deposits({ limit: 10 })).items.map((d) => d.amount)).toEqual([777n]);
    const d = chain.accounts[3]!.address;
    // 5 transfers in, 2 withdrawals out, 1 deposit in.
    expect((await reads.addressTxs(d, { limit: 100 })).items).toHaveLength(8);
  }, 60_000);

  it("opens its LevelDB with a 32 MiB memtable", async () => {
    const { start } = await setup();
    const { ix } = await start();
    expect(ix.kv.tuning.writeBufferSize).toBe(INDEX_WRITE_BUFFER_BYTES);
    expect(INDEX_WRITE_BUFFER_BYTES).toBe(32 * 1024 * 1024);
  });

  it("reorg: a rewind of the unsafe head undoes exactly the blocks taken back", async () => {
    const { chain, start } = await setup();
    await chain.scenario();
    const { ix } = await start();
    await ix.sync();
    const cut = chain.store.head()!.header.number - 4n;
    await chain.rewindTo(cut);
    await chain.block(); // another block at cut + 1: a different hash
    const undoneBefore = ix.blocksUndone;
    await ix.sync();
    expect(ix.blocksUndone - undoneBefore).toBe(4);
    expect(ix.cursor()?.number).toBe(cut + 1n);
    // The same as an index made from scratch of the chain as it now is.
    const fresh = await Indexer.open(
      { dir: join(chain.dir, "indexer-fresh"), params: chain.params },
      { source: chain.store },
    );
    open.push(() => fresh.close());
    await fresh.sync();
    expect(await dump(ix)).toEqual(await dump(fresh));
  }, 60_000);

  it("restart: resumes from its cursor, indexing only the blocks it had not (no rescan)", async () => {
    const { chain, start } = await setup();
    await chain.scenario();
    const first = await start();
    await first.ix.sync();
    await first.ix.close();
    open.pop();
    for (let i = 0; i < 3; i++) await chain.block();
    const second = await start();
    await second.ix.sync();
    expect(second.ix.blocksIndexed).toBe(3);
    expect(second.ix.cursor()?.number).toBe(chain.store.head()!.header.number);
    expect(second.reads.totals().blocks).toBe(chain.store.head()!.header.number + 1n);
  }, 60_000);
});
