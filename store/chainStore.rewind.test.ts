/**
 * The verifier's store operations on a real LevelDB: commitDerivedBlock writes the block with its
 * L1 cursor and undo record; rewindTo takes blocks back (state, blocks, tx index, cursors) in one
 * batch, so the chain rebuilt from the rewound head is the same; blocks without an undo record
 * (a sequencer's, or pruned as final) are never rewound.
 */
import { afterEach, describe, expect, it } from "vitest";
import { bytesToHex } from "../chain/bytes.ts";
import { ChainCore, type Head } from "../chain/chainCore.ts";
import { RollupError } from "../chain/errors.ts";
import { cleanupGenesisStores, openGenesisStore } from "../test/helpers/storeGenesis.ts";
import type { ChainStore } from "./chainStore.ts";
import { PREFIX } from "./prefixes.ts";

afterEach(cleanupGenesisStores);

async function setup() {
  const { store, params, doc, genesis, alice, bob } = await openGenesisStore("flops-rewind-");
  let core = new ChainCore(params, store.kv, genesis);
  const origin = { number: 7n, hash: new Uint8Array(32).fill(7), timestamp: 1_700_000_000n };
  const build = (n: bigint, amount: bigint) =>
    core.build({
      timestamp: doc.timestamp + n * 1000n,
      l1Origin: origin,
      systemTxs: [],
      txs: [{ tx: alice.sign({ kind: "transfer", to: bob.address, amount }, n - 1n), from: alice.address }],
    });
  const commit = async (n: bigint, amount: bigint, derived: boolean | "sequencer" = true) => {
    const b = build(n, amount);
    const rec = {
      block: b.block,
      hash: b.hash,
      receipts: b.receipts,
      senders: [alice.address],
      size: b.size,
    };
    if (derived === true)
      await store.commitDerivedBlock({ ...rec, encoded: b.encoded }, b.ops, {
        originParentHash: new Uint8Array(32).fill(6),
        l1Number: 8n + n,
        l1Hash: new Uint8Array(32).fill(Number(n)),
      });
    else await store.commitBlock({ ...rec, encoded: b.encoded }, b.ops, { undo: derived === "sequencer" });
    const head: Head = { header: b.block.header, hash: b.hash };
    core.advance(head);
    return b;
  };
  const reopenCore = () => {
    core = new ChainCore(params, store.kv, store.head()!);
    return core;
  };
  return { store, core: () => core, reopenCore, commit, bob, alice };
}

describe("ChainStore rewind (verifier)", () => {
  it("takes blocks back in one batch: state, blocks, tx index and cursors; the rebuilt chain is the same", async () => {
    const { store, commit, reopenCore, bob } = await setup();
    const b1 = await commit(1n, 1n);
    const b2 = await commit(2n, 20n);
    const b3 = await commit(3n, 300n);
    expect(store.derivedFrom(2n)).toEqual({
      originParentHash: new Uint8Array(32).fill(6),
      l1Number: 10n,
      l1Hash: new Uint8Array(32).fill(2),
    });
    expect(reopenCore().readState().getAccount(bob.address).credits).toBe(321n);

    await store.rewindTo(1n);
    expect(store.head()!.hash).toEqual(b1.hash);
    expect(store.getBlock(2n)).toBeUndefined();
    expect(store.getBlock(3n)).toBeUndefined();
    expect(store.getBlockNumber(b3.hash)).toBeUndefined();
    expect(store.getTxLocation(b2.block.txs[0]!.hash)).toBeUndefined();
    expect(store.getTxLocation(b1.block.txs[0]!.hash)).toBeDefined();
    expect(store.derivedFrom(2n)).toBeUndefined();
    // The state is block 1's again (flat records undone), and rebuilding gives the same blocks.
    expect(reopenCore().readState().getAccount(bob.address).credits).toBe(1n);
    const again2 = await commit(2n, 20n);
    const again3 = await commit(3n, 300n);
    expect(again2.hash).toEqual(b2.hash);
    expect(again3.hash).toEqual(b3.hash);
    expect(store.getTxLocation(b3.block.txs[0]!.hash)?.blockNumber).toBe(3n);
    await store.close();
  });

  it("refuses to rewind a block without an undo record: a sequencer's, or one pruned as final", async () => {
    const { store, commit } = await setup();
    await commit(1n, 1n, false); // committed as a sequencer does
    await commit(2n, 2n);
    await commit(3n, 3n);
    await expect(store.rewindTo(0n)).rejects.toThrow(/block 1: it has no undo record/);
    await store.pruneUndo(2n);
    expect(store.undoPruned()).toBe(2n);
    const e = await store.rewindTo(1n).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RollupError);
    expect((e as RollupError).code).toBe("STORE_REWIND");
    // Nothing was changed by the refusals.
    expect(store.head()!.header.number).toBe(3n);
    await store.rewindTo(2n);
    expect(store.head()!.header.number).toBe(2n);
    await store.close();
  });
});

