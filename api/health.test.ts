import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { allReady, checkReadiness, type HealthPluginOpts, healthPlugin } from "./health.ts";

async function app(opts: HealthPluginOpts = {}) {
  const a = Fastify();
  await a.register(healthPlugin, opts);
  return a;
}

describe("healthPlugin", () => {
  it("/healthz is 200 whatever readiness says", async () => {
    const a = await app({ isReady: () => false });
    const r = await a.inject({ method: "GET", url: "/healthz" });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ status: "ok" });
    expect(r.headers["cache-control"]).toBe("no-store");
    expect((await a.inject({ method: "HEAD", url: "/healthz" })).statusCode).toBe(200);
  });

  it("/readyz is 200 without a check and when the check passes", async () => {
    expect((await (await app()).inject({ url: "/readyz" })).statusCode).toBe(200);
    const r = await (await app({ isReady: async () => ({ ready: true }) })).inject({ url: "/readyz" });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ status: "ready" });
  });

  it("/readyz is 503 with the reason when not ready", async () => {
    const r = await (
      await app({ isReady: () => ({ ready: false, reason: "syncing: 12 blocks behind" }) })
    ).inject({
      url: "/readyz",
    });
    expect(r.statusCode).toBe(503);
    expect(r.json()).toEqual({ status: "not ready", reason: "syncing: 12 blocks behind" });
    const r2 = await (await app({ isReady: () => false })).inject({ url: "/readyz" });
    expect(r2.json()).toEqual({ status: "not ready", reason: "not ready" });
  });

  it("/readyz is 503 when the check throws or hangs", async () => {
    const thrown = await (
      await app({
        isReady: () => {
          throw new Error("db closed");
        },
      })
    ).inject({ url: "/readyz" });
    expect(thrown.statusCode).toBe(503);
    expect(thrown.json().reason).toBe("readiness check failed: db closed");
    const hung = await (await app({ isReady: () => new Promise(() => {}), timeoutMs: 20 })).inject({
      url: "/readyz",
    });
    expect(hung.statusCode).toBe(503);
    expect(hung.json().reason).toBe("readiness check timed out after 20 ms");
  });

  it("mounts under a prefix next to other routes (e.g. on the RPC server)", async () => {
    const a = Fastify();
    a.post("/", async () => ({ jsonrpc: "2.0" }));
    await a.register(healthPlugin, { prefix: "/health", isReady: () => true });
    expect((await a.inject({ url: "/health/readyz" })).statusCode).toBe(200);
    expect((await a.inject({ method: "POST", url: "/", payload: {} })).statusCode).toBe(200);
  });
});

describe("allReady / checkReadiness", () => {
  it("is ready when every check is, else names the first failure", async () => {
    expect(await checkReadiness(allReady({ db: () => true, l1: async () => true }))).toEqual({ ready: true });
    const r = await checkReadiness(
      allReady({
        db: () => true,
        l1: () => ({ ready: false, reason: "rpc unreachable" }),
        sync: () => false,
      }),
    );
    expect(r).toEqual({ ready: false, reason: "l1: rpc unreachable" });
  });
});
