/**
 * The verifier's store operations on a real LevelDB: commitDerivedBlock writes the block with its
 * L1 cursor and undo record; rewindTo takes blocks back (state, blocks, tx index, cursors) in one
 * batch, so the chain rebuilt from the rewound head is the same; blocks without an undo record
 * (a sequencer's, or pruned as final) are never rewound.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ChainCore, type Head } from "../chain/chainCore.ts";
import { RollupError } from "../chain/errors.ts";
import type { GenesisDoc } from "../chain/genesisDoc.ts";
import { testParams } from "../test/helpers/deriveHarness.ts";
import { TestAccount } from "../test/helpers/testChain.ts";
import { ChainStore } from "./chainStore.ts";

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function setup() {
  const dir = await mkdtemp(join(tmpdir(), "flops-rewind-"));
  dirs.push(dir);
  const store = await ChainStore.open(dir);
  const params = testParams();
  const alice = TestAccount.fromSeed(1, params.l2ChainId);
  const bob = TestAccount.fromSeed(2, params.l2ChainId);
  const doc: GenesisDoc = {
    params,
    timestamp: 1_700_000_000_000n,
    alloc: [{ address: alice.address, credits: 10n ** 21n }],
  };
  const g = ChainCore.genesis(store.kv, { timestamp: doc.timestamp, alloc: doc.alloc });
  await store.writeGenesis(doc, g.head, g.ops);
  let core = new ChainCore(params, store.kv, g.head);
  const origin = { number: 7n, hash: new Uint8Array(32).fill(7), timestamp: 1_700_000_000n };
  const build = (n: bigint, amount: bigint) =>
    core.build({
      timestamp: doc.timestamp + n * 1000n,
      l1Origin: origin,
      systemTxs: [],
      txs: [{ tx: alice.sign({ kind: "transfer", to: bob.address, amount }, n - 1n), from: alice.address }],
    });
  const commit = async (n: bigint, amount: bigint, derived = true) => {
    const b = build(n, amount);
    const rec = {
      block: b.block,
      hash: b.hash,
      receipts: b.receipts,
      senders: [alice.address],
      size: b.size,
    };
    if (derived)
      await store.commitDerivedBlock({ ...rec, encoded: b.encoded }, b.ops, {
        originParentHash: new Uint8Array(32).fill(6),
        l1Number: 8n + n,
        l1Hash: new Uint8Array(32).fill(Number(n)),
      });
    else await store.commitBlock({ ...rec, encoded: b.encoded }, b.ops);
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
