/**
 * `ProverChain` over JSON-RPC 2.0 on HTTP (the node's `POST /`; api/README.md), on viem's http
 * transport with the node's typed RPC schema (rpc/methods.ts `FlopsRpcSchema`). Every call goes
 * through a method definition of the shared contract: params encoded and the result parsed and
 * checked by the same codecs the server formats with (rpc/).
 *
 * The transport does the JSON-RPC envelope and the timeout per attempt; its fetch is capped
 * (rpc/cappedFetch.ts: answers over `maxResponseBytes` are aborted). Retries run in viem's
 * `withRetry`, with this client's policy rather than the transport's built-in one, which would
 * retry answers that cannot improve (an oversize or non-JSON body, a refused port), resend
 * transactions the node refused with -32005, and wait as long as any Retry-After a node names:
 * - network errors and timeouts, HTTP 429 and 5xx: retried up to `retries` times with jittered
 *   backoff (a `retry-after` is honoured up to `maxRetryAfterMs`), then thrown as a transient
 *   `RpcTransportError`;
 * - a JSON-RPC error object: thrown at once as `JsonRpcError` (code, message, data, data.code),
 *   except for flops_sendRawTransaction, where a rejection with a domain code is returned as
 *   `{ok: false, code, message}`.
 * Every method is safe to repeat: reads trivially, and resending the same signed bytes answers
 * ALREADY_KNOWN, never a second tx.
 * @module
 */
import {
  BaseError,
  createClient,
  HttpRequestError,
  http,
  RpcRequestError,
  rpcSchema,
  TimeoutError,
  withRetry,
} from "viem";
import { capMessage } from "../chain/errors.ts";
import type { ChainParams } from "../chain/params.ts";
import type { Address, Challenge, Hash32 } from "../chain/types.ts";
import { cappedFetch, ResponseTooLargeError } from "../rpc/cappedFetch.ts";
import { type AnyParam, encodeParams, type MethodSpec, type ParamArgs, parseResult } from "../rpc/method.ts";
import { ETH_RPC, FLOPS_RPC, type FlopsRpcSchema } from "../rpc/methods.ts";
import type { SyncInfo } from "../rpc/types.ts";
import { JsonRpcError, RpcTransportError } from "./errors.ts";
import type { AccountView, HeadInfo, NodeInfo, ProverChain, ReceiptInfo, SendResult } from "./ports.ts";
import { abortError, type BackoffOpts, backoffDelay } from "./retry.ts";

export interface RpcClientOpts {
  /** The node's JSON-RPC endpoint, e.g. http://127.0.0.1:8545. */
  url: string;
  /** Per attempt; default 10 000 ms. */
  timeoutMs?: number;
  /** Extra attempts after a transient transport failure; default 4 (0 = fail fast). */
  retries?: number;
  /** Between attempts; default 200 ms doubling to 5 s. */
  backoff?: BackoffOpts;
  /** Longest `retry-after` honoured; default 30 000 ms. */
  maxRetryAfterMs?: number;
  /**
   * Largest response body read; default 16 MiB (the largest answer the prover asks for is the
   * genesis document, at most 4 MiB). A node is not trusted to bound its own answers.
   */
  maxResponseBytes?: number;
  /** Aborts in-flight requests and waits (the prover's stop signal). */
  signal?: AbortSignal;
}

export interface RpcClientModules {
  /** Default: the global fetch. */
  fetch?: typeof fetch;
  /** Jitter source; default Math.random. */
  random?: () => number;
}

export interface RpcClient extends ProverChain {
  readonly url: string;
  /** flops_getParams: the node's own account of its params (the prover uses the pinned genesis instead). */
  params(): Promise<ChainParams>;
  /** A call by its definition (rpc/methods.ts): domain args in, the checked domain value out. */
  request<Ps extends readonly AnyParam[], R>(
    spec: MethodSpec<string, Ps, R, unknown>,
    ...args: ParamArgs<Ps>
  ): Promise<R>;
  /** A raw JSON-RPC call: the `result` as parsed JSON. */
  call(method: string, params?: readonly unknown[]): Promise<unknown>;
  /** eth_blockNumber: the unsafe head. */
  blockNumber(): Promise<bigint>;
  /** eth_chainId. */
  chainId(): Promise<bigint>;
  syncStatus(): Promise<SyncInfo>;
}

