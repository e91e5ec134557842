import { describe, expect, it } from "vitest";
import { CHALLENGE_STATUS, type Challenge, type ChallengeStatus } from "../chain/types.ts";
import { isFurther, type LocalView, nextStep, type Step, type StepInput } from "./nextStep.ts";

const ME = new Uint8Array(20).fill(0xaa);
const OTHER = new Uint8Array(20).fill(0xbb);
const ROOT = new Uint8Array(32).fill(1);
const WRONG = new Uint8Array(32).fill(2);
const DEADLINE = 10_000n;

function challenge(status: ChallengeStatus, extra: Partial<Challenge> = {}): Challenge {
  return { id: 7n, node: ME, tier: 100, status, t0: 1_000n, r1: 5n, deadline: DEADLINE, ...extra };
}

const pending = { state: "pending" } as const;
const included = { state: "included" } as const;
const failed = (error: string) => ({ state: "failed", error }) as const;

interface Row {
  name: string;
  local?: LocalView;
  chain?: Challenge;
  headMs?: bigint;
  want: Step | { kind: "abandon"; cause: string; reason?: RegExp };
}

const ID: LocalView = { id: 7n };

/** Every row of the table in nextStep.ts, plus its edges. */
const ROWS: Row[] = [
  // Before the id.
  { name: "nothing yet: request one", local: {}, want: { kind: "request" } },
  { name: "request sent: wait for it", local: { request: pending }, want: { kind: "awaitRequest" } },
  {
    name: "request failed",
    local: { request: failed("TOO_MANY_OPEN_CHALLENGES") },
    want: { kind: "abandon", cause: "requestFailed", reason: /request failed: TOO_MANY_OPEN_CHALLENGES/ },
  },
  {
    name: "request included without an id",
    local: { request: included },
    want: { kind: "abandon", cause: "requestFailed", reason: /no challenge id/ },
  },
  // Not this prover's challenge.
  { name: "not found", local: ID, want: { kind: "abandon", cause: "notOurs", reason: /not this node's/ } },
  {
    name: "another node's",
    local: ID,
    chain: challenge("ACTIVE", { node: OTHER }),
    want: { kind: "abandon", cause: "notOurs" },
  },
  {
    name: "a tier the genesis does not have",
    local: ID,
    chain: challenge("ACTIVE", { tier: 9 }),
    want: { kind: "abandon", cause: "unknownTier", reason: /unknown tier 9/ },
  },
  // REQUESTED.
  {
    name: "REQUESTED: wait for the seed round",
    local: ID,
    chain: challenge("REQUESTED"),
    want: { kind: "wait", for: "seedRound" },
  },
  // ACTIVE.
  { name: "ACTIVE: compute", local: ID, chain: challenge("ACTIVE"), want: { kind: "compute" } },
  {
    name: "ACTIVE, computed: commit",
    local: { ...ID, root: ROOT },
    chain: challenge("ACTIVE"),
    want: { kind: "commit" },
  },
  {
    name: "ACTIVE, computed, head at the deadline: still commit",
    local: { ...ID, root: ROOT },
    chain: challenge("ACTIVE"),
    headMs: DEADLINE,
    want: { kind: "commit" },
  },
  {
    name: "ACTIVE, computed, head past the deadline",
    local: { ...ID, root: ROOT },
    chain: challenge("ACTIVE"),
    headMs: DEADLINE + 1n,
    want: { kind: "abandon", cause: "missedDeadline", reason: /commit deadline/ },
  },
  {
    name: "ACTIVE, not computed, head past the deadline: no work started",
    local: ID,
    chain: challenge("ACTIVE"),
    headMs: DEADLINE + 1n,
    want: { kind: "abandon", cause: "missedDeadline" },
  },
  {
    name: "ACTIVE, commit sent: wait for its receipt (even late: it may be in)",
    local: { ...ID, commit: pending },
    chain: challenge("ACTIVE"),
    headMs: DEADLINE + 1n,
    want: { kind: "awaitCommit" },
  },
  {
    name: "ACTIVE, commit included: the node will serve COMMITTED",
    local: { ...ID, commit: included },
    chain: challenge("ACTIVE"),
    want: { kind: "wait", for: "status" },
  },
  {
    name: "ACTIVE, commit failed",
    local: { ...ID, commit: failed("DEADLINE_PASSED") },
    chain: challenge("ACTIVE"),
    want: { kind: "abandon", cause: "txFailed", reason: /commit of challenge 7 failed: DEADLINE_PASSED/ },
  },
  // COMMITTED.
  {
    name: "COMMITTED, work lost in a restart: compute",
    local: ID,
    chain: challenge("COMMITTED", { root: ROOT }),
    want: { kind: "compute" },
  },
  {
    name: "COMMITTED, root matches: wait for the sample round",
    local: { ...ID, root: ROOT },
    chain: challenge("COMMITTED", { root: ROOT }),
    want: { kind: "wait", for: "sampleRound" },
  },
  {
    name: "COMMITTED, root differs",
    local: { ...ID, root: WRONG },
    chain: challenge("COMMITTED", { root: ROOT }),
    want: { kind: "abandon", cause: "rootMismatch" },
  },
  // SAMPLED.
  {
    name: "SAMPLED, work lost: compute",
    local: ID,
    chain: challenge("SAMPLED", { root: ROOT }),
    want: { kind: "compute" },
  },
  {
    name: "SAMPLED, root matches: reveal",
    local: { ...ID, root: ROOT },
    chain: challenge("SAMPLED", { root: ROOT }),
    want: { kind: "reveal" },
  },
  {
    name: "SAMPLED, root differs",
    local: { ...ID, root: WRONG },
    chain: challenge("SAMPLED", { root: ROOT }),
    want: { kind: "abandon", cause: "rootMismatch", reason: /differs from the committed one/ },
  },
  {
    name: "SAMPLED, head past the reveal deadline",
    local: { ...ID, root: ROOT },
    chain: challenge("SAMPLED", { root: ROOT }),
    headMs: DEADLINE + 1n,
    want: { kind: "abandon", cause: "missedDeadline", reason: /reveal deadline/ },
  },
  {
    name: "SAMPLED, reveal sent: wait for its receipt",
    local: { ...ID, reveal: pending },
    chain: challenge("SAMPLED", { root: ROOT }),
    want: { kind: "awaitReveal" },
  },
  {
    name: "SAMPLED, reveal included: the node will serve the verdict",
    local: { ...ID, reveal: included },
    chain: challenge("SAMPLED", { root: ROOT }),
    want: { kind: "wait", for: "status" },
  },
  {
    name: "SAMPLED, reveal failed without a verdict",
    local: { ...ID, reveal: failed("BLOCK_REVEAL_LIMIT") },
    chain: challenge("SAMPLED", { root: ROOT }),
    want: { kind: "abandon", cause: "txFailed", reason: /reveal of challenge 7 failed: BLOCK_REVEAL_LIMIT/ },
  },
  // The ends.
  { name: "PASSED", local: ID, chain: challenge("PASSED"), want: { kind: "done", passed: true } },
  {
    name: "FAILED (a failed reveal receipt is the verdict here)",
    local: { ...ID, reveal: failed("BAD_OPENING") },
    chain: challenge("FAILED"),
    want: { kind: "done", passed: false },
  },
  {
    name: "EXPIRED",
    local: ID,
    chain: challenge("EXPIRED", { expiredFrom: "ACTIVE" }),
    want: { kind: "abandon", cause: "expired", reason: /^challenge 7 expired \(was ACTIVE\)$/ },
  },
  {
    name: "CANCELLED",
    local: ID,
    chain: challenge("CANCELLED", { expiredFrom: "REQUESTED" }),
    want: { kind: "abandon", cause: "cancelled", reason: /cancelled \(was REQUESTED\)/ },
  },
  {
    name: "a status a newer chain adds: wait it out",
    local: ID,
    chain: challenge("FROZEN" as ChallengeStatus),
    want: { kind: "wait", for: "status" },
  },
  // A node whose view goes backwards.
  {
    name: "went back from SAMPLED to ACTIVE, deadline not passed: a lagging view, wait",
    local: { ...ID, root: ROOT, seen: { status: "SAMPLED", deadline: DEADLINE } },
    chain: challenge("ACTIVE", { deadline: 5_000n }),
    headMs: 6_000n,
    want: { kind: "wait", for: "staleView" },
  },
  {
    name: "went back and the deadline seen has passed",
    local: { ...ID, root: ROOT, seen: { status: "COMMITTED", deadline: DEADLINE } },
    chain: challenge("REQUESTED"),
    headMs: DEADLINE + 1n,
    want: { kind: "abandon", cause: "wentBackwards", reason: /went back from COMMITTED to REQUESTED/ },
  },
  {
    name: "the same status again is not backwards",
    local: { ...ID, root: ROOT, seen: { status: "COMMITTED", deadline: DEADLINE } },
    chain: challenge("COMMITTED", { root: ROOT }),
    want: { kind: "wait", for: "sampleRound" },
  },
  {
    name: "a lagging view never makes a commit go out twice",
    local: { ...ID, root: ROOT, commit: included, seen: { status: "COMMITTED", deadline: DEADLINE } },
    chain: challenge("ACTIVE"),
    want: { kind: "wait", for: "staleView" },
  },
];

describe("nextStep", () => {
  it.each(ROWS)("$name", (row) => {
    const input: StepInput = {
      address: ME,
      tierIds: new Set([100, 101]),
      local: row.local ?? {},
      chain: row.chain,
      headMs: row.headMs ?? 1_000n,
    };
    const got = nextStep(input);
    const { reason, ...rest } = row.want as { reason?: RegExp };
    expect(got).toMatchObject(rest);
    if (reason) expect((got as { reason: string }).reason).toMatch(reason);
    if (got.kind === "abandon") expect(Object.keys(got).sort()).toEqual(["cause", "kind", "reason"]);
  });

  it("covers every status the chain has", () => {
    const covered = new Set(ROWS.flatMap((r) => (r.chain ? [r.chain.status] : [])));
    for (const s of Object.values(CHALLENGE_STATUS)) expect(covered).toContain(s);
  });

  it("isFurther orders the statuses; unknown ones never count as further", () => {
    expect(isFurther("ACTIVE", undefined)).toBe(true);
    expect(isFurther("SAMPLED", "COMMITTED")).toBe(true);
    expect(isFurther("COMMITTED", "SAMPLED")).toBe(false);
    expect(isFurther("ACTIVE", "ACTIVE")).toBe(false);
    expect(isFurther("PASSED", "SAMPLED")).toBe(true);
    expect(isFurther("FROZEN" as ChallengeStatus, "REQUESTED")).toBe(false);
  });
});
