/**
 * Health probes as a fastify plugin, mountable on the RPC server and on the metrics server:
 *
 * - `GET /healthz` (liveness): 200 while the process answers. No dependency checks here, so a slow
 *   L1 or database never gets a healthy process restarted.
 * - `GET /readyz` (readiness): 200 when the supplied `isReady()` passes, else 503 with the reason
 *   as JSON (`{"status":"not ready","reason":"..."}`). A check that throws or hangs past
 *   `timeoutMs` counts as not ready.
 * @module
 */
import type { FastifyPluginAsync } from "fastify";

/** `true`, or `{ ready: false, reason }`: the reason is what operators see in the 503 body. */
export type ReadyResult = boolean | { ready: boolean; reason?: string };
export type ReadyCheck = () => ReadyResult | Promise<ReadyResult>;

export interface HealthPluginOpts {
  /** Readiness check; without one the process is ready as soon as it serves. */
  isReady?: ReadyCheck;
  /** A check slower than this is "not ready"; default 2000 ms (probe timeouts are short). */
  timeoutMs?: number;
}

export interface Readiness {
  ready: boolean;
  reason?: string;
}

/** Runs a check with a timeout and folds throws and hangs into "not ready". */
export async function checkReadiness(isReady: ReadyCheck | undefined, timeoutMs = 2000): Promise<Readiness> {
  if (isReady === undefined) return { ready: true };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Readiness>((resolve) => {
    timer = setTimeout(
      () => resolve({ ready: false, reason: `readiness check timed out after ${timeoutMs} ms` }),
      timeoutMs,
    );
  });
  const run = (async (): Promise<Readiness> => {
    try {
      const r = await isReady();
      if (typeof r === "boolean") return r ? { ready: true } : { ready: false, reason: "not ready" };
      if (r.ready) return { ready: true };
      return { ready: false, reason: r.reason ?? "not ready" };
    } catch (err) {
      return {
        ready: false,
        reason: `readiness check failed: ${err instanceof Error ? err.message : String(err)}`,
      };
    }
  })();
  try {
    return await Promise.race([run, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Combines named checks: ready when all are; the first failure's reason is prefixed by its name
 * (`"l1: rpc unreachable"`). Checks run concurrently.
 */
export function allReady(checks: Readonly<Record<string, ReadyCheck>>): ReadyCheck {
  return async () => {
    const names = Object.keys(checks);
    const results = await Promise.all(names.map((n) => checkReadiness(checks[n])));
    for (const [i, r] of results.entries()) {
      if (!r.ready) return { ready: false, reason: `${names[i]}: ${r.reason ?? "not ready"}` };
    }
    return { ready: true };
  };
}

export const healthPlugin: FastifyPluginAsync<HealthPluginOpts> = async (app, opts) => {
  app.get("/healthz", async (_req, reply) => {
    reply.header("cache-control", "no-store");
    return { status: "ok" };
  });
  app.get("/readyz", async (_req, reply) => {
    reply.header("cache-control", "no-store");
    const r = await checkReadiness(opts.isReady, opts.timeoutMs);
    if (r.ready) return { status: "ready" };
    reply.code(503);
    return { status: "not ready", reason: r.reason };
  });
};
