/**
 * The tx lists over chunked rows, on a real Indexer and LevelDB following a synthetic chain
 * (decoded blocks with made-up hashes: the indexer reads actions, senders and receipts, never
 * signatures): every page walk returns each tx once, in order, across chunk and block bounds, past
 * a long stretch of empty blocks, and for hostile cursors; an index of the old layout is rebuilt.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createLocalBeacon, deriveBeaconSecretKey } from "../chain/beacon/index.ts";
import { bytesToHex } from "../chain/bytes.ts";
import { defaultParams } from "../chain/params.ts";
import type { Block, Receipt, SignedTx, SystemTx } from "../chain/types.ts";
import type { IndexedBlock } from "./indexBlock.ts";
import { Indexer } from "./indexer.ts";
import { IndexReads } from "./indexReads.ts";
import { IX, ixKey, metaKey } from "./keys.ts";
import type { TxRecord } from "./records.ts";

const params = defaultParams(
  createLocalBeacon(deriveBeaconSecretKey("flops/test-index-reads"), { genesisTime: 1n, periodSeconds: 1n })
    .config,
);
const addr = (i: number) => new Uint8Array(20).fill(i);
let hashSeq = 0;
const nextHash = () => {
  const h = new Uint8Array(32);
  new DataView(h.buffer).setUint32(0, ++hashSeq);
  return h;
};

/** Block `n` with `count` signed txs: transfers from addr(1 + i % 3) to addr(4), some self-sends, one failed register. */
function makeBlock(n: bigint, parentHash: Uint8Array, count: number, deposit: boolean): IndexedBlock {
  const systemTxs: SystemTx[] = deposit
    ? [{ kind: "deposit", depositId: n, to: addr(4), amount: 5n, l1BlockNumber: 1n }]
    : [];
  const receipts: Receipt[] = systemTxs.map(() => ({ txHash: nextHash(), status: "success", credits: 5n }));
  const txs: SignedTx[] = [];
  const senders: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const hash = nextHash();
    const from = addr(1 + (i % 3));
    const register = i === 5;
    txs.push({
      body: {
        chainId: 1n,
        nonce: BigInt(i),
        action: register
          ? { kind: "register" }
          : { kind: "transfer", to: i % 7 === 0 ? from : addr(4), amount: BigInt(i) },
      },
      bodyBytes: new Uint8Array(0),
      signature: new Uint8Array(65),
      raw: new Uint8Array(0),
      hash,
    });
    senders.push(from);
    receipts.push(
      register
        ? { txHash: hash, status: "failed", error: "ALREADY_REGISTERED" }
        : { txHash: hash, status: "success" },
    );
  }
  const z = new Uint8Array(32);
  const block: Block = {
    header: {
      number: n,
      parentHash,
      timestamp: 1_000_000n + n * 500n,
      l1Origin: { number: 0n, hash: z, timestamp: 1n },
      stateRoot: z,
      withdrawalsRoot: z,
      txRoot: z,
      receiptsRoot: z,
    },
    systemTxs,
    txs,
  };
  return { block, hash: nextHash(), receipts, senders, size: 100 };
}

/** A chain of blocks with these signed-tx counts (a deposit too in every third that has txs). */
function makeChain(counts: number[]): IndexedBlock[] {
  const out: IndexedBlock[] = [];
  let parent: Uint8Array = new Uint8Array(32);
  for (let i = 0; i < counts.length; i++) {
    const b = makeBlock(BigInt(i), parent, counts[i]!, counts[i]! > 0 && i % 3 === 1);
    out.push(b);
    parent = b.hash;
  }
  return out;
}

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function indexed(chain: IndexedBlock[], dir?: string) {
  const d = dir ?? (await mkdtemp(join(tmpdir(), "flops-index-reads-")));
  if (!dir) cleanup.push(() => rm(d, { recursive: true, force: true }));
  const source = {
    head: () => ({ header: chain[chain.length - 1]!.block.header, hash: chain[chain.length - 1]!.hash }),
    getBlock: (n: bigint) => chain[Number(n)],
  };
  const ix = await Indexer.open({ dir: join(d, "ix"), params }, { source });
  cleanup.push(() => ix.close());
  await ix.sync();
  return { ix, reads: new IndexReads(ix.kv, params), dir: d };
}

