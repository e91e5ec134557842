import { describe, expect, it } from "vitest";
import { RateLimiter } from "./rateLimit.ts";

describe("RateLimiter", () => {
  it("takes per call, refills continuously, caps at burst, says how long to wait", () => {
    let now = 0;
    const rl = new RateLimiter({ perSecond: 10, burst: 20 }, () => now);
    expect(rl.take("a", 20)).toBe(0);
    expect(rl.take("a", 1)).toBe(1);
    now += 100; // +1 token
    expect(rl.take("a", 2)).toBe(1); // nothing taken
    expect(rl.take("a", 1)).toBe(0);
    now += 60_000; // long idle: full again, not more
    expect(rl.take("a", 21)).toBe(1);
    expect(rl.take("a", 20)).toBe(0);
    // 15 missing at 10/s: 2 s.
    expect(rl.take("a", 15)).toBe(2);
    // Keys are independent.
    expect(rl.take("b", 20)).toBe(0);
  });

  it("charges bytes per whole bytesPerToken, into debt; the debt delays later calls, not a free one", () => {
    let now = 0;
    const rl = new RateLimiter({ perSecond: 10, burst: 20, bytesPerToken: 1000 }, () => now);
    rl.chargeBytes("a", 999); // under one token: free
    expect(rl.take("a", 20)).toBe(0);
    rl.chargeBytes("a", 25_000); // 25 tokens of debt
    expect(rl.take("a", 0)).toBe(0);
    // 26 missing at 10/s: 3 s.
    expect(rl.take("a", 1)).toBe(3);
    now += 2500;
    expect(rl.take("a", 1)).toBe(1);
    now += 500;
    expect(rl.take("a", 1)).toBe(0);
    expect(() => new RateLimiter({ perSecond: 1, burst: 1, bytesPerToken: 0 })).toThrow(RangeError);
  });

  it("keeps its map bounded", () => {
    let now = 0;
    const rl = new RateLimiter({ perSecond: 1, burst: 5, maxKeys: 100 }, () => now);
    for (let i = 0; i < 1000; i++) rl.take(`ip${i}`, 1);
    expect(rl.size).toBeLessThanOrEqual(100);
    now += 10_000; // everyone refilled: a sweep can drop them all
    rl.take("new", 1);
    expect(rl.size).toBeLessThanOrEqual(2);
  });

  it("refuses settings that cannot work", () => {
    expect(() => new RateLimiter({ perSecond: 0, burst: 5 })).toThrow(RangeError);
  });
});
