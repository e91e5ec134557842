/**
 * Origin selection rules (PROTOCOL §5 D4) over an L1 held as plain data behind the L1View port:
 * one origin step per block at most, the drift limit, the confirmations lag, and reorgs of
 * cached blocks. The end-to-end check (derivation agrees) is test/integration/batcher.test.ts.
 */
import { describe, expect, it } from "vitest";
import { concatBytes, u64ToBytes } from "../chain/bytes.ts";
import type { L1BlockRef } from "../chain/derive/attributes.ts";
import { keccak256 } from "../chain/hash.ts";
import { L1Origins } from "./l1Origins.ts";
import type { L1View } from "./ports.ts";

class DataL1 implements L1View {
  blocks: L1BlockRef[] = [];
  down = false;
  constructor(times: bigint[], salt = 0) {
    this.extend(times, salt);
  }
  extend(times: bigint[], salt = 0): void {
    for (const t of times) {
      const number = BigInt(this.blocks.length);
      const parentHash = this.blocks.at(-1)?.hash ?? new Uint8Array(32);
      const hash = keccak256(concatBytes(u64ToBytes(number), u64ToBytes(t), u64ToBytes(BigInt(salt))));
      this.blocks.push({ number, hash, parentHash, timestamp: t });
    }
  }
  /** Replaces blocks from `from` on with new ones (new hashes). */
  reorg(from: number, times: bigint[]): void {
    this.blocks.length = from;
    this.extend(times, 1);
  }
  async blockRef(at: bigint | "latest" | "safe" | "finalized") {
    if (this.down) throw new Error("L1 down");
    return typeof at === "bigint" ? this.blocks[Number(at)] : this.blocks.at(-1);
  }
  async blockEvents(n: bigint) {
    if (this.down) throw new Error("L1 down");
    const block = this.blocks[Number(n)];
    if (!block) throw new Error(`no block ${n}`);
    return { block, events: [] };
  }
}

const DRIFT = 30_000n;
function origins(l1: DataL1, confirmations = 0): L1Origins {
  const g = l1.blocks[0]!;
  return new L1Origins(
    { confirmations, pollMs: 10, maxAhead: 8, maxSequencerDriftMs: DRIFT, maxTxBytes: 1000 },
    { view: l1, recovery: { recover: async () => null } },
    { number: g.number, hash: g.hash, timestamp: g.timestamp },
  );
}

describe("L1Origins", () => {
  it("takes the next L1 block once its time has come, one step per block, and catches up within the drift", async () => {
    const l1 = new DataL1([100n, 112n, 124n, 200n]);
    const o = origins(l1);
    await o.refresh();
    // Before block 1's time: the current origin.
    let c = o.choose(100_000n, 105_000n);
    expect(c.ok && c.origin.number).toBe(0n);
    // At block 1's time: block 1, even though block 2's time has come too (one step at most).
    c = o.choose(105_000n, 130_000n);
    expect(c.ok && c.origin.number).toBe(1n);
    expect(c.ok && c.timestamp).toBe(130_000n);
    if (c.ok) o.committed(c.origin);
    expect(o.origin.number).toBe(1n);
    // Catching up: block 2 is far behind the clock, the block is stamped at its time + drift.
    c = o.choose(130_000n, 500_000n);
    expect(c.ok && c.origin.number).toBe(2n);
    expect(c.ok && c.timestamp).toBe(124_000n + DRIFT);
  });

  it("stops at the drift limit while no newer L1 block is known, and resumes when L1 answers", async () => {
    const l1 = new DataL1([100n]);
    const o = origins(l1);
    await o.refresh();
    expect(o.choose(100_000n, 100_000n + DRIFT).ok).toBe(true);
    const late = o.choose(100_000n, 100_001n + DRIFT);
    expect(late.ok).toBe(false);
    l1.down = true;
    await expect(o.refresh()).rejects.toThrow("L1 down");
    l1.down = false;
    l1.extend([110n]);
    await o.refresh();
    const c = o.choose(100_000n, 100_001n + DRIFT);
    expect(c.ok && c.origin.number).toBe(1n);
  });

  it("stays `confirmations` behind the head and drops cached blocks a reorg replaced", async () => {
    const l1 = new DataL1([100n, 101n, 102n, 103n]);
    const o = origins(l1, 2);
    await o.refresh();
    expect(o.behind).toBe(1); // blocks 1..(3 − 2)
    l1.reorg(1, [101n, 102n, 103n, 104n]);
    await o.refresh();
    const c = o.choose(100_000n, 101_500n);
    expect(c.ok && c.origin.number).toBe(1n);
    expect(c.ok && c.origin.hash).toEqual(l1.blocks[1]!.hash);
  });

  it("rewind: the given origin is current again and the blocks after it are read again", async () => {
    const l1 = new DataL1([100n, 112n, 124n, 136n]);
    const o = origins(l1);
    await o.refresh();
    for (const n of [1, 2, 3]) o.committed({ ...l1.blocks[n]! });
    expect(o.origin.number).toBe(3n);
    const one = l1.blocks[1]!;
    o.rewind({ number: one.number, hash: one.hash, timestamp: one.timestamp });
    expect(o.origin.number).toBe(1n);
    expect(o.behind).toBe(0);
    await o.refresh();
    expect(o.behind).toBe(2);
    const c = o.choose(112_000n, 130_000n);
    expect(c.ok && c.origin.number).toBe(2n);
    o.start();
    expect(() => o.rewind({ number: one.number, hash: one.hash, timestamp: one.timestamp })).toThrow(/stop/);
    await o.stop();
  });
});
