/**
 * The prover: a node operator's challenge loop (PROTOCOL §3), composed of
 *
 * - `txSender.ts`: owns the key's nonces, signs, sends, resends and returns receipts;
 * - `challengeRunner.ts` + `nextStep.ts`: one challenge from request to verdict, each step
 *   chosen by a pure function of the chain's view and the local one;
 * - `proverState.ts`: the state file (the challenges in flight and the txs sent for them);
 * - `errors.ts`: the error kinds every catch classifies by (temporary, reset, critical).
 *
 * `run` checks the node's genesis against the pin, registers the key as a node, then keeps up to
 * `maxInFlight` challenges in flight (default the genesis's maxOpenChallenges): it computes the
 * next while it waits for the rounds of the others. Compute runs one challenge at a time (one
 * engine); commits, reveals and waits overlap. A restart resumes every challenge the state file
 * names. Only a critical error (an unknown tier, a node serving another genesis, a state file
 * that cannot be written) ends `run` with a rejection; an AbortSignal stops it cleanly between
 * steps, within one compute band.
 *
 * The node is not trusted for what the prover's work rests on: the params come from the genesis
 * document, whose hash must match the pin (genesisTrust.ts), and every beacon round is verified
 * against that genesis's beacon key before the prover commits or reveals with it (beaconCheck.ts).
 * @module
 */
import type { ChainParams, Tier } from "../chain/params.ts";
import { addressFromPrivateKey } from "../chain/tx/index.ts";
import type { Address, Hash32 } from "../chain/types.ts";
import { type Outcome, type RunnerContext, runChallenge } from "./challengeRunner.ts";
import type { WorkEngine } from "./engine/types.ts";
import { errorKind, errorText, isAbortError, ProverError } from "./errors.ts";
import { trustGenesis } from "./genesisTrust.ts";
import type { ProverChain, ReceiptInfo } from "./ports.ts";
import type { CheckOpts } from "./proveChallenge.ts";
import type { ProverEvent, ProverEventListener, ProverSummary } from "./proverEvents.ts";
import {
  type InFlightChallenge,
  loadState,
  type ProverState,
  saveState,
  stateFilePath,
  stateTxs,
} from "./proverState.ts";
import { abortError, type BackoffOpts, backoffDelay, sleep, throwIfAborted } from "./retry.ts";
import { retryingChain } from "./retryingChain.ts";
import { createSerialQueue } from "./serialQueue.ts";
import { createTxSender, type TxSender } from "./txSender.ts";

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
  /**
   * Challenges kept in flight at once (`--max-in-flight`); default and most: the genesis's
   * maxOpenChallenges. 1 runs them one after the other.
   */
  maxInFlight?: number;
  /** A wait for a receipt is re-checked against the chain after this long; default 60 s. */
  receiptTimeoutMs?: number;
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

export interface Prover {
  readonly address: Address;
  /** Subscribes to events; returns the unsubscribe function. A throwing listener is ignored. */
  onEvent(listener: ProverEventListener): () => void;
  /**
   * Runs the loop until `signal` aborts or maxChallenges have ended. Rejects only on a critical
   * error: an unknown tier, a node serving another genesis (GENESIS_MISMATCH, BAD_GENESIS), a
   * state file that cannot be written.
   */
  run(signal?: AbortSignal): Promise<ProverSummary>;
}

const DEFAULT_RETRY: BackoffOpts = { initialMs: 500, maxMs: 30_000 };

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

/** `want` (default `most`) bounded to [1, most]. */
export function resolveMaxInFlight(want: number | undefined, most: number): number {
  return Math.max(1, Math.min(most, want ?? most));
}

