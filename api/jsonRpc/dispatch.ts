/**
 * The JSON-RPC 2.0 dispatcher, shared by HTTP and WebSocket: takes a parsed body (request object
 * or batch), returns the response as JSON text, or undefined when nothing must be sent (only
 * notifications). Responses are assembled as strings: the envelope is written by hand and only
 * the result goes through JSON.stringify (RawJson results not even that).
 *
 * Rules:
 * - request: object with jsonrpc "2.0", method a string, id a string/number/null or absent;
 *   anything else → -32600 (id null when the id itself is bad).
 * - no id → notification: it runs, nothing is answered, even on error.
 * - batch: a non-empty array of at most maxBatch items, answered in request order; empty → one
 *   -32600 object; too long → one -32600 object naming the limit, nothing runs; an all-notification
 *   batch → no response.
 * - response budget (responseBudget.ts): a request's answers share maxResponseBytes. A large result
 *   (SizedJson: blocks) is sized before it is built and refused unbuilt when it does not fit; once
 *   one answer is refused, every later call of the batch answers -32005 without running.
 * - a thrown RpcError becomes its error object; anything else → -32603, logged once with its stack,
 *   the method and the request ids (never the params), and never shown.
 * @module
 */
import { isPromiseLike } from "./awaitable.ts";
import { errorResponseJson, idJson, RpcError, type RpcErrorObject, rpcError } from "./errors.ts";
import { RawJson } from "./format.ts";
import type { MethodDef, RpcContext } from "./registry.ts";
import { ResponseBudget, SizedJson } from "./responseBudget.ts";

export type RpcId = string | number | null;
/** JSON text to send, or undefined for "send nothing". */
export type RpcOutput = string | undefined | Promise<string | undefined>;

/** The logging the dispatcher needs (a pino logger fits). */
export interface RpcLogger {
  error(obj: object, msg: string): void;
}

export interface DispatcherOpts {
  maxBatch: number;
  maxResponseBytes: number;
  log: RpcLogger;
}

const INVALID_REQUEST = rpcError("INVALID_REQUEST").toJson();
const NOT_AN_OBJECT = errorResponseJson(null, {
  ...INVALID_REQUEST,
  message: "Invalid request: expected a request object",
});
const EMPTY_BATCH = errorResponseJson(null, { ...INVALID_REQUEST, message: "Invalid request: empty batch" });
const BAD_ID = errorResponseJson(null, {
  ...INVALID_REQUEST,
  message: "Invalid request: id must be a string, a number or null",
});
const INTERNAL = rpcError("INTERNAL_ERROR").toJson();
const MAX_ECHOED_NAME = 64;
/** Request ids in log lines are cut to this: a client picks them. */
const MAX_LOGGED_ID = 64;

/** The response for a body that was not JSON (the HTTP/WS layers call this; nothing is parsed here). */
export const PARSE_ERROR_JSON = errorResponseJson(null, rpcError("PARSE_ERROR").toJson());

function isValidId(id: unknown): id is RpcId {
  return id === null || typeof id === "string" || typeof id === "number";
}

export class Dispatcher {
  private readonly methods: ReadonlyMap<string, MethodDef>;
  private readonly opts: DispatcherOpts;
  private readonly batchTooLarge: string;

  constructor(methods: ReadonlyMap<string, MethodDef>, opts: DispatcherOpts) {
    this.methods = methods;
    this.opts = opts;
    this.batchTooLarge = errorResponseJson(
      null,
      rpcError("BATCH_TOO_LARGE", `Batch too large: at most ${opts.maxBatch} requests per batch`, {
        limit: opts.maxBatch,
      }).toJson(),
    );
  }

  /**
   * Calls a body carries (what rate limiting counts). A batch that will be refused whole (empty,
   * too long) counts 1, so its answer is the -32600 that explains it, not a 429 that never clears.
   */
  cost(body: unknown): number {
    return Array.isArray(body) && body.length > 0 && body.length <= this.opts.maxBatch ? body.length : 1;
  }

  /**
   * `reqId`: the transport's id of this request (fastify's request id; for WebSocket, the
   * connection's), carried into the log line of an internal error.
   */
  handle(body: unknown, ctx: RpcContext, reqId?: string): RpcOutput {
    const budget = new ResponseBudget(this.opts.maxResponseBytes);
    return Array.isArray(body)
      ? this.handleBatch(body, ctx, budget, reqId)
      : this.handleOne(body, ctx, budget, reqId);
  }

