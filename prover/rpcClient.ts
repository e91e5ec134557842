/**
 * `ProverChain` over JSON-RPC 2.0 on HTTP (the node's `POST /`; api/README.md), with Node's global
 * fetch. One request per call, a timeout per attempt, and retries with backoff where retrying is
 * safe and may help:
 * - network errors and timeouts, HTTP 429 (honouring `retry-after`) and 5xx: retried up to
 *   `retries` times, then thrown as a transient `RpcTransportError`;
 * - a JSON-RPC error object: thrown at once as `JsonRpcError` (code, message, data, data.code),
 *   except for flops_sendRawTransaction, where a rejection with a domain code is returned as
 *   `{ok: false, code, message}`.
 * Every method is safe to repeat: reads trivially, and resending the same signed bytes answers
 * ALREADY_KNOWN, never a second tx.
 * @module
 */
import type { ChainParams } from "../chain/params.ts";
import type { Address, Challenge, Hash32 } from "../chain/types.ts";
import { isAbortError, JsonRpcError, RpcResponseError, RpcTransportError } from "./errors.ts";
import type { AccountView, HeadInfo, NodeInfo, ProverChain, ReceiptInfo, SendResult } from "./ports.ts";
import { abortError, type BackoffOpts, backoffDelay, sleep } from "./retry.ts";
import {
  headFromSync,
  JsonReader,
  parseAccount,
  parseChallenge,
  parseGenesis,
  parseNode,
  parseParams,
  parseReceipt,
  parseSyncStatus,
  type SyncInfo,
  toHex,
} from "./rpcJson.ts";

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
  /** A raw JSON-RPC call: the `result` as parsed JSON. */
  call(method: string, params?: readonly unknown[]): Promise<unknown>;
  /** eth_blockNumber: the unsafe head. */
  blockNumber(): Promise<bigint>;
  /** eth_chainId. */
  chainId(): Promise<bigint>;
  syncStatus(): Promise<SyncInfo>;
}

const DEFAULT_BACKOFF: BackoffOpts = { initialMs: 200, maxMs: 5_000 };

/**
 * The body as text, or undefined once it passes `max` bytes: then `cut` aborts the request, which
 * closes the connection (cancelling the stream alone would leave the socket to the server).
 */
