/**
 * Record expiry (PROTOCOL §3 "Record expiry"): a settled challenge record and a stored beacon
 * round leave state through the deadline queue, recordTtlMs after the block that settled (stored)
 * them: still there in a block at exactly that age, gone from the first block after it. Stalls
 * extend it like any deadline; a deleted id is never handed out again.
 */
import { describe, expect, it } from "vitest";
import { createJsEngine } from "../../prover/engine/index.ts";
import { buildReveal, proveChallenge } from "../../prover/proveChallenge.ts";
import { TestAccount, TestChain } from "../../test/helpers/testChain.ts";
import { beaconRandomness } from "../beacon/index.ts";
import { equalBytes } from "../bytes.ts";
import { TIER_TINY } from "../params.ts";
import { challengeSeed } from "../proof/index.ts";
import type { Challenge, Receipt, SignedTx } from "../types.ts";
import { ENTRY_KIND, entryKind, entryTarget, taggedId } from "./challengeQueue.ts";

const engine = createJsEngine();
const TTL = 20_000n;

function newChain(params: { recordTtlMs?: bigint } = {}) {
  const chain = new TestChain({ params: { recordTtlMs: TTL, ...params } });
  const alice = TestAccount.fromSeed(1, chain.params.l2ChainId);
  chain.block([alice.sign({ kind: "register" })]);
  return { chain, alice };
}

function send(chain: TestChain, tx: SignedTx): Receipt {
  const built = chain.block([tx]);
  const r = built.receipts.find((x) => equalBytes(x.txHash, tx.hash));
  if (!r) throw new Error("receipt not found");
  return r;
}

const record = (chain: TestChain, id: bigint): Challenge | undefined =>
  chain.core.readState().getChallenge(id);

/** Steps blocks until challenge `id` has `status`; returns the time of the block that got it there. */
function stepUntil(chain: TestChain, id: bigint, status: Challenge["status"]): bigint {
  for (let i = 0; i < 120; i++) {
    if (record(chain, id)?.status === status) return chain.time - 1000n;
    chain.block([]);
  }
  throw new Error(`challenge ${id} never reached ${status}`);
}

/** Empty one-second blocks up to (not including) `t`, then the next block comes at exactly `t`. */
function nextBlockAt(chain: TestChain, t: bigint): void {
  if (chain.time > t) throw new Error(`next block already at ${chain.time}, after ${t}`);
  chain.advanceTo(t - 1000n);
  chain.time = t;
}

/** register → challenge → honest commit → honest reveal; returns the id and the reveal block's time. */
async function pass(chain: TestChain, acct: TestAccount): Promise<{ id: bigint; at: bigint; c: Challenge }> {
  const id = send(chain, acct.sign({ kind: "challenge", tier: TIER_TINY.id })).challengeId!;
  stepUntil(chain, id, "ACTIVE");
  const active = record(chain, id)!;
  const seed = challengeSeed(chain.params.l2ChainId, id, active.node, beaconRandomness(active.r1Signature!));
  const proved = await proveChallenge(TIER_TINY, seed, engine);
  send(chain, acct.sign({ kind: "commit", challengeId: id, root: proved.root }));
  stepUntil(chain, id, "SAMPLED");
  const { tiles, proof } = buildReveal(proved, beaconRandomness(record(chain, id)!.r2Signature!));
  const at = chain.time;
  expect(send(chain, acct.sign({ kind: "reveal", challengeId: id, tiles, proof })).status).toBe("success");
  return { id, at, c: record(chain, id)! };
}