  private handleOne(
    req: unknown,
    ctx: RpcContext,
    budget: ResponseBudget,
    reqId: string | undefined,
  ): RpcOutput {
    if (typeof req !== "object" || req === null || Array.isArray(req)) return NOT_AN_OBJECT;
    const r = req as Record<string, unknown>;
    const id = r.id;
    const notification = id === undefined;
    if (!notification && !isValidId(id)) return BAD_ID;
    const rid: RpcId = notification ? null : id;
    if (r.jsonrpc !== "2.0") {
      return errorResponseJson(rid, {
        ...INVALID_REQUEST,
        message: 'Invalid request: jsonrpc must be "2.0"',
      });
    }
    const name = r.method;
    if (typeof name !== "string") {
      return errorResponseJson(rid, {
        ...INVALID_REQUEST,
        message: "Invalid request: method must be a string",
      });
    }
    const def = this.methods.get(name);
    if (def === undefined) {
      if (notification) return undefined;
      const shown = name.length > MAX_ECHOED_NAME ? `${name.slice(0, MAX_ECHOED_NAME)}…` : name;
      return errorResponseJson(rid, rpcError("METHOD_NOT_FOUND", `Method not found: ${shown}`).toJson());
    }
    // Stop early: past the budget, the rest of a batch does not even run.
    if (budget.exhausted) return notification ? undefined : this.tooLarge(rid, budget);

    let result: unknown;
    try {
      result = def.invoke(r.params, ctx);
    } catch (e) {
      return notification ? undefined : errorResponseJson(rid, this.toErrorObject(e, name, rid, reqId));
    }
    if (isPromiseLike(result)) {
      return Promise.resolve(result).then(
        (v) => (notification ? undefined : this.resultJson(rid, v, name, budget, reqId)),
        (e: unknown) => {
          const error = this.toErrorObject(e, name, rid, reqId);
          return notification ? undefined : errorResponseJson(rid, error);
        },
      );
    }
    return notification ? undefined : this.resultJson(rid, result, name, budget, reqId);
  }

  private handleBatch(
    items: unknown[],
    ctx: RpcContext,
    budget: ResponseBudget,
    reqId: string | undefined,
  ): RpcOutput {
    if (items.length === 0) return EMPTY_BATCH;
    if (items.length > this.opts.maxBatch) return this.batchTooLarge;
    const outs = new Array<string | undefined | Promise<string | undefined>>(items.length);
    let pending = false;
    for (let i = 0; i < items.length; i++) {
      const out = this.handleOne(items[i], ctx, budget, reqId);
      if (typeof out === "object") pending = true;
      outs[i] = out;
    }
    if (pending) return Promise.all(outs).then(joinBatch);
    return joinBatch(outs as (string | undefined)[]);
  }

  private resultJson(
    id: RpcId,
    result: unknown,
    method: string,
    budget: ResponseBudget,
    reqId: string | undefined,
  ): string {
    // An async result that resolved after the batch ran out is not built either.
    if (budget.exhausted) return this.tooLarge(id, budget);
    let json: string;
    try {
      if (result instanceof SizedJson) {
        const estimate = result.estimate();
        if (estimate > budget.left) {
          budget.exhausted = true;
          return this.tooLarge(id, budget, estimate, result.hint());
        }
        json = result.render();
      } else if (result instanceof RawJson) json = result.json;
      else if (result === undefined) json = "null";
      else json = JSON.stringify(result);
    } catch (e) {
      // A handler bug (a bigint left unformatted, a cycle): an internal error, not a crash.
      return errorResponseJson(id, this.toErrorObject(e, method, id, reqId));
    }
    const out = `{"jsonrpc":"2.0","id":${idJson(id)},"result":${json}}`;
    return budget.take(out.length) ? out : this.tooLarge(id, budget);
  }

  /** -32005 for an answer that does not fit; with the estimate and a hint when it is known. */
  private tooLarge(id: RpcId, budget: ResponseBudget, estimate?: number, hint?: string): string {
    const message =
      estimate === undefined
        ? `Response size limit exceeded: the answers of this request passed ${budget.limit} bytes`
        : `Response size limit exceeded: this answer is about ${estimate} bytes and ${budget.left} of the ${budget.limit}-byte limit are left; ${hint}`;
    return errorResponseJson(id, rpcError("RESPONSE_TOO_LARGE", message, { limit: budget.limit }).toJson());
  }

  private toErrorObject(e: unknown, method: string, id: RpcId, reqId: string | undefined): RpcErrorObject {
    if (e instanceof RpcError) return e.toJson();
    // Once per failed call, with the stack (pino's err serializer); the params are never logged,
    // and the id only cut short: both are the client's.
    const shownId =
      typeof id === "string" && id.length > MAX_LOGGED_ID ? `${id.slice(0, MAX_LOGGED_ID)}…` : id;
    this.opts.log.error({ err: e, method, reqId, id: shownId }, "rpc method failed");
    return INTERNAL;
  }
}

/** The batch's answers in request order; undefined when all were notifications. */
function joinBatch(outs: readonly (string | undefined)[]): string | undefined {
  let json = "";
  for (const out of outs) {
    if (out === undefined) continue;
    json = json === "" ? `[${out}` : `${json},${out}`;
  }
  return json === "" ? undefined : `${json}]`;
}
