/**
 * The benchmarks' same-run ceilings (bench/ceiling.ts, bench/emptyRoute.ts): the ratio's direction
 * for rates and times, and the empty-route baseline driven by the real load process
 * (bench/loadgen.mjs, forked) over real HTTP in both of its modes.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ceilingFields, opsPerSecond } from "../../bench/ceiling.ts";
import { emptyRouteLoad } from "../../bench/emptyRoute.ts";

const dir = mkdtempSync(join(tmpdir(), "flops-ceiling-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("ceilingFields", () => {
  it("gives a rate's share of its ceiling", () => {
    expect(ceilingFields(30, 120, "x")).toEqual({ ceiling: 120, ceilingName: "x", ratio: 0.25 });
  });

  it("inverts a time: half the baseline's speed is ratio 0.5", () => {
    expect(ceilingFields(20, 10, "y", "time").ratio).toBe(0.5);
  });
});

describe("opsPerSecond", () => {
  it("counts calls over at least the window", () => {
    let calls = 0;
    const perS = opsPerSecond(() => calls++, 20, 8);
    expect(calls).toBeGreaterThan(8);
    expect(perS).toBeGreaterThan(0);
  });
});

describe("empty-route ceiling over the real load process", () => {
  it("read mode: every request answered, a positive rate", async () => {
    const file = join(dir, "reads.txt");
    writeFileSync(file, '{"jsonrpc":"2.0","id":1,"method":"flops_getNode","params":["0x00"]}\n');
    const r = await emptyRouteLoad({ mode: "read", file, concurrency: 4, maxRequests: 100_000 }, 400);
    expect(r.rejected + r.errors).toBe(0);
    expect(r.ok).toBeGreaterThan(0);
    expect(r.rate).toBeGreaterThan(0);
  });

  it("ingest mode without inclusion tracking: accepted per second, nothing rejected", async () => {
    const file = join(dir, "txs.txt");
    const hash = `0x${"ab".repeat(32)}`;
    const line = `${hash} {"jsonrpc":"2.0","id":1,"method":"flops_sendRawTransaction","params":["0x00"]}\n`;
    writeFileSync(file, line.repeat(20_000));
    const r = await emptyRouteLoad({ mode: "ingest", file, concurrency: 4, drainMs: 0 }, 400);
    expect(r.rejected + r.errors).toBe(0);
    expect(r.ok).toBeGreaterThan(0);
    expect(r.rate).toBeGreaterThan(0);
    expect(r.inclusionVia).toBe("not tracked");
  });
});
