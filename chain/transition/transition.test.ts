import { describe, expect, it } from "vitest";
import { createJsEngine } from "../../prover/engine/index.ts";
import { buildReveal, proveChallenge } from "../../prover/proveChallenge.ts";
import { T0_SEC, TestAccount, TestChain } from "../../test/helpers/testChain.ts";
import { beaconRandomness } from "../beacon/index.ts";
import { equalBytes } from "../bytes.ts";
import { type BuiltBlock, ChainCore } from "../chainCore.ts";
import { MemoryKv } from "../kv.ts";
import { TIER_TINY, tierWork } from "../params.ts";
import { challengeSeed } from "../proof/index.ts";
import { creditsForPass } from "../state/liveness.ts";
import { recoverSender } from "../tx/index.ts";
import type { Challenge, Receipt } from "../types.ts";

const engine = createJsEngine();

function receiptOf(chain: TestChain, tx: { hash: Uint8Array }, built = chain.block([])): Receipt {
  const r = built.receipts.find((x) => equalBytes(x.txHash, tx.hash));
  if (!r) throw new Error("receipt not found");
  return r;
}

/** Puts one tx in its own block and returns its receipt. */
function send(chain: TestChain, tx: ReturnType<TestAccount["sign"]>): Receipt {
  const built = chain.block([tx]);
  return receiptOf(chain, tx, built);
}

function challenge(chain: TestChain, id: bigint): Challenge {
  const c = chain.core.readState().getChallenge(id);
  if (!c) throw new Error(`no challenge ${id}`);
  return c;
}

/** Steps blocks until challenge `id` reaches `status` (or throws after `maxBlocks`). */
function waitFor(chain: TestChain, id: bigint, status: Challenge["status"], maxBlocks = 30): Challenge {
  for (let i = 0; i < maxBlocks; i++) {
    const c = challenge(chain, id);
    if (c.status === status) return c;
    chain.block([]);
  }
  throw new Error(`challenge ${id} stuck in ${challenge(chain, id).status}, wanted ${status}`);
}

async function proveFor(chain: TestChain, c: Challenge) {
  const seed = challengeSeed(chain.params.l2ChainId, c.id, c.node, beaconRandomness(c.r1Signature!));
  return proveChallenge(TIER_TINY, seed, engine);
}

/** challenge → commit (honest), up to SAMPLED; returns the challenge and the honest reveal. */
async function upToSampled(chain: TestChain, acct: TestAccount) {
  const id = send(chain, acct.sign({ kind: "challenge", tier: TIER_TINY.id })).challengeId!;
  const proved = await proveFor(chain, waitFor(chain, id, "ACTIVE"));
  send(chain, acct.sign({ kind: "commit", challengeId: id, root: proved.root }));
  const sampled = waitFor(chain, id, "SAMPLED");
  return { id, sampled, ...buildReveal(proved, beaconRandomness(sampled.r2Signature!)) };
}

/** register → challenge → commit → reveal, all honest; returns the reveal receipt. */
async function honestPass(chain: TestChain, acct: TestAccount): Promise<{ id: bigint; receipt: Receipt }> {
  const { id, tiles, proof } = await upToSampled(chain, acct);
  const receipt = send(chain, acct.sign({ kind: "reveal", challengeId: id, tiles, proof }));
  return { id, receipt };
}

/**
 * Makes the next block come at `t` after one-second blocks, so no gap exceeds maxBlockGapMs: a
 * deadline passes by normal block flow (one jump over it would be a stall, which extends it).
 */
function nextBlockAt(chain: TestChain, t: bigint): void {
  if (chain.time > t) throw new Error(`next block already at ${chain.time}, after ${t}`);
  chain.advanceTo(t - 1000n);
  chain.time = t;
}

function newChain(): { chain: TestChain; alice: TestAccount; bob: TestAccount } {
  const chain = new TestChain();
  const alice = TestAccount.fromSeed(1, chain.params.l2ChainId);
  const bob = TestAccount.fromSeed(2, chain.params.l2ChainId);
  return { chain, alice, bob };
}

