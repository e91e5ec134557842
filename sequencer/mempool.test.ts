import { describe, expect, it } from "vitest";
import { bytesToHex } from "../chain/bytes.ts";
import type { Address, SignedTx } from "../chain/types.ts";
import { TestAccount } from "../test/helpers/testChain.ts";
import { DEFAULT_MEMPOOL_OPTS, Mempool, type PendingTx } from "./mempool.ts";

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
    expect(pool.prune([a.address])).toHaveLength(2);
    expect(pool.select(100, 1 << 20).map((p) => p.tx.body.nonce)).toEqual([2n]);
    expect(pool.remove(txs[2]!.hash)?.tx.body.nonce).toBe(2n);
    expect(pool.size).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
// Limits in bytes, the nonce gap, the TTL of queued txs, and room for challenge steps.

/** A pool with a fake head (nonces), a fake clock and fake step deadlines (by tx hash). */
function world(opts: Partial<typeof DEFAULT_MEMPOOL_OPTS> = {}) {
  const nonces = new Map<string, bigint>();
  const deadlines = new Map<string, bigint>();
  let now = 1_000_000n;
  const pool = new Mempool(
    { ...DEFAULT_MEMPOOL_OPTS, ...opts },
    {
      accountNonce: (a: Address) => nonces.get(bytesToHex(a)) ?? 0n,
      now: () => now,
      deadlineOf: (tx) => deadlines.get(bytesToHex(tx.hash)),
    },
  );
  return {
    pool,
    nonces,
    /** Marks `tx` as a step of a live challenge with this deadline. */
    step(tx: SignedTx, deadline: bigint): SignedTx {
      deadlines.set(bytesToHex(tx.hash), deadline);
      return tx;
    },
    advance(ms: bigint) {
      now += ms;
    },
  };
}

/** A reveal with `size` bytes of tiles: the largest txs an attacker can make. */
function junk(a: TestAccount, nonce: bigint, size = 4096): SignedTx {
  return a.sign(
    { kind: "reveal", challengeId: 7n, tiles: new Uint8Array(size).fill(0xaa), proof: new Uint8Array(0) },
    nonce,
  );
}

const hashes = (ps: Array<{ tx: SignedTx }> | undefined) => (ps ?? []).map((p) => bytesToHex(p.tx.hash));

