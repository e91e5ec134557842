/**
 * The sequencer with a beacon source that answers slowly or never, in a real node (createNode:
 * level store, signature workers, the block loop). Block production must not wait on the beacon,
 * and a tx admitted while a round is being fetched must never be stamped with an earlier time
 * (PROTOCOL §2: otherwise a commit's sample round could be public before the commit was admitted).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createLocalBeacon, deriveBeaconSecretKey } from "../chain/beacon/index.ts";
import type { GenesisDoc } from "../chain/genesisDoc.ts";
import { defaultParams, TIER_TINY } from "../chain/params.ts";
import { CHALLENGE_STATUS } from "../chain/types.ts";
import { createNode, type FlopsNode } from "../node/createNode.ts";
import { silentLogger } from "../node/logger.ts";
import { TestAccount } from "../test/helpers/testChain.ts";
import { createLocalBeaconSource } from "./localBeaconSource.ts";
import type { BeaconSource } from "./ports.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The real local beacon behind a delay: `delayMs` per answer, or "never" (ignores its signal). */
class SlowBeacon implements BeaconSource {
  readonly calls: Array<{ round: bigint; startedAt: number; endedAt?: number }> = [];
  private firstCall!: () => void;
  readonly called = new Promise<void>((r) => {
    this.firstCall = r;
  });
  constructor(
    private readonly inner: BeaconSource,
    private readonly delayMs: number | "never",
  ) {}
  async getRound(round: bigint): Promise<Uint8Array | undefined> {
    const call: { round: bigint; startedAt: number; endedAt?: number } = { round, startedAt: Date.now() };
    this.calls.push(call);
    this.firstCall();
    if (this.delayMs === "never") return new Promise(() => {});
    await sleep(this.delayMs);
    call.endedAt = Date.now();
    return this.inner.getRound(round);
  }
}

interface SeenBlock {
  number: bigint;
  timestamp: bigint;
  /** Wall clock when the sequencer announced it. */
  at: number;
  txs: string[];
  challengeIds: bigint[];
  rounds: bigint[];
}

