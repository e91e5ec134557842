/**
 * Admission during a stall (PROTOCOL §3, stalls): once the sequencer has been silent for more than
 * maxBlockGapMs, its next block extends every pending deadline by the gap, so the admission
 * pre-check must not refuse as DEADLINE_PASSED a reveal that block will accept. Without a stall,
 * a passed deadline is still refused. The chain is a real ChainCore over memory; the sequencer's
 * store only applies the ops (this tests admission, not storage).
 */
import { describe, expect, it } from "vitest";
import { beaconRandomness } from "../chain/beacon/index.ts";
import { equalBytes } from "../chain/bytes.ts";
import { TIER_TINY } from "../chain/params.ts";
import { challengeSeed } from "../chain/proof/index.ts";
import type { Challenge, SignedTx } from "../chain/types.ts";
import { createJsEngine } from "../prover/engine/index.ts";
import { buildReveal, proveChallenge } from "../prover/proveChallenge.ts";
import { TestAccount, TestChain } from "../test/helpers/testChain.ts";
import { sequencerOver } from "../test/helpers/testSequencer.ts";

function challengeOf(chain: TestChain, id: bigint): Challenge {
  const c = chain.core.readState().getChallenge(id);
  if (!c) throw new Error(`no challenge ${id}`);
  return c;
}

function until(chain: TestChain, id: bigint, status: Challenge["status"]): Challenge {
  for (let i = 0; i < 30; i++) {
    const c = challengeOf(chain, id);
    if (c.status === status) return c;
    chain.block([]);
  }
  throw new Error(`challenge ${id} never reached ${status}`);
}

/** A chain with one honest challenge at SAMPLED; returns its reveal, unsent. */
async function sampled(): Promise<{ chain: TestChain; id: bigint; reveal: SignedTx }> {
  const chain = new TestChain({ tiers: [TIER_TINY] });
  const acct = TestAccount.fromSeed(7, chain.params.l2ChainId);
  chain.block([acct.sign({ kind: "register" })]);
  const request = acct.sign({ kind: "challenge", tier: TIER_TINY.id });
  const id = chain.block([request]).receipts.find((r) => equalBytes(r.txHash, request.hash))!.challengeId!;
  const active = until(chain, id, "ACTIVE");
  const seed = challengeSeed(chain.params.l2ChainId, id, acct.address, beaconRandomness(active.r1Signature!));
  const proved = await proveChallenge(TIER_TINY, seed, createJsEngine());
  chain.block([acct.sign({ kind: "commit", challengeId: id, root: proved.root })]);
  const s = until(chain, id, "SAMPLED");
  const { tiles, proof } = buildReveal(proved, beaconRandomness(s.r2Signature!));
  return { chain, id, reveal: acct.sign({ kind: "reveal", challengeId: id, tiles, proof }) };
}

describe("Sequencer admission during a stall", () => {
  it("admits a reveal past its stored deadline while a stall is in progress, and the block passes it", async () => {
    const { chain, id, reveal } = await sampled();
    const head = chain.core.head.header.timestamp;
    const deadline = challengeOf(chain, id).deadline;
    // The sequencer was frozen: its clock is now past the deadline and past head + maxBlockGapMs.
    const clock = { now: deadline + 1_000n };
    expect(clock.now - head).toBeGreaterThan(chain.params.maxBlockGapMs);
    const seq = sequencerOver(chain, clock);
    expect(await seq.submit(reveal.raw)).toMatchObject({ ok: true });
    const block = await seq.produceBlock();
    expect(block.block.txs.map((t) => t.hash)).toContainEqual(reveal.hash);
    expect(challengeOf(chain, id).status).toBe("PASSED");
  });

  it("still refuses a reveal whose deadline passed in normal block flow", async () => {
    const { chain, id, reveal } = await sampled();
    const deadline = challengeOf(chain, id).deadline;
    chain.advanceTo(deadline - 500n, 1000n); // one-second blocks up to just before the deadline
    const clock = { now: deadline + 1n };
    expect(clock.now - chain.core.head.header.timestamp).toBeLessThanOrEqual(chain.params.maxBlockGapMs);
    const seq = sequencerOver(chain, clock);
    expect(await seq.submit(reveal.raw)).toMatchObject({ ok: false, code: "DEADLINE_PASSED" });
  });
});
