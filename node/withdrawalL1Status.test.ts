import { describe, expect, it } from "vitest";
import type { WithdrawalRecord } from "../indexer/records.ts";
import { createWithdrawalL1Status, type WithdrawalL1Read } from "./withdrawalL1Status.ts";

const w = (index: bigint): WithdrawalRecord => ({
  index,
  from: new Uint8Array(20).fill(1),
  to: new Uint8Array(20).fill(2),
  amount: 5n,
  l2BlockNumber: 10n,
  timestamp: 0n,
  txHash: new Uint8Array(32),
});

const OPTS = { ttlMs: 1_000, timeoutMs: 200, concurrency: 3, maxEntries: 1_000 };

describe("withdrawals' L1 status for the explorer", () => {
  it("maps the bridge's status to the port's fields (next action, ETA, L1 tx hashes)", async () => {
    const read: WithdrawalL1Read = async (x) =>
      x.index === 0n
        ? {
            status: { state: "waiting-to-finalize", outputIndex: 0n, finalizesAt: 1_700n },
            proveTx: `0x${"ab".repeat(32)}`,
          }
        : x.index === 1n
          ? {
              status: { state: "finalized" },
              proveTx: `0x${"ab".repeat(32)}`,
              finalizeTx: `0x${"cd".repeat(32)}`,
            }
          : { status: { state: "waiting-for-output" } };
    const status = createWithdrawalL1Status(read, OPTS);
    expect(await status(w(0n))).toEqual({
      status: "waiting-to-finalize",
      nextAction: "wait, then finalize",
      etaSec: 1_700n,
      l1ProveTxHash: new Uint8Array(32).fill(0xab),
    });
    expect(await status(w(1n))).toEqual({
      status: "finalized",
      l1ProveTxHash: new Uint8Array(32).fill(0xab),
      l1FinalizeTxHash: new Uint8Array(32).fill(0xcd),
    });
    expect(await status(w(2n))).toEqual({ status: "waiting-for-output", nextAction: "wait for an output" });
  });

  it("caches each withdrawal for the TTL: a reloaded page makes no L1 reads", async () => {
    let reads = 0;
    let t = 0;
    const status = createWithdrawalL1Status(
      async () => {
        reads++;
        return { status: { state: "ready-to-prove", outputIndex: 3n } };
      },
      OPTS,
      () => t,
    );
    await Promise.all([status(w(0n)), status(w(0n)), status(w(1n))]);
    expect(reads).toBe(2);
    t = 999;
    await status(w(0n));
    expect(reads).toBe(2);
    t = 1_000;
    expect(await status(w(0n))).toEqual({ status: "ready-to-prove", nextAction: "prove" });
    expect(reads).toBe(3);
  });

  it("reads at most `concurrency` withdrawals at a time", async () => {
    let active = 0;
    let most = 0;
    const status = createWithdrawalL1Status(
      async () => {
        active++;
        most = Math.max(most, active);
        await new Promise((r) => setTimeout(r, 10));
        active--;
        return { status: { state: "waiting-for-output" } };
      },
      { ...OPTS, timeoutMs: 10_000 },
    );
    const rows = await Promise.all(Array.from({ length: 20 }, (_, i) => status(w(BigInt(i)))));
    expect(rows.every((r) => r.status === "waiting-for-output")).toBe(true);
    expect(most).toBe(3);
  });

  it("an L1 that fails or hangs answers without a status, within the timeout; the late answer fills the cache", async () => {
    const failing = createWithdrawalL1Status(async () => {
      throw new Error("connection refused");
    }, OPTS);
    expect(await failing(w(0n))).toEqual({});

    let release: (() => void) | undefined;
    const hanging = createWithdrawalL1Status(async () => {
      await new Promise<void>((r) => {
        release = r;
      });
      return { status: { state: "ready-to-finalize", outputIndex: 0n, finalizesAt: 5n } };
    }, OPTS);
    const t0 = Date.now();
    expect(await hanging(w(0n))).toEqual({});
    expect(Date.now() - t0).toBeLessThan(5_000);
    release!();
    await new Promise((r) => setTimeout(r, 0));
    expect(await hanging(w(0n))).toEqual({ status: "ready-to-finalize", nextAction: "finalize" });
  });
});
