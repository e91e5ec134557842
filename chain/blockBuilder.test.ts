import { describe, expect, it } from "vitest";
import { TestAccount, TestChain } from "../test/helpers/testChain.ts";
import { bytesToHex } from "./bytes.ts";
import type { BuildInput, BuiltBlock } from "./chainCore.ts";
import { TX_ERROR } from "./errors.ts";
import { TIER_TINY } from "./params.ts";
import { recoverSender } from "./tx/index.ts";
import type { SignedTx, VerifiedTx } from "./types.ts";
import { encodeReceipt } from "./wire/index.ts";

const N = 40;

/** Two chains with the same genesis: one builds whole, the other in slices. */
function twins(): { a: TestChain; b: TestChain; accts: TestAccount[] } {
  const probe = new TestChain();
  const accts = Array.from({ length: N }, (_, i) => TestAccount.fromSeed(7000 + i, probe.params.l2ChainId));
  const alloc = accts.map((x) => ({ address: x.address, credits: 10n ** 21n }));
  return { a: new TestChain({ alloc }), b: new TestChain({ alloc }), accts };
}

function verified(txs: SignedTx[]): VerifiedTx[] {
  return txs.map((tx) => {
    const from = recoverSender(tx);
    if (!from.ok) throw new Error(from.error);
    return { tx, from: from.value };
  });
}

/** A block's worth of candidates with every way to be left out: nonce gaps, refusals, failures. */
function candidates(accts: TestAccount[], round: number): SignedTx[] {
  const txs: SignedTx[] = [];
  accts.forEach((x, i) => {
    if (round === 0) {
      txs.push(x.sign({ kind: "register" }));
      return;
    }
    if (i % 5 === 0) txs.push(x.sign({ kind: "challenge", tier: TIER_TINY.id }));
    txs.push(x.sign({ kind: "transfer", to: accts[(i + 1) % N]!.address, amount: 10n + BigInt(i) }));
    if (i % 7 === 0) txs.push(x.sign({ kind: "transfer", to: x.address, amount: 1n }, x.nonce + 3n)); // gap
    if (i % 11 === 0) txs.push(x.sign({ kind: "transfer", to: x.address, amount: 10n ** 30n })); // fails
  });
  return txs;
}

function input(chain: TestChain, txs: VerifiedTx[], maxBytes?: number): BuildInput {
  const t = chain.time;
  return {
    timestamp: t,
    l1Origin: { number: 0n, hash: new Uint8Array(32), timestamp: t / 1000n },
    systemTxs: chain.dueRounds(t),
    txs,
    ...(maxBytes !== undefined ? { maxBytes } : {}),
    // The builder's policy refuses every 13th candidate: its refusals must land alike.
    admit: (_ctx, vtx) =>
      vtx.tx.hash[0]! % 13 === 0
        ? { ok: false, error: TX_ERROR.NONCE_TOO_LOW, detail: "policy" }
        : { ok: true, value: null },
  };
}

function fingerprint(b: BuiltBlock): string {
  return JSON.stringify({
    hash: bytesToHex(b.hash),
    encoded: bytesToHex(b.encoded),
    receipts: b.receipts.map((r) => bytesToHex(encodeReceipt(r))),
    ops: b.ops.map((o) =>
      o.type === "put" ? `${bytesToHex(o.key)}=${bytesToHex(o.value)}` : `-${bytesToHex(o.key)}`,
    ),
    rejected: b.rejected,
  });
}

function commit(chain: TestChain, built: BuiltBlock): void {
  chain.kv.apply(built.ops);
  chain.core.advance({ header: built.block.header, hash: built.hash });
  chain.time += 1000n;
}

describe("BlockBuilder", () => {
  it("gives the same block, receipts, ops and refusals in slices as in one piece", () => {
    const { a, b, accts } = twins();
    let sliced = 0;
    let commitPauses = 0;
    for (let round = 0; round < 4; round++) {
      const txs = verified(candidates(accts, round));
      // A byte cap in the last round: candidates past it are skipped alike.
      const cap = round === 3 ? Math.floor(txs.reduce((s, v) => s + v.tx.raw.length, 0) / 2) : undefined;
      const whole = a.core.build(input(a, txs, cap));
      const builder = b.core.beginBuild(input(b, txs, cap));
      let steps = 0;
      while (!builder.step(() => true)) steps++; // one candidate per step
      sliced += steps;
      // The commit paused at every chance too.
      const ending = builder.endSteps(() => true);
      let r = ending.next();
      while (!r.done) {
        commitPauses++;
        r = ending.next();
      }
      const parts = r.value;
      expect(fingerprint(parts)).toBe(fingerprint(whole));
      expect(whole.rejected.length).toBeGreaterThan(round === 0 ? -1 : 0);
      commit(a, whole);
      commit(b, parts);
    }
    expect(sliced).toBeGreaterThan(8);
    expect(commitPauses).toBeGreaterThan(8);
    expect(bytesToHex(b.core.head.hash)).toBe(bytesToHex(a.core.head.hash));
  });

  it("refuses to end a build whose parent is no longer the head", () => {
    const { a, accts } = twins();
    const txs = verified(candidates(accts, 0));
    const stale = a.core.beginBuild(input(a, txs.slice(0, 20)));
    stale.step(() => true);
    commit(a, a.core.build(input(a, txs.slice(20))));
    expect(() => stale.end()).toThrow(/head moved/);
  });

  it("refuses to end a build whose parent stopped being the head while its commit was paused", () => {
    const { a, accts } = twins();
    const txs = verified(candidates(accts, 0));
    const paused = a.core.beginBuild(input(a, txs.slice(0, 20)));
    const ending = paused.endSteps(() => true);
    expect(ending.next().done).toBe(false);
    // Another block commits meanwhile (its tree update runs while the paused one holds its own).
    commit(a, a.core.build(input(a, txs.slice(20))));
    expect(() => {
      while (!ending.next().done);
    }).toThrow(/head moved while the block was committed/);
  });

  it("ends once, and step reports done only when every candidate was tried", () => {
    const { a, accts } = twins();
    const txs = verified(candidates(accts, 0));
    const builder = a.core.beginBuild(input(a, txs));
    expect(builder.done).toBe(false);
    expect(builder.step(() => true)).toBe(false);
    expect(builder.step()).toBe(true);
    builder.end();
    expect(() => builder.end()).toThrow(/ended twice/);
  });
});
