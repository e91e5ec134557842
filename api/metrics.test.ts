import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { buildMetricsApp, createMetrics, metricName, startMetricsServer } from "./metrics.ts";

describe("metric names", () => {
  it("builds flops_<module>_<what>_<unit>", () => {
    expect(metricName({ module: "rpc", what: "request_duration", unit: "seconds" })).toBe(
      "flops_rpc_request_duration_seconds",
    );
    expect(metricName({ module: "sequencer", what: "blocks_built", unit: "total" }, "counter")).toBe(
      "flops_sequencer_blocks_built_total",
    );
    expect(metricName({ module: "prover", what: "cpu", unit: "seconds_total" }, "counter")).toBe(
      "flops_prover_cpu_seconds_total",
    );
  });

  it("rejects malformed parts and misplaced _total", () => {
    expect(() => metricName({ module: "Rpc", what: "x", unit: "seconds" })).toThrow(/one lower-case word/);
    expect(() => metricName({ module: "rpc_api", what: "x", unit: "seconds" })).toThrow(
      /one lower-case word/,
    );
    expect(() => metricName({ module: "rpc", what: "bad-name", unit: "seconds" })).toThrow(/snake case/);
    expect(() => metricName({ module: "rpc", what: "x", unit: "" })).toThrow(/snake case/);
    expect(() => metricName({ module: "rpc", what: "requests", unit: "count" }, "counter")).toThrow(
      /must end in "total"/,
    );
    expect(() => metricName({ module: "rpc", what: "requests", unit: "total" }, "gauge")).toThrow(
      /only counters/,
    );
  });
});

describe("createMetrics", () => {
  it("registers default process metrics and typed app metrics", async () => {
    const m = createMetrics({ defaultLabels: { node: "n1" } });
    const c = m.counter({
      module: "rpc",
      what: "requests",
      unit: "total",
      help: "requests",
      labelNames: ["method"],
    });
    c.inc({ method: "eth_chainId" });
    const g = m.gauge({ module: "mempool", what: "txs", unit: "count", help: "pending txs" });
    g.set(3);
    const h = m.histogram({
      module: "batcher",
      what: "submission_latency",
      unit: "seconds",
      help: "latency",
      buckets: [0.1, 1],
    });
    h.observe(0.5);
    const text = await m.render();
    expect(text).toContain('flops_rpc_requests_total{method="eth_chainId",node="n1"} 1');
    expect(text).toContain('flops_mempool_txs_count{node="n1"} 3');
    expect(text).toContain('flops_batcher_submission_latency_seconds_bucket{le="1",node="n1"} 1');
    expect(text).toContain("process_cpu_user_seconds_total");
    expect(text).toContain("nodejs_eventloop_lag_seconds");
  });

  it("keeps registries apart (two nodes in one process) and can skip default metrics", async () => {
    const a = createMetrics({ defaultMetrics: false });
    const b = createMetrics({ defaultMetrics: false });
    a.gauge({ module: "x", what: "y", unit: "ratio", help: "h" }).set(1);
    b.gauge({ module: "x", what: "y", unit: "ratio", help: "h" }).set(2);
    expect(await a.render()).toContain("flops_x_y_ratio 1");
    expect(await b.render()).toContain("flops_x_y_ratio 2");
    expect(await a.render()).not.toContain("process_cpu");
  });
});

describe("metrics server", () => {
  it("serves /metrics, /healthz and /readyz (inject)", async () => {
    const metrics = createMetrics();
    metrics.counter({ module: "rpc", what: "requests", unit: "total", help: "h" }).inc();
    let ready = false;
    const app = buildMetricsApp({
      metrics,
      isReady: () => (ready ? true : { ready: false, reason: "starting" }),
    });
    const r = await app.inject({ method: "GET", url: "/metrics" });
    expect(r.statusCode).toBe(200);
    expect(r.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(r.body).toContain("flops_rpc_requests_total 1");
    expect((await app.inject({ url: "/healthz" })).statusCode).toBe(200);
    const notReady = await app.inject({ url: "/readyz" });
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json()).toEqual({ status: "not ready", reason: "starting" });
    ready = true;
    expect((await app.inject({ url: "/readyz" })).statusCode).toBe(200);
    await app.close();
  });

  it("listens on addr:port (0 = a free port) and closes", async () => {
    const server = await startMetricsServer({ addr: "127.0.0.1", port: 0 }, { metrics: createMetrics() });
    try {
      expect(server.port).toBeGreaterThan(0);
      expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
      const res = await fetch(`${server.url}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain("process_resident_memory_bytes");
    } finally {
      await server.close();
    }
  });

  it("the metrics port cuts off slow clients like the RPC port", async () => {
    const server = await startMetricsServer(
      { addr: "127.0.0.1", port: 0 },
      { metrics: createMetrics(), connections: { headersTimeoutMs: 300, maxConnectionsPerIp: 2 } },
    );
    try {
      const slow = connect({ host: "127.0.0.1", port: server.port });
      const started = Date.now();
      const closed = new Promise<number>((resolve) => slow.on("close", () => resolve(Date.now() - started)));
      slow.on("error", () => {});
      slow.write("GET /metrics HTTP/1.1\r\nHost: x\r\n");
      const drip = setInterval(() => slow.write("X-A: b\r\n"), 50);
      const after = await Promise.race([closed, new Promise<number>((r) => setTimeout(() => r(-1), 3000))]);
      clearInterval(drip);
      slow.destroy();
      expect(after).toBeGreaterThan(0);
      expect(after).toBeLessThan(1500);
      const res = await fetch(`${server.url}/metrics`);
      expect(res.status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