describe("record expiry (PROTOCOL §3)", () => {
  it("behavior: a PASSED record is there at exactly recordTtlMs after its reveal and gone one ms later", async () => {
    const { chain, alice } = newChain();
    const { id, at, c } = await pass(chain, alice);
    expect(c.status).toBe("PASSED");
    nextBlockAt(chain, at + TTL);
    chain.block([]);
    expect(record(chain, id)?.status).toBe("PASSED");
    chain.time = at + TTL + 1n;
    chain.block([]);
    expect(record(chain, id)).toBeUndefined();
    // The node's counters and credits stay: only the record leaves.
    expect(chain.core.readState().getNode(alice.address)).toMatchObject({ passed: 1, openChallenges: 0 });
  });

  it("behavior: a stored round leaves recordTtlMs after its inclusion and is then refused as unwanted", async () => {
    const { chain, alice } = newChain();
    const { c } = await pass(chain, alice);
    const state = () => chain.core.readState();
    expect(state().getRound(c.r1)).toBeDefined();
    expect(state().getRound(c.r2!)).toBeDefined();
    // r1 was included at activeAt; r2 later. Each goes on its own clock.
    nextBlockAt(chain, c.activeAt! + TTL);
    chain.block([]);
    expect(state().getRound(c.r1)).toBeDefined();
    chain.time = c.activeAt! + TTL + 1n;
    chain.block([]);
    expect(state().getRound(c.r1)).toBeUndefined();
    expect(state().getRound(c.r2!)).toBeDefined();
    chain.advanceTo(chain.time + TTL);
    expect(state().getRound(c.r2!)).toBeUndefined();
    // No challenge awaits it: including it again is refused, so the block stays what it was.
    const built = chain.block([], {
      systemTxs: [{ kind: "beacon", round: c.r1, signature: chain.beacon.sign(c.r1) }],
    });
    expect(built.rejected).toMatchObject([{ system: true, error: "BEACON_ROUND_UNWANTED" }]);
  });

  it("behavior: EXPIRED and CANCELLED records expire from the block that settled them", async () => {
    const { chain, alice } = newChain();
    // Walks away after the seed round: EXPIRED (before the commit).
    const walked = send(chain, alice.sign({ kind: "challenge", tier: TIER_TINY.id })).challengeId!;
    // Its seed round never comes: CANCELLED.
    const starved = send(chain, alice.sign({ kind: "challenge", tier: TIER_TINY.id })).challengeId!;
    chain.withheld.add(record(chain, starved)!.r1);
    const expiredAt = stepUntil(chain, walked, "EXPIRED");
    const cancelledAt = stepUntil(chain, starved, "CANCELLED");
    for (const [id, settledAt] of [
      [walked, expiredAt],
      [starved, cancelledAt],
    ] as const) {
      if (chain.time <= settledAt + TTL) {
        nextBlockAt(chain, settledAt + TTL);
        chain.block([]);
        expect(record(chain, id)).toBeDefined();
      }
      chain.advanceTo(settledAt + TTL + 1000n);
      expect(record(chain, id)).toBeUndefined();
    }
  });

  it("behavior: a stall over an expiry extends it by the gap, like any deadline", async () => {
    const { chain, alice } = newChain();
    const { id, at } = await pass(chain, alice);
    nextBlockAt(chain, at + TTL - 1000n);
    chain.block([]);
    const tp = at + TTL - 1000n;
    // One block 10 s later (a stall: above maxBlockGapMs = 5 s) spans the expiry: not deleted.
    const gap = 10_000n;
    chain.time = tp + gap;
    chain.block([]);
    expect(record(chain, id)?.status).toBe("PASSED");
    // Extended to expiry + gap: there at exactly that, gone after.
    nextBlockAt(chain, at + TTL + gap);
    chain.block([]);
    expect(record(chain, id)).toBeDefined();
    chain.time = at + TTL + gap + 1n;
    chain.block([]);
    expect(record(chain, id)).toBeUndefined();
  });

  it("error: a deleted challenge's id is never handed out again, and acting on it fails as unknown", async () => {
    const { chain, alice } = newChain();
    const first = await pass(chain, alice);
    chain.advanceTo(first.at + TTL + 1000n);
    expect(record(chain, first.id)).toBeUndefined();
    const next = send(chain, alice.sign({ kind: "challenge", tier: TIER_TINY.id })).challengeId!;
    expect(next).toBe(first.id + 1n);
    expect(chain.core.readState().getMeta().nextChallengeId).toBe(first.id + 2n);
    expect(record(chain, first.id)).toBeUndefined();
    const late = send(chain, alice.sign({ kind: "commit", challengeId: first.id, root: new Uint8Array(32) }));
    expect(late).toMatchObject({ status: "failed", error: "UNKNOWN_CHALLENGE" });
    // A revoke of a deleted record applies to nothing: refused (PROTOCOL §3: the TTL floor keeps
    // the record until its output is final, so a verdict arrives before this).
    const built = chain.block([], {
      systemTxs: [{ kind: "revoke", challengeId: first.id, l1BlockNumber: 9n }],
    });
    expect(built.rejected).toMatchObject([{ system: true, error: "UNKNOWN_CHALLENGE" }]);
  });

  it("unit: an entry's kind rides in the top two bits of its id; kind 0 is the bare id", () => {
    const e = { deadline: 5n, id: taggedId(ENTRY_KIND.RECORD_EXPIRY, 42n) };
    expect(entryKind(e)).toBe(ENTRY_KIND.RECORD_EXPIRY);
    expect(entryTarget(e)).toBe(42n);
    expect(taggedId(ENTRY_KIND.DEADLINE, 42n)).toBe(42n);
    expect(entryKind({ deadline: 5n, id: taggedId(ENTRY_KIND.ROUND_EXPIRY, 7n) })).toBe(
      ENTRY_KIND.ROUND_EXPIRY,
    );
    expect(() => taggedId(ENTRY_KIND.RECORD_EXPIRY, 1n << 62n)).toThrow(/cannot be queued/);
  });
});
