/**
 * A node's HTTP face, started the same way for a sequencer (createNode) and a verifier
 * (verifierNode.ts): the JSON-RPC server over the node's `RpcBackend` with the health probes
 * (`/healthz`, `/readyz`), listening on `opts.rpc`, and the metrics server when `opts.metrics` is
 * set. Each server's close goes to the front of the node's closers, so a stop closes them before
 * what they read (the store), and a start that fails later closes them too.
 * @module
 */
import type { FastifyInstance } from "fastify";
import type { ExplorerReads } from "../api/explorer/ports.ts";
import { healthPlugin } from "../api/health.ts";
import { type Metrics, type MetricsServer, startMetricsServer } from "../api/metrics.ts";
import type { RpcBackend } from "../api/ports.ts";
import { createApiServer } from "../api/server.ts";
import { RollupError } from "../chain/errors.ts";
import type { NodeOpts } from "./createNode.ts";
import type { Logger } from "./logger.ts";

export interface NodeApi {
  api: FastifyInstance;
  /** `http://addr:port` of the JSON-RPC server (the port the OS picked for port 0). */
  rpcUrl: string;
  metricsUrl: string | undefined;
  /** From now on the readiness probes answer "shutting down" (a load balancer drains the node). */
  markStopping(): void;
}

export async function startApi(
  opts: Pick<NodeOpts, "rpc" | "metrics">,
  m: {
    backend: RpcBackend;
    metrics: Metrics;
    logger: Logger;
    closers: Array<() => Promise<void>>;
    /**
     * The explorer's reads (node/explorerReads.ts), for its REST API and its HTML pages; absent:
     * neither `/api/v2` nor the pages are served.
     */
    explorer?: ExplorerReads;
  },
): Promise<NodeApi> {
  let stopping = false;
  const api = await createApiServer({
    rpc: { backend: m.backend, ...(opts.rpc.limits ? { limits: opts.rpc.limits } : {}) },
    ...(opts.rpc.connections ? { connections: opts.rpc.connections } : {}),
    ...(m.explorer ? { explorer: m.explorer, explorerPages: { reads: m.explorer } } : {}),
    // Internal errors of the API (a throwing backend) are logged through it, with their stack.
    logger: m.logger,
  });
  await api.register(healthPlugin, {
    isReady: () => (stopping ? { ready: false, reason: "shutting down" } : true),
  });
  try {
    await api.listen({ host: opts.rpc.addr, port: opts.rpc.port });
  } catch (e) {
    if ((e as { code?: string }).code !== "EADDRINUSE") throw e;
    throw new RollupError(
      "PORT_IN_USE",
      `JSON-RPC port ${opts.rpc.addr}:${opts.rpc.port} is already in use (choose another with --rpc.port)`,
      {},
      { cause: e },
    );
  }
  m.closers.unshift(() => api.close());
  const addr = api.server.address();
  const port = typeof addr === "object" && addr ? addr.port : opts.rpc.port;
  const rpcUrl = `http://${opts.rpc.addr.includes(":") ? `[${opts.rpc.addr}]` : opts.rpc.addr}:${port}`;

  let metricsServer: MetricsServer | undefined;
  if (opts.metrics) {
    const server = await startMetricsServer(opts.metrics, { metrics: m.metrics, isReady: () => !stopping });
    m.closers.unshift(() => server.close());
    metricsServer = server;
  }
  return {
    api,
    rpcUrl,
    metricsUrl: metricsServer?.url,
    markStopping() {
      stopping = true;
    },
  };
}
