import { describe, expect, it } from "vitest";
import { backoffDelay, sleep } from "./retry.ts";

describe("sleep", () => {
  it("default: resolves after the delay", async () => {
    const t0 = performance.now();
    await sleep(30);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(25);
  });

  it("behavior: rejects with an AbortError carrying the reason as soon as the signal fires", async () => {
    const ac = new AbortController();
    const reason = new Error("stop");
    const t0 = performance.now();
    const slept = sleep(60_000, ac.signal);
    ac.abort(reason);
    const err = (await slept.catch((e: unknown) => e)) as Error;
    expect(err.name).toBe("AbortError");
    expect(err.cause).toBe(reason);
    expect(performance.now() - t0).toBeLessThan(1_000);
  });

  it("behavior: an already-aborted signal rejects at once", async () => {
    const err = (await sleep(60_000, AbortSignal.abort()).catch((e: unknown) => e)) as Error;
    expect(err.name).toBe("AbortError");
  });
});

describe("backoffDelay", () => {
  it("default: grows by the factor up to the cap, exact without jitter", () => {
    const opts = { initialMs: 100, maxMs: 1_000, factor: 2, jitter: 0 };
    expect([0, 1, 2, 3, 4, 100].map((n) => backoffDelay(n, opts))).toEqual([
      100, 200, 400, 800, 1_000, 1_000,
    ]);
  });
});
