/**
 * Prometheus metrics: one prom-client registry per node (default process/Node.js metrics
 * included), helpers that enforce the `flops_<module>_<what>_<unit>` naming, and a small fastify
 * server on its own listener (`--metrics.addr`/`--metrics.port`) serving `GET /metrics` plus the
 * health probes of ./health.ts.
 *
 * ```ts
 * const metrics = createMetrics();
 * const built = metrics.counter({ module: "sequencer", what: "blocks_built", unit: "total",
 *   help: "L2 blocks built", labelNames: ["result"] });
 * built.inc({ result: "ok" });  // flops_sequencer_blocks_built_total{result="ok"} 1
 * ```
 * @module
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import {
  type ConnectionLimits,
  capConnections,
  fastifyTimeoutOptions,
  resolveConnectionLimits,
} from "./connectionLimits.ts";
import { healthPlugin, type ReadyCheck } from "./health.ts";

export const METRIC_PREFIX = "flops";

/** The parts of a metric name: `flops_<module>_<what>_<unit>`. */
export interface MetricName {
  /** One word: `rpc`, `sequencer`, `batcher`, `prover`, ... */
  module: string;
  /** Lower snake case: `blocks_built`, `request_duration`. */
  what: string;
  /** Base unit (`seconds`, `bytes`, `ratio`, `wei`); counters end in `total` (`total`, `seconds_total`). */
  unit: string;
}

interface MetricHelp<L extends string> extends MetricName {
  help: string;
  /** Keep cardinality low: never tx hashes or addresses as label values. */
  labelNames?: readonly L[];
}

const MODULE = /^[a-z][a-z0-9]*$/;
const PART = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

/** Builds and checks a metric name. Throws on a malformed part, so mistakes fail at startup. */
export function metricName(n: MetricName, kind: "counter" | "gauge" | "histogram" = "gauge"): string {
  if (!MODULE.test(n.module)) throw new Error(`metric module "${n.module}" must be one lower-case word`);
  if (!PART.test(n.what)) throw new Error(`metric part "${n.what}" must be lower snake case`);
  if (!PART.test(n.unit)) throw new Error(`metric unit "${n.unit}" must be lower snake case`);
  const isTotal = n.unit === "total" || n.unit.endsWith("_total");
  // Prometheus convention: `_total` marks counters and only counters.
  if (kind === "counter" && !isTotal) throw new Error(`counter unit "${n.unit}" must end in "total"`);
  if (kind !== "counter" && isTotal)
    throw new Error(`only counters end in "_total" (got ${kind} "${n.unit}")`);
  return `${METRIC_PREFIX}_${n.module}_${n.what}_${n.unit}`;
}

export interface Metrics {
  readonly registry: Registry;
  counter<L extends string = never>(o: MetricHelp<L>): Counter<L>;
  gauge<L extends string = never>(o: MetricHelp<L>): Gauge<L>;
  histogram<L extends string = never>(o: MetricHelp<L> & { buckets?: number[] }): Histogram<L>;
  /** The Prometheus text exposition. */
  render(): Promise<string>;
}

export interface MetricsOpts {
  /** Process and Node.js runtime metrics (CPU, memory, event loop lag, GC); default true. */
  defaultMetrics?: boolean;
  /** Labels on every series (e.g. `{ node: "seq-1" }`). */
  defaultLabels?: Record<string, string>;
}

export function createMetrics(opts: MetricsOpts = {}): Metrics {
  // Own registry rather than prom-client's global one: several nodes can live in one test process.
  const registry = new Registry();
  if (opts.defaultLabels) registry.setDefaultLabels(opts.defaultLabels);
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  return {
    registry,
    counter: (o) =>
      new Counter({
        name: metricName(o, "counter"),
        help: o.help,
        labelNames: o.labelNames ?? [],
        registers: [registry],
      }),
    gauge: (o) =>
      new Gauge({
        name: metricName(o, "gauge"),
        help: o.help,
        labelNames: o.labelNames ?? [],
        registers: [registry],
      }),
    histogram: (o) =>
      new Histogram({
        name: metricName(o, "histogram"),
        help: o.help,
        labelNames: o.labelNames ?? [],
        registers: [registry],
        ...(o.buckets ? { buckets: o.buckets } : {}),
      }),
    render: () => registry.metrics(),
  };
}

export interface MetricsServerOpts {
  addr: string;
  port: number;
}

export interface MetricsServerModules {
  metrics: Metrics;
  /** Readiness for `/readyz`; see ./health.ts. */
  isReady?: ReadyCheck;
  logger?: FastifyBaseLogger;
  /** Timeouts and connection caps, as for the RPC server (defaults: DEFAULT_CONNECTION_LIMITS). */
  connections?: Partial<ConnectionLimits>;
}

/** The metrics app without a listener (tests use `app.inject`). */
export function buildMetricsApp(modules: MetricsServerModules): FastifyInstance {
  const connections = resolveConnectionLimits(modules.connections);
  const app = Fastify({
    ...(modules.logger ? { loggerInstance: modules.logger } : {}),
    // Prometheus scrapes every few seconds: a log line per scrape is noise.
    logController: new LogController({ disableRequestLogging: true }),
    // The same slow-client defences as the RPC port: it may be reachable by more than Prometheus.
    ...fastifyTimeoutOptions(connections),
  });
  capConnections(app.server, connections);
  const { registry } = modules.metrics;
  app.get("/metrics", async (_req, reply) => {
    reply.header("content-type", registry.contentType);
    return registry.metrics();
  });
  app.register(healthPlugin, modules.isReady ? { isReady: modules.isReady } : {});
  return app;
}

export interface MetricsServer {
  readonly app: FastifyInstance;
  /** `http://addr:port`, with the real port when 0 was asked for. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startMetricsServer(
  opts: MetricsServerOpts,
  modules: MetricsServerModules,
): Promise<MetricsServer> {
  const app = buildMetricsApp(modules);
  await app.listen({ host: opts.addr, port: opts.port });
  const address = app.server.address();
  const port = typeof address === "object" && address !== null ? address.port : opts.port;
  const host = opts.addr.includes(":") ? `[${opts.addr}]` : opts.addr;
  return { app, url: `http://${host}:${port}`, port, close: () => app.close() };
}
