/**
 * `rpcPlugin`: JSON-RPC 2.0 over HTTP (POST /) and WebSocket (GET /ws, upgraded), as one fastify
 * plugin. Encapsulated on purpose: its JSON parser, error handler and rate-limit hook apply to its
 * own routes only, so explorer/health plugins beside it keep fastify's defaults.
 *
 * HTTP: Content-Type must be application/json (else 415); bodies over limits.bodyLimit get 413;
 * an empty bucket gets 429 with `retry-after`; everything else is 200 with a JSON-RPC body (204
 * when only notifications came). All of these bodies are JSON-RPC error objects (errors.ts).
 * What a POST does is httpPost.ts's, shared by the fastify route here and the lean node:http path
 * (leanPost.ts) that api/server.ts puts in front of fastify (`opts.lean`).
 *
 * Rate limiting charges every request as it arrives, before its body is read (one token: bodies
 * that never parse, are too large or arrive too slowly are paid for too), then the rest of a
 * batch's calls once parsed, then the bytes read and written (rateLimit.ts `chargeBytes`).
 * WebSocket: one token per message on arrival, the same way; connections are capped per client
 * IP and in all, and pinged so that dead peers free their slot.
 * @module
 */
import fastifyWebsocket from "@fastify/websocket";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Address } from "../../chain/types.ts";
import type { RpcBackend } from "../ports.ts";
import { Dispatcher, PARSE_ERROR_JSON } from "./dispatch.ts";
import { errorResponseJson, idJson, RPC_ERROR } from "./errors.ts";
import { DEFAULT_BLOCK_CACHE_BYTES, EthBlockCache } from "./ethBlock.ts";
import { HttpPost, JSON_TYPE, type PostReply, UNSUPPORTED_MEDIA_TYPE_JSON } from "./httpPost.ts";
import { LeanPost } from "./leanPost.ts";
import { ethMethods, unsupportedMethods } from "./methods/eth.ts";
import { flopsMethods } from "./methods/flops.ts";
import { subscribeMethods } from "./methods/subscribe.ts";
import { RateLimiter, type RateLimitOpts } from "./rateLimit.ts";
import { createMethodTable, type RpcContext } from "./registry.ts";
import { WsHeartbeat } from "./wsHeartbeat.ts";
import { NewHeadsHub, WsSession, type WsSocket } from "./wsHub.ts";

export interface RpcLimits {
  /** Largest HTTP body / WebSocket message, bytes. Default 1 MiB. */
  bodyLimit: number;
  /** Most calls in one batch. Default 100. */
  maxBatch: number;
  /** Once a batch's answers pass this many characters, the rest become -32005. Default 25 MiB (geth's). */
  maxResponseBytes: number;
  /** Per-IP token bucket over calls (a batch of n counts n), shared by HTTP and WebSocket; false: off. */
  rateLimit: RateLimitOpts | false;
  /** Subscriptions per WebSocket connection. Default 32. */
  maxSubscriptionsPerConnection: number;
  /** Open WebSocket connections; more are closed at once with 1013 ("try again later"). Default 1000. */
  maxWsConnections: number;
  /** Open WebSocket connections per client IP; more are closed with 1013. Default 32. */
  maxWsConnectionsPerIp: number;
  /** Each WebSocket is pinged this often and closed if the previous ping got no pong, ms. Default 30 s. */
  wsPingIntervalMs: number;
  /** Characters of formatted block JSON cached (by block hash). Default 64 MiB. */
  blockCacheBytes: number;
  /** A WebSocket whose unsent data passes this is terminated (slow reader). Default 4 MiB. */
  maxWsBufferedBytes: number;
}

export const DEFAULT_RPC_LIMITS: Readonly<RpcLimits> = {
  bodyLimit: 1024 * 1024,
  maxBatch: 100,
  maxResponseBytes: 25 * 1024 * 1024,
  rateLimit: { perSecond: 200, burst: 400 },
  maxSubscriptionsPerConnection: 32,
  maxWsConnections: 1000,
  maxWsConnectionsPerIp: 32,
  wsPingIntervalMs: 30_000,
  blockCacheBytes: DEFAULT_BLOCK_CACHE_BYTES,
  maxWsBufferedBytes: 4 * 1024 * 1024,
};

export interface RpcPluginOpts {
  backend: RpcBackend;
  limits?: Partial<RpcLimits>;
  /** The `miner` of eth-shaped blocks (the sequencer's address); default the zero address. */
  miner?: Address;
  /** WebSocket path, under the plugin's prefix. Default "/ws". */
  wsPath?: string;
  /** Millisecond clock of the rate limiter (tests); default performance.now. */
  clock?: () => number;
  /**
   * The per-IP bucket, when other routes share it (the explorer's: api/server.ts); absent: the
   * plugin makes its own from `limits.rateLimit`.
   */
  limiter?: RateLimiter;
  /**
   * The lean path (leanPost.ts): `use` is called once with a handler of `POST <prefix or />`
   * bound to this plugin's dispatcher and limiter, which api/server.ts puts in front of fastify;
   * `nextReqId` names its requests as fastify's `genReqId` does. Absent: fastify serves everything.
   */
  lean?: { nextReqId: () => string; use(lean: LeanPost): void };
}

