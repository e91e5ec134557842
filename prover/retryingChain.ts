/**
 * The `ProverChain` port with each call retried while it fails with a temporary error (errors.ts:
 * node down or restarting, a timeout, a rate limit), with capped exponential backoff, forever or
 * until the signal aborts. Retrying the one call, not the whole step, keeps a flaky link from
 * costing whole steps (and, near a deadline, the challenge). Other errors pass through to the
 * caller, which classifies them.
 *
 * A send whose answer was lost is retried with the same bytes: the node answers ALREADY_KNOWN
 * (it has them) or NONCE_TOO_LOW (they were included), never a second tx.
 * @module
 */
import { bytesToHex } from "../chain/bytes.ts";
import { errorKind, isAbortError } from "./errors.ts";
import type { ProverChain } from "./ports.ts";
import { abortError, type BackoffOpts, backoffDelay, sleep, throwIfAborted } from "./retry.ts";

export interface RetryingChainOpts {
  retry: BackoffOpts;
  random: () => number;
  signal: AbortSignal;
  /** Told of each failed call before its retry (the prover reports it as a transient error). */
  onRetry(during: string, error: unknown, retryInMs: number): void;
}

export function retryingChain(chain: ProverChain, o: RetryingChainOpts): ProverChain {
  async function retrying<T>(during: string, call: () => Promise<T>): Promise<T> {
    for (let n = 0; ; n++) {
      throwIfAborted(o.signal);
      try {
        return await call();
      } catch (e) {
        if (o.signal.aborted || isAbortError(e)) throw abortError(o.signal);
        if (errorKind(e) !== "temporary") throw e;
        const retryInMs = backoffDelay(n, o.retry, o.random);
        o.onRetry(during, e, retryInMs);
        await sleep(retryInMs, o.signal);
      }
    }
  }
  return {
    genesis: () => retrying("read genesis", () => chain.genesis()),
    getAccount: (address) => retrying("read account nonce", () => chain.getAccount(address)),
    getNode: (address) => retrying("read node", () => chain.getNode(address)),
    getChallenge: (id) => retrying(`read challenge ${id}`, () => chain.getChallenge(id)),
    sendRawTransaction: (raw) => retrying("send a tx", () => chain.sendRawTransaction(raw)),
    getReceipt: (hash) =>
      retrying(`read the receipt of ${bytesToHex(hash).slice(0, 10)}…`, () => chain.getReceipt(hash)),
    head: () => retrying("read head", () => chain.head()),
  };
}
