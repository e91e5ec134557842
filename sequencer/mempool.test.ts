import { describe, expect, it } from "vitest";
import { bytesToHex } from "../chain/bytes.ts";
import type { Address } from "../chain/types.ts";
import { TestAccount } from "../test/helpers/testChain.ts";
import { DEFAULT_MEMPOOL_OPTS, Mempool } from "./mempool.ts";

const CHAIN = 0xf10b5n;

function setup(opts: Partial<typeof DEFAULT_MEMPOOL_OPTS> = {}) {
  const nonces = new Map<string, bigint>();
  const pool = new Mempool(
    { ...DEFAULT_MEMPOOL_OPTS, ...opts },
    { accountNonce: (a: Address) => nonces.get(bytesToHex(a)) ?? 0n },
  );
  return { pool, nonces };
}

describe("mempool", () => {
  it("default: selects contiguous nonces per sender, senders interleaved by arrival", () => {
    const { pool } = setup();
    const a = TestAccount.fromSeed(1, CHAIN);
    const b = TestAccount.fromSeed(2, CHAIN);
    const a0 = a.sign({ kind: "register" });
    const b0 = b.sign({ kind: "register" });
    const a2 = a.sign({ kind: "register" }, 2n); // gap: not executable yet
    const a1 = a.sign({ kind: "register" }, 1n);
    for (const [tx, from] of [
      [a0, a],
      [b0, b],
      [a2, a],
      [a1, a],
    ] as const)
      expect(pool.add(tx, from.address).ok).toBe(true);
    const sel = pool.select(100, 1 << 20).map((p) => bytesToHex(p.tx.hash));
    expect(sel).toEqual([a0, b0, a1, a2].map((t) => bytesToHex(t.hash)));
    expect(pool.pendingNonce(a.address)).toBe(3n);
  });

  it("error: rejects known txs, low nonces, far-ahead nonces, a full pool and a sender over its limit", () => {
    const { pool, nonces } = setup({ maxTxs: 3, maxPerSender: 2, maxNonceGap: 4 });
    const a = TestAccount.fromSeed(1, CHAIN);
    nonces.set(bytesToHex(a.address), 5n);
    const t5 = a.sign({ kind: "register" }, 5n);
    expect(pool.add(t5, a.address).ok).toBe(true);
    expect(pool.add(t5, a.address)).toMatchObject({ ok: false, code: "ALREADY_KNOWN" });
    expect(pool.add(a.sign({ kind: "register" }, 4n), a.address)).toMatchObject({
      ok: false,
      code: "NONCE_TOO_LOW",
    });
    expect(pool.add(a.sign({ kind: "register" }, 10n), a.address)).toMatchObject({
      ok: false,
      code: "NONCE_TOO_HIGH",
    });
    expect(pool.add(a.sign({ kind: "register" }, 6n), a.address).ok).toBe(true);
    expect(pool.add(a.sign({ kind: "register" }, 7n), a.address)).toMatchObject({
      ok: false,
      code: "SENDER_LIMIT",
    });
    const b = TestAccount.fromSeed(2, CHAIN);
    const c = TestAccount.fromSeed(3, CHAIN);
    expect(pool.add(b.sign({ kind: "register" }), b.address).ok).toBe(true);
    expect(pool.add(c.sign({ kind: "register" }), c.address)).toMatchObject({
      ok: false,
      code: "MEMPOOL_FULL",
    });
  });

  it("behavior: a same-nonce tx replaces the pending one, a bounded number of times", () => {
    const { pool } = setup({ maxReplacements: 1 });
    const a = TestAccount.fromSeed(1, CHAIN);
    const first = a.sign({ kind: "register" }, 0n);
    const second = a.sign({ kind: "challenge", tier: 1 }, 0n);
    pool.add(first, a.address);
    expect(pool.add(second, a.address)).toMatchObject({ ok: true, replaced: { tx: first } });
    expect(pool.has(first.hash)).toBe(false);
    expect(pool.size).toBe(1);
    expect(pool.add(a.sign({ kind: "challenge", tier: 2 }, 0n), a.address)).toMatchObject({
      ok: false,
      code: "REPLACEMENT_LIMIT",
    });
  });

  it("behavior: prune drops txs the new head made stale; byte limits stop selection", () => {
    const { pool, nonces } = setup();
    const a = TestAccount.fromSeed(1, CHAIN);
    const txs = [0n, 1n, 2n].map((n) => a.sign({ kind: "register" }, n));
    for (const t of txs) pool.add(t, a.address);
    expect(pool.select(100, txs[0]!.raw.length + txs[1]!.raw.length)).toHaveLength(2);
    nonces.set(bytesToHex(a.address), 2n);
    expect(pool.prune([a.address])).toBe(2);
    expect(pool.select(100, 1 << 20).map((p) => p.tx.body.nonce)).toEqual([2n]);
    expect(pool.remove(txs[2]!.hash)?.tx.body.nonce).toBe(2n);
    expect(pool.size).toBe(0);
  });
});
