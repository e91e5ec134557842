/**
 * The free-mempool attack (issue 7 item 4) against the real Sequencer over a real level store and
 * the real clock: junk txs at future nonces from fresh keys (registration is free, there are no
 * fees) must neither crowd out an honest reveal nor ever reach a block once their nonce gap is
 * filled; junk that cannot run expires; a journal that fails to drop txs is logged, never an
 * unhandled rejection.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { beaconRandomness, createLocalBeacon, deriveBeaconSecretKey } from "../chain/beacon/index.ts";
import { bytesToHex, equalBytes } from "../chain/bytes.ts";
import { ChainCore } from "../chain/chainCore.ts";
import { defaultParams, TIER_TINY } from "../chain/params.ts";
import { challengeSeed } from "../chain/proof/index.ts";
import { recoverSender } from "../chain/tx/index.ts";
import type { Challenge, Receipt, SignedTx } from "../chain/types.ts";
import { createJsEngine } from "../prover/engine/index.ts";
import { buildReveal, proveChallenge } from "../prover/proveChallenge.ts";
import { ChainStore } from "../store/chainStore.ts";
import { TestAccount } from "../test/helpers/testChain.ts";
import { createLocalBeaconSource } from "./localBeaconSource.ts";
import { DEFAULT_MEMPOOL_OPTS, type MempoolOpts } from "./mempool.ts";
import type { SequencedBlock, SequencerStore } from "./ports.ts";
import { Sequencer } from "./sequencer.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Harness {
  seq: Sequencer;
  store: ChainStore;
  blocks: SequencedBlock[];
  chainId: bigint;
  log: { info: ReturnType<typeof vi.fn>; warn: ReturnType<typeof vi.fn>; error: ReturnType<typeof vi.fn> };
}

/** A running sequencer (50 ms blocks, 1 s beacon rounds, short batch delay) on a fresh datadir. */
async function startSequencer(
  mempool: Partial<MempoolOpts>,
  wrapStore: (s: SequencerStore) => SequencerStore = (s) => s,
  maxTxsPerBlock = 10_000,
): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), "flops-flood-"));
  const store = await ChainStore.open(join(dir, "chain"));
  const now = () => BigInt(Date.now());
  const beacon = createLocalBeacon(deriveBeaconSecretKey("flops/test-mempool-flood"), {
    genesisTime: now() / 1000n - 1n,
    periodSeconds: 1n,
  });
  const params = defaultParams(beacon.config, { tiers: [TIER_TINY], maxBatchDelayMs: 100n });
  const genesis = { params, timestamp: now(), alloc: [] };
  const { head, ops } = ChainCore.genesis(store.kv, { timestamp: genesis.timestamp, alloc: [] });
  await store.writeGenesis(genesis, head, ops);
  const core = new ChainCore(params, store.kv, head);
  const log = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
  const seq = new Sequencer(
    { blockTimeMs: 50, maxTxsPerBlock, mempool: { ...DEFAULT_MEMPOOL_OPTS, ...mempool } },
    {
      core,
      store: wrapStore({
        commitBlock: (b, o) => store.commitBlock(b, o),
        addPending: (tx) => store.addPending(tx),
        removePending: (h) => store.removePending(h),
        isIncluded: (h) => store.getTxLocation(h) !== undefined,
      }),
      beacon: createLocalBeaconSource(beacon, now),
      recovery: {
        recover: async (t) => {
          const r = recoverSender(t);
          return r.ok ? r.value : null;
        },
      },
      now,
      log,
    },
  );
  const blocks: SequencedBlock[] = [];
  seq.onBlock((b) => blocks.push(b));
  seq.start();
  cleanups.push(async () => {
    await seq.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { seq, store, blocks, chainId: params.l2ChainId, log };
}

type Maybe<T> = T | undefined | false;
async function until<T>(
  fn: () => Maybe<T> | Promise<Maybe<T>>,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function receiptOf(h: Harness, tx: SignedTx): Receipt | undefined {
  for (const b of h.blocks) {
    const r = b.receipts.find((x) => equalBytes(x.txHash, tx.hash));
    if (r) return r;
  }
  return undefined;
}

async function submitOk(h: Harness, tx: SignedTx): Promise<void> {
  expect(await h.seq.submit(tx.raw)).toMatchObject({ ok: true });
}

function challengeIn(h: Harness, id: bigint, status: Challenge["status"]): Challenge | undefined {
  const c = h.seq.state().getChallenge(id);
  return c?.status === status ? c : undefined;
}

/** register → challenge → honest commit, up to SAMPLED; returns the honest reveal (unsent). */
async function honestUpToSampled(h: Harness, acct: TestAccount): Promise<SignedTx> {
  await submitOk(h, acct.sign({ kind: "register" }));
  const request = acct.sign({ kind: "challenge", tier: TIER_TINY.id });
  await submitOk(h, request);
  const id = (await until(() => receiptOf(h, request), "the challenge's receipt")).challengeId!;
  const active = await until(() => challengeIn(h, id, "ACTIVE"), "ACTIVE");
  const seed = challengeSeed(h.chainId, id, acct.address, beaconRandomness(active.r1Signature!));
  const proved = await proveChallenge(TIER_TINY, seed, createJsEngine());
  await submitOk(h, acct.sign({ kind: "commit", challengeId: id, root: proved.root }));
  const sampled = await until(() => challengeIn(h, id, "SAMPLED"), "SAMPLED");
  const { tiles, proof } = buildReveal(proved, beaconRandomness(sampled.r2Signature!));
  return acct.sign({ kind: "reveal", challengeId: id, tiles, proof });
}

/** A reveal for a challenge that does not exist, padded: it can only ever fail. */
function junk(a: TestAccount, nonce: bigint, size = 8 * 1024): SignedTx {
  return a.sign(
    { kind: "reveal", challengeId: 999n, tiles: new Uint8Array(size).fill(0x5a), proof: new Uint8Array(0) },
    nonce,
  );
}

const journalHas = async (h: Harness, tx: SignedTx) =>
  (await h.store.loadPending()).some((raw) => equalBytes(raw, tx.raw));

describe("mempool flood (real sequencer)", () => {
  it("behavior: a pool full of future-nonce junk from fresh keys still takes an honest reveal, which passes", async () => {
    const h = await startSequencer({ maxTxs: 24 });
    const honest = TestAccount.fromSeed(100, h.chainId);
    const reveal = await honestUpToSampled(h, honest);

    // The attack: fresh keys, txs at nonces 1..4 (nonce 0 never sent, so none can run).
    const keys = Array.from({ length: 6 }, (_, i) => TestAccount.fromSeed(200 + i, h.chainId));
    const flood = keys.flatMap((k) => [1n, 2n, 3n, 4n].map((n) => ({ tx: junk(k, n), k })));
    for (const { tx } of flood) await submitOk(h, tx);
    expect(h.seq.mempool.size).toBe(24);
    expect(await h.seq.submit(junk(TestAccount.fromSeed(300, h.chainId), 1n).raw)).toMatchObject({
      ok: false,
      code: "MEMPOOL_FULL",
    });

    // The honest reveal is not refused: the newest junk makes room, and leaves the journal.
    await submitOk(h, reveal);
    const newest = flood[flood.length - 1]!.tx;
    expect(h.seq.mempool.has(newest.hash)).toBe(false);
    await until(async () => !(await journalHas(h, newest)), "the evicted junk out of the journal");
    expect(await until(() => receiptOf(h, reveal), "the reveal's receipt")).toMatchObject({
      status: "success",
    });
    expect(
      h.seq.state().getChallenge(reveal.body.action.kind === "reveal" ? reveal.body.action.challengeId : 0n),
    ).toMatchObject({ status: "PASSED" });
  }, 30_000);

  it("error: junk made executable by a filler in the same block is left out of it, dropped, never included", async () => {
    const h = await startSequencer({ queuedTtlMs: 1_500 });
    const j = TestAccount.fromSeed(401, h.chainId);
    const fill = j.sign({ kind: "register" }, 0n);
    const garbage = [1n, 2n, 3n, 4n].map((n) => junk(j, n));
    // Admitted together (one recovery batch, no block in between): one executable run 0..4.
    await Promise.all([fill, ...garbage].map((tx) => submitOk(h, tx)));
    await until(() => receiptOf(h, fill), "the filler's receipt");
    // The first junk met the pre-check on the block's own state: out of the block, the pool and
    // the journal. The rest now sit behind that gap until their TTL, then leave the journal too.
    expect(h.seq.mempool.has(garbage[0]!.hash)).toBe(false);
    await until(async () => !(await journalHas(h, garbage[0]!)), "the junk out of the journal");
    await until(() => h.seq.mempool.size === 0, "queued junk to expire", 10_000);
    await until(async () => (await h.store.loadPending()).length === 0, "an empty journal", 5_000);
    const included = new Set(h.blocks.flatMap((b) => b.block.txs.map((t) => bytesToHex(t.hash))));
    for (const tx of garbage) expect(included.has(bytesToHex(tx.hash))).toBe(false);
    expect(h.blocks.flatMap((b) => b.receipts).filter((r) => r.status === "failed")).toEqual([]);
  }, 30_000);

  it("error: a queued tx that becomes next after a block meets the pre-check at once, and leaves", async () => {
    // One tx per block: the filler's block cannot take the junk behind it.
    const h = await startSequencer({}, undefined, 1);
    const j = TestAccount.fromSeed(402, h.chainId);
    const garbage = [1n, 2n].map((n) => junk(j, n));
    const fill = j.sign({ kind: "register" }, 0n);
    let atFill: boolean | undefined;
    h.seq.onBlock((b) => {
      if (b.block.txs.some((t) => equalBytes(t.hash, fill.hash)))
        atFill = h.seq.mempool.has(garbage[0]!.hash);
    });
    await Promise.all([...garbage, fill].map((tx) => submitOk(h, tx)));
    await until(() => atFill !== undefined, "the filler's block");
    expect(atFill).toBe(false); // gone with the block that made it next, not one block later
    await until(async () => !(await journalHas(h, garbage[0]!)), "the junk out of the journal");
    expect(receiptOf(h, garbage[0]!)).toBeUndefined();
  }, 30_000);

  it("error: a journal that cannot drop txs is logged, never an unhandled rejection", async () => {
    const h = await startSequencer({}, (s) => ({
      ...s,
      removePending: () => Promise.reject(new Error("disk gone")),
    }));
    const a = TestAccount.fromSeed(500, h.chainId);
    await submitOk(h, junk(a, 3n));
    await submitOk(h, junk(a, 3n, 100)); // replaces it: the old one leaves the journal
    await until(() => h.log.error.mock.calls.length > 0, "the error log");
    expect(h.log.error.mock.calls[0]![1]).toMatch(/pending journal/);
  }, 30_000);
});
