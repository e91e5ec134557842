/**
 * `HttpPost`: what JSON-RPC over HTTP `POST /` does with a request, written once for its two
 * transports, fastify's route (plugin.ts) and the lean node:http path in front of it
 * (leanPost.ts): the arrival token, the body's size charge and parse, the batch's other tokens,
 * dispatch, the response's size charge, and the bodies of every answer (the HTTP status and JSON
 * text a client gets). A transport only reads the body and writes what `answer` hands its
 * `PostReply`.
 * @module
 */
import type { RpcLogger } from "./dispatch.ts";
import { type Dispatcher, PARSE_ERROR_JSON, type RpcOutput } from "./dispatch.ts";
import { errorResponseJson, RPC_ERROR, rpcError } from "./errors.ts";
import type { RateLimiter } from "./rateLimit.ts";
import type { RpcContext } from "./registry.ts";

/** The content type of every JSON answer, on both transports. */
export const JSON_TYPE = "application/json; charset=utf-8";

/** A parsed body that was not JSON; answered -32700. */
const PARSE_FAILED: object = Object.freeze({ parseFailed: true });

export const UNSUPPORTED_MEDIA_TYPE_JSON = errorResponseJson(null, {
  code: RPC_ERROR.UNSUPPORTED_MEDIA_TYPE.rpc,
  message: RPC_ERROR.UNSUPPORTED_MEDIA_TYPE.message,
});
const INTERNAL_JSON = errorResponseJson(null, rpcError("INTERNAL_ERROR").toJson());

/** Where an answer goes: fastify's reply, or node's response on the lean path. */
export interface PostReply {
  /** A JSON body with this status (content-type JSON_TYPE, content-length). */
  json(status: number, json: string): void;
  /** 429 with `retry-after: wait` before the content type. */
  rateLimited(wait: number, json: string): void;
  /** 204, no body. */
  noContent(): void;
  /** A bug below the transport (the dispatcher rejected): 500 (`HttpPost.internalError`). */
  failed(err: unknown): void;
}

export class HttpPost {
  readonly bodyLimit: number;
  /** The 413 body. */
  readonly bodyTooLargeJson: string;
  private readonly dispatcher: Dispatcher;
  private readonly ctx: RpcContext;
  private readonly limiter: RateLimiter | undefined;
  private readonly log: RpcLogger;

  constructor(opts: {
    dispatcher: Dispatcher;
    ctx: RpcContext;
    limiter: RateLimiter | undefined;
    bodyLimit: number;
    log: RpcLogger;
  }) {
    this.dispatcher = opts.dispatcher;
    this.ctx = opts.ctx;
    this.limiter = opts.limiter;
    this.bodyLimit = opts.bodyLimit;
    this.log = opts.log;
    this.bodyTooLargeJson = errorResponseJson(null, {
      code: RPC_ERROR.BODY_TOO_LARGE.rpc,
      message: `Request body too large: limit is ${opts.bodyLimit} bytes`,
    });
  }

  /**
   * A token as the request arrives, before its body is read: a client out of tokens costs no
   * reading or parsing, and a body that then fails (not JSON, too large, too slow) is paid for.
   * Returns 0, or the seconds to wait (then answer `rateLimitedJson`).
   */
  arrive(ip: string): number {
    return this.limiter === undefined ? 0 : this.limiter.take(ip, 1);
  }

  /** The body read whole: its size is charged (parsed or not), then it is parsed (PARSE_FAILED if not JSON). */
  parse(ip: string, text: string): unknown {
    this.limiter?.chargeBytes(ip, text.length);
    // Plain JSON.parse: faster than fastify's secure-json-parse, and safe here because parsed
    // values are only read, never merged into other objects (no prototype pollution path).
    try {
      return JSON.parse(text);
    } catch {
      return PARSE_FAILED;
    }
  }

  /** A body cut off at bodyLimit: what was read up to the limit is charged. */
  chargeTooLarge(ip: string): void {
    this.limiter?.chargeBytes(ip, this.bodyLimit);
  }

  rateLimitedJson(wait: number): string {
    return errorResponseJson(null, {
      code: RPC_ERROR.RATE_LIMITED.rpc,
      message: `Rate limit exceeded: retry after ${wait} s`,
    });
  }

  /** The 500 body for a failure below the transport, logged once with the request id. */
  internalError(err: unknown, reqId: string): string {
    this.log.error({ err, reqId }, "rpc transport error");
    return INTERNAL_JSON;
  }

  /** Answers a parsed body (`undefined`: a body-less POST; PARSE_FAILED: not JSON) through `to`. */
  answer(body: unknown, ip: string, reqId: string, to: PostReply): void {
    if (body === PARSE_FAILED || body === undefined) {
      to.json(200, PARSE_ERROR_JSON);
      return;
    }
    const limiter = this.limiter;
    if (limiter !== undefined) {
      // One token was taken on arrival; a batch pays for its other calls now.
      const wait = limiter.take(ip, this.dispatcher.cost(body) - 1);
      if (wait > 0) {
        to.rateLimited(wait, this.rateLimitedJson(wait));
        return;
      }
    }
    let out: RpcOutput;
    try {
      out = this.dispatcher.handle(body, this.ctx, reqId);
    } catch (err) {
      // The dispatcher catches handler errors; this is a bug in it, still answered.
      to.failed(err);
      return;
    }
    if (typeof out === "string") this.sendOutput(out, ip, to);
    else if (out === undefined) to.noContent();
    else
      out.then(
        (json) => this.sendOutput(json, ip, to),
        (err: unknown) => to.failed(err),
      );
  }

  private sendOutput(json: string | undefined, ip: string, to: PostReply): void {
    if (json === undefined) {
      to.noContent();
      return;
    }
    this.limiter?.chargeBytes(ip, json.length);
    to.json(200, json);
  }
}
