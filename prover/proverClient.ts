/**
 * The challenge loop of a node operator (PROTOCOL §3): register once, then forever
 *   request a challenge → wait for ACTIVE (seed round in) → compute → commit
 *   → wait for SAMPLED (sample round in) → reveal → read the verdict and the credits.
 *
 * The chain is the source of truth. The loop reads the challenge's status each round and does
 * the next step for that status; what the prover itself must remember (the challenge id and the
 * exact txs it sent) is in a state file written before each send (proverState.ts). So a restart
 * at any point resumes: ACTIVE → recompute and commit (or wait for the commit already sent);
 * COMMITTED/SAMPLED → recompute (deterministic: same root) and reveal; PASSED/FAILED → report;
 * EXPIRED/CANCELLED → drop it and start a new one.
 *
 * Failure policy: transient RPC errors (node down or restarting, rate limits) are retried with
 * capped exponential backoff forever; txs not included are resent byte for byte (a restarted
 * node has lost its mempool); a failed receipt or a challenge that expired or was cancelled is
 * reported and the loop moves on; any other error ends the current attempt, is reported, and the
 * loop starts again from the state file after a backoff. Only a configuration error (unknown
 * tier, a node serving another genesis than the pinned one) ends `run`. An AbortSignal stops it
 * cleanly between steps, within one compute band.
 *
 * The node is not trusted for what the prover's work rests on: the params come from the genesis
 * document, whose hash must match the pin (genesisTrust.ts), and every beacon round is verified
 * against that genesis's beacon key before the prover commits or reveals with it (beaconCheck.ts).
 * @module
 */
import { equalBytes } from "../chain/bytes.ts";
import { type ChainParams, type Tier, tierWork } from "../chain/params.ts";
import { challengeSeed } from "../chain/proof/index.ts";
import { addressFromPrivateKey, signTx } from "../chain/tx/index.ts";
import {
  type Action,
  type Address,
  CHALLENGE_STATUS,
  type Challenge,
  type ChallengeStatus,
  type Hash32,
} from "../chain/types.ts";
import { decodeSignedTx } from "../chain/wire/index.ts";
import { verifiedSampleRandomness, verifiedSeedRandomness } from "./beaconCheck.ts";
import { type ComputeProgress, computeChallenge } from "./computeChallenge.ts";
import type { WorkEngine } from "./engine/types.ts";
import { errorText, isAbortError, isTransientError, ProverError } from "./errors.ts";
import { type GenesisTrust, trustGenesis } from "./genesisTrust.ts";
import {
  type NodeInfo,
  type ProverChain,
  type ReceiptInfo,
  SEND_CODE,
  TEMPORARY_SEND_CODES,
} from "./ports.ts";
import { buildReveal, type CheckOpts, type ProvedChallenge } from "./proveChallenge.ts";
import {
  type InFlightChallenge,
  loadState,
  type ProverState,
  type SentTx,
  saveState,
  stateFilePath,
} from "./proverState.ts";
import { abortError, type BackoffOpts, backoffDelay, sleep, throwIfAborted } from "./retry.ts";

export interface ProverOpts {
  /** The node key (32 bytes). */
  privateKey: Uint8Array;
  /** Tier to request, by id or name; default the chain's first tier. */
  tier?: number | string;
  /**
   * Folder of the state file (`prover-<address>.json`) and the genesis record
   * (`prover-genesis.json`); created if missing.
   */
  dataDir: string;
  /**
   * The genesis hash to work for (keccak256 of the canonical genesis JSON). The node's genesis
   * must hash to it, or `run` rejects with GENESIS_MISMATCH. Without it the hash recorded in
   * `dataDir` on the first run is the pin (trust on first use).
   */
  genesisHash?: Hash32;
  /**
   * Return after this many challenges have ended (passed, failed, expired or cancelled while
   * worked on); default: run until aborted. `--once` is 1. A stale challenge found already
   * expired on resume does not count.
   */
  maxChallenges?: number;
  /** How often to poll the chain while waiting for a round or a receipt; default 500 ms. */
  pollIntervalMs?: number;
  /** Resend a tx not yet included after this long (the node may have restarted); default 10 s. */
  resendIntervalMs?: number;
  /** Backoff between retries after errors; default 500 ms doubling to 30 s, ±20 % jitter. */
  retry?: BackoffOpts;
  /** Progress granularity of the compute (row bands per matrix product); default 8. */
  bandsPerProduct?: number;
}

