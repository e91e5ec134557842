/**
 * What to do next for one challenge: a pure function of the chain's view of it (status,
 * deadline, root), what this prover holds locally (the txs it sent and what became of them, the
 * root it computed in this process, the furthest status it has seen) and the head's time. The
 * challenge runner (challengeRunner.ts) reads, asks, does the one action, and asks again; the
 * same table serves a fresh challenge and one resumed after a restart.
 *
 * | chain status | local                                          | step                          |
 * | ------------ | ---------------------------------------------- | ----------------------------- |
 * | (no id yet)  | no request / request pending / request failed  | request / awaitRequest / abandon (requestFailed) |
 * | any          | not found, or another node's                   | abandon (notOurs)             |
 * | any          | tier not in the genesis                        | abandon (unknownTier)         |
 * | older than seen | head ≤ the deadline seen / past it          | wait (staleView) / abandon (wentBackwards) |
 * | REQUESTED    |                                                | wait (seedRound)              |
 * | ACTIVE       | commit failed / included / pending             | abandon (txFailed) / wait (status) / awaitCommit |
 * | ACTIVE       | no commit, head > deadline                     | abandon (missedDeadline)      |
 * | ACTIVE       | no commit, not computed / computed             | compute / commit              |
 * | COMMITTED    | not computed / root differs / root matches     | compute / abandon (rootMismatch) / wait (sampleRound) |
 * | SAMPLED      | reveal failed / included / pending             | abandon (txFailed) / wait (status) / awaitReveal |
 * | SAMPLED      | no reveal, head > deadline                     | abandon (missedDeadline)      |
 * | SAMPLED      | not computed / root differs / root matches     | compute / abandon (rootMismatch) / reveal |
 * | PASSED, FAILED |                                              | done                          |
 * | EXPIRED, CANCELLED |                                          | abandon (expired / cancelled) |
 * | a status this prover does not know (a newer chain) |          | wait (status)                 |
 *
 * Deadlines: a block at time t expires every deadline d < t, so once the head is past the
 * deadline the next block ends the challenge: a commit or reveal sent then can only fail.
 * @module
 */
import { equalBytes } from "../chain/bytes.ts";
import {
  type Address,
  CHALLENGE_STATUS,
  type Challenge,
  type ChallengeStatus,
  type Hash32,
} from "../chain/types.ts";

/** What became of a tx this prover sent for a step. */
export type TxProgress =
  /** Signed and sent (or persisted before a restart); no receipt seen yet. */
  | { state: "pending" }
  | { state: "included" }
  /** Included with a failed receipt: the chain's error. */
  | { state: "failed"; error: string };

/** What the prover holds locally about one challenge. */
export interface LocalView {
  /** Assigned by the chain (the request's receipt). */
  id?: bigint;
  request?: TxProgress;
  commit?: TxProgress;
  reveal?: TxProgress;
  /** The root computed in this process (undefined: not yet, or lost in a restart). */
  root?: Hash32;
  /** The furthest status seen on chain and the deadline it had then. */
  seen?: { status: ChallengeStatus; deadline: bigint };
}

export interface StepInput {
  address: Address;
  /** Tier ids of this chain's genesis. */
  tierIds: ReadonlySet<number>;
  local: LocalView;
  /** The challenge as the node serves it (undefined: not found); ignored before the id is known. */
  chain: Challenge | undefined;
  /** The node's head time (ms). */
  headMs: bigint;
}

export type WaitFor =
  /** The seed round (REQUESTED → ACTIVE). */
  | "seedRound"
  /** The sample round (COMMITTED → SAMPLED). */
  | "sampleRound"
  /** The node to serve the status its receipt already implies, or a status this prover does not know. */
  | "status"
  /** The node serves an older status than it did before (a lagging replica?). */
  | "staleView";

export type AbandonCause =
  | "requestFailed"
  | "notOurs"
  | "unknownTier"
  | "wentBackwards"
  | "missedDeadline"
  | "rootMismatch"
  | "txFailed"
  | "expired"
  | "cancelled";

export type Step =
  | { kind: "request" }
  | { kind: "awaitRequest" }
  | { kind: "compute" }
  | { kind: "commit" }
  | { kind: "awaitCommit" }
  | { kind: "reveal" }
  | { kind: "awaitReveal" }
  | { kind: "wait"; for: WaitFor }
  | { kind: "done"; passed: boolean }
  | { kind: "abandon"; cause: AbandonCause; reason: string };

