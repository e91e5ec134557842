/**
 * `createApiServer`: a fastify instance with the API plugins registered, not yet listening. The
 * node calls it and then `listen`; tests call it and use `inject()`. Request logging is off (a
 * per-request log line would cost more than the request), and so are fastify's per-request child
 * loggers: the RPC plugin puts the request id into the lines it writes (internal errors) itself.
 * Without a logger nothing is logged at all, so the node always passes its own.
 *
 * The HTTP server's timeouts and connection caps (connectionLimits.ts) are set here, below every
 * route.
 * @module
 */
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
import { type RpcPluginOpts, resolveLimits, rpcPlugin } from "./jsonRpc/plugin.ts";
import { RateLimiter } from "./jsonRpc/rateLimit.ts";

export interface ApiServerOpts {
  rpc: RpcPluginOpts;
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

export async function createApiServer(opts: ApiServerOpts): Promise<FastifyInstance> {
  const connections = resolveConnectionLimits(opts.connections);
  const app: FastifyInstance = Fastify({
    ...(opts.logger === undefined ? {} : { loggerInstance: opts.logger, childLoggerFactory: sameLogger }),
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: opts.trustProxy ?? false,
    ...fastifyTimeoutOptions(connections),
  }) as unknown as FastifyInstance;
  capConnections(app.server, connections);
  // One bucket per client IP for JSON-RPC and the explorer's REST API: the explorer is no way
  // around the RPC's limits.
  const rateLimit = opts.explorer === undefined ? false : resolveLimits(opts.rpc.limits).rateLimit;
  const limiter = rateLimit === false ? undefined : new RateLimiter(rateLimit, opts.rpc.clock);
  await app.register(rpcPlugin, limiter === undefined ? opts.rpc : { ...opts.rpc, limiter });
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
