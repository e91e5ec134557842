/**
 * One challenge, from its request to its end (PROTOCOL §3): read the challenge and the head, ask
 * `nextStep` (nextStep.ts) what to do, do that one thing, repeat. The chain is the source of
 * truth; what only this prover knows (the id, the txs sent) is in its record of the state file,
 * written before each send (the tx sender calls `record`), so a restart at any point resumes
 * through the same table.
 *
 * Several runners share one prover (pipelining, proverClient.ts): the compute goes through a
 * queue (one engine, one computation at a time) and so do the requests (the capacity check and
 * the request's inclusion, so runners never ask for more challenges than the node may hold);
 * commits, reveals and waits of the others go on meanwhile.
 *
 * Every error is classified (errors.ts): temporary → the same step again after a backoff; reset →
 * the chain's view of this challenge is dropped and re-read after a backoff (a dropped or refused
 * tx is also forgotten, so its step is redone); critical → rethrown, the prover stops. The node
 * is not trusted for the randomness: each round is verified before it is used (beaconCheck.ts).
 * @module
 */
import type { ChainParams } from "../chain/params.ts";
import { type Tier, tierWork } from "../chain/params.ts";
import { challengeSeed } from "../chain/proof/index.ts";
import {
  type Address,
  CHALLENGE_STATUS,
  type Challenge,
  type ChallengeStatus,
  type Hash32,
} from "../chain/types.ts";
import { decodeSignedTx } from "../chain/wire/index.ts";
import { verifiedSampleRandomness, verifiedSeedRandomness } from "./beaconCheck.ts";
import { computeChallenge } from "./computeChallenge.ts";
import type { WorkEngine } from "./engine/types.ts";
import { errorKind, errorText, isAbortError, ProverError } from "./errors.ts";
import { isFurther, type LocalView, nextStep, type Step } from "./nextStep.ts";
import type { ProverChain, ReceiptInfo } from "./ports.ts";
import { buildReveal, type CheckOpts, type ProvedChallenge } from "./proveChallenge.ts";
import type { ChallengeEnd, ProverEvent } from "./proverEvents.ts";
import type { InFlightChallenge, ProverState, SentTx } from "./proverState.ts";
import { abortError, type BackoffOpts, backoffDelay, sleep, throwIfAborted } from "./retry.ts";
import type { SerialQueue } from "./serialQueue.ts";
import type { TxSender } from "./txSender.ts";

/** What every runner of one prover shares. */
export interface RunnerContext {
  address: Address;
  params: ChainParams;
  chain: ProverChain;
  sender: TxSender;
  engine: WorkEngine;
  check: CheckOpts | undefined;
  bandsPerProduct: number | undefined;
  /** One computation at a time. */
  computeQueue: SerialQueue;
  /** One request at a time, from the capacity check to its receipt. */
  requestQueue: SerialQueue;
  /** The state file's contents; runners edit their own record and remove it when done. */
  state: ProverState;
  save(): void;
  emit(event: ProverEvent): void;
  pollMs: number;
  receiptTimeoutMs: number;
  retry: BackoffOpts;
  random: () => number;
  signal: AbortSignal;
}

/** How a challenge ended for this prover. */
export interface Outcome {
  end: ChallengeEnd;
  /** Counts towards maxChallenges. */
  counts: boolean;
  credits: bigint;
  /** Work proven (the tier's work if it passed, else 0). */
  work: bigint;
}

type TxStep = "request" | "commit" | "reveal";

/**
 * Drives the challenge `record` (a record of `ctx.state.challenges`) to its end. `resumed`: the
 * record comes from the state file (a challenge found ended at the first look does not count).
 * Rejects only on an abort or a critical error.
 */