const DEFAULT_BACKOFF: BackoffOpts = { initialMs: 200, maxMs: 5_000 };

/** HTTP 429 or 5xx: the node is there but cannot answer now. Thrown by the fetch, before viem reads the body. */
class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly retryAfter: string | null,
  ) {
    super(`HTTP ${status}`);
  }
}

/** The first error of `e`'s cause chain that `match` accepts. */
function findCause<T>(e: unknown, match: (x: unknown) => x is T): T | undefined {
  for (let x = e, depth = 0; x !== undefined && x !== null && depth < 16; depth++) {
    if (match(x)) return x;
    x = x instanceof Error ? x.cause : undefined;
  }
  return undefined;
}

const is =
  <T>(cls: abstract new (...args: never[]) => T) =>
  (x: unknown): x is T =>
    x instanceof cls;

export function createRpcClient(opts: RpcClientOpts, modules: RpcClientModules = {}): RpcClient {
  const random = modules.random ?? Math.random;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const retries = opts.retries ?? 4;
  const backoff = opts.backoff ?? DEFAULT_BACKOFF;
  const maxRetryAfterMs = opts.maxRetryAfterMs ?? 30_000;
  const maxResponseBytes = opts.maxResponseBytes ?? 16 * 1024 * 1024;
  const { url, signal } = opts;

  const capped = cappedFetch(modules.fetch ?? globalThis.fetch, maxResponseBytes);
  const client = createClient({
    transport: http(url, {
      async fetchFn(input, init) {
        const res = await capped(input, init);
        if (res.status === 429 || res.status >= 500) {
          throw new HttpStatusError(res.status, res.headers.get("retry-after"));
        }
        return res;
      },
      fetchOptions: signal === undefined ? {} : { signal },
      // cappedFetch has read the body under its own cap.
      maxResponseBodySize: false,
      timeout: timeoutMs,
      // This client's policy, below.
      retryCount: 0,
    }),
    rpcSchema: rpcSchema<FlopsRpcSchema>(),
  });

  function retryAfterMs(header: string | null): number | undefined {
    if (header === null) return undefined;
    const secs = Number(header);
    if (Number.isFinite(secs) && secs >= 0) return Math.min(secs * 1000, maxRetryAfterMs);
    const at = Date.parse(header);
    return Number.isNaN(at) ? undefined : Math.min(Math.max(0, at - Date.now()), maxRetryAfterMs);
  }

  /** A failed attempt as the prover's error types (errors.ts): transient or not, with the why. */
  function clientError(e: unknown, method: string): Error {
    const transport = (why: string, transient: boolean, status?: number, cause?: unknown) =>
      new RpcTransportError(
        `${method}: node at ${url} ${why}`,
        status === undefined ? { url, method, transient } : { url, method, status, transient },
        cause === undefined ? {} : { cause },
      );
    const rpc = findCause(e, is(RpcRequestError));
    if (rpc !== undefined) {
      const details: unknown = rpc.details;
      return new JsonRpcError(
        method,
        typeof rpc.code === "number" ? rpc.code : 0,
        typeof details === "string" ? capMessage(details) : "JSON-RPC error",
        rpc.data,
      );
    }
    const status = findCause(e, is(HttpStatusError));
    if (status !== undefined) {
      const err = transport(`answered HTTP ${status.status}`, true, status.status);
      return Object.assign(err, { retryAfterMs: retryAfterMs(status.retryAfter) });
    }
    const large = findCause(e, is(ResponseTooLargeError));
    if (large !== undefined) return transport(large.message, false, large.meta.status);
    if (findCause(e, is(TimeoutError)) !== undefined)
      return transport(`timed out after ${timeoutMs} ms`, true);
    if (findCause(e, is(SyntaxError)) !== undefined)
      return transport("answered with a body that is not JSON", false);
    const http = findCause(e, is(HttpRequestError));
    if (http?.status !== undefined) {
      return transport(`answered HTTP ${http.status} without a JSON-RPC result`, false, http.status);
    }
    if (http !== undefined) {
      // The fetch's own error (undici's "fetch failed" ← ECONNREFUSED), not viem's wrapper.
      const cause = findCause(e, (x): x is Error => x instanceof Error && !(x instanceof BaseError));
      // fetch refuses some ports outright (the Fetch spec's "bad ports": 1, 9, 6000, ...): a
      // configuration error that no retry fixes.
      if (cause?.cause instanceof Error && cause.cause.message === "bad port") {
        return transport("is unreachable: fetch refuses to connect to that port", false, undefined, cause);
      }
      return transport("unreachable", true, undefined, cause ?? e);
    }
    // No envelope at all (a JSON `null`, a bare value): not a JSON-RPC answer.
    return transport("answered without a JSON-RPC result", false, undefined, e);
  }

  async function attempt(method: string, params: readonly unknown[]): Promise<unknown> {
    let result: unknown;
    try {
      result = await client.request({ method, params } as never);
    } catch (e) {
      if (signal?.aborted) throw abortError(signal);
      throw clientError(e, method);
    }
    if (result === undefined) throw clientError(undefined, method);
    return result;
  }

  async function call(method: string, params: readonly unknown[] = []): Promise<unknown> {
    try {
      return await withRetry(() => attempt(method, params), {
        retryCount: retries,
        shouldRetry: ({ error }) => error instanceof RpcTransportError && error.meta.transient,
        delay: ({ count, error }) =>
          Math.max(
            backoffDelay(count, backoff, random),
            (error as { retryAfterMs?: number }).retryAfterMs ?? 0,
          ),
        ...(signal === undefined ? {} : { signal }),
      });
    } catch (e) {
      // withRetry rejects with the signal's reason: whatever it is, a stop is an AbortError here.
      if (signal?.aborted) throw abortError(signal);
      throw e;
    }
  }

  async function request<Ps extends readonly AnyParam[], R>(
    spec: MethodSpec<string, Ps, R, unknown>,
    ...args: ParamArgs<Ps>
  ): Promise<R> {
    return parseResult(spec, await call(spec.name, encodeParams(spec, args)));
  }

  async function sendRawTransaction(raw: Uint8Array): Promise<SendResult> {
    try {
      return { ok: true, hash: await request(FLOPS_RPC.sendRawTransaction, raw) };
    } catch (e) {
      // A rejection the node explains with a domain code is an answer, not a failure.
      if (e instanceof JsonRpcError && e.domainCode !== undefined) {
        const data = e.meta.data as { message?: unknown };
        const message = typeof data.message === "string" ? capMessage(data.message) : e.message;
        return { ok: false, code: e.domainCode, message };
      }
      throw e;
    }
  }

  let paramsCache: Promise<ChainParams> | undefined;

  return {
    url,
    call,
    request,
    params(): Promise<ChainParams> {
      // Params are constant for a chain; a failed fetch is not cached.
      if (paramsCache === undefined) {
        paramsCache = request(FLOPS_RPC.getParams);
        paramsCache.catch(() => {
          paramsCache = undefined;
        });
      }
      return paramsCache;
    },
    async genesis(): Promise<string> {
      // The served hash is not used: the prover hashes the text itself (genesisTrust.ts).
      return (await request(FLOPS_RPC.getGenesis)).genesis;
    },
    async getAccount(address: Address): Promise<AccountView> {
      const a = await request(FLOPS_RPC.getAccount, address);
      return { nonce: a.nonce, pendingNonce: a.pendingNonce, credits: a.credits };
    },
    getNode(address: Address): Promise<NodeInfo | undefined> {
      return request(FLOPS_RPC.getNode, address);
    },
    getChallenge(id: bigint): Promise<Challenge | undefined> {
      return request(FLOPS_RPC.getChallenge, id);
    },
    sendRawTransaction,
    async getReceipt(hash: Hash32): Promise<ReceiptInfo | undefined> {
      const found = await request(FLOPS_RPC.getTransactionReceipt, hash);
      if (found === undefined) return undefined;
      return {
        ...found.receipt,
        blockNumber: found.location.blockNumber,
        blockHash: found.location.blockHash,
      };
    },
    async head(): Promise<HeadInfo> {
      const s = await request(FLOPS_RPC.syncStatus);
      return { number: s.unsafeL2.number, timestampMs: s.unsafeL2.timestamp };
    },
    blockNumber(): Promise<bigint> {
      return request(ETH_RPC.blockNumber);
    },
    chainId(): Promise<bigint> {
      return request(ETH_RPC.chainId);
    },
    syncStatus(): Promise<SyncInfo> {
      return request(FLOPS_RPC.syncStatus);
    },
  };
}