describe("state transition: challenge lifecycle", () => {
  it("default: an honest node passes and is credited work·1.0 in its first epoch", async () => {
    const { chain, alice } = newChain();
    expect(send(chain, alice.sign({ kind: "register" })).status).toBe("success");
    const { id, receipt } = await honestPass(chain, alice);
    expect(receipt).toMatchObject({ status: "success", challengeId: id });
    const expected = creditsForPass(tierWork(TIER_TINY), 10_000n, chain.params);
    expect(receipt.credits).toBe(expected);
    const state = chain.core.readState();
    expect(state.getAccount(alice.address).credits).toBe(expected);
    expect(state.getMeta().supply).toBe(expected);
    const c = challenge(chain, id);
    expect(c.status).toBe("PASSED");
    expect(c.openingsDigest?.length).toBe(32);
    expect(c.r2! > c.r1).toBe(true);
    const node = state.getNode(alice.address)!;
    expect(node).toMatchObject({ passed: 1, failed: 0, openChallenges: 0 });
    expect(node.lastThroughput > 0n).toBe(true);
  });

  it("behavior: the seed round follows the request by more than maxBatchDelay; sample round follows the commit", async () => {
    const { chain, alice } = newChain();
    send(chain, alice.sign({ kind: "register" }));
    const r = send(chain, alice.sign({ kind: "challenge", tier: TIER_TINY.id }));
    const c = challenge(chain, r.challengeId!);
    const roundTime = (round: bigint) => (chain.params.beacon.genesisTime + (round - 1n)) * 1000n;
    expect(roundTime(c.r1) > c.t0 + chain.params.maxBatchDelayMs).toBe(true);
    expect(roundTime(c.r1 - 1n) <= c.t0 + chain.params.maxBatchDelayMs).toBe(true);
  });

  it("error: a cheating reveal (one wrong entry) fails the challenge and the epoch", async () => {
    const { chain, alice } = newChain();
    send(chain, alice.sign({ kind: "register" }));
    const { id, tiles, proof } = await upToSampled(chain, alice);
    const bad = tiles.slice();
    bad[0] = (bad[0]! + 1) & 0xff;
    const r = send(chain, alice.sign({ kind: "reveal", challengeId: id, tiles: bad, proof }));
    expect(r).toMatchObject({ status: "failed", error: "BAD_OPENING" });
    expect(challenge(chain, id).status).toBe("FAILED");
    const node = chain.core.readState().getNode(alice.address)!;
    expect(node).toMatchObject({ failed: 1, passed: 0, epochFailed: true, openChallenges: 0 });
    expect(chain.core.readState().getAccount(alice.address)).toEqual({ nonce: 4n, credits: 0n });
  });

  it("error: a wrong Merkle path fails", async () => {
    const { chain, alice } = newChain();
    send(chain, alice.sign({ kind: "register" }));
    const { id, tiles, proof } = await upToSampled(chain, alice);
    const badProof = proof.slice();
    badProof[5] = (badProof[5]! ^ 1) & 0xff;
    const r = send(chain, alice.sign({ kind: "reveal", challengeId: id, tiles, proof: badProof }));
    expect(r).toMatchObject({ status: "failed", error: "BAD_OPENING" });
  });

  it("error: reveal before the sample round, commit before the seed round, and a replayed commit", async () => {
    const { chain, alice } = newChain();
    send(chain, alice.sign({ kind: "register" }));
    const id = send(chain, alice.sign({ kind: "challenge", tier: TIER_TINY.id })).challengeId!;
    const early = send(chain, alice.sign({ kind: "commit", challengeId: id, root: new Uint8Array(32) }));
    expect(early).toMatchObject({ status: "failed", error: "CHALLENGE_NOT_ACTIVE" });
    const proved = await proveFor(chain, waitFor(chain, id, "ACTIVE"));
    const commit = alice.sign({ kind: "commit", challengeId: id, root: proved.root });
    expect(send(chain, commit).status).toBe("success");
    // The sample round is > maxBatchDelay away: a reveal now is too early.
    const reveal = send(
      chain,
      alice.sign({ kind: "reveal", challengeId: id, tiles: new Uint8Array(256), proof: new Uint8Array(0) }),
    );
    expect(reveal).toMatchObject({ status: "failed", error: "CHALLENGE_NOT_SAMPLED" });
    expect(challenge(chain, id).status).toBe("COMMITTED");
    // The same bytes again: refused as a replay (nonce), never included.
    const replay = chain.block([commit], { allowRejected: true });
    expect(replay.rejected).toMatchObject([{ error: "NONCE_TOO_LOW" }]);
    // A fresh commit for the same challenge: included, failed.
    const again = send(chain, alice.sign({ kind: "commit", challengeId: id, root: proved.root }));
    expect(again).toMatchObject({ status: "failed", error: "CHALLENGE_NOT_ACTIVE" });
  });

  it("error: a commit after its deadline fails and the challenge is EXPIRED (streak broken, not a failure)", () => {
    const { chain, alice } = newChain();
    send(chain, alice.sign({ kind: "register" }));
    const id = send(chain, alice.sign({ kind: "challenge", tier: TIER_TINY.id })).challengeId!;
    const active = waitFor(chain, id, "ACTIVE");
    nextBlockAt(chain, active.deadline + 1n);
    const r = send(chain, alice.sign({ kind: "commit", challengeId: id, root: new Uint8Array(32) }));
    expect(r).toMatchObject({ status: "failed", error: "DEADLINE_PASSED" });
    expect(challenge(chain, id)).toMatchObject({ status: "EXPIRED", expiredFrom: "ACTIVE" });
    const node = chain.core.readState().getNode(alice.address)!;
    expect(node).toMatchObject({ expired: 1, failed: 0, epochFailed: true, openChallenges: 0 });
  });

  it("behavior: a commit exactly at its deadline is still accepted", async () => {
    const { chain, alice } = newChain();
    send(chain, alice.sign({ kind: "register" }));
    const id = send(chain, alice.sign({ kind: "challenge", tier: TIER_TINY.id })).challengeId!;
    const active = waitFor(chain, id, "ACTIVE");
    const proved = await proveFor(chain, active);
    nextBlockAt(chain, active.deadline);
    expect(send(chain, alice.sign({ kind: "commit", challengeId: id, root: proved.root })).status).toBe(
      "success",
    );
  });

  it("error: walking away after the samples are known counts as FAILED", async () => {
    const { chain, alice } = newChain();
    send(chain, alice.sign({ kind: "register" }));
    const { id, sampled } = await upToSampled(chain, alice);
    nextBlockAt(chain, sampled.deadline + 1n);
    const r = send(
      chain,
      alice.sign({ kind: "reveal", challengeId: id, tiles: new Uint8Array(256), proof: new Uint8Array(0) }),
    );
    expect(r).toMatchObject({ status: "failed", error: "DEADLINE_PASSED" });
    expect(challenge(chain, id)).toMatchObject({ status: "EXPIRED", expiredFrom: "SAMPLED" });
    expect(chain.core.readState().getNode(alice.address)).toMatchObject({ failed: 1, expired: 0 });
  });

  it("behavior: a seed round that never comes cancels the challenge with no penalty", () => {
    const { chain, alice } = newChain();
    send(chain, alice.sign({ kind: "register" }));
    const id = send(chain, alice.sign({ kind: "challenge", tier: TIER_TINY.id })).challengeId!;
    const c = challenge(chain, id);
    chain.withheld.add(c.r1);
    nextBlockAt(chain, c.deadline + 1n);
    chain.block([]);
    expect(challenge(chain, id)).toMatchObject({ status: "CANCELLED", expiredFrom: "REQUESTED" });
    const state = chain.core.readState();
    expect(state.getNode(alice.address)).toMatchObject({
      cancelled: 1,
      failed: 0,
      expired: 0,
      openChallenges: 0,
      epochFailed: false,
    });
    expect(state.getAwaited(c.r1)).toEqual([]);
    // The round arriving late is no longer wanted.
    const late = chain.block([], {
      systemTxs: [{ kind: "beacon", round: c.r1, signature: chain.beacon.sign(c.r1) }],
    });
    expect(late.rejected).toMatchObject([{ system: true, error: "BEACON_ROUND_UNWANTED" }]);
  });

  it("error: challenge errors: not registered, unknown tier, too many open, foreign and unknown challenges", () => {
    const { chain, alice, bob } = newChain();
    expect(send(chain, alice.sign({ kind: "challenge", tier: TIER_TINY.id }))).toMatchObject({
      error: "NOT_REGISTERED",
    });
    send(chain, alice.sign({ kind: "register" }));
    expect(send(chain, alice.sign({ kind: "register" }))).toMatchObject({ error: "ALREADY_REGISTERED" });
    expect(send(chain, alice.sign({ kind: "challenge", tier: 9999 }))).toMatchObject({
      error: "UNKNOWN_TIER",
    });
    const ids: bigint[] = [];
    for (let i = 0; i < chain.params.maxOpenChallenges; i++) {
      ids.push(send(chain, alice.sign({ kind: "challenge", tier: TIER_TINY.id })).challengeId!);
    }
    expect(send(chain, alice.sign({ kind: "challenge", tier: TIER_TINY.id }))).toMatchObject({
      error: "TOO_MANY_OPEN_CHALLENGES",
    });
    send(chain, bob.sign({ kind: "register" }));
    const root = new Uint8Array(32);
    expect(send(chain, bob.sign({ kind: "commit", challengeId: ids[0]!, root }))).toMatchObject({
      error: "NOT_CHALLENGE_OWNER",
    });
    expect(
      send(
        chain,
        bob.sign({
          kind: "reveal",
          challengeId: ids[0]!,
          tiles: new Uint8Array(0),
          proof: new Uint8Array(0),
        }),
      ),
    ).toMatchObject({
      error: "NOT_CHALLENGE_OWNER",
    });
    expect(send(chain, bob.sign({ kind: "commit", challengeId: 777n, root }))).toMatchObject({
      error: "UNKNOWN_CHALLENGE",
    });
  });
});