/** Every key and value outside the content-addressed SMT nodes (those a rewind leaves in place). */
async function dump(store: ChainStore): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const [k, v] of store.kv.db.iterator()) {
    if (k[0] === PREFIX.SMT_STATE || k[0] === PREFIX.SMT_WITHDRAWALS) continue;
    out.set(bytesToHex(k), bytesToHex(v));
  }
  return out;
}

describe("ChainStore rewind (sequencer)", () => {
  it("commitBlock with undo records: rewindTo restores every key exactly, and the state root", async () => {
    const { store, commit, reopenCore, bob } = await setup();
    const b1 = await commit(1n, 1n, "sequencer");
    const before = await dump(store);
    const root1 = b1.block.header.stateRoot;
    const b2 = await commit(2n, 20n, "sequencer");
    await commit(3n, 300n, "sequencer");
    expect(store.hasUndo(2n)).toBe(true);
    expect(reopenCore().readState().getAccount(bob.address).credits).toBe(321n);

    await store.rewindTo(1n);
    // Flat state, blocks, tx index, undo records, death rows, head: all as they were at block 1.
    expect(await dump(store)).toEqual(before);
    const core = reopenCore();
    expect(core.head.header.stateRoot).toEqual(root1);
    expect(core.readState().getAccount(bob.address).credits).toBe(1n);
    // The root the rewound state computes is block 1's, and block 2 is built again the same.
    const again2 = await commit(2n, 20n, "sequencer");
    expect(again2.hash).toEqual(b2.hash);
    await store.close();
  });

  it("journals the rewound txs in the same batch (a restart re-admits them)", async () => {
    const { store, commit } = await setup();
    await commit(1n, 1n, "sequencer");
    const b2 = await commit(2n, 20n, "sequencer");
    expect(await store.loadPending()).toEqual([]);
    await store.rewindTo(1n, b2.block.txs);
    expect(await store.loadPending()).toEqual([b2.block.txs[0]!.raw]);
    await store.close();
  });

  it("a sequencer block without undo (no L1 batcher) is never rewound", async () => {
    const { store, commit } = await setup();
    await commit(1n, 1n, "sequencer");
    await commit(2n, 2n, false);
    expect(store.hasUndo(2n)).toBe(false);
    await expect(store.rewindTo(1n)).rejects.toThrow(/block 2: it has no undo record/);
    await store.close();
  });

  it("pruneState keeps the tree of the lowest rewind target whole on a sequencer's chain", async () => {
    const { store, commit, reopenCore, bob } = await setup();
    for (let n = 1n; n <= 4n; n++) await commit(n, n, "sequencer");
    await store.pruneUndo(1n);
    // Asked to prune below the head, the sweep stops at block 1 (undo records from 2 on remain).
    for (;;) if ((await store.pruneState(4n)).done) break;
    expect(store.stateAvailableFrom()).toBe(1n);
    await store.rewindTo(1n);
    expect(reopenCore().readState().getAccount(bob.address).credits).toBe(1n);
    await store.close();
  });
});