export interface ProverModules {
  chain: ProverChain;
  engine: WorkEngine;
  /**
   * The Freivalds check of each product before the commit (prover/freivalds.ts): on by default,
   * `onMismatch` reports a recomputed product. Tests turn it off to let a cheating engine's wrong
   * commitment reach the chain.
   */
  check?: CheckOpts;
  /** Jitter source; default Math.random. */
  random?: () => number;
}

/** A challenge's end as the prover saw it. */
export type ChallengeEnd = "passed" | "failed" | "skipped";

/** What the prover reports while it runs; the CLI turns these into lines, a bar or logs. */
export type ProverEvent =
  | {
      type: "started";
      address: Address;
      chainId: bigint;
      /** The genesis the prover works for, and why it trusts it. */
      genesisHash: Hash32;
      genesisTrust: GenesisTrust;
      tier: Tier;
      engine: string;
      stateFile: string;
    }
  /** A state file named an in-flight challenge (id undefined: its request tx is still pending). */
  | { type: "resumed"; challengeId: bigint | undefined; tier: number }
  /** The state file could not be used; the prover starts fresh. */
  | { type: "stateIgnored"; reason: string }
  /** `txHash` undefined: the node was registered already. */
  | { type: "registered"; txHash: Hash32 | undefined }
  | { type: "challengeRequested"; challengeId: bigint; tier: number; txHash: Hash32 }
  /** The seed round is in: the work can start. `deadlineMs`: commit deadline (chain time). */
  | { type: "challengeActive"; challengeId: bigint; r1: bigint; deadlineMs: bigint }
  | { type: "computing"; challengeId: bigint; progress: ComputeProgress }
  | { type: "computed"; challengeId: bigint; root: Hash32; elapsedMs: number; work: bigint }
  | { type: "committed"; challengeId: bigint; root: Hash32; txHash: Hash32 }
  /** The sample round is in: the reveal can be built. `deadlineMs`: reveal deadline. */
  | { type: "sampled"; challengeId: bigint; r2: bigint; deadlineMs: bigint }
  | {
      type: "revealed";
      challengeId: bigint;
      /** Undefined when the verdict was found on chain after a restart. */
      txHash: Hash32 | undefined;
      passed: boolean;
      /** Credits minted by this pass (0 if it failed). */
      credits: bigint;
      /** The multiplier this pass earned (basis points; 10000 = 1.0×). */
      multiplierBps: bigint;
      /** The node after the reveal (credits balance, streak, next multiplier), if it could be read. */
      node: NodeInfo | undefined;
      /** Why it failed (the receipt's error), when it did. */
      error?: string;
    }
  /** The challenge ended without a verdict from this prover, or was given up; the loop moves on. */
  | {
      type: "challengeSkipped";
      challengeId: bigint | undefined;
      status: ChallengeStatus | undefined;
      reason: string;
    }
  | {
      type: "error";
      /** What the prover was doing ("read challenge 7", "send commit", ...). */
      during: string;
      message: string;
      error: unknown;
      /** True when the prover retries the same step; false when it restarts the attempt. */
      transient: boolean;
      /** Delay before the retry. */
      retryInMs: number;
    };

export type ProverEventListener = (event: ProverEvent) => void;

export interface ProverSummary {
  /** Challenges that ended while this run worked on them (see ProverOpts.maxChallenges). */
  challenges: number;
  passed: number;
  failed: number;
  skipped: number;
  /** Credits earned by this run's passes. */
  credits: bigint;
  /** True when the run ended because its signal was aborted. */
  stopped: boolean;
}

export interface Prover {
  readonly address: Address;
  /** Subscribes to events; returns the unsubscribe function. A throwing listener is ignored. */
  onEvent(listener: ProverEventListener): () => void;
  /**
   * Runs the loop until `signal` aborts or maxChallenges have ended. Rejects only on a config
   * error: an unknown tier, or a node serving another genesis (GENESIS_MISMATCH, BAD_GENESIS).
   */
  run(signal?: AbortSignal): Promise<ProverSummary>;
}