async function readCapped(res: Response, max: number, cut: () => void): Promise<string | undefined> {
  const declared = Number(res.headers.get("content-length") ?? Number.NaN);
  if (declared > max) {
    cut();
    return undefined;
  }
  if (res.body === null) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      cut();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export function createRpcClient(opts: RpcClientOpts, modules: RpcClientModules = {}): RpcClient {
  const doFetch = modules.fetch ?? globalThis.fetch;
  const random = modules.random ?? Math.random;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const retries = opts.retries ?? 4;
  const backoff = opts.backoff ?? DEFAULT_BACKOFF;
  const maxRetryAfterMs = opts.maxRetryAfterMs ?? 30_000;
  const maxResponseBytes = opts.maxResponseBytes ?? 16 * 1024 * 1024;
  const { url, signal } = opts;
  let nextId = 1;

  /** One HTTP exchange: the response object's `result`, or a typed error. */
  async function attempt(method: string, params: readonly unknown[]): Promise<unknown> {
    const id = nextId++;
    const timeout = AbortSignal.timeout(timeoutMs);
    const tooLarge = new AbortController();
    const attemptSignal = AbortSignal.any(
      signal ? [signal, timeout, tooLarge.signal] : [timeout, tooLarge.signal],
    );
    let res: Response;
    let text: string | undefined;
    try {
      res = await doFetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id, method, params }),
        signal: attemptSignal,
      });
      text = await readCapped(res, maxResponseBytes, () => tooLarge.abort());
    } catch (e) {
      if (signal?.aborted) throw abortError(signal);
      const timedOut = timeout.aborted || (e instanceof Error && e.name === "TimeoutError");
      // fetch refuses some ports outright (the Fetch spec's "bad ports": 1, 9, 6000, ...): a
      // configuration error that no retry fixes.
      const badPort = e instanceof Error && e.cause instanceof Error && e.cause.message === "bad port";
      const why = timedOut
        ? `timed out after ${timeoutMs} ms`
        : badPort
          ? "is unreachable: fetch refuses to connect to that port"
          : "unreachable";
      throw new RpcTransportError(
        `${method}: node at ${url} ${why}`,
        { url, method, transient: !badPort },
        { cause: e },
      );
    }
    const status = res.status;
    if (text === undefined) {
      throw new RpcTransportError(`${method}: node at ${url} answered more than ${maxResponseBytes} bytes`, {
        url,
        method,
        status,
        transient: false,
      });
    }
    if (status === 429 || status >= 500) {
      const err = new RpcTransportError(`${method}: node at ${url} answered HTTP ${status}`, {
        url,
        method,
        status,
        transient: true,
      });
      throw Object.assign(err, { retryAfterMs: retryAfterMs(res.headers.get("retry-after")) });
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (e) {
      throw new RpcTransportError(
        `${method}: node at ${url} answered HTTP ${status} with a body that is not JSON`,
        { url, method, status, transient: false },
        { cause: e },
      );
    }
    const envelope =
      typeof body === "object" && body !== null && !Array.isArray(body)
        ? (body as Record<string, unknown>)
        : undefined;
    const error = envelope?.error;
    if (typeof error === "object" && error !== null) {
      const { code, message, data } = error as { code?: unknown; message?: unknown; data?: unknown };
      throw new JsonRpcError(
        method,
        typeof code === "number" ? code : 0,
        typeof message === "string" ? message : "JSON-RPC error",
        data,
      );
    }
    if (status < 200 || status >= 300 || envelope === undefined || !("result" in envelope)) {
      throw new RpcTransportError(
        `${method}: node at ${url} answered HTTP ${status} without a JSON-RPC result`,
        { url, method, status, transient: false },
      );
    }
    if (envelope.id !== id) throw new RpcResponseError(method, "id", `the request id ${id}`);
    return envelope.result;
  }

  function retryAfterMs(header: string | null): number | undefined {
    if (header === null) return undefined;
    const secs = Number(header);
    if (Number.isFinite(secs) && secs >= 0) return Math.min(secs * 1000, maxRetryAfterMs);
    const at = Date.parse(header);
    return Number.isNaN(at) ? undefined : Math.min(Math.max(0, at - Date.now()), maxRetryAfterMs);
  }

  async function call(method: string, params: readonly unknown[] = []): Promise<unknown> {
    for (let n = 0; ; n++) {
      try {
        return await attempt(method, params);
      } catch (e) {
        if (isAbortError(e) || !(e instanceof RpcTransportError) || !e.meta.transient || n >= retries)
          throw e;
        const hinted = (e as { retryAfterMs?: number }).retryAfterMs;
        const delay = Math.max(backoffDelay(n, backoff, random), hinted ?? 0);
        await sleep(delay, signal);
      }
    }
  }

  async function sendRawTransaction(raw: Uint8Array): Promise<SendResult> {
    let result: unknown;
    try {
      result = await call("flops_sendRawTransaction", [toHex(raw)]);
    } catch (e) {
      // A rejection the node explains with a domain code is an answer, not a failure.
      if (e instanceof JsonRpcError && e.domainCode !== undefined) {
        const data = e.meta.data as { message?: unknown };
        const message = typeof data.message === "string" ? data.message : e.message;
        return { ok: false, code: e.domainCode, message };
      }
      throw e;
    }
    return { ok: true, hash: new JsonReader("flops_sendRawTransaction").data(result, "result", 32) };
  }

  let paramsCache: Promise<ChainParams> | undefined;
  const hex = (b: Uint8Array): string => toHex(b);
  const q = (n: bigint): string => `0x${n.toString(16)}`;

  return {
    url,
    call,
    params(): Promise<ChainParams> {
      // Params are constant for a chain; a failed fetch is not cached.
      if (paramsCache === undefined) {
        paramsCache = call("flops_getParams").then(parseParams);
        paramsCache.catch(() => {
          paramsCache = undefined;
        });
      }
      return paramsCache;
    },
    async genesis(): Promise<string> {
      return parseGenesis(await call("flops_getGenesis"));
    },
    async getAccount(address: Address): Promise<AccountView> {
      return parseAccount(await call("flops_getAccount", [hex(address)]));
    },
    async getNode(address: Address): Promise<NodeInfo | undefined> {
      return parseNode(await call("flops_getNode", [hex(address)]));
    },
    async getChallenge(id: bigint): Promise<Challenge | undefined> {
      return parseChallenge(await call("flops_getChallenge", [q(id)]));
    },
    sendRawTransaction,
    async getReceipt(hash: Hash32): Promise<ReceiptInfo | undefined> {
      return parseReceipt(await call("flops_getTransactionReceipt", [hex(hash)]));
    },
    async head(): Promise<HeadInfo> {
      return headFromSync(parseSyncStatus(await call("flops_syncStatus")));
    },
    async blockNumber(): Promise<bigint> {
      return new JsonReader("eth_blockNumber").quantity(await call("eth_blockNumber"), "result");
    },
    async chainId(): Promise<bigint> {
      return new JsonReader("eth_chainId").quantity(await call("eth_chainId"), "result");
    },
    async syncStatus(): Promise<SyncInfo> {
      return parseSyncStatus(await call("flops_syncStatus"));
    },
  };
}
