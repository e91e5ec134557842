/**
 * One includability check (chain/transition/precheckTx.ts `checkIncludable`) behind all three
 * places that judge a tx: admission (`submit`), the post-block sweep, and block building
 * (`ChainCore.build`'s `admit`). A tx refused at admission is refused by the sweep and by the
 * build, with the same code. The chain is a real ChainCore over memory; the sequencer's store only
 * applies the ops (this tests the check, not storage).
 */
import { describe, expect, it, vi } from "vitest";
import { BlockBuilder } from "../chain/blockBuilder.ts";
import { bytesToHex } from "../chain/bytes.ts";
import type { BuiltBlock } from "../chain/chainCore.ts";
import { TX_ERROR } from "../chain/errors.ts";
import { checkIncludable, headCheckContext } from "../chain/transition/precheckTx.ts";
import { TestAccount, TestChain } from "../test/helpers/testChain.ts";
import { sequencerOver } from "../test/helpers/testSequencer.ts";
import { DEFAULT_MEMPOOL_OPTS } from "./mempool.ts";
import { Sequencer } from "./sequencer.ts";

/** A sequencer over a chain where `a` (funded) is registered; blocks of at most `maxTxsPerBlock`. */
function setup(maxTxsPerBlock = 100) {
  const acct = TestAccount.fromSeed(11, 0n);
  const chain = new TestChain({ alloc: [{ address: acct.address, credits: 10n ** 24n }] });
  const a = new TestAccount(acct.privateKey, chain.params.l2ChainId);
  chain.block([a.sign({ kind: "register" })]); // a is registered: another "register" can never run
  const clock = { now: chain.time };
  const seq = sequencerOver(chain, clock, maxTxsPerBlock);
  return { chain, a, clock, seq };
}