function sendJson(reply: FastifyReply, status: number, json: string): void {
  reply.code(status).header("content-type", JSON_TYPE).send(json);
}

/** HttpPost's answers through fastify's reply. */
class FastifyPostReply implements PostReply {
  constructor(private readonly reply: FastifyReply) {}
  json(status: number, json: string): void {
    sendJson(this.reply, status, json);
  }
  rateLimited(wait: number, json: string): void {
    this.reply.header("retry-after", String(wait));
    sendJson(this.reply, 429, json);
  }
  noContent(): void {
    this.reply.code(204).send();
  }
  failed(err: unknown): void {
    // To the error handler below, as any other error of the route.
    this.reply.send(err);
  }
}

/** Validated limits; throws on combinations that cannot work. */
export function resolveLimits(partial: Partial<RpcLimits> | undefined): RpcLimits {
  const limits: RpcLimits = { ...DEFAULT_RPC_LIMITS, ...partial };
  const positive = [
    "bodyLimit",
    "maxBatch",
    "maxResponseBytes",
    "maxSubscriptionsPerConnection",
    "maxWsConnections",
    "maxWsConnectionsPerIp",
    "wsPingIntervalMs",
    "blockCacheBytes",
    "maxWsBufferedBytes",
  ] as const;
  for (const key of positive) {
    if (!Number.isInteger(limits[key]) || limits[key] < 1)
      throw new RangeError(`rpc limits: ${key} must be ≥ 1`);
  }
  if (limits.maxWsConnectionsPerIp > limits.maxWsConnections) {
    throw new RangeError(
      `rpc limits: maxWsConnectionsPerIp (${limits.maxWsConnectionsPerIp}) must be ≤ maxWsConnections (${limits.maxWsConnections})`,
    );
  }
  if (limits.rateLimit !== false && limits.rateLimit.burst < limits.maxBatch) {
    // A batch takes all its tokens at once: a smaller bucket would refuse full batches forever.
    throw new RangeError(
      `rpc limits: rateLimit.burst (${limits.rateLimit.burst}) must be ≥ maxBatch (${limits.maxBatch})`,
    );
  }
  return limits;
}