describe("mempool limits", () => {
  it("default: a small nonce gap that still fits a prover with maxOpenChallenges in flight", () => {
    const { pool } = world();
    const a = TestAccount.fromSeed(1, CHAIN);
    // register + one tx per open challenge (4) in flight: nonces 0..4, never refused.
    for (let n = 0n; n <= 4n; n++) expect(pool.add(a.sign({ kind: "register" }, n), a.address).ok).toBe(true);
    expect(DEFAULT_MEMPOOL_OPTS.maxNonceGap).toBeLessThanOrEqual(16);
    expect(pool.add(a.sign({ kind: "register" }, 16n), a.address).ok).toBe(true);
    expect(pool.add(a.sign({ kind: "register" }, 17n), a.address)).toMatchObject({
      ok: false,
      code: "NONCE_TOO_HIGH",
    });
  });

  it("error: the pool is bounded in bytes, not only in txs (MEMPOOL_FULL)", () => {
    const size = junk(TestAccount.fromSeed(1, CHAIN), 1n).raw.length;
    const { pool } = world({ maxBytes: 3 * size, maxSenderBytes: 1 << 20 });
    const keys = [1, 2, 3, 4].map((s) => TestAccount.fromSeed(s, CHAIN));
    for (const k of keys.slice(0, 3)) expect(pool.add(junk(k, 1n), k.address).ok).toBe(true);
    expect(pool.bytes).toBe(3 * size);
    const r = pool.add(junk(keys[3]!, 1n), keys[3]!.address);
    expect(r).toMatchObject({ ok: false, code: "MEMPOOL_FULL" });
    expect(pool.size).toBe(3);
    // A small tx that fits the bytes left still gets in; byte accounting follows removals.
    pool.remove(junk(keys[0]!, 1n).hash);
    expect(pool.bytes).toBe(2 * size);
    expect(pool.add(junk(keys[3]!, 1n), keys[3]!.address).ok).toBe(true);
  });

  it("error: one sender is bounded in bytes (SENDER_LIMIT), also through replacements", () => {
    const a = TestAccount.fromSeed(1, CHAIN);
    const size = junk(a, 1n).raw.length;
    const { pool } = world({ maxSenderBytes: 2 * size + 100 });
    expect(pool.add(junk(a, 1n), a.address).ok).toBe(true);
    expect(pool.add(junk(a, 2n), a.address).ok).toBe(true);
    expect(pool.add(junk(a, 3n), a.address)).toMatchObject({ ok: false, code: "SENDER_LIMIT" });
    // A bigger replacement would cross the limit too; a same-size one may replace.
    expect(pool.add(junk(a, 2n, 4096 + 200), a.address)).toMatchObject({ ok: false, code: "SENDER_LIMIT" });
    expect(pool.add(junk(a, 2n, 4095), a.address)).toMatchObject({
      ok: true,
      replaced: { tx: { body: { nonce: 2n } } },
    });
    // Another sender is unaffected.
    const b = TestAccount.fromSeed(2, CHAIN);
    expect(pool.add(junk(b, 1n), b.address).ok).toBe(true);
  });

  it("behavior: queued txs (behind a nonce gap) expire after queuedTtlMs; executable ones stay", () => {
    const { pool, advance } = world({ queuedTtlMs: 60_000 });
    const a = TestAccount.fromSeed(1, CHAIN);
    const b = TestAccount.fromSeed(2, CHAIN);
    const ready = a.sign({ kind: "register" }, 0n);
    const queued = [junk(b, 3n), junk(b, 4n)];
    pool.add(ready, a.address);
    for (const t of queued) pool.add(t, b.address);
    advance(30_000n);
    const young = junk(b, 6n);
    pool.add(young, b.address);
    expect(pool.evictExpired()).toEqual([]);
    advance(30_001n);
    expect(hashes(pool.evictExpired())).toEqual(hashes(queued.map((tx) => ({ tx }))));
    expect(pool.has(ready.hash)).toBe(true);
    expect(pool.has(young.hash)).toBe(true);
    expect(pool.size).toBe(2);
    advance(30_000n);
    expect(hashes(pool.evictExpired())).toEqual([bytesToHex(young.hash)]);
    expect(pool.bytes).toBe(ready.raw.length);
  });

  it("behavior: a full pool makes room for a tx that can run by evicting queued txs of others, newest first", () => {
    const { pool } = world({ maxTxs: 3 });
    const [honest, j1, j2, late] = [1, 2, 3, 4].map((s) => TestAccount.fromSeed(s, CHAIN)) as TestAccount[];
    const older = junk(j1!, 2n);
    const newer = junk(j2!, 5n);
    const ready = late!.sign({ kind: "register" }, 0n);
    for (const [tx, k] of [
      [older, j1!],
      [newer, j2!],
      [ready, late!],
    ] as const)
      expect(pool.add(tx, k.address).ok).toBe(true);
    // A queued tx cannot take room: it could not run either.
    expect(pool.add(junk(honest!, 1n), honest!.address)).toMatchObject({ ok: false, code: "MEMPOOL_FULL" });
    // One that can run takes the newest queued tx's room, then the next.
    const r1 = pool.add(honest!.sign({ kind: "register" }, 0n), honest!.address);
    expect(r1.ok && hashes(r1.evicted)).toEqual([bytesToHex(newer.hash)]);
    const r2 = pool.add(honest!.sign({ kind: "challenge", tier: 1 }, 1n), honest!.address);
    expect(r2.ok && hashes(r2.evicted)).toEqual([bytesToHex(older.hash)]);
    // Only txs that can run are left: a non-step is refused, never evicting another.
    expect(pool.add(j1!.sign({ kind: "register" }, 0n), j1!.address)).toMatchObject({
      ok: false,
      code: "MEMPOOL_FULL",
    });
    expect(pool.size).toBe(3);
    expect(pool.has(ready.hash)).toBe(true);
  });

  it("behavior: a challenge step evicts queued txs, then transfers, then other txs of other senders, never its own", () => {
    const { pool, step } = world({ maxTxs: 5 });
    const [honest, j, spender, registrant, chained] = [1, 2, 3, 4, 5].map((s) =>
      TestAccount.fromSeed(s, CHAIN),
    ) as TestAccount[];
    const queued = junk(j!, 3n);
    const transfer = spender!.sign({ kind: "transfer", to: honest!.address, amount: 1n }, 0n);
    const register = registrant!.sign({ kind: "register" }, 0n);
    const own = honest!.sign({ kind: "transfer", to: j!.address, amount: 1n }, 0n);
    // chained: a transfer with a step of its own right after it (an early deadline).
    const chainedTransfer = chained!.sign({ kind: "transfer", to: honest!.address, amount: 1n }, 0n);
    const chainedStep = step(
      chained!.sign({ kind: "commit", challengeId: 9n, root: new Uint8Array(32) }, 1n),
      1_000n,
    );
    for (const [tx, k] of [
      [transfer, spender!],
      [register, registrant!],
      [own, honest!],
      [chainedTransfer, chained!],
      [queued, j!],
    ] as const)
      expect(pool.add(tx, k.address).ok).toBe(true);
    // The chained step (earliest deadline) takes the queued tx's room.
    expect(hashes((pool.add(chainedStep, chained!.address) as { evicted: PendingTx[] }).evicted)).toEqual([
      bytesToHex(queued.hash),
    ]);
    const commit = (id: bigint, nonce: bigint, deadline: bigint) =>
      step(honest!.sign({ kind: "commit", challengeId: id, root: new Uint8Array(32) }, nonce), deadline);
    // Next a transfer (the newest that may go: the chained one is held by its sender's step).
    const r1 = pool.add(commit(1n, 1n, 5_000n), honest!.address);
    expect(r1.ok && hashes(r1.evicted)).toEqual([bytesToHex(transfer.hash)]);
    // Then another kind; never the honest sender's own transfer, never the earlier step.
    const r2 = pool.add(commit(2n, 2n, 6_000n), honest!.address);
    expect(r2.ok && hashes(r2.evicted)).toEqual([bytesToHex(register.hash)]);
    expect(pool.add(commit(3n, 3n, 7_000n), honest!.address)).toMatchObject({
      ok: false,
      code: "MEMPOOL_FULL",
    });
    expect(pool.has(own.hash) && pool.has(chainedTransfer.hash) && pool.has(chainedStep.hash)).toBe(true);
  });

  it("behavior: eviction sees a tx's rank now: a filled gap protects it, an opened gap exposes it", () => {
    const { pool } = world({ maxTxs: 3 });
    const [a, b, c] = [1, 2, 3].map((s) => TestAccount.fromSeed(s, CHAIN)) as TestAccount[];
    const a1 = a!.sign({ kind: "register" }, 1n); // queued when added...
    pool.add(a1, a!.address);
    const a0 = a!.sign({ kind: "challenge", tier: 1 }, 0n); // ...until its gap is filled
    pool.add(a0, a!.address);
    pool.add(b!.sign({ kind: "register" }, 0n), b!.address);
    expect(pool.add(c!.sign({ kind: "register" }, 0n), c!.address)).toMatchObject({
      ok: false,
      code: "MEMPOOL_FULL",
    });
    // a0 leaves (say it failed its pre-check): a1 cannot run any more, and may go.
    pool.remove(a0.hash);
    pool.add(b!.sign({ kind: "challenge", tier: 1 }, 1n), b!.address);
    const r = pool.add(c!.sign({ kind: "register" }, 0n), c!.address);
    expect(r.ok && hashes(r.evicted)).toEqual([bytesToHex(a1.hash)]);
  });

  it("behavior: an evicted tx that can run goes with its sender's later nonces", () => {
    const { pool, step } = world({ maxTxs: 3 });
    const [honest, x] = [1, 2].map((s) => TestAccount.fromSeed(s, CHAIN)) as TestAccount[];
    const x0 = x!.sign({ kind: "transfer", to: honest!.address, amount: 1n }, 0n);
    const x1 = x!.sign({ kind: "challenge", tier: 1 }, 1n);
    const filler = honest!.sign({ kind: "register" }, 0n);
    for (const [tx, k] of [
      [x0, x!],
      [x1, x!],
      [filler, honest!],
    ] as const)
      pool.add(tx, k.address);
    const reveal = step(
      honest!.sign(
        { kind: "reveal", challengeId: 1n, tiles: new Uint8Array(8), proof: new Uint8Array(0) },
        1n,
      ),
      5_000n,
    );
    const r = pool.add(reveal, honest!.address);
    expect(r.ok && hashes(r.evicted).sort()).toEqual([bytesToHex(x0.hash), bytesToHex(x1.hash)].sort());
    expect(pool.size).toBe(2);
  });

  it("behavior: among steps, an earlier deadline takes the room of a later one, never of an earlier one", () => {
    const { pool, step } = world({ maxTxs: 2 });
    const [a, b, c] = [1, 2, 3].map((s) => TestAccount.fromSeed(s, CHAIN)) as [
      TestAccount,
      TestAccount,
      TestAccount,
    ];
    const reveal = (k: TestAccount, id: bigint, deadline: bigint) =>
      step(
        k.sign({ kind: "reveal", challengeId: id, tiles: new Uint8Array(8), proof: new Uint8Array(0) }, 0n),
        deadline,
      );
    const late = reveal(a, 1n, 9_000n);
    const soon = reveal(b, 2n, 3_000n);
    pool.add(late, a.address);
    pool.add(soon, b.address);
    expect(pool.add(reveal(c, 3n, 9_500n), c.address)).toMatchObject({ ok: false, code: "MEMPOOL_FULL" });
    const urgent = pool.add(reveal(c, 3n, 5_000n), c.address);
    expect(urgent.ok && hashes(urgent.evicted)).toEqual([bytesToHex(late.hash)]);
    // A queued step (behind a gap) cannot run yet: no room for it.
    const d = TestAccount.fromSeed(4, CHAIN);
    const gapped = step(d.sign({ kind: "commit", challengeId: 4n, root: new Uint8Array(32) }, 3n), 1_000n);
    expect(pool.add(gapped, d.address)).toMatchObject({ ok: false, code: "MEMPOOL_FULL" });
  });

  it("behavior: blocks serve senders whose next tx is a step first, by deadline, within the reveal limit", () => {
    const { pool, step } = world();
    const [a, b, c, d] = [1, 2, 3, 4].map((s) => TestAccount.fromSeed(s, CHAIN)) as TestAccount[];
    const first = a!.sign({ kind: "transfer", to: b!.address, amount: 1n }, 0n);
    const revealLate = step(
      b!.sign({ kind: "reveal", challengeId: 1n, tiles: new Uint8Array(8), proof: new Uint8Array(0) }, 0n),
      9_000n,
    );
    const commitSoon = step(
      c!.sign({ kind: "commit", challengeId: 2n, root: new Uint8Array(32) }, 0n),
      4_000n,
    );
    const revealSoon = step(
      d!.sign({ kind: "reveal", challengeId: 3n, tiles: new Uint8Array(8), proof: new Uint8Array(0) }, 0n),
      5_000n,
    );
    pool.add(first, a!.address);
    pool.add(revealLate, b!.address);
    pool.add(commitSoon, c!.address);
    pool.add(revealSoon, d!.address);
    const order = (ps: Array<{ tx: SignedTx }>) => hashes(ps);
    expect(order(pool.select(100, 1 << 20))).toEqual(
      hashes([commitSoon, revealSoon, revealLate, first].map((tx) => ({ tx }))),
    );
    // One reveal per block: the later one waits, the rest still go.
    expect(order(pool.select(100, 1 << 20, undefined, 1))).toEqual(
      hashes([commitSoon, revealSoon, first].map((tx) => ({ tx }))),
    );
    // Within the block's bytes, the steps are the ones that fit.
    expect(order(pool.select(100, commitSoon.raw.length + revealSoon.raw.length))).toEqual(
      hashes([commitSoon, revealSoon].map((tx) => ({ tx }))),
    );
  });

  it("behavior: head() is the sender's next tx; replacement counts survive a single-tx sender", () => {
    const { pool, nonces } = world({ maxReplacements: 1 });
    const a = TestAccount.fromSeed(1, CHAIN);
    nonces.set(bytesToHex(a.address), 3n);
    expect(pool.head(a.address)).toBeUndefined();
    pool.add(junk(a, 4n), a.address);
    expect(pool.head(a.address)).toBeUndefined(); // queued: nonce 3 is missing
    const t3 = a.sign({ kind: "register" }, 3n);
    pool.add(t3, a.address);
    expect(pool.head(a.address)?.tx.hash).toEqual(t3.hash);
    expect(pool.add(a.sign({ kind: "challenge", tier: 1 }, 3n), a.address).ok).toBe(true);
    expect(pool.add(a.sign({ kind: "challenge", tier: 2 }, 3n), a.address)).toMatchObject({
      ok: false,
      code: "REPLACEMENT_LIMIT",
    });
  });
});
