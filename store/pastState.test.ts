/**
 * PastStateKv (store/pastState.ts) on a real LevelDB: the state of an older block read through the
 * undo records of the blocks above it. A sequencer's chain of transfers: at every cursor, the state
 * root of a ChainCore over the view executes the next block to the stored block's very hash; the
 * view follows blocks committed after it was made, a rewind below what it covered, and a block
 * without an undo record is refused.
 */
import { afterEach, describe, expect, it } from "vitest";
import { bytesToHex } from "../chain/bytes.ts";
import { type BuiltBlock, ChainCore } from "../chain/chainCore.ts";
import { RollupError } from "../chain/errors.ts";
import { cleanupGenesisStores, openGenesisStore } from "../test/helpers/storeGenesis.ts";
import { TestAccount } from "../test/helpers/testChain.ts";
import { PastStateKv } from "./pastState.ts";

afterEach(cleanupGenesisStores);

async function setup() {
  const { store, params, doc, genesis, alice, bob } = await openGenesisStore("flops-past-");
  const core = new ChainCore(params, store.kv, genesis);
  const origin = { number: 7n, hash: new Uint8Array(32).fill(7), timestamp: 1_700_000_000n };
  const carol = TestAccount.fromSeed(3, params.l2ChainId);
  const input = (c: ChainCore, amount: bigint, to = bob.address) => {
    const n = c.head.header.number + 1n;
    return {
      timestamp: doc.timestamp + n * 1000n,
      l1Origin: origin,
      systemTxs: [],
      txs: [{ tx: alice.sign({ kind: "transfer" as const, to, amount }, n - 1n), from: alice.address }],
    };
  };
  /** A sequencer's commit (with an undo record), amount chosen per block. */
  const commit = async (amount: bigint, undo = true, to = bob.address): Promise<BuiltBlock> => {
    const b = core.build(input(core, amount, to));
    await store.commitBlock(
      {
        block: b.block,
        hash: b.hash,
        receipts: b.receipts,
        senders: [alice.address],
        size: b.size,
        encoded: b.encoded,
      },
      b.ops,
      { undo },
    );
    core.advance({ header: b.block.header, hash: b.hash });
    return b;
  };
  return {
    store,
    params,
    core,
    commit,
    input,
    carol,
    head: (n: bigint) => {
      const b = store.getBlock(n)!;
      return { header: b.block.header, hash: b.hash };
    },
  };
}

describe("PastStateKv", () => {
  it("executes every next block to the stored hash from every older cursor, following new blocks", async () => {
    const t = await setup();
    const amounts = [5n, 7n, 11n, 13n, 17n, 19n];
    for (const a of amounts) await t.commit(a);
    for (let at = 0n; at < 6n; at++) {
      const past = new PastStateKv(t.store, at);
      const c = new ChainCore(t.params, past, t.head(at));
      // Walk to the head, each step executed over the view and checked against the store.
      for (let k = at + 1n; k <= 6n; k++) {
        past.refresh();
        const b = c.build(t.input(c, amounts[Number(k) - 1]!));
        expect(bytesToHex(b.hash), `block ${k} from cursor ${at}`).toBe(bytesToHex(t.head(k).hash));
        past.advance(b.ops);
        c.advance({ header: b.block.header, hash: b.hash });
      }
      expect(past.cursor).toBe(6n);
    }
    // A view made before more blocks: it still reads its cursor's state after they are committed.
    const past = new PastStateKv(t.store, 3n);
    await t.commit(23n);
    await t.commit(29n);
    past.refresh();
    const c = new ChainCore(t.params, past, t.head(3n));
    const b = c.build(t.input(c, 13n));
    expect(bytesToHex(b.hash)).toBe(bytesToHex(t.head(4n).hash));
    // Without the refresh the newer blocks show through (here carol's account, which no block
    // the view covers touched): read at block 3, she has nothing yet.
    const stale = new PastStateKv(t.store, 3n);
    await t.commit(31n, true, t.carol.address);
    const credits = () =>
      new ChainCore(t.params, stale, t.head(3n)).readState().getAccount(t.carol.address).credits;
    expect(credits()).toBe(31n);
    stale.refresh();
    expect(credits()).toBe(0n);
  });

  it("rebuilds after the store rewinds below what it covered", async () => {
    const t = await setup();
    for (const a of [5n, 7n, 11n, 13n]) await t.commit(a);
    const past = new PastStateKv(t.store, 1n);
    await t.store.rewindTo(2n);
    t.core.rewind(t.head(2n));
    await t.commit(100n); // a different block 3
    past.refresh();
    const c = new ChainCore(t.params, past, t.head(1n));
    const b2 = c.build(t.input(c, 7n));
    expect(bytesToHex(b2.hash)).toBe(bytesToHex(t.head(2n).hash));
    past.advance(b2.ops);
    c.advance({ header: b2.block.header, hash: b2.hash });
    past.refresh();
    const b3 = c.build(t.input(c, 100n));
    expect(bytesToHex(b3.hash)).toBe(bytesToHex(t.head(3n).hash));
  });

  it("refuses a cursor below a block without an undo record", async () => {
    const t = await setup();
    await t.commit(5n);
    await t.commit(7n, false);
    expect(() => new PastStateKv(t.store, 0n)).toThrow(RollupError);
    expect(() => new PastStateKv(t.store, 1n)).toThrow(/no undo record/);
    expect(new PastStateKv(t.store, 2n).cursor).toBe(2n);
  });
});