export function createProver(opts: ProverOpts, modules: ProverModules): Prover {
  const random = modules.random ?? Math.random;
  const address = addressFromPrivateKey(opts.privateKey);
  const pollMs = opts.pollIntervalMs ?? 500;
  const retry = opts.retry ?? DEFAULT_RETRY;
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
      work: 0n,
      stopped: false,
    };
    try {
      await work(signal, summary);
    } catch (e) {
      if (!isAbortError(e)) throw e;
    } finally {
      running = false;
    }
    summary.stopped = signal.aborted;
    return summary;
  }

  async function work(signal: AbortSignal, summary: ProverSummary): Promise<void> {
    // Runners stop together: on the caller's abort, or when one of them hits a critical error.
    const stopAll = new AbortController();
    const runSignal = AbortSignal.any([signal, stopAll.signal]);
    const chain = retryingChain(modules.chain, {
      retry,
      random,
      signal: runSignal,
      onRetry: (during, e, retryInMs) =>
        emit({
          type: "error",
          during,
          message: errorText(e),
          error: e,
          kind: "temporary",
          transient: true,
          retryInMs,
        }),
    });
    // The params come from the genesis document, checked against the pin, never from the node's
    // word (flops_getParams): they hold the chain id signed for and the beacon key rounds verify with.
    const servedGenesis = await chain.genesis();
    const genesis = trustGenesis(servedGenesis, { pin: opts.genesisHash, dataDir: opts.dataDir });
    const params = genesis.doc.params;
    const tier = resolveTier(params, opts.tier);
    const chainId = params.l2ChainId;
    const maxInFlight = resolveMaxInFlight(opts.maxInFlight, params.maxOpenChallenges);

    let state: ProverState = { chainId, address, challenges: [] };
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
      engine: modules.engine.name,
      stateFile,
      maxInFlight,
    });
    for (const c of state.challenges) emit({ type: "resumed", challengeId: c.id, tier: c.tier });
    const save = (): void => {
      try {
        saveState(stateFile, state);
      } catch (e) {
        throw new ProverError("STATE_WRITE_FAILED", `cannot write the state file ${stateFile}`, {
          cause: e,
        });
      }
    };

    const sender = createTxSender(
      {
        chainId,
        privateKey: opts.privateKey,
        pollIntervalMs: pollMs,
        ...(opts.resendIntervalMs === undefined ? {} : { resendIntervalMs: opts.resendIntervalMs }),
      },
      { chain },
    );
    // Every tx the last run sent and did not see settled: resent in nonce order, so none blocks the next.
    sender.adopt(stateTxs(state));
    const receiptTimeoutMs = opts.receiptTimeoutMs ?? 60_000;
    await ensureRegistered({ chain, state, sender, save, signal: runSignal, timeoutMs: receiptTimeoutMs });

    const ctx: RunnerContext = {
      address,
      params,
      chain,
      sender,
      engine: modules.engine,
      check: modules.check,
      bandsPerProduct: opts.bandsPerProduct,
      computeQueue: createSerialQueue(),
      requestQueue: createSerialQueue(),
      state,
      save,
      emit,
      pollMs,
      receiptTimeoutMs,
      retry,
      random,
      signal: runSignal,
    };
    type Ended = { runner: Promise<Ended>; outcome?: Outcome; error?: unknown };
    const live = new Set<Promise<Ended>>();
    const start = (record: InFlightChallenge, resumed: boolean): void => {
      const runner: Promise<Ended> = runChallenge(record, resumed, ctx).then(
        (outcome) => ({ runner, outcome }),
        (error: unknown) => ({ runner, error }),
      );
      live.add(runner);
    };
    // Resumed challenges first (the chain already holds them), even beyond maxInFlight.
    for (const c of [...state.challenges]) start(c, true);
    const max = opts.maxChallenges;
    let failure: unknown;
    for (;;) {
      while (
        !runSignal.aborted &&
        live.size < maxInFlight &&
        (max === undefined || summary.challenges + live.size < max)
      ) {
        // Saved with its request's write-ahead record (a record without a request is a fresh start anyway).
        const record: InFlightChallenge = { tier: tier.id };
        state.challenges.push(record);
        start(record, false);
      }
      if (live.size === 0) break;
      const ended = await Promise.race(live);
      live.delete(ended.runner);
      if (ended.error !== undefined) {
        if (!isAbortError(ended.error)) failure ??= ended.error;
        stopAll.abort();
        continue;
      }
      const o = ended.outcome!;
      if (o.counts) summary.challenges++;
      if (o.end === "passed") summary.passed++;
      else if (o.end === "failed") summary.failed++;
      else summary.skipped++;
      summary.credits += o.credits;
      summary.work += o.work;
    }
    if (failure !== undefined) throw failure;
    throwIfAborted(signal);
  }

  /** Registers the key as a node unless it is one; retried until done (critical errors aside). */
  async function ensureRegistered(p: {
    chain: ProverChain;
    state: ProverState;
    sender: TxSender;
    save: () => void;
    signal: AbortSignal;
    timeoutMs: number;
  }): Promise<void> {
    const { chain, state, sender, save, signal } = p;
    const waitOpts = { signal, timeoutMs: p.timeoutMs };
    for (let n = 0; ; n++) {
      throwIfAborted(signal);
      try {
        let receipt: ReceiptInfo | undefined;
        let hash: Hash32 | undefined;
        if (state.register) {
          hash = state.register.hash;
          receipt = await sender.wait(state.register, waitOpts);
        } else if (await chain.getNode(address)) {
          emit({ type: "registered", txHash: undefined });
          return;
        } else {
          receipt = await sender.send(
            { kind: "register" },
            {
              ...waitOpts,
              record: (tx) => {
                state.register = tx;
                save();
              },
            },
          );
          hash = state.register!.hash;
        }
        delete state.register;
        save();
        if (receipt.status === "failed" && !receipt.error?.startsWith("ALREADY_REGISTERED")) {
          throw new ProverError("TX_REJECTED", `register failed: ${receipt.error ?? "unknown error"}`);
        }
        emit({ type: "registered", txHash: hash });
        return;
      } catch (e) {
        if (signal.aborted || isAbortError(e)) throw abortError(signal);
        const kind = errorKind(e);
        if (kind === "critical") throw e;
        if (e instanceof ProverError && (e.code === "TX_DROPPED" || e.code === "TX_REJECTED")) {
          // Never included (or refused): whether the key is a node is asked again.
          delete state.register;
          save();
        }
        const retryInMs = backoffDelay(n, retry, random);
        const transient = kind === "temporary";
        emit({
          type: "error",
          during: "register",
          message: errorText(e),
          error: e,
          kind,
          transient,
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