describe("state transition: nonces, chain id, transfers, withdrawals", () => {
  it("error: wrong chain id, nonce gaps and replays are never included", () => {
    const { chain, alice } = newChain();
    const other = new TestAccount(alice.privateKey, chain.params.l2ChainId + 1n);
    const built = chain.block([other.sign({ kind: "register" }), alice.sign({ kind: "register" }, 5n)], {
      allowRejected: true,
    });
    expect(built.rejected.map((r) => r.error)).toEqual(["WRONG_CHAIN_ID", "NONCE_TOO_HIGH"]);
    expect(built.block.txs).toHaveLength(0);
    expect(chain.core.readState().getAccount(alice.address).nonce).toBe(0n);
  });

  it("error: transfer and withdraw errors; failed txs consume the nonce", () => {
    const { chain, alice, bob } = newChain();
    expect(send(chain, alice.sign({ kind: "transfer", to: bob.address, amount: 1n }))).toMatchObject({
      error: "INSUFFICIENT_CREDITS",
    });
    expect(send(chain, alice.sign({ kind: "transfer", to: bob.address, amount: 0n }))).toMatchObject({
      error: "BAD_AMOUNT",
    });
    expect(send(chain, alice.sign({ kind: "withdraw", to: bob.address, amount: 5n }))).toMatchObject({
      error: "INSUFFICIENT_CREDITS",
    });
    expect(chain.core.readState().getAccount(alice.address).nonce).toBe(3n);
  });

  it("default: credits move by transfer and leave by withdrawal, conserving the supply", () => {
    const chainFunded = new TestChain({
      alloc: [{ address: TestAccount.fromSeed(1, 0xf10b5n).address, credits: 1000n }],
    });
    const alice = TestAccount.fromSeed(1, chainFunded.params.l2ChainId);
    const bob = TestAccount.fromSeed(2, chainFunded.params.l2ChainId);
    expect(send(chainFunded, alice.sign({ kind: "transfer", to: bob.address, amount: 300n })).status).toBe(
      "success",
    );
    const before = chainFunded.core.head.header.withdrawalsRoot;
    const w = send(chainFunded, bob.sign({ kind: "withdraw", to: alice.address, amount: 100n }));
    expect(w).toMatchObject({ status: "success", credits: 100n });
    const state = chainFunded.core.readState();
    expect(state.getAccount(alice.address).credits).toBe(700n);
    expect(state.getAccount(bob.address).credits).toBe(200n);
    expect(state.getMeta()).toMatchObject({ supply: 900n, withdrawalCount: 1n });
    expect(state.getWithdrawal(0n)).toMatchObject({ index: 0n, amount: 100n });
    expect(equalBytes(chainFunded.core.head.header.withdrawalsRoot, before)).toBe(false);
  });
});

