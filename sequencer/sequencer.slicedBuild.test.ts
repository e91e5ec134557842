/**
 * A block is built in slices (SequencerOpts.buildSliceMs): admission goes on between them, and a
 * tx admitted mid-build waits for the next block, whose state it was checked against.
 */
import { describe, expect, it } from "vitest";
import { bytesToHex } from "../chain/bytes.ts";
import type { Hash32 } from "../chain/types.ts";
import { TestAccount, TestChain } from "../test/helpers/testChain.ts";
import { sequencerOver } from "../test/helpers/testSequencer.ts";

const SENDERS = 40;
const PER_SENDER = 5;

function setup(removedPending?: Hash32[]) {
  const probe = new TestChain();
  const accts = Array.from({ length: SENDERS + 1 }, (_, i) =>
    TestAccount.fromSeed(9100 + i, probe.params.l2ChainId),
  );
  const chain = new TestChain({ alloc: accts.map((x) => ({ address: x.address, credits: 10n ** 21n })) });
  const clock = { now: chain.time };
  // A deadline already past at every step: the build yields after every candidate.
  const seq = sequencerOver(chain, clock, 10_000, {
    buildSliceMs: 0,
    ...(removedPending ? { removedPending } : {}),
  });
  return { chain, accts, clock, seq };
}

describe("sliced block building", () => {
  it("admits txs while a block is built; they go into the next block", async () => {
    const { chain, accts, clock, seq } = setup();
    const to = accts[0]!.address;
    for (const x of accts.slice(1))
      for (let i = 0; i < PER_SENDER; i++)
        expect(await seq.submit(x.sign({ kind: "transfer", to, amount: 1n + BigInt(i) }).raw)).toMatchObject({
          ok: true,
        });
    const late = accts[0]!.sign({ kind: "transfer", to: accts[1]!.address, amount: 7n });

    clock.now += 1000n;
    let built = false;
    const producing = seq.produceBlock().then((b) => {
      built = true;
      return b;
    });
    // The build is under way (it yields before its first slice ends): submit now.
    await new Promise<void>((r) => setImmediate(r));
    expect(built).toBe(false);
    const admitted = await seq.submit(late.raw);
    expect(admitted).toMatchObject({ ok: true });
    expect(built).toBe(false); // admitted before the block was done

    const b1 = await producing;
    expect(b1.block.txs).toHaveLength(SENDERS * PER_SENDER);
    expect(b1.block.txs.map((t) => bytesToHex(t.hash))).not.toContain(bytesToHex(late.hash));
    expect(seq.mempool.get(late.hash)).toBeDefined();
    expect(bytesToHex(chain.core.head.hash)).toBe(bytesToHex(b1.hash));

    clock.now += 1000n;
    const b2 = await seq.produceBlock();
    expect(b2.block.txs.map((t) => bytesToHex(t.hash))).toEqual([bytesToHex(late.hash)]);
    expect(seq.mempool.size).toBe(0);
  });

  it("drops a replacement admitted mid-build whose nonce the block used, from the pool and the journal", async () => {
    const removed: Hash32[] = [];
    const { accts, clock, seq } = setup(removed);
    const to = accts[0]!.address;
    for (const x of accts.slice(1))
      for (let i = 0; i < PER_SENDER; i++)
        await seq.submit(x.sign({ kind: "transfer", to, amount: 1n + BigInt(i) }).raw);
    // The last sender's last tx, replaced once the build is under way (same nonce, other amount).
    const x = accts[SENDERS]!;
    const replacement = x.sign({ kind: "transfer", to, amount: 999n }, x.nonce - 1n);
    clock.now += 1000n;
    const producing = seq.produceBlock();
    await new Promise<void>((r) => setImmediate(r));
    expect(await seq.submit(replacement.raw)).toMatchObject({ ok: true });
    const b = await producing;
    // The block kept the original (its candidates were fixed); the replacement is stale now.
    expect(b.block.txs.map((t) => bytesToHex(t.hash))).not.toContain(bytesToHex(replacement.hash));
    expect(b.block.txs).toHaveLength(SENDERS * PER_SENDER);
    expect(seq.mempool.get(replacement.hash)).toBeUndefined();
    await new Promise<void>((r) => setImmediate(r));
    expect(removed.map(bytesToHex)).toContain(bytesToHex(replacement.hash));
  });

  it("hands the thread back during the block's state commit too", async () => {
    const { accts, clock, seq } = setup();
    const to = accts[0]!.address;
    for (const x of accts.slice(1))
      for (let i = 0; i < PER_SENDER; i++)
        await seq.submit(x.sign({ kind: "transfer", to, amount: 1n + BigInt(i) }).raw);
    clock.now += 1000n;
    let built = false;
    const producing = seq.produceBlock().then(() => {
      built = true;
    });
    let turns = 0;
    while (!built) {
      await new Promise<void>((r) => setImmediate(r));
      turns++;
    }
    await producing;
    // One turn per candidate (a slice of 0 ms tries one), then the commit's: its tree update
    // pauses after each subtree of its top levels and after each batch of hashes.
    expect(turns).toBeGreaterThan(SENDERS * PER_SENDER + 10);
  });

  it("gives the block a build in one piece gives", async () => {
    const a = setup();
    const to = a.accts[0]!.address;
    for (const x of a.accts.slice(1))
      for (let i = 0; i < PER_SENDER; i++)
        await a.seq.submit(x.sign({ kind: "transfer", to, amount: 1n + BigInt(i) }).raw);
    a.clock.now += 1000n;
    const sliced = await a.seq.produceBlock();
    expect(sliced.block.txs).toHaveLength(SENDERS * PER_SENDER);
    // The same genesis, the same txs, built in one piece.
    const twin = new TestChain({ alloc: a.accts.map((x) => ({ address: x.address, credits: 10n ** 21n })) });
    const inOne = twin.core.build({
      timestamp: a.clock.now,
      l1Origin: { number: 0n, hash: new Uint8Array(32), timestamp: a.clock.now / 1000n },
      systemTxs: [],
      txs: sliced.block.txs.map((tx, i) => ({ tx, from: sliced.senders[i]! })),
    });
    expect(bytesToHex(sliced.hash)).toBe(bytesToHex(inOne.hash));
  });
});