const DEFAULT_RETRY: BackoffOpts = { initialMs: 500, maxMs: 30_000 };
/** Attempts to get a fresh tx accepted when the nonce raced (another tx from the same key). */
const MAX_NONCE_RETRIES = 5;

/** Picks the tier by id or name; default the chain's first. */
export function resolveTier(params: ChainParams, want: number | string | undefined): Tier {
  const tiers = params.tiers;
  const found =
    want === undefined
      ? tiers[0]
      : (tiers.find((t) => t.id === Number(want) && String(want).trim() !== "") ??
        tiers.find((t) => t.name === String(want)));
  if (found === undefined) {
    const known = tiers.map((t) => `${t.id} (${t.name})`).join(", ");
    throw new ProverError("UNKNOWN_TIER", `unknown tier ${String(want)}; this chain has: ${known || "none"}`);
  }
  return found;
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

interface Outcome {
  end: ChallengeEnd;
  /** Counts towards maxChallenges. */
  counts: boolean;
  credits: bigint;
}

export function createProver(opts: ProverOpts, modules: ProverModules): Prover {
  const { chain, engine } = modules;
  const random = modules.random ?? Math.random;
  const address = addressFromPrivateKey(opts.privateKey);
  const pollMs = opts.pollIntervalMs ?? 500;
  const resendMs = opts.resendIntervalMs ?? 10_000;
  const retryOpts = opts.retry ?? DEFAULT_RETRY;
  const stateFile = stateFilePath(opts.dataDir, address);
  const listeners = new Set<ProverEventListener>();
  let running = false;

  function emit(event: ProverEvent): void {
    for (const l of listeners) {
      try {
        l(event);
      } catch {
        // A UI bug must not stop the prover.
      }
    }
  }

  async function run(signal: AbortSignal = new AbortController().signal): Promise<ProverSummary> {
    if (running) throw new Error("prover: run() is already running");
    running = true;
    const summary: ProverSummary = {
      challenges: 0,
      passed: 0,
      failed: 0,
      skipped: 0,
      credits: 0n,
      stopped: false,
    };
    try {
      await loop(signal, summary);
    } catch (e) {
      if (!isAbortError(e)) throw e;
    } finally {
      running = false;
    }
    summary.stopped = signal.aborted;
    return summary;
  }

  async function loop(signal: AbortSignal, summary: ProverSummary): Promise<void> {
    /** Retries `fn` while it fails transiently; other errors propagate. */
    async function retrying<T>(during: string, fn: () => Promise<T>): Promise<T> {
      for (let n = 0; ; n++) {
        throwIfAborted(signal);
        try {
          return await fn();
        } catch (e) {
          if (signal.aborted) throw abortError(signal);
          if (isAbortError(e) || !isTransientError(e)) throw e;
          const retryInMs = backoffDelay(n, retryOpts, random);
          emit({ type: "error", during, message: errorText(e), error: e, transient: true, retryInMs });
          await sleep(retryInMs, signal);
        }
      }
    }

    const poll = (): Promise<void> => sleep(pollMs, signal);
    // The params come from the genesis document, checked against the pin, never from the node's
    // word (flops_getParams): they hold the chain id signed for and the beacon key rounds verify with.
    const servedGenesis = await retrying("read genesis", () => chain.genesis());
    const genesis = trustGenesis(servedGenesis, { pin: opts.genesisHash, dataDir: opts.dataDir });
    const params = genesis.doc.params;
    const tier = resolveTier(params, opts.tier);
    const chainId = params.l2ChainId;

    let state: ProverState = { chainId, address };
    const loaded = loadState(stateFile, { chainId, address });
    if (loaded.kind === "ok") state = loaded.state;
    else if (loaded.kind === "ignored") emit({ type: "stateIgnored", reason: loaded.reason });
    emit({
      type: "started",
      address,
      chainId,
      genesisHash: genesis.hash,
      genesisTrust: genesis.trust,
      tier,
      engine: engine.name,
      stateFile,
    });
    if (state.challenge)
      emit({ type: "resumed", challengeId: state.challenge.id, tier: state.challenge.tier });
    const save = (): void => saveState(stateFile, state);

    // ---- txs -------------------------------------------------------------------------------

    /** Sends the same bytes until the node takes them (or says they are known). */
    async function sendUntilAccepted(
      tx: SentTx,
    ): Promise<{ ok: true } | { ok: false; code: string; message: string }> {
      for (let n = 0; ; n++) {
        const res = await retrying(`send ${tx.kind}`, () => chain.sendRawTransaction(tx.raw));
        if (res.ok || res.code === SEND_CODE.ALREADY_KNOWN) return { ok: true };
        if (!TEMPORARY_SEND_CODES.has(res.code)) return res;
        const retryInMs = backoffDelay(n, retryOpts, random);
        emit({
          type: "error",
          during: `send ${tx.kind}`,
          message: `${res.code}: ${res.message}`,
          error: res,
          transient: true,
          retryInMs,
        });
        await sleep(retryInMs, signal);
      }
    }

    /**
     * Signs `action` at the pending nonce, records it with `record` (persisted before sending, so a
     * crash right after the send still knows the tx), and sends it.
     */
    async function submit(action: Action, record: (tx: SentTx | undefined) => void): Promise<SentTx> {
      for (let attempt = 0; ; attempt++) {
        const account = await retrying("read account nonce", () => chain.getAccount(address));
        const signed = signTx({ chainId, nonce: account.pendingNonce, action }, opts.privateKey);
        const tx: SentTx = {
          kind: action.kind,
          nonce: account.pendingNonce,
          hash: signed.hash,
          raw: signed.raw,
        };
        record(tx);
        save();
        const res = await sendUntilAccepted(tx);
        if (res.ok) return tx;
        if (res.code === SEND_CODE.NONCE_TOO_LOW) {
          // An earlier attempt of this very send may have got through and been included (the
          // client retries after a lost response): then this tx is done, not to be redone.
          const receipt = await retrying(`read the ${tx.kind} receipt`, () => chain.getReceipt(tx.hash));
          if (receipt) return tx;
        }
        record(undefined);
        save();
        const raced = res.code === SEND_CODE.NONCE_TOO_LOW || res.code === SEND_CODE.NONCE_TOO_HIGH;
        if (!raced || attempt >= MAX_NONCE_RETRIES) {
          throw new ProverError(
            "TX_REJECTED",
            `the node rejected ${action.kind}: ${res.code}: ${res.message}`,
            {
              code: res.code,
            },
          );
        }
        // The pending nonce moved under us (another tx from this key): read it again shortly.
        await poll();
      }
    }

    /**
     * Waits for the receipt of `tx`, resending its bytes every resendIntervalMs (at once when
     * `resendFirst`: after a restart the node may have lost it). Undefined: the tx was dropped
     * and its nonce used by another tx, so it will never be included.
     */
    async function awaitReceipt(tx: SentTx, resendFirst: boolean): Promise<ReceiptInfo | undefined> {
      let lastSend = resendFirst ? Number.NEGATIVE_INFINITY : Date.now();
      for (;;) {
        const receipt = await retrying(`wait for the ${tx.kind} receipt`, () => chain.getReceipt(tx.hash));
        if (receipt) return receipt;
        if (Date.now() - lastSend >= resendMs) {
          lastSend = Date.now();
          // Nonce used and no receipt above: either this tx was included just now (its receipt
          // is there now) or another tx from this key took the nonce and this one never will be.
          const account = await retrying("read account nonce", () => chain.getAccount(address));
          if (account.nonce > tx.nonce) {
            return await retrying(`wait for the ${tx.kind} receipt`, () => chain.getReceipt(tx.hash));
          }
          const res = await sendUntilAccepted(tx);
          if (!res.ok) {
            if (res.code === SEND_CODE.NONCE_TOO_LOW || res.code === SEND_CODE.NONCE_TOO_HIGH) {
              return await retrying(`wait for the ${tx.kind} receipt`, () => chain.getReceipt(tx.hash));
            }
            throw new ProverError(
              "TX_REJECTED",
              `the node rejected ${tx.kind}: ${res.code}: ${res.message}`,
              {
                code: res.code,
              },
            );
          }
        }
        await poll();
      }
    }

    // ---- registration ----------------------------------------------------------------------

    let registered = false;
    async function ensureRegistered(): Promise<void> {
      if (registered) return;
      if (state.register) {
        const receipt = await awaitReceipt(state.register, true);
        const hash = state.register.hash;
        delete state.register;
        save();
        if (receipt?.status === "success") {
          registered = true;
          emit({ type: "registered", txHash: hash });
          return;
        }
      }
      const node = await retrying("read node", () => chain.getNode(address));
      if (node) {
        registered = true;
        emit({ type: "registered", txHash: undefined });
        return;
      }
      const tx = await submit({ kind: "register" }, (t) => {
        if (t) state.register = t;
        else delete state.register;
      });
      const receipt = await awaitReceipt(tx, false);
      delete state.register;
      save();
      if (receipt?.status === "failed" && !receipt.error?.startsWith("ALREADY_REGISTERED")) {
        throw new ProverError("TX_REJECTED", `register failed: ${receipt.error ?? "unknown error"}`);
      }
      if (receipt === undefined) return; // dropped: the next round checks the node again
      registered = true;
      emit({ type: "registered", txHash: tx.hash });
    }

    // ---- one challenge ---------------------------------------------------------------------

    function clearChallenge(): void {
      delete state.challenge;
      save();
    }

    function skip(
      c: InFlightChallenge,
      status: ChallengeStatus | undefined,
      reason: string,
      counts: boolean,
    ): Outcome {
      clearChallenge();
      emit({ type: "challengeSkipped", challengeId: c.id, status, reason });
      return { end: "skipped", counts, credits: 0n };
    }

    async function compute(id: bigint, ch: Challenge, t: Tier): Promise<ProvedChallenge> {
      // Verified before any work: a forged seed round is refused, never committed to.
      const seed = challengeSeed(chainId, id, address, verifiedSeedRandomness(params, ch));
      const started = performance.now();
      const proved = await computeChallenge(t, seed, engine, {
        ...modules.check,
        signal,
        ...(opts.bandsPerProduct === undefined ? {} : { bandsPerProduct: opts.bandsPerProduct }),
        onProgress: (progress) => emit({ type: "computing", challengeId: id, progress }),
      });
      emit({
        type: "computed",
        challengeId: id,
        root: proved.root,
        elapsedMs: Math.round(performance.now() - started),
        work: tierWork(t),
      });
      return proved;
    }

    async function report(
      id: bigint,
      ch: Challenge | undefined,
      t: Tier,
      txHash: Hash32 | undefined,
      receipt: ReceiptInfo | undefined,
    ): Promise<Outcome> {
      const passed = ch?.status === CHALLENGE_STATUS.PASSED || receipt?.status === "success";
      const credits = receipt?.credits ?? ch?.credits ?? 0n;
      const node = await retrying("read node", () => chain.getNode(address));
      const multiplierBps =
        (passed ? appliedMultiplierBps(credits, tierWork(t), params) : undefined) ??
        node?.multiplierBps ??
        10_000n;
      clearChallenge();
      const error = receipt?.error;
      emit({
        type: "revealed",
        challengeId: id,
        txHash,
        passed,
        credits: passed ? credits : 0n,
        multiplierBps,
        node,
        ...(error === undefined ? {} : { error }),
      });
      return { end: passed ? "passed" : "failed", counts: true, credits: passed ? credits : 0n };
    }

    /**
     * Waits while the node has maxOpenChallenges open (challenges a lost state file forgot, or
     * another prover with this key): a request now would only fail, and cost a tx each time.
     */
    async function waitForCapacity(): Promise<void> {
      for (let n = 0; ; n++) {
        const node = await retrying("read node", () => chain.getNode(address));
        if (node === undefined || node.openChallenges < params.maxOpenChallenges) return;
        const retryInMs = backoffDelay(n + 3, retryOpts, random);
        emit({
          type: "error",
          during: "request a challenge",
          message: `the node has ${node.openChallenges} open challenges (the most allowed); waiting for them to end`,
          error: undefined,
          transient: true,
          retryInMs,
        });
        await sleep(retryInMs, signal);
      }
    }

    async function runChallenge(): Promise<Outcome> {
      let c = state.challenge;
      const resumed = c !== undefined;
      if (c === undefined) {
        c = { tier: tier.id };
        state.challenge = c;
      }
      const inFlight = c;

      // 1. The id, from the request's receipt.
      if (inFlight.id === undefined) {
        const hadRequest = inFlight.request !== undefined;
        if (!hadRequest) await waitForCapacity();
        inFlight.request ??= await submit({ kind: "challenge", tier: inFlight.tier }, (t) => {
          if (t) inFlight.request = t;
          else delete inFlight.request;
        });
        const request = inFlight.request;
        const receipt = await awaitReceipt(request, hadRequest);
        if (receipt === undefined)
          return skip(inFlight, undefined, "the challenge request was dropped", false);
        if (receipt.status === "failed" || receipt.challengeId === undefined) {
          const outcome = skip(
            inFlight,
            undefined,
            `the challenge request failed: ${receipt.error ?? "no id"}`,
            false,
          );
          // TOO_MANY_OPEN_CHALLENGES and the like: older challenges must time out first.
          await sleep(backoffDelay(3, retryOpts, random), signal);
          return outcome;
        }
        inFlight.id = receipt.challengeId;
        save();
        emit({
          type: "challengeRequested",
          challengeId: inFlight.id,
          tier: inFlight.tier,
          txHash: request.hash,
        });
      }
      const id = inFlight.id;

      // 2. Drive it by the chain's view of it.
      let proved: ProvedChallenge | undefined;
      let firstLook = true;
      let announced: ChallengeStatus | undefined;
      let committedEmitted = false;
      for (;;) {
        const ch = await retrying(`read challenge ${id}`, () => chain.getChallenge(id));
        const stale = resumed && firstLook;
        firstLook = false;
        if (ch === undefined || !equalBytes(ch.node, address)) {
          return skip(inFlight, undefined, `challenge ${id} is not this node's on this chain`, !stale);
        }
        const t = params.tiers.find((x) => x.id === ch.tier);
        if (t === undefined)
          return skip(inFlight, ch.status, `challenge ${id} has unknown tier ${ch.tier}`, !stale);
        const announce = (): boolean => {
          if (announced === ch.status) return false;
          announced = ch.status;
          return true;
        };
        const rootMatches = (p: ProvedChallenge): boolean =>
          ch.root !== undefined && equalBytes(ch.root, p.root);

        switch (ch.status) {
          case CHALLENGE_STATUS.REQUESTED:
            await poll();
            continue;

          case CHALLENGE_STATUS.ACTIVE: {
            if (announce())
              emit({ type: "challengeActive", challengeId: id, r1: ch.r1, deadlineMs: ch.deadline });
            let resendFirst = true;
            if (inFlight.commit === undefined) {
              proved ??= await compute(id, ch, t);
              const head = await retrying("read head", () => chain.head());
              if (head.timestampMs > ch.deadline) {
                return skip(inFlight, ch.status, `missed the commit deadline of challenge ${id}`, true);
              }
              const root = proved.root;
              await submit({ kind: "commit", challengeId: id, root }, (tx) => {
                if (tx) inFlight.commit = tx;
                else delete inFlight.commit;
              });
              resendFirst = false;
            }
            const commit = inFlight.commit!;
            const receipt = await awaitReceipt(commit, resendFirst);
            if (receipt === undefined) {
              delete inFlight.commit;
              save();
              continue;
            }
            if (receipt.status === "failed") {
              return skip(
                inFlight,
                ch.status,
                `commit of challenge ${id} failed: ${receipt.error ?? "?"}`,
                true,
              );
            }
            if (!committedEmitted) {
              committedEmitted = true;
              emit({ type: "committed", challengeId: id, root: commitRoot(commit), txHash: commit.hash });
            }
            // The receipt can come before the node serves the new status; do not spin meanwhile.
            await poll();
            continue;
          }

          case CHALLENGE_STATUS.COMMITTED:
            // Use the wait for the sample round to redo the work lost in a restart.
            proved ??= await compute(id, ch, t);
            if (!rootMatches(proved)) {
              return skip(
                inFlight,
                ch.status,
                `recomputed root of challenge ${id} differs from the committed one`,
                true,
              );
            }
            await poll();
            continue;

          case CHALLENGE_STATUS.SAMPLED: {
            // A forged sample round is refused before anything else: the reveal is built only
            // from a verified one.
            const r2Randomness =
              inFlight.reveal === undefined ? verifiedSampleRandomness(params, ch) : undefined;
            if (announce() && ch.r2 !== undefined) {
              emit({ type: "sampled", challengeId: id, r2: ch.r2, deadlineMs: ch.deadline });
            }
            let resendFirst = true;
            if (r2Randomness !== undefined) {
              proved ??= await compute(id, ch, t);
              if (!rootMatches(proved)) {
                return skip(
                  inFlight,
                  ch.status,
                  `recomputed root of challenge ${id} differs from the committed one`,
                  true,
                );
              }
              const { tiles, proof } = buildReveal(proved, r2Randomness);
              const head = await retrying("read head", () => chain.head());
              if (head.timestampMs > ch.deadline) {
                return skip(inFlight, ch.status, `missed the reveal deadline of challenge ${id}`, true);
              }
              await submit({ kind: "reveal", challengeId: id, tiles, proof }, (tx) => {
                if (tx) inFlight.reveal = tx;
                else delete inFlight.reveal;
              });
              resendFirst = false;
            }
            const reveal = inFlight.reveal!;
            const receipt = await awaitReceipt(reveal, resendFirst);
            if (receipt === undefined) {
              delete inFlight.reveal;
              save();
              continue;
            }
            const after = await retrying(`read challenge ${id}`, () => chain.getChallenge(id));
            if (receipt.status === "failed" && after?.status !== CHALLENGE_STATUS.FAILED) {
              // Not a verdict (late, not sampled yet, block limit): the challenge will expire.
              return skip(
                inFlight,
                after?.status,
                `reveal of challenge ${id} failed: ${receipt.error ?? "?"}`,
                true,
              );
            }
            return report(id, after, t, reveal.hash, receipt);
          }

          case CHALLENGE_STATUS.PASSED:
          case CHALLENGE_STATUS.FAILED: {
            // Revealed before a restart: the verdict is on chain; the receipt may say more.
            const receipt = inFlight.reveal
              ? await retrying("read reveal receipt", () => chain.getReceipt(inFlight.reveal!.hash))
              : undefined;
            return report(id, ch, t, inFlight.reveal?.hash, receipt);
          }

          case CHALLENGE_STATUS.EXPIRED:
          case CHALLENGE_STATUS.CANCELLED: {
            const from = ch.expiredFrom === undefined ? "" : ` (was ${ch.expiredFrom})`;
            const why = stale ? "while the prover was down" : "";
            return skip(
              inFlight,
              ch.status,
              `challenge ${id} ${ch.status.toLowerCase()}${from}${why ? ` ${why}` : ""}`,
              !stale,
            );
          }

          default:
            // A status a newer chain adds: wait it out.
            await poll();
        }
      }
    }

    // ---- the loop --------------------------------------------------------------------------

    let failuresInRow = 0;
    const max = opts.maxChallenges;
    while (max === undefined || summary.challenges < max) {
      throwIfAborted(signal);
      try {
        await ensureRegistered();
        const outcome = await runChallenge();
        failuresInRow = 0;
        if (outcome.counts) summary.challenges++;
        if (outcome.end === "passed") summary.passed++;
        else if (outcome.end === "failed") summary.failed++;
        else summary.skipped++;
        summary.credits += outcome.credits;
      } catch (e) {
        if (signal.aborted || isAbortError(e)) throw abortError(signal);
        if (e instanceof ProverError && e.code === "UNKNOWN_TIER") throw e;
        const retryInMs = backoffDelay(failuresInRow++, retryOpts, random);
        emit({
          type: "error",
          during: "challenge loop",
          message: errorText(e),
          error: e,
          transient: false,
          retryInMs,
        });
        await sleep(retryInMs, signal);
      }
    }
  }

  return {
    address,
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    run,
  };
}

/** The root a commit tx carries (after a restart the tx bytes are all the prover has of it). */
function commitRoot(tx: SentTx): Hash32 {
  const action = decodeSignedTx(tx.raw).body.action;
  if (action.kind !== "commit") throw new Error(`commitRoot: a ${action.kind} tx is not a commit`);
  return action.root;
}
