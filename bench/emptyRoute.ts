/**
 * The RPC figures' ceiling: an empty JSON-RPC route on a fastify server with the node's settings
 * (api/server.ts: no request logging, the same timeouts and connection caps, per-IP cap lifted as
 * the RPC benches lift it; the RPC plugin's JSON body parser and body limit), driven by the same
 * load generator (bench/loadgen.mjs), the same mode and connection count as the figure it bounds,
 * for a short window. What it measures is HTTP + fastify + JSON.parse + the load process: all the
 * node's RPC path costs before a method runs.
 * @module
 */
import Fastify, { LogController } from "fastify";
import { capConnections, fastifyTimeoutOptions, resolveConnectionLimits } from "../api/connectionLimits.ts";
import { DEFAULT_RPC_LIMITS } from "../api/jsonRpc/plugin.ts";
import { type LoadReport, runLoad } from "./nodeKit.ts";

/** The node benches run with this per-IP cap (one load process from one address). */
const MAX_CONNECTIONS_PER_IP = 4096;
/** A constant answer: "result":{ is what the read mode counts as a success. */
const RESPONSE = '{"jsonrpc":"2.0","id":1,"result":{}}';

/** Starts the empty route on 127.0.0.1 (a free port); returns its URL and a closer. */
export async function startEmptyRoute(): Promise<{ url: string; close(): Promise<void> }> {
  const connections = resolveConnectionLimits({ maxConnectionsPerIp: MAX_CONNECTIONS_PER_IP });
  const app = Fastify({
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: false,
    ...fastifyTimeoutOptions(connections),
  });
  capConnections(app.server, connections);
  const bodyLimit = DEFAULT_RPC_LIMITS.bodyLimit;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "string", bodyLimit }, (_req, body, done) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body as string);
    } catch {
      parsed = null;
    }
    done(null, parsed);
  });
  app.post("/", { bodyLimit }, (_request, reply) => {
    reply.code(200).header("content-type", "application/json").send(RESPONSE);
  });
  const url = await app.listen({ host: "127.0.0.1", port: 0 });
  return { url, close: () => app.close() };
}

/**
 * One short load run against the empty route: `config` is the figure's own loadgen config (mode,
 * file, concurrency), with the window replaced and, in ingest mode, inclusion tracking off.
 */
export async function emptyRouteLoad(
  config: Record<string, unknown>,
  durationMs: number,
): Promise<LoadReport> {
  const server = await startEmptyRoute();
  try {
    const load = runLoad(
      { ...config, url: server.url, durationMs, warmupMs: Math.min(1000, durationMs / 2), inclusion: false },
      durationMs + 60_000,
    );
    try {
      return await load.done;
    } finally {
      if (load.child.exitCode === null) load.child.kill("SIGKILL");
    }
  } finally {
    await server.close();
  }
}
