/**
 * The bridge's L2 reads over a real chain (TestChain: ChainCore over MemoryKv, real signatures):
 * withdrawals found from their txs (several per block, a failed one in between), proofs that
 * verify against the withdrawals root of the block asked for (old roots too), the output root
 * from its preimage, and paged listing with its scan bound.
 */
import { describe, expect, it } from "vitest";
import { outputRoot } from "../../chain/commitment/outputRoot.ts";
import { withdrawalKey, withdrawalLeaf } from "../../chain/commitment/withdrawalLeaf.ts";
import { decodeSmtProof, verifySmtProof } from "../../chain/smt/index.ts";
import type { Hash32, SignedTx } from "../../chain/types.ts";
import type { StoredBlockData } from "../../store/chainStore.ts";
import { TestAccount, TestChain } from "../../test/helpers/testChain.ts";
import { createWithdrawalReader, type WithdrawalStore } from "./withdrawalReader.ts";

const C = 10n ** 18n;

/** A funded chain, and the store view the node gives the reader (blocks, senders, tx index). */
function chainWithStore() {
  const addr = (seed: number) => TestAccount.fromSeed(seed, 0n).address;
  const chain = new TestChain({
    alloc: [
      { address: addr(1), credits: 100n * C },
      { address: addr(2), credits: 100n * C },
    ],
  });
  const alice = TestAccount.fromSeed(1, chain.params.l2ChainId);
  const bob = TestAccount.fromSeed(2, chain.params.l2ChainId);
  const key = (h: Hash32) => Buffer.from(h).toString("hex");
  const senderOf = new Map<string, Uint8Array>();
  const blocks = new Map<bigint, StoredBlockData>();
  const txIndex = new Map<string, { blockNumber: bigint; index: number }>();
  const sign = (who: TestAccount, action: Parameters<TestAccount["sign"]>[0]) => {
    const tx = who.sign(action);
    senderOf.set(key(tx.hash), who.address);
    return tx;
  };
  const block = (txs: SignedTx[]) => {
    const b = chain.block(txs, { allowRejected: true });
    const nSys = b.block.systemTxs.length;
    b.block.txs.forEach((tx, i) => {
      txIndex.set(key(tx.hash), { blockNumber: b.block.header.number, index: nSys + i });
    });
    const senders = b.block.txs.map((tx) => senderOf.get(key(tx.hash))!);
    blocks.set(b.block.header.number, {
      block: b.block,
      hash: b.hash,
      receipts: b.receipts,
      senders,
      size: b.size,
    });
    return b;
  };
  const store: WithdrawalStore = {
    kv: chain.kv,
    getBlock: (n) => blocks.get(n),
    getTxLocation: (h) => txIndex.get(key(h)),
  };
  return { alice, bob, block, sign, store };
}

describe("withdrawalReader", () => {
  it("finds each withdrawal from its tx, proves it against any later block, and lists by address", () => {
    const { alice, bob, sign, block, store } = chainWithStore();
    const to1 = new Uint8Array(20).fill(0xa1);
    const to2 = new Uint8Array(20).fill(0xb2);
    const w0 = sign(alice, { kind: "withdraw", to: to1, amount: 5n * C });
    const xfer = sign(alice, { kind: "transfer", to: bob.address, amount: 1n });
    const w1 = sign(bob, { kind: "withdraw", to: to2, amount: 3n * C });
    const b1 = block([w0, xfer, w1]);
    const failed = sign(alice, { kind: "withdraw", to: to1, amount: 10n ** 30n }); // more than she has
    const w2 = sign(alice, { kind: "withdraw", to: to2, amount: 1n });
    const b2 = block([failed, w2]);
    expect(b2.receipts.at(-2)?.status).toBe("failed");
    block([]);
    const reader = createWithdrawalReader(store);

    const found0 = reader.byTx(w0.hash)!;
    expect(found0).toMatchObject({
      index: 0n,
      amount: 5n * C,
      l2BlockNumber: 1n,
      to: to1,
      from: alice.address,
    });
    expect(found0.txHash).toEqual(w0.hash);
    expect(reader.byTx(w1.hash)).toMatchObject({ index: 1n, from: bob.address, to: to2, txHash: w1.hash });
    expect(reader.byTx(w2.hash)).toMatchObject({ index: 2n, l2BlockNumber: 2n, txHash: w2.hash });
    expect(reader.byTx(failed.hash)).toBeUndefined(); // a failed withdraw made no withdrawal
    expect(reader.byTx(xfer.hash)).toBeUndefined(); // not a withdraw
    expect(reader.byTx(new Uint8Array(32))).toBeUndefined();

    // The output of block 1 is keccak256 of its preimage; the proof verifies under its root.
    const out1 = reader.outputAt(1n)!;
    const h1 = b1.block.header;
    expect(out1.outputRoot).toEqual(outputRoot(h1.stateRoot, h1.withdrawalsRoot, b1.hash));
    for (const [index, at] of [
      [0n, 1n],
      [1n, 1n],
      [0n, 3n],
      [2n, 2n],
      [2n, 3n],
    ] as const) {
      const p = reader.proof(index, at)!;
      expect(p.output).toEqual(reader.outputAt(at));
      const ok = verifySmtProof(
        p.output.withdrawalsRoot,
        withdrawalKey(index),
        withdrawalLeaf(p.withdrawal),
        decodeSmtProof(p.proof),
      );
      expect(ok, `withdrawal ${index} at block ${at}`).toBe(true);
      expect(p.proof.length).toBeLessThan(1024);
    }
    expect(reader.proof(2n, 1n)).toBeUndefined(); // made after block 1
    expect(reader.proof(3n, 3n)).toBeUndefined(); // no such withdrawal
    expect(reader.proof(0n, 99n)).toBeUndefined(); // no such block
    expect(reader.outputAt(99n)).toBeUndefined();

    // From or to an address, oldest first, paged.
    const page1 = reader.list(alice.address, { limit: 1 });
    expect(page1.withdrawals.map((w) => w.index)).toEqual([0n]);
    expect(page1.nextCursor).toBe("1");
    const page2 = reader.list(alice.address, { limit: 1, cursor: page1.nextCursor! });
    expect(page2.withdrawals.map((w) => [w.index, w.txHash])).toEqual([[2n, w2.hash]]);
    expect(page2.nextCursor).toBeNull();
    expect(reader.list(to2, { limit: 10 }).withdrawals.map((w) => w.index)).toEqual([1n, 2n]);
    expect(reader.list(new Uint8Array(20).fill(9), { limit: 10 })).toEqual({
      withdrawals: [],
      nextCursor: null,
    });
    // A cursor that is not ours starts over; one past the end ends.
    expect(reader.list(alice.address, { limit: 5, cursor: "x" }).withdrawals).toHaveLength(2);
    expect(reader.list(alice.address, { limit: 5, cursor: "99" })).toEqual({
      withdrawals: [],
      nextCursor: null,
    });

    // Each call reads a bounded number of records: a short (even empty) page with a cursor.
    const bounded = createWithdrawalReader(store, { maxScan: 2 });
    const first = bounded.list(to2, { limit: 10 });
    expect(first.withdrawals.map((w) => w.index)).toEqual([1n]);
    expect(first.nextCursor).toBe("2");
    const rest = bounded.list(to2, { limit: 10, cursor: first.nextCursor! });
    expect(rest).toMatchObject({ nextCursor: null });
    expect(rest.withdrawals.map((w) => [w.index, w.txHash])).toEqual([[2n, w2.hash]]);
  });
});