describe("one includability check for admission, sweep and build", () => {
  it("a tx refused at admission is refused by the sweep and by the build, with the same code", async () => {
    // One tx per block: the block that takes nonce 1 leaves nonce 2 to the sweep.
    const { chain, a, clock, seq } = setup(1);
    const to = TestAccount.fromSeed(12, chain.params.l2ChainId).address;

    // The shared check's own answer at the head.
    const again = a.sign({ kind: "register" }, 1n);
    const ctx = headCheckContext(chain.params, chain.core.head.header, seq.state(), clock.now);
    const direct = checkIncludable(ctx, { tx: again, from: a.address });
    expect(direct).toMatchObject({ ok: false, error: TX_ERROR.ALREADY_REGISTERED });

    // Admission: at the sender's next nonce it is judged, and refused.
    expect(await seq.submit(again.raw)).toMatchObject({ ok: false, code: TX_ERROR.ALREADY_REGISTERED });

    // Sweep: behind an earlier nonce it is not judged yet (accepted); once that one is in a
    // block it is next, and the sweep refuses it.
    const later = a.sign({ kind: "register" }, 2n);
    expect(await seq.submit(later.raw)).toMatchObject({ ok: true });
    const pay = a.sign({ kind: "transfer", to, amount: 1n }, 1n);
    expect(await seq.submit(pay.raw)).toMatchObject({ ok: true });
    clock.now += 1000n;
    const b1 = await seq.produceBlock();
    expect(b1.block.txs.map((t) => t.hash)).toEqual([pay.hash]);
    expect(seq.mempool.get(later.hash)).toBeUndefined();

    // Build: put straight into the mempool (past admission), the block leaves it out with the code.
    const direct3 = a.sign({ kind: "register" }, 2n);
    expect(seq.mempool.add(direct3, a.address).ok).toBe(true);
    // The sequencer ends a build in steps: keep what the steps return.
    let built: BuiltBlock | undefined;
    const endSteps = BlockBuilder.prototype.endSteps;
    vi.spyOn(BlockBuilder.prototype, "endSteps").mockImplementation(function* (this: BlockBuilder, stop) {
      built = yield* endSteps.call(this, stop);
      return built;
    });
    clock.now += 1000n;
    const b2 = await seq.produceBlock();
    expect(b2.block.txs).toEqual([]);
    expect(built?.rejected).toEqual([
      expect.objectContaining({ system: false, error: TX_ERROR.ALREADY_REGISTERED }),
    ]);
    expect(seq.mempool.get(direct3.hash)).toBeUndefined();
  });

  it("a tx that can run passes all three and is included", async () => {
    const { chain, a, clock, seq } = setup();
    const to = TestAccount.fromSeed(12, chain.params.l2ChainId).address;
    const later = a.sign({ kind: "transfer", to, amount: 2n }, 2n);
    const first = a.sign({ kind: "transfer", to, amount: 1n }, 1n);
    expect(await seq.submit(later.raw)).toMatchObject({ ok: true });
    expect(await seq.submit(first.raw)).toMatchObject({ ok: true });
    clock.now += 1000n;
    const b = await seq.produceBlock();
    expect(b.block.txs.map((t) => t.hash)).toEqual([first.hash, later.hash]);
    // The block carries its canonical bytes, made once by build.
    expect(b.size).toBe(b.encoded.length);
    expect(b.size).toBeGreaterThan(0);
  });

  it("an included tx sent again is ALREADY_KNOWN; the tx index is asked only on a nonce refusal", async () => {
    const { chain, a, clock } = setup();
    const included = new Set<string>();
    const isIncluded = vi.fn((h: Uint8Array) => included.has(bytesToHex(h)));
    const seq = new Sequencer(
      { blockTimeMs: 500, maxTxsPerBlock: 100, mempool: DEFAULT_MEMPOOL_OPTS },
      {
        core: chain.core,
        store: {
          commitBlock: async (b, ops) => {
            chain.kv.apply(ops);
            for (const t of b.block.txs) included.add(bytesToHex(t.hash));
          },
          addPending: async () => {},
          removePending: async () => {},
          isIncluded,
        },
        beacon: { getRound: async () => undefined },
        recovery: { recover: async () => a.address },
        now: () => clock.now,
      },
    );
    const to = TestAccount.fromSeed(12, chain.params.l2ChainId).address;
    const pay = a.sign({ kind: "transfer", to, amount: 1n }, 1n);
    expect(await seq.submit(pay.raw)).toMatchObject({ ok: true });
    expect(isIncluded).not.toHaveBeenCalled();
    clock.now += 1000n;
    await seq.produceBlock();
    expect(await seq.submit(pay.raw)).toMatchObject({ ok: false, code: "ALREADY_KNOWN" });
    // Another tx at the spent nonce is not the included one: a nonce refusal.
    const other = a.sign({ kind: "transfer", to, amount: 2n }, 1n);
    expect(await seq.submit(other.raw)).toMatchObject({ ok: false, code: TX_ERROR.NONCE_TOO_LOW });
    expect(isIncluded).toHaveBeenCalledTimes(2);
  });

  it("restore() recovers the journal in one go and applies the same check", async () => {
    const { chain, a, seq } = setup();
    const to = TestAccount.fromSeed(12, chain.params.l2ChainId).address;
    const again = a.sign({ kind: "register" }, 1n); // a's next tx, and it can never run
    const b = TestAccount.fromSeed(13, chain.params.l2ChainId);
    const pays = [
      b.sign({ kind: "register" }, 0n),
      b.sign({ kind: "transfer", to, amount: 0n }, 1n),
      b.sign({ kind: "transfer", to, amount: 0n }, 2n),
    ];
    const junk = Uint8Array.of(1, 2, 3);
    const out = await seq.restore([again.raw, junk, ...pays.map((t) => t.raw)], []);
    expect(out.dropped).toEqual([again.hash]);
    expect(out.restored).toBe(3);
    expect(seq.pendingNonce(b.address)).toBe(3n);
  });
});
