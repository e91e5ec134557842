import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TIER_SMALL, TIER_TINY, type Tier, tierWork } from "../chain/params.ts";
import { creditsForPass } from "../chain/state/liveness.ts";
import { CHALLENGE_STATUS } from "../chain/types.ts";
import { FakeProverChain } from "../test/helpers/fakeProverChain.ts";
import { TestAccount, TestChain } from "../test/helpers/testChain.ts";
import { appliedMultiplierBps } from "./challengeRunner.ts";
import { createJsEngine } from "./engine/jsEngine.ts";
import type { WorkEngine } from "./engine/types.ts";
import type { CheckOpts, ProductMismatch } from "./proveChallenge.ts";
import { createProver, type ProverOpts, resolveMaxInFlight, resolveTier } from "./proverClient.ts";
import type { ProverEvent } from "./proverEvents.ts";
import { loadState, stateFilePath } from "./proverState.ts";

const FAST = { pollIntervalMs: 1, resendIntervalMs: 20, retry: { initialMs: 1, maxMs: 5, jitter: 0 } };

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), "flops-prover-"));
});
afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

function setup(opts: { epochMs?: bigint; tiers?: Tier[] } = {}) {
  const chain = new TestChain({
    params: {
      ...(opts.epochMs === undefined ? {} : { epochMs: opts.epochMs }),
      ...(opts.tiers === undefined ? {} : { tiers: opts.tiers }),
    },
  });
  const fake = new FakeProverChain(chain);
  const account = TestAccount.fromSeed(7, chain.params.l2ChainId);
  return { chain, fake, account };
}

function proverFor(
  fake: FakeProverChain,
  account: TestAccount,
  extra: Partial<ProverOpts> & { engine?: WorkEngine; check?: CheckOpts } = {},
) {
  const { engine, check, ...rest } = extra;
  const prover = createProver(
    { privateKey: account.privateKey, dataDir, tier: TIER_TINY.id, maxChallenges: 1, ...FAST, ...rest },
    {
      chain: fake,
      engine: engine ?? createJsEngine(),
      random: () => 0.5,
      ...(check === undefined ? {} : { check }),
    },
  );
  const events: ProverEvent[] = [];
  prover.onEvent((e) => events.push(e));
  return { prover, events };
}

const types = (events: ProverEvent[]) => events.map((e) => e.type).filter((t) => t !== "computing");
const ofType = <T extends ProverEvent["type"]>(events: ProverEvent[], type: T) =>
  events.filter((e): e is Extract<ProverEvent, { type: T }> => e.type === type);

/** Stops the prover at the first event matching `when`. */
function stopAt(prover: ReturnType<typeof createProver>, when: (e: ProverEvent) => boolean): AbortController {
  const ac = new AbortController();
  prover.onEvent((e) => {
    if (when(e)) ac.abort();
  });
  return ac;
}