const dirs: string[] = [];
const nodes: FlopsNode[] = [];
afterEach(async () => {
  // A node stuck on the beacon (the bug) must not hang the cleanup.
  await Promise.race([Promise.all(nodes.splice(0).map((n) => n.stop())), sleep(3_000)]);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function startNode(
  delayMs: number | "never",
  o: { blockTimeMs?: number; now?: () => bigint } = {},
): Promise<{ node: FlopsNode; slow: SlowBeacon; seen: SeenBlock[] }> {
  const now = o.now ?? (() => BigInt(Date.now()));
  const beacon = createLocalBeacon(deriveBeaconSecretKey("flops/test/slow-beacon"), {
    genesisTime: now() / 1000n - 1n,
    periodSeconds: 1n,
  });
  const genesis: GenesisDoc = {
    // A node refuses a block time at or above maxBlockGapMs (every block would be a stall).
    params: defaultParams(beacon.config, {
      tiers: [TIER_TINY],
      maxBlockGapMs: BigInt(Math.max(5_000, (o.blockTimeMs ?? 100) + 1)),
      // A seed round is the first after t0 + maxBatchDelayMs: fastGenesis's 1.5 s delay (the
      // least the validator allows, at 0.5 s L1 blocks; this node has no L1) brings the first
      // fetch ~2.5 s sooner in each case. What is tested does not depend on the delay.
      l1BlockTimeMs: 500n,
      maxBatchDelayMs: 1_500n,
    }),
    timestamp: now(),
    alloc: [],
  };
  const slow = new SlowBeacon(createLocalBeaconSource(beacon, now), delayMs);
  const datadir = mkdtempSync(join(tmpdir(), "flops-slow-beacon-"));
  dirs.push(datadir);
  const node = await createNode(
    {
      datadir,
      genesis,
      rpc: { addr: "127.0.0.1", port: 0 },
      blockTimeMs: o.blockTimeMs ?? 100,
      sigWorkers: 1,
    },
    { logger: silentLogger(), beacon: () => slow, now },
  );
  nodes.push(node);
  const seen: SeenBlock[] = [];
  node.sequencer.onBlock((b) => {
    seen.push({
      number: b.block.header.number,
      timestamp: b.block.header.timestamp,
      at: Date.now(),
      txs: b.block.txs.map((t) => Buffer.from(t.hash).toString("hex")),
      challengeIds: b.receipts.flatMap((r) => (r.challengeId === undefined ? [] : [r.challengeId])),
      rounds: b.block.systemTxs.flatMap((t) => (t.kind === "beacon" ? [t.round] : [])),
    });
  });
  return { node, slow, seen };
}

async function until<T>(f: () => T | undefined, what: string, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Registers a fresh account and requests a challenge: its seed round is then awaited. */
async function requestChallenge(node: FlopsNode, seed: number): Promise<TestAccount> {
  const a = TestAccount.fromSeed(seed, node.genesis.params.l2ChainId);
  for (const tx of [a.sign({ kind: "register" }), a.sign({ kind: "challenge", tier: TIER_TINY.id })]) {
    expect(await node.sequencer.submit(tx.raw)).toMatchObject({ ok: true });
  }
  return a;
}

describe("Sequencer with a slow beacon source", () => {
  it("behavior: blocks keep coming while a round is fetched, and a tx admitted meanwhile is stamped after its admission", async () => {
    const { node, slow, seen } = await startNode(1_500);
    await requestChallenge(node, 1);
    await slow.called; // the seed round's time came: a 1.5 s fetch is under way
    const call = slow.calls[0]!;
    await sleep(300);

    const b = TestAccount.fromSeed(2, node.genesis.params.l2ChainId);
    const tx = b.sign({ kind: "register" });
    const admittedNotBefore = BigInt(Date.now());
    expect(await node.sequencer.submit(tx.raw)).toMatchObject({ ok: true });
    const hash = Buffer.from(tx.hash).toString("hex");
    const including = await until(() => seen.find((s) => s.txs.includes(hash)), "the tx's block");
    // The rule: inclusion timestamp ≥ admission time.
    expect(including.timestamp).toBeGreaterThanOrEqual(admittedNotBefore);

    // Blocks did not wait for the beacon: ~15 blocks at 100 ms while the 1.5 s fetch ran.
    await until(() => call.endedAt, "the slow fetch to end", 5_000);
    const during = seen.filter((s) => s.at > call.startedAt + 100 && s.at < call.endedAt! - 100);
    expect(during.length).toBeGreaterThanOrEqual(5);
    const gaps = during.slice(1).map((s, i) => s.at - during[i]!.at);
    expect(Math.max(...gaps)).toBeLessThan(1_000);

    // The round, once fetched, went into a later block and seeded the challenge.
    const id = seen.flatMap((s) => s.challengeIds)[0]!;
    await until(
      () => (node.sequencer.state().getChallenge(id)?.status === CHALLENGE_STATUS.ACTIVE ? true : undefined),
      "the challenge to become ACTIVE",
      5_000,
    );
    const seedBlock = await until(() => seen.find((s) => s.rounds.includes(call.round)), "the round's block");
    expect(seedBlock.timestamp).toBeGreaterThanOrEqual(BigInt(call.endedAt!));
  }, 30_000);

  it("behavior: a beacon that never answers stalls no block, and stop() still returns", async () => {
    const { node, slow, seen } = await startNode("never");
    await requestChallenge(node, 3);
    await slow.called;
    const from = seen.length;
    await sleep(1_000);
    expect(seen.length - from).toBeGreaterThanOrEqual(5);
    const t = Date.now();
    await node.stop();
    expect(Date.now() - t).toBeLessThan(2_000);
  }, 30_000);

  it("behavior: a tx waits while the clock reads before its admission (the clock stepped back)", async () => {
    let offset = 0n;
    // No block loop within the test (an hour's block time): blocks are produced by hand.
    const { node } = await startNode(0, { blockTimeMs: 3_600_000, now: () => BigInt(Date.now()) + offset });
    await node.sequencer.produceBlock();
    const tx = TestAccount.fromSeed(4, node.genesis.params.l2ChainId).sign({ kind: "register" });
    const admittedNotBefore = BigInt(Date.now());
    expect(await node.sequencer.submit(tx.raw)).toMatchObject({ ok: true });
    const admittedBy = BigInt(Date.now());
    const has = (b: { block: { txs: Array<{ hash: Uint8Array }> } }) =>
      b.block.txs.some((t) => Buffer.from(t.hash).equals(Buffer.from(tx.hash)));

    offset = -5_000n; // e.g. an NTP step: the next block is stamped parent + 1 ms
    const early = await node.sequencer.produceBlock();
    expect(early.block.header.timestamp).toBeLessThan(admittedNotBefore);
    expect(has(early)).toBe(false);
    expect(node.sequencer.mempool.size).toBe(1);

    offset = 0n;
    const later = await node.sequencer.produceBlock();
    expect(later.block.header.timestamp).toBeGreaterThanOrEqual(admittedBy);
    expect(has(later)).toBe(true);
  }, 30_000);
});