/** Progress order of the statuses; the four ends share the last rank. */
const RANK: Readonly<Record<string, number>> = {
  [CHALLENGE_STATUS.REQUESTED]: 0,
  [CHALLENGE_STATUS.ACTIVE]: 1,
  [CHALLENGE_STATUS.COMMITTED]: 2,
  [CHALLENGE_STATUS.SAMPLED]: 3,
  [CHALLENGE_STATUS.PASSED]: 4,
  [CHALLENGE_STATUS.FAILED]: 4,
  [CHALLENGE_STATUS.EXPIRED]: 4,
  [CHALLENGE_STATUS.CANCELLED]: 4,
};

/** The furthest of two statuses (for LocalView.seen); a status without a rank never counts as further. */
export function isFurther(status: ChallengeStatus, than: ChallengeStatus | undefined): boolean {
  const r = RANK[status];
  return r !== undefined && (than === undefined || r > (RANK[than] ?? -1));
}

const abandon = (cause: AbandonCause, reason: string): Step => ({ kind: "abandon", cause, reason });

export function nextStep(input: StepInput): Step {
  const { local, chain: ch, headMs } = input;
  const id = local.id;
  if (id === undefined) {
    if (local.request === undefined) return { kind: "request" };
    if (local.request.state === "pending") return { kind: "awaitRequest" };
    const why = local.request.state === "failed" ? local.request.error : "no challenge id in its receipt";
    return abandon("requestFailed", `the challenge request failed: ${why}`);
  }
  if (ch === undefined || !equalBytes(ch.node, input.address)) {
    return abandon("notOurs", `challenge ${id} is not this node's on this chain`);
  }
  if (!input.tierIds.has(ch.tier))
    return abandon("unknownTier", `challenge ${id} has unknown tier ${ch.tier}`);

  const seen = local.seen;
  const rank = RANK[ch.status];
  if (seen !== undefined && rank !== undefined && rank < (RANK[seen.status] ?? 0)) {
    if (headMs <= seen.deadline) return { kind: "wait", for: "staleView" };
    return abandon(
      "wentBackwards",
      `challenge ${id} went back from ${seen.status} to ${ch.status}, and its deadline has passed`,
    );
  }
  const late = headMs > ch.deadline;
  const rootDiffers = (): boolean => ch.root === undefined || !equalBytes(ch.root, local.root!);

  switch (ch.status) {
    case CHALLENGE_STATUS.REQUESTED:
      return { kind: "wait", for: "seedRound" };

    case CHALLENGE_STATUS.ACTIVE: {
      const commit = local.commit;
      if (commit?.state === "failed") {
        return abandon("txFailed", `commit of challenge ${id} failed: ${commit.error}`);
      }
      if (commit?.state === "included") return { kind: "wait", for: "status" };
      if (commit?.state === "pending") return { kind: "awaitCommit" };
      if (late) return abandon("missedDeadline", `missed the commit deadline of challenge ${id}`);
      return local.root === undefined ? { kind: "compute" } : { kind: "commit" };
    }

    case CHALLENGE_STATUS.COMMITTED:
      // The wait for the sample round is when work lost in a restart is redone.
      if (local.root === undefined) return { kind: "compute" };
      if (rootDiffers()) {
        return abandon("rootMismatch", `recomputed root of challenge ${id} differs from the committed one`);
      }
      return { kind: "wait", for: "sampleRound" };

    case CHALLENGE_STATUS.SAMPLED: {
      const reveal = local.reveal;
      if (reveal?.state === "failed") {
        // Not a verdict (the status would be FAILED): late, not sampled yet, the block's limit.
        return abandon("txFailed", `reveal of challenge ${id} failed: ${reveal.error}`);
      }
      if (reveal?.state === "included") return { kind: "wait", for: "status" };
      if (reveal?.state === "pending") return { kind: "awaitReveal" };
      if (late) return abandon("missedDeadline", `missed the reveal deadline of challenge ${id}`);
      if (local.root === undefined) return { kind: "compute" };
      if (rootDiffers()) {
        return abandon("rootMismatch", `recomputed root of challenge ${id} differs from the committed one`);
      }
      return { kind: "reveal" };
    }

    case CHALLENGE_STATUS.PASSED:
      return { kind: "done", passed: true };
    case CHALLENGE_STATUS.FAILED:
      return { kind: "done", passed: false };

    case CHALLENGE_STATUS.EXPIRED:
    case CHALLENGE_STATUS.CANCELLED: {
      const from = ch.expiredFrom === undefined ? "" : ` (was ${ch.expiredFrom})`;
      const cause = ch.status === CHALLENGE_STATUS.EXPIRED ? "expired" : "cancelled";
      return abandon(cause, `challenge ${id} ${ch.status.toLowerCase()}${from}`);
    }

    default:
      return { kind: "wait", for: "status" };
  }
}
