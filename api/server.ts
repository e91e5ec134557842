/**
 * `createApiServer`: a fastify instance with the API plugins registered, not yet listening. The
 * node calls it and then `listen`; tests call it and use `inject()`. Request logging is off (a
 * per-request log line would cost more than the request), and so are fastify's per-request child
 * loggers: the RPC plugin puts the request id into the lines it writes (internal errors) itself.
 * Without a logger nothing is logged at all, so the node always passes its own.
 *
 * The HTTP server's timeouts and connection caps (connectionLimits.ts) are set here, below every
 * route.
 *
 * JSON-RPC `POST /` is served by the RPC plugin's lean path (jsonRpc/leanPost.ts), put here in
 * front of fastify's handler on the same http.Server: it takes the requests it answers exactly as
 * the fastify route would, and hands every other request to fastify untouched. `app.inject()`
 * goes to fastify's handler directly (the route, same answers). With `trustProxy` everything goes
 * to fastify: the lean path keys its rate limit on the TCP peer only.
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import {
  type ConnectionLimits,
  capConnections,
  fastifyTimeoutOptions,
  resolveConnectionLimits,
} from "./connectionLimits.ts";
import { type ExplorerPagesOpts, explorerPagesPlugin } from "./explorer/pages/plugin.ts";
import { explorerPlugin } from "./explorer/plugin.ts";
import type { ExplorerReads } from "./explorer/ports.ts";
import type { LeanPost } from "./jsonRpc/leanPost.ts";
import { type RpcPluginOpts, resolveLimits, rpcPlugin } from "./jsonRpc/plugin.ts";
import { RateLimiter } from "./jsonRpc/rateLimit.ts";

export interface ApiServerOpts {
  rpc: Omit<RpcPluginOpts, "lean">;
  /** A pino logger: internal errors are logged through it. Nothing is logged without one. */
  logger?: FastifyBaseLogger;
  /**
   * Behind a reverse proxy, trust X-Forwarded-For from it (fastify's `trustProxy`), so rate limits
   * apply per client rather than per proxy. Off by default: the header is forgeable.
   */
  trustProxy?: boolean | string | string[];
  /** Timeouts and connection caps of the HTTP server (defaults: DEFAULT_CONNECTION_LIMITS). */
  connections?: Partial<ConnectionLimits>;
  /** The explorer's HTML pages (`GET /`, `/blocks/…`, …; api/explorer/pages/); absent: not served. */
  explorerPages?: ExplorerPagesOpts;
  /**
   * The explorer's REST API (`/api/v2/*`, `/api-docs`) over these reads; absent: not served. Its
   * requests take tokens from the same per-IP bucket as JSON-RPC's.
   */
  explorer?: ExplorerReads;
}

/** Every request logs through the server's logger itself: no child logger per request. */
function sameLogger(logger: FastifyBaseLogger): FastifyBaseLogger {
  return logger;
}

/** fastify's default request ids (`req-` and a base-36 count, kept a small integer), one counter for both paths. */
function requestIds(): () => string {
  let next = 0;
  return () => {
    next = (next + 1) & 0x7fffffff;
    return `req-${next.toString(36)}`;
  };
}

/** Puts `lean` before fastify's handler (`app.routing`, the server's one 'request' listener). */
function serveLeanFirst(app: FastifyInstance, lean: LeanPost): void {
  const server = app.server;
  const routing = app.routing;
  const listeners = server.listeners("request");
  if (listeners.length !== 1 || listeners[0] !== routing) {
    throw new Error("createApiServer: fastify's handler is not the server's only request listener");
  }
  // Once `close()` began, fastify answers what still arrives on open connections with 503 and
  // `connection: close`: from then on every request is its own.
  let closing = false;
  app.addHook("preClose", (done) => {
    closing = true;
    done();
  });
  server.removeListener("request", routing);
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    if (closing || !lean.serve(req, res)) routing(req, res);
  });
}

export async function createApiServer(opts: ApiServerOpts): Promise<FastifyInstance> {
  const connections = resolveConnectionLimits(opts.connections);
  const trustProxy = opts.trustProxy ?? false;
  const nextReqId = requestIds();
  const app: FastifyInstance = Fastify({
    ...(opts.logger === undefined ? {} : { loggerInstance: opts.logger, childLoggerFactory: sameLogger }),
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy,
    genReqId: nextReqId,
    ...fastifyTimeoutOptions(connections),
  }) as unknown as FastifyInstance;
  capConnections(app.server, connections);
  // One bucket per client IP for JSON-RPC and the explorer's REST API: the explorer is no way
  // around the RPC's limits.
  const rateLimit = opts.explorer === undefined ? false : resolveLimits(opts.rpc.limits).rateLimit;
  const limiter = rateLimit === false ? undefined : new RateLimiter(rateLimit, opts.rpc.clock);
  const lean =
    trustProxy === false
      ? { nextReqId, use: (handler: LeanPost) => serveLeanFirst(app, handler) }
      : undefined;
  await app.register(rpcPlugin, {
    ...opts.rpc,
    ...(limiter === undefined ? {} : { limiter }),
    ...(lean === undefined ? {} : { lean }),
  });
  if (opts.explorer !== undefined)
    await app.register(
      explorerPlugin,
      limiter === undefined ? { reads: opts.explorer } : { reads: opts.explorer, limiter },
    );
  // The pages take their tokens from that same bucket (none when the RPC has no limit), unless
  // the caller gave them a limiter of their own.
  if (opts.explorerPages)
    await app.register(explorerPagesPlugin, {
      ...opts.explorerPages,
      ...(opts.explorerPages.rateLimit === undefined && opts.explorer !== undefined
        ? { rateLimit: limiter ?? false }
        : {}),
    });
  return app;
}