export async function rpcPlugin(app: FastifyInstance, opts: RpcPluginOpts): Promise<void> {
  const limits = resolveLimits(opts.limits);
  const log = app.log.child({ module: "rpc" });
  const backend = opts.backend;
  const blocks = new EthBlockCache({ miner: opts.miner, maxBytes: limits.blockCacheBytes });
  const methods = createMethodTable([
    ...ethMethods,
    ...unsupportedMethods,
    ...flopsMethods,
    ...subscribeMethods,
  ]);
  const dispatcher = new Dispatcher(methods, {
    maxBatch: limits.maxBatch,
    maxResponseBytes: limits.maxResponseBytes,
    log,
  });
  const httpCtx: RpcContext = { backend, blocks, subscriptions: undefined };
  const limiter =
    opts.limiter ?? (limits.rateLimit === false ? undefined : new RateLimiter(limits.rateLimit, opts.clock));
  const post = new HttpPost({ dispatcher, ctx: httpCtx, limiter, bodyLimit: limits.bodyLimit, log });
  opts.lean?.use(new LeanPost(app.prefix === "" ? "/" : app.prefix, post, opts.lean.nextReqId));
  const hub = new NewHeadsHub(backend, blocks, log);
  const heartbeat = new WsHeartbeat(limits.wsPingIntervalMs);
  app.addHook("onClose", (_app, done) => {
    hub.close();
    heartbeat.close();
    done();
  });

  // Only JSON: every other type (text/plain included) is refused with 415 by fastify.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    "application/json",
    { parseAs: "string", bodyLimit: limits.bodyLimit },
    (req: FastifyRequest, body: string | Buffer, done: (err: Error | null, body?: unknown) => void) => {
      done(null, post.parse(req.ip, body as string));
    },
  );

  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
      post.chargeTooLarge(request.ip);
      sendJson(reply, RPC_ERROR.BODY_TOO_LARGE.http, post.bodyTooLargeJson);
    } else if (err.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
      sendJson(reply, RPC_ERROR.UNSUPPORTED_MEDIA_TYPE.http, UNSUPPORTED_MEDIA_TYPE_JSON);
    } else if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
      // Other transport-level client errors (bad content-length, aborted body): fastify's status.
      sendJson(
        reply,
        err.statusCode,
        errorResponseJson(null, {
          code: RPC_ERROR.INVALID_REQUEST.rpc,
          message: `Invalid request: ${err.message}`,
        }),
      );
    } else {
      sendJson(reply, 500, post.internalError(err, request.id));
    }
  });

  if (limiter !== undefined) {
    // The arrival token (httpPost.ts `arrive`). WebSocket upgrades pass here too.
    app.addHook("onRequest", (request, reply, done) => {
      const wait = post.arrive(request.ip);
      if (wait > 0) new FastifyPostReply(reply).rateLimited(wait, post.rateLimitedJson(wait));
      else done();
    });
  }

  app.post("/", { bodyLimit: limits.bodyLimit }, (request, reply) => {
    post.answer(request.body, request.ip, request.id, new FastifyPostReply(reply));
  });

  // The WebSocket route lives in a child scope: @fastify/websocket adds onRequest/onResponse
  // hooks to the scope it is registered in, and POST / should not pay for them.
  const wsPath = opts.wsPath ?? "/ws";
  const wsLimits = {
    maxSubscriptions: limits.maxSubscriptionsPerConnection,
    maxBufferedBytes: limits.maxWsBufferedBytes,
  };
  let connections = 0;
  const perIp = new Map<string, number>();
  await app.register(async (scope) => {
    // An ancestor may have registered it already (it decorates `websocketServer`); twice would throw.
    if (!scope.hasDecorator("websocketServer")) {
      await scope.register(fastifyWebsocket, { options: { maxPayload: limits.bodyLimit } });
    }
    scope.get(wsPath, { websocket: true }, (rawSocket, request) => {
      const socket = rawSocket as WsSocket & {
        on(event: "message", fn: (data: Buffer) => void): void;
        on(event: "close", fn: () => void): void;
        on(event: "error", fn: (err: Error) => void): void;
        on(event: "pong", fn: () => void): void;
        close(code: number, reason: string): void;
        ping(): void;
      };
      const ip = request.ip;
      const fromIp = perIp.get(ip) ?? 0;
      if (connections >= limits.maxWsConnections) {
        socket.close(1013, "too many connections");
        return;
      }
      // Per client too: one address must not take every slot.
      if (fromIp >= limits.maxWsConnectionsPerIp) {
        socket.close(1013, "too many connections from this address");
        return;
      }
      connections++;
      perIp.set(ip, fromIp + 1);
      heartbeat.add(socket);
      const reqId = request.id;
      const session = new WsSession(socket, hub, wsLimits, { backend, blocks });
      socket.on("message", (data) => {
        if (limiter !== undefined) {
          // As over HTTP: a token on arrival, before parsing, and the bytes read.
          const wait = limiter.take(ip, 1);
          limiter.chargeBytes(ip, data.length);
          if (wait > 0) {
            session.send(rateLimitedWs(parsedIfSmall(data), wait));
            return;
          }
        }
        let body: unknown;
        try {
          body = JSON.parse(data.toString());
        } catch {
          session.send(PARSE_ERROR_JSON);
          return;
        }
        if (limiter !== undefined) {
          const wait = limiter.take(ip, dispatcher.cost(body) - 1);
          if (wait > 0) {
            session.send(rateLimitedWs(body, wait));
            return;
          }
        }
        const out = dispatcher.handle(body, session.ctx, reqId);
        if (typeof out === "string") {
          limiter?.chargeBytes(ip, out.length);
          session.send(out);
        } else if (out !== undefined) {
          out.then(
            (json) => {
              if (json === undefined) return;
              limiter?.chargeBytes(ip, json.length);
              session.send(json);
            },
            (err: unknown) => log.error({ err, reqId }, "rpc websocket dispatch failed"),
          );
        }
      });
      socket.on("close", () => {
        connections--;
        const left = (perIp.get(ip) ?? 1) - 1;
        if (left <= 0) perIp.delete(ip);
        else perIp.set(ip, left);
        heartbeat.remove(socket);
        session.close();
      });
      // A peer's broken connection is its problem, not an error of ours.
      socket.on("error", (err) => log.debug({ err }, "rpc websocket error"));
    });
  });
}

/** Messages up to this size are parsed for their id even when refused: cheap, and the client can match the answer. */
const MAX_REFUSED_PARSE = 4096;

/** The message parsed, when it is small enough to be worth parsing only for its id; else undefined. */
function parsedIfSmall(data: Buffer): unknown {
  if (data.length > MAX_REFUSED_PARSE) return undefined;
  try {
    return JSON.parse(data.toString());
  } catch {
    return undefined;
  }
}

/** Over WebSocket there is no status line: a -32005 error, with the request's id when it has one. */
function rateLimitedWs(body: unknown, waitSeconds: number): string {
  const id =
    !Array.isArray(body) && typeof body === "object" && body !== null ? (body as { id?: unknown }).id : null;
  const rid = typeof id === "string" || typeof id === "number" ? id : null;
  return `{"jsonrpc":"2.0","id":${idJson(rid)},"error":{"code":${RPC_ERROR.RATE_LIMITED.rpc},"message":"Rate limit exceeded: retry after ${waitSeconds} s","data":{"retryAfter":${waitSeconds}}}}`;
}
