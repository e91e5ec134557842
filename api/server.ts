/**
 * `createApiServer`: a fastify instance with the API plugins registered, not yet listening. The
 * node calls it and then `listen`; tests call it and use `inject()`. Fastify's logger stays off
 * unless a pino logger is passed (a per-request log line would cost more than the request), and
 * request logging is off either way.
 * @module
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import { type RpcPluginOpts, rpcPlugin } from "./jsonRpc/plugin.ts";

export interface ApiServerOpts {
  rpc: RpcPluginOpts;
  /** A pino logger; fastify logs nothing without one. */
  logger?: FastifyBaseLogger;
  /**
   * Behind a reverse proxy, trust X-Forwarded-For from it (fastify's `trustProxy`), so rate limits
   * apply per client rather than per proxy. Off by default: the header is forgeable.
   */
  trustProxy?: boolean | string | string[];
}

export async function createApiServer(opts: ApiServerOpts): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    ...(opts.logger === undefined ? {} : { loggerInstance: opts.logger }),
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: opts.trustProxy ?? false,
  }) as unknown as FastifyInstance;
  await app.register(rpcPlugin, opts.rpc);
  return app;
}