export async function runChallenge(
  record: InFlightChallenge,
  resumed: boolean,
  ctx: RunnerContext,
): Promise<Outcome> {
  const { chain, sender, params, address, signal } = ctx;
  const tierIds = new Set(params.tiers.map((t) => t.id));
  const view: LocalView = {};
  if (record.id !== undefined) view.id = record.id;
  for (const k of ["request", "commit", "reveal"] as const) if (record[k]) view[k] = { state: "pending" };
  const waitOpts = { signal, timeoutMs: ctx.receiptTimeoutMs };
  let proved: ProvedChallenge | undefined;
  let revealReceipt: ReceiptInfo | undefined;
  let firstLook = resumed;
  let committedShown = false;
  /** The challenge as read before a compute: its status cannot have moved on without this prover (only expired, which the fresh head shows). */
  let beforeCompute: Challenge | undefined;

  const tierOf = (ch: Challenge): Tier => params.tiers.find((t) => t.id === ch.tier)!;

  const forget = (): void => {
    const i = ctx.state.challenges.indexOf(record);
    if (i >= 0) ctx.state.challenges.splice(i, 1);
    ctx.save();
  };

  /** The tx's receipt; a tx that will never be included (or was refused) is forgotten, so its step is redone. */
  async function settled(step: TxStep, p: Promise<ReceiptInfo>): Promise<ReceiptInfo> {
    try {
      return await p;
    } catch (e) {
      if (e instanceof ProverError && (e.code === "TX_DROPPED" || e.code === "TX_REJECTED")) {
        delete record[step];
        delete view[step];
        ctx.save();
      }
      throw e;
    }
  }
  const recordAs =
    (step: TxStep) =>
    (tx: SentTx): void => {
      record[step] = tx;
      view[step] = { state: "pending" };
      ctx.save();
    };
  const progressOf = (r: ReceiptInfo) =>
    r.status === "success"
      ? ({ state: "included" } as const)
      : ({ state: "failed", error: r.error ?? "unknown error" } as const);

  /** Waits while the node holds maxOpenChallenges (ones a lost state file forgot, another prover with this key). */
  async function waitForCapacity(): Promise<void> {
    for (let n = 0; ; n++) {
      const node = await chain.getNode(address);
      if (node === undefined || node.openChallenges < params.maxOpenChallenges) return;
      const retryInMs = backoffDelay(n + 3, ctx.retry, ctx.random);
      ctx.emit({
        type: "error",
        during: "request a challenge",
        message: `the node has ${node.openChallenges} open challenges (the most allowed); waiting for them to end`,
        error: undefined,
        kind: "temporary",
        transient: true,
        retryInMs,
      });
      await sleep(retryInMs, signal);
    }
  }

  function onRequestReceipt(receipt: ReceiptInfo): void {
    if (receipt.status === "failed" || receipt.challengeId === undefined) {
      view.request = { state: "failed", error: receipt.error ?? "no challenge id in its receipt" };
      return;
    }
    view.request = { state: "included" };
    view.id = record.id = receipt.challengeId;
    ctx.save();
    ctx.emit({
      type: "challengeRequested",
      challengeId: receipt.challengeId,
      tier: record.tier,
      txHash: record.request!.hash,
    });
  }

  async function compute(id: bigint, ch: Challenge): Promise<ProvedChallenge> {
    const tier = tierOf(ch);
    // Verified before any work: a forged seed round is refused, never committed to.
    const seed = challengeSeed(params.l2ChainId, id, address, verifiedSeedRandomness(params, ch));
    const started = performance.now();
    const result = await computeChallenge(tier, seed, ctx.engine, {
      ...ctx.check,
      signal,
      ...(ctx.bandsPerProduct === undefined ? {} : { bandsPerProduct: ctx.bandsPerProduct }),
      onProgress: (progress) => ctx.emit({ type: "computing", challengeId: id, progress }),
    });
    ctx.emit({
      type: "computed",
      challengeId: id,
      root: result.root,
      elapsedMs: Math.round(performance.now() - started),
      work: tierWork(tier),
    });
    return result;
  }

  function onCommitReceipt(id: bigint, receipt: ReceiptInfo): void {
    view.commit = progressOf(receipt);
    if (receipt.status !== "success" || committedShown) return;
    committedShown = true;
    const tx = record.commit!;
    ctx.emit({ type: "committed", challengeId: id, root: commitRoot(tx), txHash: tx.hash });
  }

  function announce(ch: Challenge): void {
    const further = isFurther(ch.status, view.seen?.status);
    // A forged sample round is refused (BAD_BEACON_ROUND) before it is announced or used.
    if (further && ch.status === CHALLENGE_STATUS.SAMPLED && record.reveal === undefined) {
      verifiedSampleRandomness(params, ch);
    }
    if (further || ch.status === view.seen?.status) view.seen = { status: ch.status, deadline: ch.deadline };
    if (!further) return;
    if (ch.status === CHALLENGE_STATUS.ACTIVE) {
      ctx.emit({ type: "challengeActive", challengeId: ch.id, r1: ch.r1, deadlineMs: ch.deadline });
    } else if (ch.status === CHALLENGE_STATUS.SAMPLED && ch.r2 !== undefined) {
      ctx.emit({ type: "sampled", challengeId: ch.id, r2: ch.r2, deadlineMs: ch.deadline });
    }
  }

  async function report(id: bigint, ch: Challenge, passed: boolean): Promise<Outcome> {
    const receipt = revealReceipt ?? (record.reveal ? await chain.getReceipt(record.reveal.hash) : undefined);
    const work = tierWork(tierOf(ch));
    const credits = passed ? (receipt?.credits ?? ch.credits ?? 0n) : 0n;
    const node = await chain.getNode(address);
    const multiplierBps =
      (passed ? appliedMultiplierBps(credits, work, params) : undefined) ?? node?.multiplierBps ?? 10_000n;
    const txHash = record.reveal?.hash;
    forget();
    const error = receipt?.error;
    ctx.emit({
      type: "revealed",
      challengeId: id,
      txHash,
      passed,
      credits,
      multiplierBps,
      node,
      ...(error === undefined ? {} : { error }),
    });
    return { end: passed ? "passed" : "failed", counts: true, credits, work: passed ? work : 0n };
  }

  async function abandon(
    step: Extract<Step, { kind: "abandon" }>,
    status: ChallengeStatus | undefined,
    stale: boolean,
  ): Promise<Outcome> {
    // A challenge found already ended (or never ours) at the first look after a restart ended
    // while the prover was down: it does not count as one this run worked on.
    const before = ["expired", "cancelled", "notOurs", "unknownTier"].includes(step.cause) && stale;
    const reason =
      before && (step.cause === "expired" || step.cause === "cancelled")
        ? `${step.reason} while the prover was down`
        : step.reason;
    forget();
    ctx.emit({ type: "challengeSkipped", challengeId: view.id, status, reason });
    // TOO_MANY_OPEN_CHALLENGES and the like: older challenges must end first.
    if (step.cause === "requestFailed") await sleep(backoffDelay(3, ctx.retry, ctx.random), signal);
    return { end: "skipped", counts: step.cause !== "requestFailed" && !before, credits: 0n, work: 0n };
  }

  for (let failures = 0; ; ) {
    throwIfAborted(signal);
    let during = view.id === undefined ? "request a challenge" : `read challenge ${view.id}`;
    try {
      let ch: Challenge | undefined;
      let headMs = 0n;
      if (view.id !== undefined) {
        // Right after a compute the commit (or reveal) goes out at once: no second read of the challenge.
        ch = beforeCompute ?? (await chain.getChallenge(view.id));
        beforeCompute = undefined;
        headMs = (await chain.head()).timestampMs;
      }
      const step = nextStep({ address, tierIds, local: view, chain: ch, headMs });
      const stale = firstLook && view.id !== undefined;
      if (view.id !== undefined) firstLook = false;
      if (ch !== undefined) announce(ch);
      const id = view.id;

      switch (step.kind) {
        case "request":
          await ctx.requestQueue.run(async () => {
            await waitForCapacity();
            during = "send the challenge request";
            const receipt = await settled(
              "request",
              sender.send(
                { kind: "challenge", tier: record.tier },
                { ...waitOpts, record: recordAs("request") },
              ),
            );
            onRequestReceipt(receipt);
          });
          break;
        case "awaitRequest":
          during = "wait for the challenge request";
          onRequestReceipt(await settled("request", sender.wait(record.request!, waitOpts)));
          break;
        case "compute":
          during = `compute challenge ${id}`;
          proved = await ctx.computeQueue.run(() => compute(id!, ch!));
          view.root = proved.root;
          beforeCompute = ch;
          break;
        case "commit":
          during = `send the commit of challenge ${id}`;
          onCommitReceipt(
            id!,
            await settled(
              "commit",
              sender.send(
                { kind: "commit", challengeId: id!, root: proved!.root },
                { ...waitOpts, record: recordAs("commit") },
              ),
            ),
          );
          break;
        case "awaitCommit":
          during = `wait for the commit of challenge ${id}`;
          onCommitReceipt(id!, await settled("commit", sender.wait(record.commit!, waitOpts)));
          break;
        case "reveal": {
          during = `send the reveal of challenge ${id}`;
          // A forged sample round is refused before anything else: the reveal is built only from a verified one.
          const { tiles, proof } = buildReveal(proved!, verifiedSampleRandomness(params, ch!));
          revealReceipt = await settled(
            "reveal",
            sender.send(
              { kind: "reveal", challengeId: id!, tiles, proof },
              { ...waitOpts, record: recordAs("reveal") },
            ),
          );
          view.reveal = progressOf(revealReceipt);
          break;
        }
        case "awaitReveal":
          during = `wait for the reveal of challenge ${id}`;
          revealReceipt = await settled("reveal", sender.wait(record.reveal!, waitOpts));
          view.reveal = progressOf(revealReceipt);
          break;
        case "wait":
          await sleep(ctx.pollMs, signal);
          break;
        case "done":
          during = `report challenge ${id}`;
          return await report(id!, ch!, step.passed);
        case "abandon":
          return await abandon(step, ch?.status, stale);
      }
      failures = 0;
    } catch (e) {
      if (signal.aborted || isAbortError(e)) throw abortError(signal);
      const kind = errorKind(e);
      if (kind === "critical") throw e;
      // reset: what the node said about this challenge is re-read from scratch. The computed
      // work is kept: it rests on a verified seed round, not on the node's word.
      if (kind === "reset") delete view.seen;
      const retryInMs = backoffDelay(failures++, ctx.retry, ctx.random);
      ctx.emit({
        type: "error",
        during,
        message: errorText(e),
        error: e,
        kind,
        transient: kind === "temporary",
        retryInMs,
      });
      await sleep(retryInMs, signal);
    }
  }
}

/** The root a commit tx carries (after a restart the tx bytes are all the prover has of it). */
function commitRoot(tx: SentTx): Hash32 {
  const action = decodeSignedTx(tx.raw).body.action;
  if (action.kind !== "commit") throw new Error(`commitRoot: a ${action.kind} tx is not a commit`);
  return action.root;
}

/**
 * The multiplier a pass was paid at, recovered exactly from its credits:
 * credits = ⌊work·m·10^18 / (10000·flopsPerCredit)⌋ has one solution m = ⌈credits·D / q⌉ whenever
 * q = work·10^18 ≥ D = 10000·flopsPerCredit (every real tier). Undefined when it cannot be told.
 */
export function appliedMultiplierBps(
  credits: bigint,
  work: bigint,
  params: Pick<ChainParams, "flopsPerCredit">,
): bigint | undefined {
  const q = work * 10n ** 18n;
  const d = 10_000n * params.flopsPerCredit;
  if (credits <= 0n || q < d) return undefined;
  return (credits * d + q - 1n) / q;
}
