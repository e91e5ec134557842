import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesToHex } from "../bytes.ts";
import { MemoryKv } from "../kv.ts";
import { defaultParams, QUICKNET, TIER_TINY } from "../params.ts";
import { newNodeRecord } from "../state/liveness.ts";
import type { DeadlineEntry } from "../state/records.ts";
import { EMPTY_ROOT, StateDb } from "../state/stateDb.ts";
import { CHALLENGE_STATUS, type NodeRecord } from "../types.ts";
import { BlockExecutor } from "./blockExecutor.ts";
import { addAwaited, pushDeadline, pushDeadlines } from "./challengeQueue.ts";

const T = 1_700_000_000_000n;
const params = defaultParams(QUICKNET, { tiers: [TIER_TINY] });
const NODE = new Uint8Array(20).fill(7);

function freshState(): StateDb {
  const state = new StateDb(new MemoryKv(), { stateRoot: EMPTY_ROOT, withdrawalsRoot: EMPTY_ROOT });
  state.setMeta({ nextChallengeId: 1n, withdrawalCount: 0n, deadlineCursorSec: T / 1000n - 1n, supply: 0n });
  return state;
}

/** Entries with distinct ids over a few buckets (some deadlines shared), and a permutation. */
const entriesAndPermutation = fc
  .uniqueArray(fc.record({ off: fc.nat(5_000), id: fc.bigInt({ min: 1n, max: 1000n }) }), {
    selector: (e) => e.id,
    maxLength: 60,
  })
  .map((es) => es.map((e): DeadlineEntry => ({ deadline: T + BigInt(e.off), id: e.id })))
  .chain((es) =>
    fc.shuffledSubarray(es, { minLength: es.length, maxLength: es.length }).map((perm) => ({ es, perm })),
  );

/** Entries already queued (ids apart from the pushed ones). */
const existingArb = fc.array(
  fc
    .record({ off: fc.nat(5_000), id: fc.bigInt({ min: 2000n, max: 3000n }) })
    .map((e): DeadlineEntry => ({ deadline: T + BigInt(e.off), id: e.id })),
  { maxLength: 10 },
);

describe("deadline queue", () => {
  it("behavior: pushDeadlines leaves the buckets and root of one-by-one pushes, for any order", () => {
    let runs = 0;
    fc.assert(
      fc.property(entriesAndPermutation, existingArb, ({ es, perm }, existing) => {
        const [a, b, c] = [freshState(), freshState(), freshState()];
        for (const s of [a, b, c]) for (const e of existing) pushDeadline(s, e.deadline, e.id);
        for (const e of es) pushDeadline(a, e.deadline, e.id);
        pushDeadlines(b, es);
        pushDeadlines(c, perm);
        for (const sec of new Set([...es, ...existing].map((e) => e.deadline / 1000n))) {
          expect(b.getBucket(sec)).toEqual(a.getBucket(sec));
          expect(c.getBucket(sec)).toEqual(a.getBucket(sec));
        }
        // The committed root too (a commit costs ~20 ms: only the first runs).
        if (runs++ < 10) {
          const roots = [a, b, c].map((s) => bytesToHex(s.commit().stateRoot));
          expect(roots[1]).toBe(roots[0]);
          expect(roots[2]).toBe(roots[0]);
        }
      }),
      { numRuns: 100 },
    );
  });
});

/** One node with `n` challenges, all REQUESTED and waiting on one round, all due at one time. */
function waitersOnOneRound(n: number): { state: StateDb; round: bigint; deadline: bigint } {
  const state = freshState();
  const round = 100n;
  const deadline = T + 70_000n;
  const node: NodeRecord = { ...newNodeRecord(0n, T / params.epochMs), openChallenges: n };
  state.setNode(NODE, node);
  for (let id = 1n; id <= BigInt(n); id++) {
    const status = CHALLENGE_STATUS.REQUESTED;
    state.setChallenge({ id, node: NODE, tier: TIER_TINY.id, status, t0: T, r1: round, deadline });
    pushDeadline(state, deadline, id);
    addAwaited(state, round, id);
  }
  state.setMeta({ ...state.getMeta(), nextChallengeId: BigInt(n) + 1n });
  return { state, round, deadline };
}

/** Runs the deadline pass of a block just after the common deadline; counts awaited ids read. */
function cancelAll(n: number): { state: StateDb; round: bigint; idsRead: number } {
  const { state, round, deadline } = waitersOnOneRound(n);
  let idsRead = 0;
  const getAwaited = state.getAwaited.bind(state);
  state.getAwaited = (r) => {
    const ids = getAwaited(r);
    idsRead += ids.length;
    return ids;
  };
  // A normal block (1 s after its parent): the round timeout passes, every waiter is cancelled.
  new BlockExecutor(params, state, {
    number: 70n,
    timestamp: deadline + 1n,
    parentTimestamp: deadline - 999n,
    l1Timestamp: (deadline + 1n) / 1000n,
    newOrigin: false,
  });
  return { state, round, idsRead };
}

describe("awaited rounds: cancelling many waiters of one round", () => {
  it("behavior: 20,000 cancels on one round read each awaited id a bounded number of times (linear, not n²)", () => {
    const runs = [2_000, 20_000].map((n) => ({ n, ...cancelAll(n) }));
    for (const { n, state, round, idsRead } of runs) {
      // One-by-one removal read the list once per cancel: n·(n+1)/2 ids (2·10^8 at 20,000).
      expect(idsRead).toBeLessThanOrEqual(2 * n);
      expect(state.getAwaited(round)).toEqual([]);
      expect(state.getNode(NODE)).toMatchObject({ cancelled: n, openChallenges: 0, failed: 0 });
      for (const id of [1n, BigInt(n) / 2n, BigInt(n)]) {
        expect(state.getChallenge(id)).toMatchObject({ status: "CANCELLED", expiredFrom: "REQUESTED" });
      }
    }
    expect(runs[1]!.idsRead / runs[0]!.idsRead).toBeLessThanOrEqual(11);
  }, 60_000);

  it("behavior: cancelling some waiters keeps the others in insertion order (the bytes of one-by-one removal)", () => {
    const { state, round, deadline } = waitersOnOneRound(6);
    // Challenges 2 and 5 wait longer (their deadline moved on), the rest are cancelled.
    for (const id of [2n, 5n]) {
      const c = state.getChallenge(id)!;
      c.deadline = deadline + 10_000n;
      state.setChallenge(c);
      pushDeadline(state, c.deadline, id);
    }
    new BlockExecutor(params, state, {
      number: 70n,
      timestamp: deadline + 1n,
      parentTimestamp: deadline - 999n,
      l1Timestamp: (deadline + 1n) / 1000n,
      newOrigin: false,
    });
    expect(state.getAwaited(round)).toEqual([2n, 5n]);
    expect(state.getNode(NODE)).toMatchObject({ cancelled: 4, openChallenges: 2 });
  });
});