describe("state transition: beacon system txs", () => {
  it("error: unwanted, future, known and badly signed rounds are refused", () => {
    const { chain, alice } = newChain();
    send(chain, alice.sign({ kind: "register" }));
    const id = send(chain, alice.sign({ kind: "challenge", tier: TIER_TINY.id })).challengeId!;
    const c = challenge(chain, id);
    chain.withheld.add(c.r1);
    const sig = chain.beacon.sign(c.r1);
    const future = chain.block([], {
      systemTxs: [{ kind: "beacon", round: c.r1 + 100n, signature: chain.beacon.sign(c.r1 + 100n) }],
    });
    expect(future.rejected[0]).toMatchObject({ error: "BEACON_ROUND_IN_FUTURE" });
    chain.time = (chain.params.beacon.genesisTime + c.r1) * 1000n;
    const forged = chain.block([], {
      systemTxs: [{ kind: "beacon", round: c.r1, signature: chain.beacon.sign(c.r1 + 1n) }],
    });
    expect(forged.rejected[0]).toMatchObject({ error: "BAD_BEACON_SIGNATURE" });
    const good = chain.block([], { systemTxs: [{ kind: "beacon", round: c.r1, signature: sig }] });
    expect(good.rejected).toEqual([]);
    expect(challenge(chain, id).status).toBe("ACTIVE");
    const known = chain.block([], { systemTxs: [{ kind: "beacon", round: c.r1, signature: sig }] });
    expect(known.rejected[0]).toMatchObject({ error: "BEACON_ROUND_KNOWN" });
  });
});

