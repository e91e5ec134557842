import { describe, expect, it } from "vitest";
import type { NodeRecord } from "../types.ts";
import {
  creditsForPass,
  epochOf,
  multiplierBps,
  newNodeRecord,
  nodeViewAt,
  settleNode,
  streakAt,
} from "./liveness.ts";

const P = {
  epochMs: 30_000n,
  minLiveWork: 100n,
  stepBps: 1000n,
  capBps: 20_000n,
  flopsPerCredit: 1_000_000_000n,
};

/** Runs a node through epochs with `work[e]` passed in each and returns the multiplier per epoch. */
function multipliersFor(work: bigint[], failedIn: Set<number> = new Set()): bigint[] {
  const node: NodeRecord = newNodeRecord(0n, 0n);
  const out: bigint[] = [];
  for (let e = 0; e < work.length; e++) {
    settleNode(node, BigInt(e), P);
    out.push(multiplierBps(streakAt(node, BigInt(e)), P));
    node.epochWork += work[e]!;
    if (failedIn.has(e)) node.epochFailed = true;
  }
  return out;
}

describe("liveness", () => {
  it("default: the worked example of PROTOCOL §4 (live 0,1,2, missed 3)", () => {
    expect(multipliersFor([100n, 100n, 100n, 0n, 100n])).toEqual([
      10_000n,
      11_000n,
      12_000n,
      13_000n,
      10_000n,
    ]);
  });

  it("behavior: work just below minLiveWork is not live; exactly minLiveWork is", () => {
    expect(multipliersFor([99n, 100n, 100n])).toEqual([10_000n, 10_000n, 11_000n]);
  });

  it("behavior: a FAILED in an epoch makes it not live whatever the work", () => {
    expect(multipliersFor([100n, 500n, 100n, 100n], new Set([1]))).toEqual([
      10_000n,
      11_000n,
      10_000n,
      11_000n,
    ]);
  });

  it("behavior: the multiplier stops at the cap", () => {
    const m = multipliersFor(Array.from({ length: 14 }, () => 100n));
    expect(m[10]).toBe(20_000n);
    expect(m[13]).toBe(20_000n);
    expect(m[9]).toBe(19_000n);
  });

  it("behavior: skipping epochs entirely (node untouched) breaks the streak lazily", () => {
    const node = newNodeRecord(0n, 0n);
    for (let e = 0n; e < 3n; e++) {
      settleNode(node, e, P);
      node.epochWork += 100n;
    }
    settleNode(node, 7n, P); // untouched in 3..6
    expect(streakAt(node, 7n)).toBe(0);
    expect(node.streak).toBe(3);
    expect(node.lastLiveEpoch).toBe(2n);
  });

  it("behavior: settling to the same or an earlier epoch is a no-op", () => {
    const node = newNodeRecord(0n, 5n);
    node.epochWork = 100n;
    settleNode(node, 5n, P);
    settleNode(node, 4n, P);
    expect(node.epochWork).toBe(100n);
    expect(node.currentEpoch).toBe(5n);
  });

  it("default: credits are one floor division of work·mult·1e18 / (10000·flopsPerCredit)", () => {
    expect(creditsForPass(2n * 16n ** 3n * 2n, 11_000n, P)).toBe(
      (16384n * 11_000n * 10n ** 18n) / (10_000n * 10n ** 9n),
    );
    // rounding down, never up
    expect(creditsForPass(1n, 10_000n, { flopsPerCredit: 3n })).toBe(333_333_333_333_333_333n);
  });

  it("default: epochOf and nodeViewAt do not mutate the stored node", () => {
    expect(epochOf(P, 59_999n)).toBe(1n);
    const node = newNodeRecord(0n, 0n);
    node.epochWork = 100n;
    const v = nodeViewAt(node, 31_000n, P);
    expect(v.multiplierBps).toBe(11_000n);
    expect(v.streak).toBe(1);
    expect(node.currentEpoch).toBe(0n);
  });
});