/** Every tx of the chain as (block:index), newest first. */
function allPositions(chain: IndexedBlock[], filter?: (b: IndexedBlock, i: number) => boolean): string[] {
  const out: string[] = [];
  for (const b of chain)
    for (let i = 0; i < b.receipts.length; i++)
      if (!filter || filter(b, i)) out.push(`${b.block.header.number}:${i}`);
  return out.reverse();
}

async function walk(read: (cursor?: string) => Promise<{ items: TxRecord[]; next: string | null }>) {
  const seen: string[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 10_000; pages++) {
    const p = await read(cursor);
    for (const t of p.items) seen.push(`${t.blockNumber}:${t.index}`);
    if (p.next === null) return seen;
    cursor = p.next;
  }
  throw new Error("no last page");
}

describe("indexReads over tx chunks", () => {
  it("default: txs pages walk every tx once, newest first, across chunk and block bounds", async () => {
    const chain = makeChain([0, 130, 64, 0, 3, 65, 1]);
    const { reads } = await indexed(chain);
    for (const limit of [1, 7, 50, 64, 100]) {
      expect(await walk((cursor) => reads.txs(cursor === undefined ? { limit } : { limit, cursor }))).toEqual(
        allPositions(chain),
      );
    }
    // Row fields come back: a failed register and a self-transfer with its amount.
    const reg = reads.txAt(1n, 1 + 5)!;
    expect([reg.kind, reg.status, reg.error, bytesToHex(reg.from!)]).toEqual([
      "register",
      "failed",
      "ALREADY_REGISTERED",
      bytesToHex(addr(3)),
    ]);
    expect(reads.txAt(2n, 7)).toMatchObject({ kind: "transfer", amount: 7n, from: addr(2), to: addr(2) });
    expect(reads.txAt(2n, 7)?.hash).toEqual(chain[2]!.receipts[7]!.txHash);
    expect(reads.txAt(2n, 64)).toBeUndefined();
    expect(reads.txAt(99n, 0)).toBeUndefined();
  });

  it("blockTxs pages a block in order; blocks pages every block, newest first", async () => {
    const chain = makeChain([2, 200, 0]);
    const { reads } = await indexed(chain);
    for (const limit of [1, 63, 64, 100]) {
      const seen = await walk((cursor) =>
        reads.blockTxs(1n, cursor === undefined ? { limit } : { limit, cursor }),
      );
      expect(seen).toEqual(allPositions([chain[1]!]).reverse());
    }
    expect((await reads.blockTxs(2n, { limit: 10 })).items).toEqual([]);
    expect((await reads.blockTxs(1n, { limit: 10, cursor: "4294967295" })).items).toEqual([]);
    const blocks: bigint[] = [];
    for (let c: string | undefined, i = 0; i < 10; i++) {
      const p = await reads.blocks(c === undefined ? { limit: 2 } : { limit: 2, cursor: c });
      blocks.push(...p.items.map((b) => b.number));
      if (p.next === null) break;
      c = p.next;
    }
    expect(blocks).toEqual([2n, 1n, 0n]);
  });

  it("addresses: an address's txs page newest first (several in a block), counted up to the cap", async () => {
    const chain = makeChain([10, 0, 70, 5]);
    const { reads } = await indexed(chain);
    const involves = (a: Uint8Array) => (b: IndexedBlock, i: number) => {
      const nSys = b.block.systemTxs.length;
      if (i < nSys) return b.block.systemTxs[i]!.kind === "deposit" && bytesToHex(addr(4)) === bytesToHex(a);
      const tx = b.block.txs[i - nSys]!;
      const to = tx.body.action.kind === "transfer" ? tx.body.action.to : undefined;
      return (
        bytesToHex(b.senders[i - nSys]!) === bytesToHex(a) ||
        (to !== undefined && bytesToHex(to) === bytesToHex(a))
      );
    };
    for (const a of [addr(1), addr(4)]) {
      const want = allPositions(chain, involves(a));
      for (const limit of [1, 3, 50]) {
        expect(
          await walk((cursor) => reads.addressTxs(a, cursor === undefined ? { limit } : { limit, cursor })),
        ).toEqual(want);
      }
      expect(await reads.addressTxCount(a, 10_000)).toBe(want.length);
      expect(await reads.addressTxCount(a, 4)).toBe(4);
    }
    expect((await reads.addressTxs(addr(9), { limit: 5 })).items).toEqual([]);
  });

  it("addresses that share their first bytes keep entries of their own", async () => {
    const a = addr(8);
    const b = addr(8);
    b[19] = 9;
    const chain = makeChain([6]);
    const blk = chain[0]!;
    // Txs 0..5: a -> b, b -> a, a -> b, ... (the block's senders and receivers rewritten).
    blk.block.txs.forEach((tx, i) => {
      (blk.senders as Uint8Array[])[i] = i % 2 === 0 ? a : b;
      tx.body.action = { kind: "transfer", to: i % 2 === 0 ? b : a, amount: 1n };
    });
    const { reads } = await indexed(chain);
    const at = async (x: Uint8Array) =>
      (await reads.addressTxs(x, { limit: 10 })).items.map((t) => bytesToHex(t.from!) + t.index);
    expect(await at(a)).toEqual([5, 4, 3, 2, 1, 0].map((i) => bytesToHex(i % 2 === 0 ? a : b) + i));
    expect(await at(b)).toEqual(await at(a));
    expect(await reads.addressTxCount(a, 100)).toBe(6);
    expect(await reads.addressTxCount(addr(8).fill(7, 19), 100)).toBe(0);
  });

  it("bounded: past 256 empty blocks a page turns to one range read and still finds the older txs; hostile cursors page from what exists", async () => {
    const chain = makeChain([3, ...new Array(1000).fill(0), 2]);
    const { ix, reads } = await indexed(chain);
    expect(
      await walk((cursor) => reads.txs(cursor === undefined ? { limit: 4 } : { limit: 4, cursor })),
    ).toEqual(allPositions(chain));
    // The walk over 1,000 empty blocks stops at 256 point reads of them, then one range read.
    let gets = 0;
    const counted = new Proxy(ix.kv, {
      get: (kv, p) =>
        p === "get"
          ? (k: Uint8Array) => {
              gets++;
              return kv.get(k);
            }
          : Reflect.get(kv, p),
    });
    const deep = await new IndexReads(counted, params).txs({ limit: 4, cursor: "1001:0" });
    expect(deep.items.map((t) => `${t.blockNumber}:${t.index}`)).toEqual(["0:2", "0:1", "0:0"]);
    expect(gets).toBeLessThan(300);
    // A cursor past the head, or past its block's last tx, is a position like any other (block
    // 1001 holds 2 signed txs; block 0, 3).
    const at = (p: { items: TxRecord[] }) => p.items.map((t) => `${t.blockNumber}:${t.index}`);
    expect(at(await reads.txs({ limit: 2, cursor: "18446744073709551615:4294967295" }))).toEqual([
      "1001:1",
      "1001:0",
    ]);
    expect(at(await reads.txs({ limit: 10, cursor: "0:4000000000" }))).toEqual(["0:2", "0:1", "0:0"]);
    expect((await reads.txs({ limit: 10, cursor: "0:0" })).items).toEqual([]);
    await expect(reads.txs({ limit: 2, cursor: "1:x" })).rejects.toThrow(/bad cursor/);
  });

  it("format: an index of another layout is cleared at open and built again; batch rows stay", async () => {
    const chain = makeChain([4, 4]);
    const first = await indexed(chain);
    const fresh = await first.reads.txs({ limit: 100 });
    // Make it look like a layout-1 index: no format mark, a stray hash key, a batch row.
    await first.ix.kv.write([
      { type: "del", key: metaKey("format") },
      { type: "put", key: ixKey(IX.TX_HASH, new Uint8Array(32)), value: new Uint8Array(12) },
      { type: "put", key: ixKey(IX.BATCH, new Uint8Array(8)), value: new Uint8Array([1]) },
    ]);
    await first.ix.close();
    cleanup.pop();
    const again = await indexed(chain, first.dir);
    expect(again.ix.blocksIndexed).toBe(2);
    expect(again.ix.kv.get(ixKey(IX.TX_HASH, new Uint8Array(32)))).toBeUndefined();
    expect(again.ix.kv.get(ixKey(IX.BATCH, new Uint8Array(8)))).toEqual(new Uint8Array([1]));
    expect(await again.reads.txs({ limit: 100 })).toEqual(fresh);
    // The same layout: resumes from its cursor, nothing indexed again.
    await again.ix.close();
    cleanup.pop();
    const third = await indexed(chain, first.dir);
    expect(third.ix.blocksIndexed).toBe(0);
  });
});