describe("state transition: liveness across epochs", () => {
  it("default: passes in consecutive epochs raise the multiplier, a missed epoch resets it", async () => {
    const chain = new TestChain({ params: { epochMs: 20_000n } });
    const alice = TestAccount.fromSeed(1, chain.params.l2ChainId);
    send(chain, alice.sign({ kind: "register" }));
    const epochOf = (t: bigint) => t / chain.params.epochMs;
    const mults: bigint[] = [];
    const base = creditsForPass(tierWork(TIER_TINY), 10_000n, chain.params);
    for (let i = 0; i < 3; i++) {
      const { receipt } = await honestPass(chain, alice);
      mults.push((receipt.credits! * 10_000n) / base);
      chain.advanceTo((epochOf(chain.time) + 1n) * chain.params.epochMs);
    }
    // skip a whole epoch
    chain.advanceTo((epochOf(chain.time) + 1n) * chain.params.epochMs);
    const { receipt } = await honestPass(chain, alice);
    mults.push((receipt.credits! * 10_000n) / base);
    expect(mults).toEqual([10_000n, 11_000n, 12_000n, 10_000n]);
  });
});

describe("state transition: deposit and revoke system txs", () => {
  it("default: a deposit credits once; a replayed deposit id is refused", () => {
    const { chain, alice } = newChain();
    const dep = {
      kind: "deposit" as const,
      depositId: 7n,
      to: alice.address,
      amount: 500n,
      l1BlockNumber: 3n,
    };
    expect(chain.block([], { systemTxs: [dep] }).rejected).toEqual([]);
    expect(chain.core.readState().getAccount(alice.address).credits).toBe(500n);
    expect(chain.core.readState().getMeta().supply).toBe(500n);
    expect(chain.block([], { systemTxs: [dep] }).rejected).toMatchObject([
      { system: true, error: "DEPOSIT_KNOWN" },
    ]);
    expect(chain.core.readState().getAccount(alice.address).credits).toBe(500n);
  });

  it("default: a revoke burns a PASSED record's credits (up to the balance) and resets the streak", async () => {
    const { chain, alice, bob } = newChain();
    send(chain, alice.sign({ kind: "register" }));
    const { id, receipt } = await honestPass(chain, alice);
    // Alice moves part of her credits away first: the burn is capped at her balance.
    const half = receipt.credits! / 2n;
    send(chain, alice.sign({ kind: "transfer", to: bob.address, amount: half }));
    const revoke = { kind: "revoke" as const, challengeId: id, l1BlockNumber: 9n };
    expect(chain.block([], { systemTxs: [revoke] }).rejected).toEqual([]);
    const state = chain.core.readState();
    expect(state.getAccount(alice.address).credits).toBe(0n);
    expect(state.getMeta().supply).toBe(half);
    expect(state.getNode(alice.address)).toMatchObject({ passed: 0, failed: 1, streak: 0 });
    expect(challenge(chain, id).status).toBe("FAILED");
    expect(chain.block([], { systemTxs: [revoke] }).rejected).toMatchObject([{ error: "NOT_REVOCABLE" }]);
  });
});

