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
import { type RpcPluginOpts, rpcPlugin } from "./jsonRpc/plugin.ts";

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
  await app.register(rpcPlugin, opts.rpc);
  return app;
}