describe("createProver", () => {
  it("registers, runs a full challenge and reports the credits and the multiplier", async () => {
    const { fake, account } = setup();
    const { prover, events } = proverFor(fake, account);
    const summary = await prover.run();

    const work = tierWork(TIER_TINY);
    const credits = creditsForPass(work, 10_000n, fake.chain.params);
    expect(summary).toEqual({
      challenges: 1,
      passed: 1,
      failed: 0,
      skipped: 0,
      credits,
      work,
      stopped: false,
    });
    expect(types(events)).toEqual([
      "started",
      "registered",
      "challengeRequested",
      "challengeActive",
      "computed",
      "committed",
      "sampled",
      "revealed",
    ]);
    const revealed = ofType(events, "revealed")[0]!;
    expect(revealed).toMatchObject({ passed: true, credits, multiplierBps: 10_000n, challengeId: 1n });
    expect(revealed.node).toMatchObject({ passed: 1, credits, openChallenges: 0 });
    expect(ofType(events, "registered")[0]!.txHash).toBeDefined();
    // Progress went from 0 to done, ending with the commitment.
    const progress = ofType(events, "computing").map((e) => e.progress);
    expect(progress[0]).toMatchObject({ phase: "products", done: 0 });
    expect(progress.at(-1)).toMatchObject({ phase: "commitment" });
    expect(progress.at(-1)!.done).toBe(progress.at(-1)!.total);

    // On chain: the account holds the credits; the state file no longer names a challenge.
    expect(fake.chain.core.readState().getAccount(account.address).credits).toBe(credits);
    expect(fake.chain.core.readState().getChallenge(1n)?.status).toBe(CHALLENGE_STATUS.PASSED);
    const saved = loadState(stateFilePath(dataDir, account.address), {
      chainId: fake.chain.params.l2ChainId,
      address: account.address,
    });
    expect(saved.kind === "ok" && saved.state.challenges).toEqual([]);
  });

  it("does not register twice, and the multiplier grows with consecutive live epochs", async () => {
    // Short epochs: each challenge (~10 blocks of 1 s) lands in a later epoch than the last.
    const { fake, account } = setup({ epochMs: 10_000n });
    // One at a time: four challenges in flight together would land in the same epoch.
    const { prover, events } = proverFor(fake, account, { maxChallenges: 4, maxInFlight: 1 });
    const summary = await prover.run();
    expect(summary.passed).toBe(4);
    const revealed = ofType(events, "revealed");
    const work = tierWork(TIER_TINY);
    for (const r of revealed)
      expect(r.credits).toBe(creditsForPass(work, r.multiplierBps, fake.chain.params));
    expect(revealed[0]!.multiplierBps).toBe(10_000n);
    expect(revealed.at(-1)!.multiplierBps).toBeGreaterThan(10_000n);
    expect(summary.credits).toBe(revealed.reduce((s, r) => s + r.credits, 0n));

    const again = proverFor(fake, account, { maxChallenges: 1 });
    await again.prover.run();
    expect(ofType(again.events, "registered")[0]!.txHash).toBeUndefined();
  });

  it("resumes after a restart right after the commit: recomputes and reveals, no new challenge", async () => {
    const { fake, account } = setup();
    const first = proverFor(fake, account);
    const ac = stopAt(first.prover, (e) => e.type === "committed");
    const stopped = await first.prover.run(ac.signal);
    expect(stopped).toMatchObject({ stopped: true, challenges: 0 });
    const file = JSON.parse(readFileSync(stateFilePath(dataDir, account.address), "utf8"));
    expect(file.challenges).toHaveLength(1);
    expect(file.challenges[0]).toMatchObject({ id: "1", tier: TIER_TINY.id });
    expect(file.challenges[0].commit.kind).toBe("commit");

    // Meanwhile the chain moves on: the sample round comes in, so the restart finds it SAMPLED.
    while (fake.chain.core.readState().getChallenge(1n)?.status !== CHALLENGE_STATUS.SAMPLED) fake.mine();
    const second = proverFor(fake, account);
    const summary = await second.prover.run();
    expect(summary).toMatchObject({ passed: 1, challenges: 1 });
    expect(types(second.events)).toEqual([
      "started",
      "resumed",
      "registered",
      "sampled",
      "computed",
      "revealed",
    ]);
    expect(ofType(second.events, "revealed")[0]!.challengeId).toBe(1n);
    // Exactly one challenge was ever requested, and it passed.
    const state = fake.chain.core.readState();
    expect(state.getChallenge(1n)?.status).toBe(CHALLENGE_STATUS.PASSED);
    expect(state.getChallenge(2n)).toBeUndefined();
  });

  it("resumes after a crash between sending the commit and its inclusion, on a node that lost its mempool", async () => {
    const { fake, account } = setup();
    const first = proverFor(fake, account);
    const ac = new AbortController();
    fake.onAccepted = (tx) => {
      if (tx.body.action.kind === "commit") ac.abort();
    };
    await first.prover.run(ac.signal);
    fake.onAccepted = undefined;
    fake.restartNode();
    expect(fake.mempool).toHaveLength(0);

    const second = proverFor(fake, account);
    const summary = await second.prover.run();
    expect(summary.passed).toBe(1);
    // The same commit bytes were sent again (same hash), not a new commit.
    const commits = fake.accepted.filter((t) => t.body.action.kind === "commit");
    expect(commits).toHaveLength(2);
    expect(commits[0]!.hash).toEqual(commits[1]!.hash);
    expect(types(second.events)).toContain("committed");
  });

  it("rides out transient RPC errors and a node outage", async () => {
    const { fake, account } = setup();
    fake.failureRate = 0.3;
    const { prover, events } = proverFor(fake, account);
    let outages = 0;
    prover.onEvent((e) => {
      // One outage mid-challenge: the node goes down and comes back without its mempool.
      if (e.type === "committed" && outages++ === 0) {
        fake.down = true;
        setTimeout(() => {
          fake.restartNode();
          fake.down = false;
        }, 30);
      }
    });
    const summary = await prover.run();
    expect(summary).toMatchObject({ passed: 1, challenges: 1 });
    const errors = ofType(events, "error");
    expect(errors.length).toBeGreaterThan(3);
    expect(errors.every((e) => e.transient)).toBe(true);
    expect(errors[0]!.message).toMatch(/unreachable/);
  });

  it("skips a challenge that expired while the prover was down, then does a new one", async () => {
    const { fake, account } = setup();
    const first = proverFor(fake, account);
    const ac = stopAt(first.prover, (e) => e.type === "challengeActive");
    await first.prover.run(ac.signal);
    // Well past the commit deadline (tiny tier: 10 s).
    fake.chain.advanceTo(fake.chain.time + 30_000n);
    expect(fake.chain.core.readState().getChallenge(1n)?.status).toBe(CHALLENGE_STATUS.EXPIRED);

    const second = proverFor(fake, account);
    const summary = await second.prover.run();
    expect(summary).toMatchObject({ passed: 1, skipped: 1, challenges: 1 });
    const skipped = ofType(second.events, "challengeSkipped")[0]!;
    expect(skipped).toMatchObject({ challengeId: 1n, status: CHALLENGE_STATUS.EXPIRED });
    expect(skipped.reason).toMatch(/expired \(was ACTIVE\) while the prover was down/);
    expect(ofType(second.events, "revealed")[0]!.challengeId).toBe(2n);
  });

  it("a send whose answer was lost but which was included is not sent again under a new nonce", async () => {
    const { fake, account } = setup();
    let lost = 0;
    fake.loseResponse = (tx) => tx.body.action.kind === "challenge" && lost++ === 0;
    const { prover, events } = proverFor(fake, account);
    const summary = await prover.run();
    expect(summary).toMatchObject({ passed: 1, challenges: 1 });
    expect(ofType(events, "error")[0]!.message).toMatch(/timed out/);
    // One request, one challenge: the retry met NONCE_TOO_LOW, found the receipt and went on.
    expect(fake.accepted.filter((t) => t.body.action.kind === "challenge")).toHaveLength(1);
    expect(fake.chain.core.readState().getChallenge(2n)).toBeUndefined();
  });

  it("waits while the node has the most open challenges allowed, then proceeds", async () => {
    const { fake, account } = setup();
    // A previous life of this key left maxOpenChallenges challenges open and forgot them.
    fake.chain.block([account.sign({ kind: "register" })]);
    const max = fake.chain.params.maxOpenChallenges;
    fake.chain.block(
      Array.from({ length: max }, () => account.sign({ kind: "challenge", tier: TIER_TINY.id })),
    );
    const { prover, events } = proverFor(fake, account);
    prover.onEvent((e) => {
      // Time passes while the prover waits: the forgotten challenges expire.
      if (e.type === "error" && e.during === "request a challenge")
        fake.chain.advanceTo(fake.chain.time + 5_000n);
    });
    const summary = await prover.run();
    expect(summary).toMatchObject({ passed: 1, challenges: 1 });
    const waits = ofType(events, "error").filter((e) => e.during === "request a challenge");
    expect(waits.length).toBeGreaterThan(0);
    expect(waits[0]!.message).toMatch(new RegExp(`has ${max} open challenges`));
    // No request was sent (and failed) while the node was full.
    expect(fake.accepted.filter((t) => t.body.action.kind === "challenge")).toHaveLength(1);
  });

  it("reports a FAILED reveal when the engine computes wrong products", async () => {
    const { fake, account } = setup();
    const honest = createJsEngine();
    // Every entry off by one: whichever tiles are sampled, the check fails.
    const cheat: WorkEngine = {
      name: "cheat",
      async multiply(job) {
        const out = await honest.multiply(job);
        const from = (job.rowStart ?? 0) * job.n;
        const to = (job.rowEnd ?? job.n) * job.n;
        for (let i = from; i < to; i++) out[i] = (out[i]! + 1) | 0;
        return out;
      },
      close: async () => {},
    };
    // A cheating prover skips the Freivalds check (with it, the products are recomputed: below).
    const { prover, events } = proverFor(fake, account, { engine: cheat, check: { verify: false } });
    const summary = await prover.run();
    expect(summary).toMatchObject({ failed: 1, passed: 0, challenges: 1, credits: 0n });
    const revealed = ofType(events, "revealed")[0]!;
    expect(revealed).toMatchObject({ passed: false, credits: 0n });
    expect(revealed.error).toMatch(/BAD_OPENING/);
    expect(fake.nodeInfo(account.address)).toMatchObject({ failed: 1, passed: 0 });
  });

  it("with the Freivalds check on, a wrong engine's products are recomputed and the challenge passes", async () => {
    const { fake, account } = setup();
    const honest = createJsEngine();
    const wrong: WorkEngine = {
      name: "wrong",
      async multiply(job) {
        const out = await honest.multiply(job);
        out[(job.rowStart ?? 0) * job.n]! += 1; // one entry per band off by one
        return out;
      },
      close: async () => {},
    };
    const seen: ProductMismatch[] = [];
    const { prover } = proverFor(fake, account, {
      engine: wrong,
      check: { onMismatch: (m) => seen.push(m) },
    });
    const summary = await prover.run();
    expect(summary).toMatchObject({ passed: 1, failed: 0, challenges: 1 });
    expect(seen.map((m) => [m.j, m.engine, m.recomputedWith])).toEqual([
      [0, "wrong", "js"],
      [1, "wrong", "js"],
    ]);
  });

  it("stops cleanly when aborted mid-compute and keeps the challenge for the next run", async () => {
    const { fake, account } = setup();
    const first = proverFor(fake, account);
    const ac = stopAt(first.prover, (e) => e.type === "computing" && e.progress.done === 1);
    const summary = await first.prover.run(ac.signal);
    expect(summary.stopped).toBe(true);
    expect(types(first.events).at(-1)).toBe("challengeActive");
    const saved = loadState(stateFilePath(dataDir, account.address), {
      chainId: fake.chain.params.l2ChainId,
      address: account.address,
    });
    expect(saved.kind === "ok" && saved.state.challenges.map((c) => c.id)).toEqual([1n]);
  });

  it("fails fast on an unknown tier", async () => {
    const { fake, account } = setup();
    const { prover } = proverFor(fake, account, { tier: "nope" });
    await expect(prover.run()).rejects.toThrow(
      /unknown tier nope; this chain has: 100 \(tiny\), 101 \(small\)/,
    );
  });
});

