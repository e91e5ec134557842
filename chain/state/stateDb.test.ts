/**
 * StateDb.commit's roots against a reference tree built from the layout alone (keys.ts: key =
 * sha256(ns ‖ id), value hash = sha256(encoded record)), through the process-wide memo of SMT keys:
 * across blocks, after a dropped block, and past the memo's bound.
 */
import { describe, expect, it } from "vitest";
import { u64ToBytes } from "../bytes.ts";
import { sha256 } from "../hash.ts";
import { MemoryKv, OverlayKv } from "../kv.ts";
import { SmtNodeCache, SparseMerkleTree } from "../smt/index.ts";
import type { Account, Address } from "../types.ts";
import { encodeAccount } from "../wire/index.ts";
import { KV_PREFIX, NS, smtKey } from "./keys.ts";
import { EMPTY_ROOT, StateDb, type StateRoots } from "./stateDb.ts";

const addr = (i: number): Address => {
  const a = new Uint8Array(20);
  a.set(u64ToBytes(BigInt(i) + 0x5eedn), 12);
  return a;
};
const acct = (credits: bigint): Account => ({ nonce: 1n, credits });

/** The state root of exactly these accounts, by the layout (a fresh tree, no StateDb). */
function referenceRoot(accounts: Map<number, bigint>): Uint8Array {
  const tree = new SparseMerkleTree(new MemoryKv(), undefined, { prefix: KV_PREFIX.SMT_STATE });
  return tree.update(
    [...accounts].map(([i, credits]) => ({
      key: smtKey(NS.ACCOUNT, addr(i)),
      valueHash: sha256(encodeAccount(acct(credits))),
    })),
  );
}

/** Applies one block of account writes on `parent`; returns the roots and the block's overlay. */
function block(base: MemoryKv, parent: StateRoots, writes: Map<number, bigint>, cache: SmtNodeCache) {
  const overlay = new OverlayKv(base);
  const db = new StateDb(overlay, parent, { state: cache });
  for (const [i, credits] of writes) db.setAccount(addr(i), acct(credits));
  return { roots: db.commit(), overlay };
}

describe("StateDb commit", () => {
  it("matches the layout's reference root across blocks, a dropped block, and after it", () => {
    const base = new MemoryKv();
    const cache = new SmtNodeCache(10);
    const expected = new Map<number, bigint>();
    let parent: StateRoots = { stateRoot: EMPTY_ROOT, withdrawalsRoot: EMPTY_ROOT };
    for (let b = 0; b < 4; b++) {
      const writes = new Map<number, bigint>();
      for (let i = 0; i < 50; i++) writes.set((i * 7 + b * 13) % 120, BigInt(1000 * b + i));
      if (b === 2) {
        // Dropped: computed, then its writes are thrown away; the next block starts from `parent`.
        const dropped = block(base, parent, new Map([...writes].map(([i]) => [i, 999_999n])), cache);
        dropped.overlay.discard();
      }
      const { roots, overlay } = block(base, parent, writes, cache);
      base.apply(overlay.ops());
      for (const [i, c] of writes) expected.set(i, c);
      expect(roots.stateRoot).toEqual(referenceRoot(expected));
      parent = roots;
    }
  });

  it("keeps committing correct keys once the SMT-key memo has been emptied", () => {
    // Deposit marks (one byte each) are the cheapest records: 17,000 of them overflow the memo
    // (2^14 entries), which is emptied and refilled mid-commit.
    const base = new MemoryKv();
    const db = new StateDb(new OverlayKv(base), { stateRoot: EMPTY_ROOT, withdrawalsRoot: EMPTY_ROOT });
    const n = 17_000;
    for (let i = 0; i < n; i++) db.markDeposit(BigInt(i));
    const { stateRoot } = db.commit();
    const tree = new SparseMerkleTree(db.kv, stateRoot, { prefix: KV_PREFIX.SMT_STATE });
    const mark = sha256(Uint8Array.of(1));
    for (const i of [0, 1, 16_383, 16_384, 16_385, n - 1]) {
      expect(tree.get(smtKey(NS.DEPOSIT, u64ToBytes(BigInt(i))))).toEqual(mark);
    }
  });
});