/**
 * Replays every block of `chain` through the checking path (ChainCore.check → applyBlock) on a
 * fresh genesis: it throws unless each block's roots are the ones execution produces, so building
 * and applying agree. Returns the state roots it reached.
 */
function replayAll(chain: TestChain, blocks: BuiltBlock[]): Uint8Array[] {
  const kv = new MemoryKv();
  const { head, ops } = ChainCore.genesis(kv, { timestamp: T0_SEC * 1000n });
  kv.apply(ops);
  const core = new ChainCore(chain.params, kv, head);
  return blocks.map((b) => {
    const senders = b.block.txs.map((tx) => {
      const r = recoverSender(tx);
      if (!r.ok) throw new Error("bad sender");
      return r.value;
    });
    const checked = core.check(b.block, senders);
    kv.apply(checked.ops);
    core.advance({ header: b.block.header, hash: checked.hash });
    return b.block.header.stateRoot;
  });
}

/** Records every block the chain builds (for replay). */
function recordBlocks(chain: TestChain): BuiltBlock[] {
  const out: BuiltBlock[] = [];
  const block = chain.block.bind(chain);
  chain.block = (...args) => {
    const b = block(...args);
    out.push(b);
    return b;
  };
  return out;
}

describe("state transition: stalls never punish (PROTOCOL §3)", () => {
  it("behavior: a stall over the reveal deadline extends it by the gap; the reveal in the next block passes", async () => {
    const { chain, alice } = newChain();
    const blocks = recordBlocks(chain);
    send(chain, alice.sign({ kind: "register" }));
    const { id, sampled, tiles, proof } = await upToSampled(chain, alice);
    const tp = chain.core.head.header.timestamp;
    const left = sampled.deadline - tp;
    // The sequencer halts: its next block comes 20 s after the deadline.
    chain.time = sampled.deadline + 20_000n;
    const t = chain.time;
    chain.block([]);
    const c = challenge(chain, id);
    expect(c.status).toBe("SAMPLED");
    expect(c.deadline).toBe(sampled.deadline + (t - tp));
    // The node is left exactly the time it had when the stall began.
    expect(c.deadline - t).toBe(left);
    const state = chain.core.readState();
    expect(state.getBucket(sampled.deadline / 1000n).some((e) => e.id === id)).toBe(false);
    expect(state.getBucket(c.deadline / 1000n)).toContainEqual({ deadline: c.deadline, id });
    const r = send(chain, alice.sign({ kind: "reveal", challengeId: id, tiles, proof }));
    expect(r).toMatchObject({ status: "success", challengeId: id });
    expect(challenge(chain, id).status).toBe("PASSED");
    expect(chain.core.readState().getNode(alice.address)).toMatchObject({ passed: 1, failed: 0 });
    // Building and applying agree on every block, the stalled one included.
    expect(replayAll(chain, blocks)).toEqual(blocks.map((b) => b.block.header.stateRoot));
  });

  it("behavior: a reveal in the very block that closes the stall passes", async () => {
    const { chain, alice } = newChain();
    send(chain, alice.sign({ kind: "register" }));
    const { id, sampled, tiles, proof } = await upToSampled(chain, alice);
    chain.time = sampled.deadline + 60_000n;
    const r = send(chain, alice.sign({ kind: "reveal", challengeId: id, tiles, proof }));
    expect(r).toMatchObject({ status: "success", challengeId: id });
  });

  it("behavior: a gap of exactly maxBlockGapMs is no stall: the reveal deadline expires (FAILED)", async () => {
    const { chain, alice } = newChain();
    send(chain, alice.sign({ kind: "register" }));
    const { id, sampled, tiles, proof } = await upToSampled(chain, alice);
    nextBlockAt(chain, sampled.deadline - 2000n);
    chain.block([]);
    const tp = chain.core.head.header.timestamp;
    chain.time = tp + chain.params.maxBlockGapMs;
    expect(chain.time > sampled.deadline).toBe(true);
    const r = send(chain, alice.sign({ kind: "reveal", challengeId: id, tiles, proof }));
    expect(r).toMatchObject({ status: "failed", error: "DEADLINE_PASSED" });
    expect(challenge(chain, id)).toMatchObject({ status: "EXPIRED", expiredFrom: "SAMPLED" });
    expect(chain.core.readState().getNode(alice.address)).toMatchObject({ failed: 1 });
  });

  it("behavior: commit windows and round timeouts are extended too; a deadline before the stall is not", async () => {
    const chain = new TestChain();
    const [alice, bob, carol] = [1, 2, 3].map((i) => TestAccount.fromSeed(i, chain.params.l2ChainId));
    const blocks = recordBlocks(chain);
    chain.block([alice!, bob!, carol!].map((a) => a.sign({ kind: "register" })));
    // Carol: ACTIVE; her commit deadline passes by normal block flow before the stall.
    const carolId = send(chain, carol!.sign({ kind: "challenge", tier: TIER_TINY.id })).challengeId!;
    const carolActive = waitFor(chain, carolId, "ACTIVE");
    // Alice: ACTIVE (commit window). Bob: REQUESTED, his seed round withheld (round timeout).
    const aliceId = send(chain, alice!.sign({ kind: "challenge", tier: TIER_TINY.id })).challengeId!;
    const active = waitFor(chain, aliceId, "ACTIVE");
    const bobId = send(chain, bob!.sign({ kind: "challenge", tier: TIER_TINY.id })).challengeId!;
    const requested = challenge(chain, bobId);
    chain.withheld.add(requested.r1);
    expect(carolActive.deadline < active.deadline).toBe(true);
    nextBlockAt(chain, carolActive.deadline + 1n);
    chain.block([]);
    expect(challenge(chain, carolId)).toMatchObject({ status: "EXPIRED", expiredFrom: "ACTIVE" });
    expect(challenge(chain, aliceId).status).toBe("ACTIVE");
    const tp = chain.core.head.header.timestamp;
    chain.time = requested.deadline + 5_000n; // past both deadlines
    const t = chain.time;
    chain.block([]);
    const a = challenge(chain, aliceId);
    const b = challenge(chain, bobId);
    expect(a).toMatchObject({ status: "ACTIVE", deadline: active.deadline + (t - tp) });
    expect(b).toMatchObject({ status: "REQUESTED", deadline: requested.deadline + (t - tp) });
    // Extended entries keep their (deadline, id) order.
    expect(a.deadline < b.deadline).toBe(active.deadline < requested.deadline);
    expect(challenge(chain, carolId).status).toBe("EXPIRED");
    // The late commit is on time; the seed round, released, still activates Bob's challenge.
    const proved = await proveFor(chain, a);
    const r = send(chain, alice!.sign({ kind: "commit", challengeId: aliceId, root: proved.root }));
    expect(r.status).toBe("success");
    chain.withheld.delete(requested.r1);
    chain.block([], {
      systemTxs: [{ kind: "beacon", round: requested.r1, signature: chain.beacon.sign(requested.r1) }],
    });
    expect(challenge(chain, bobId).status).toBe("ACTIVE");
    expect(chain.core.readState().getNode(bob!.address)).toMatchObject({ cancelled: 0, failed: 0 });
    expect(replayAll(chain, blocks)).toEqual(blocks.map((b) => b.block.header.stateRoot));
  });

  it("behavior: successive stalls each extend; normal blocks afterwards let the deadline expire", async () => {
    const { chain, alice } = newChain();
    send(chain, alice.sign({ kind: "register" }));
    const { id, sampled } = await upToSampled(chain, alice);
    let deadline = sampled.deadline;
    for (let i = 0; i < 3; i++) {
      const tp = chain.core.head.header.timestamp;
      chain.time = deadline + 7_000n;
      const t = chain.time;
      chain.block([]);
      const c = challenge(chain, id);
      expect(c).toMatchObject({ status: "SAMPLED", deadline: deadline + (t - tp) });
      deadline = c.deadline;
    }
    nextBlockAt(chain, deadline + 1n);
    chain.block([]);
    expect(challenge(chain, id)).toMatchObject({ status: "EXPIRED", expiredFrom: "SAMPLED" });
  });
});