/**
 * Several runners polling an in-process chain: its block building (tens of ms, BLS checks of the
 * rounds) runs on the prover's thread, so a queued compute waits many test-chain seconds. The
 * tiny tier's windows are lengthened to what the devnet's are in compute times (30 s for ~1 s of
 * compute), blocks come at most every 10 ms, and the runners poll less.
 */
const PACED = { blockEveryMs: 10, prover: { pollIntervalMs: 5, bandsPerProduct: 1 } };
const LONG_WINDOWS: Tier[] = [{ ...TIER_TINY, commitWindowMs: 60_000n, revealWindowMs: 60_000n }, TIER_SMALL];

describe("createProver: pipelining", () => {
  /** Challenges open on chain for the account, sampled at every event. */
  function watchOpen(prover: ReturnType<typeof createProver>, fake: FakeProverChain, account: TestAccount) {
    const seen = { maxOpen: 0, computing: new Set<bigint>(), overlappedCompute: false };
    prover.onEvent((e) => {
      seen.maxOpen = Math.max(seen.maxOpen, fake.nodeInfo(account.address)?.openChallenges ?? 0);
      if (e.type === "computing" && e.progress.done === 0) {
        if (seen.computing.size > 0) seen.overlappedCompute = true;
        seen.computing.add(e.challengeId);
      }
      if (e.type === "computed") seen.computing.delete(e.challengeId);
    });
    return seen;
  }

  it("keeps several challenges open (up to maxOpenChallenges), computing one at a time", async () => {
    const { fake, account } = setup({ tiers: LONG_WINDOWS });
    // Chain time from wall time (1 s a block every 10 ms), not from how often four runners poll.
    fake.blockEveryMs = PACED.blockEveryMs;
    const { prover, events } = proverFor(fake, account, { maxChallenges: 8, ...PACED.prover });
    const seen = watchOpen(prover, fake, account);
    const summary = await prover.run();
    expect(summary).toMatchObject({ challenges: 8, passed: 8, failed: 0, skipped: 0 });
    expect(summary.work).toBe(8n * tierWork(TIER_TINY));
    expect(ofType(events, "started")[0]!.maxInFlight).toBe(fake.chain.params.maxOpenChallenges);
    expect(seen.maxOpen).toBeGreaterThan(1);
    expect(seen.maxOpen).toBeLessThanOrEqual(fake.chain.params.maxOpenChallenges);
    expect(seen.overlappedCompute).toBe(false);
    // One request per challenge, none refused for too many open ones.
    expect(fake.accepted.filter((t) => t.body.action.kind === "challenge")).toHaveLength(8);
    expect(ofType(events, "challengeSkipped")).toEqual([]);
  });

  it("--max-in-flight 1 keeps one open at a time; above the genesis value it is capped", async () => {
    const { fake, account } = setup({ tiers: LONG_WINDOWS });
    fake.blockEveryMs = PACED.blockEveryMs;
    const one = proverFor(fake, account, { maxChallenges: 3, maxInFlight: 1, ...PACED.prover });
    const seen = watchOpen(one.prover, fake, account);
    expect(await one.prover.run()).toMatchObject({ passed: 3 });
    expect(seen.maxOpen).toBe(1);
    expect(resolveMaxInFlight(99, 4)).toBe(4);
    expect(resolveMaxInFlight(undefined, 4)).toBe(4);
    expect(resolveMaxInFlight(0, 4)).toBe(1);
  });

  it("a crash with several challenges in flight restarts into the same state: no work lost, none done twice", async () => {
    const { fake, account } = setup({ tiers: LONG_WINDOWS });
    fake.blockEveryMs = PACED.blockEveryMs;
    const first = proverFor(fake, account, { maxChallenges: 6, ...PACED.prover });
    const ac = new AbortController();
    // Crash as the second commit reaches the node's pool; the node then restarts without its pool.
    let commits = 0;
    fake.onAccepted = (tx) => {
      if (tx.body.action.kind === "commit" && ++commits === 2) ac.abort();
    };
    const stopped = await first.prover.run(ac.signal);
    fake.onAccepted = undefined;
    fake.restartNode();
    expect(stopped.stopped).toBe(true);
    const file = JSON.parse(readFileSync(stateFilePath(dataDir, account.address), "utf8"));
    expect(file.challenges.length).toBeGreaterThanOrEqual(2);
    const inFlight = file.challenges.filter((c: { id?: string }) => c.id !== undefined).length;
    expect(inFlight).toBeGreaterThanOrEqual(2);

    const second = proverFor(fake, account, { maxChallenges: 6 - stopped.challenges, ...PACED.prover });
    const summary = await second.prover.run();
    expect(ofType(second.events, "resumed").length).toBe(file.challenges.length);
    expect(stopped.passed + summary.passed).toBe(6);
    expect(summary.skipped).toBe(0);
    // On chain: every challenge this key ever asked for passed; none was asked for twice.
    const state = fake.chain.core.readState();
    const ids = [...Array(6).keys()].map((i) => BigInt(i + 1));
    expect(ids.map((id) => state.getChallenge(id)?.status)).toEqual(ids.map(() => CHALLENGE_STATUS.PASSED));
    expect(state.getChallenge(7n)).toBeUndefined();
    // Each commit went out as one tx: resent byte for byte after the restart, never signed anew.
    const commitHashes = new Map<bigint, Set<string>>();
    for (const t of fake.accepted) {
      if (t.body.action.kind !== "commit") continue;
      const set = commitHashes.get(t.body.action.challengeId) ?? new Set();
      set.add(Buffer.from(t.hash).toString("hex"));
      commitHashes.set(t.body.action.challengeId, set);
    }
    expect([...commitHashes.values()].map((s) => s.size)).toEqual(ids.map(() => 1));
    expect(
      loadState(stateFilePath(dataDir, account.address), {
        chainId: fake.chain.params.l2ChainId,
        address: account.address,
      }),
    ).toMatchObject({ kind: "ok", state: { challenges: [] } });
  });
});

describe("resolveTier / appliedMultiplierBps", () => {
  const params = new TestChain().params;
  it("finds tiers by id or name, default the first", () => {
    expect(resolveTier(params, undefined).id).toBe(100);
    expect(resolveTier(params, 101).name).toBe("small");
    expect(resolveTier(params, "101").name).toBe("small");
    expect(resolveTier(params, "small").id).toBe(101);
    expect(() => resolveTier(params, 7)).toThrow(/unknown tier 7/);
  });

  it("recovers the multiplier from the credits of a pass", () => {
    const work = tierWork(TIER_TINY);
    for (const m of [10_000n, 11_000n, 13_700n, 20_000n]) {
      expect(appliedMultiplierBps(creditsForPass(work, m, params), work, params)).toBe(m);
    }
    expect(appliedMultiplierBps(0n, work, params)).toBeUndefined();
  });
});
