/**
 * Forced commits and reveals are judged by their L1 block's time (PROTOCOL §5 D7): the deadline
 * pass holds a commit or reveal deadline while a forced tx may still meet it, the forced tx is on
 * time iff its L1 time ≤ the deadline, and the node's own late tx cannot be included meanwhile.
 */
import { describe, expect, it } from "vitest";
import { createJsEngine } from "../../prover/engine/index.ts";
import { buildReveal, proveChallenge } from "../../prover/proveChallenge.ts";
import { T0_SEC, TestAccount, TestChain } from "../../test/helpers/testChain.ts";
import { beaconRandomness, roundTimeMs } from "../beacon/index.ts";
import { equalBytes } from "../bytes.ts";
import { type BuiltBlock, ChainCore } from "../chainCore.ts";
import { MemoryKv } from "../kv.ts";
import { TIER_TINY } from "../params.ts";
import { challengeSeed } from "../proof/index.ts";
import { recoverSender } from "../tx/index.ts";
import type { Challenge, Receipt, SignedTx, VerifiedTx } from "../types.ts";
import { BlockError } from "./applyBlock.ts";

const engine = createJsEngine();

function verified(tx: SignedTx): VerifiedTx {
  const from = recoverSender(tx);
  if (!from.ok) throw new Error("bad test signature");
  return { tx, from: from.value };
}

function challenge(chain: TestChain, id: bigint): Challenge {
  const c = chain.core.readState().getChallenge(id);
  if (!c) throw new Error(`no challenge ${id}`);
  return c;
}

function receiptOf(built: BuiltBlock, tx: SignedTx): Receipt | undefined {
  return built.receipts.find((r) => equalBytes(r.txHash, tx.hash));
}

/**
 * register → challenge → honest commit → SAMPLED on a TestChain (origin number 0, whole-second
 * blocks), then plain blocks until the next block would be at deadline − 1 s. Returns what a
 * commit or reveal test needs.
 */
async function setup(stop: "ACTIVE" | "SAMPLED") {
  const chain = new TestChain();
  const alice = TestAccount.fromSeed(1, chain.params.l2ChainId);
  const blocks: BuiltBlock[] = [chain.block([alice.sign({ kind: "register" })])];
  const record = (b: BuiltBlock) => {
    blocks.push(b);
    return b;
  };
  const request = record(chain.block([alice.sign({ kind: "challenge", tier: TIER_TINY.id })]));
  const id = request.receipts[0]!.challengeId!;
  const step = (): void => void record(chain.block([]));
  while (challenge(chain, id).status !== "ACTIVE") step();
  const active = challenge(chain, id);
  const seed = challengeSeed(chain.params.l2ChainId, id, active.node, beaconRandomness(active.r1Signature!));
  const proved = await proveChallenge(TIER_TINY, seed, engine);
  const commit = alice.sign({ kind: "commit", challengeId: id, root: proved.root });
  if (stop === "SAMPLED") {
    record(chain.block([commit]));
    while (challenge(chain, id).status !== "SAMPLED") step();
  }
  const c = challenge(chain, id);
  while (chain.time < c.deadline - 1000n) step();
  const { tiles, proof } =
    stop === "SAMPLED"
      ? buildReveal(proved, beaconRandomness(c.r2Signature!))
      : { tiles: new Uint8Array(0), proof: new Uint8Array(0) };
  const reveal = alice.sign({ kind: "reveal", challengeId: id, tiles, proof });
  return { chain, alice, id, deadline: c.deadline, commit, reveal, blocks };
}

/**
 * Builds one block at `t` on `chain`'s head with origin (number, seconds): the first block of that
 * origin iff the number differs from the parent's. The first `forcedCount` txs are forced.
 */
function buildAt(
  chain: TestChain,
  t: bigint,
  origin: { number: bigint; timestamp: bigint },
  txs: SignedTx[] = [],
  forcedCount = 0,
): BuiltBlock {
  const hash = new Uint8Array(32).fill(Number(origin.number));
  return chain.core.build({
    timestamp: t,
    l1Origin: { number: origin.number, hash, timestamp: origin.timestamp },
    systemTxs: chain.dueRounds(t),
    txs: txs.map(verified),
    forcedCount,
  });
}

/** Persists a built block and advances the head (the next TestChain block 1 s later). */
function commit(chain: TestChain, built: BuiltBlock): BuiltBlock {
  chain.kv.apply(built.ops);
  chain.core.advance({ header: built.block.header, hash: built.hash });
  chain.time = built.block.header.timestamp + 1000n;
  return built;
}

function blockAt(...args: Parameters<typeof buildAt>): BuiltBlock {
  return commit(args[0], buildAt(...args));
}

/** Replays `blocks` through ChainCore.check on a fresh genesis; `forced[i]`: block i's forced count. */
function replay(chain: TestChain, blocks: BuiltBlock[], forced: Map<BuiltBlock, number>): Uint8Array {
  const kv = new MemoryKv();
  const { head, ops } = ChainCore.genesis(kv, { timestamp: T0_SEC * 1000n });
  kv.apply(ops);
  const core = new ChainCore(chain.params, kv, head);
  for (const b of blocks) {
    const checked = core.check(
      b.block,
      b.block.txs.map((tx) => verified(tx).from),
      forced.get(b) ?? 0,
    );
    kv.apply(checked.ops);
    core.advance({ header: b.block.header, hash: checked.hash });
  }
  return core.head.header.stateRoot;
}

describe("forced txs: deadlines judged by the L1 block's time (PROTOCOL §5 D7)", () => {
  it("behavior: a forced reveal posted to L1 by the deadline PASSES though its L2 block, and blocks before it, are past the deadline", async () => {
    const { chain, alice, id, deadline: d, reveal, blocks } = await setup("SAMPLED");
    expect(d % 1000n).toBe(0n);
    // The censor: an L2 block past d that keeps an old origin (L1 time d − 2 s). Before the
    // rule it expired the challenge (FAILED); now it is held for L1, deadline unchanged.
    const late = blockAt(chain, d + 1500n, { number: 0n, timestamp: d / 1000n - 2n });
    blocks.push(late);
    expect(challenge(chain, id)).toMatchObject({ status: "SAMPLED", deadline: d });
    // The node's reveal was posted to L1 in the block at time d exactly (on time: ≤ d). It enters
    // in the first L2 block of that origin, 2.5 s after the deadline by L2 time.
    const forced = blockAt(chain, d + 2500n, { number: 1n, timestamp: d / 1000n }, [reveal], 1);
    blocks.push(forced);
    expect(receiptOf(forced, reveal)).toMatchObject({ status: "success", challengeId: id });
    expect(challenge(chain, id)).toMatchObject({ status: "PASSED" });
    expect(chain.core.readState().getNode(alice.address)).toMatchObject({ passed: 1, failed: 0 });
    // Checking agrees when told the forced count; told none, the block is invalid (a late reveal
    // of a held challenge is not includable).
    const root = replay(chain, blocks, new Map([[forced, 1]]));
    expect(root).toEqual(forced.block.header.stateRoot);
    expect(() => replay(chain, blocks, new Map())).toThrow(BlockError);
  });

  it("behavior: a forced commit posted to L1 by the deadline moves the challenge on; r2 still follows the L2 block's time", async () => {
    const { chain, id, deadline: d, commit: tx } = await setup("ACTIVE");
    const forced = blockAt(chain, d + 3000n, { number: 1n, timestamp: d / 1000n - 1n }, [tx], 1);
    expect(receiptOf(forced, tx)).toMatchObject({ status: "success" });
    const c = challenge(chain, id);
    expect(c).toMatchObject({ status: "COMMITTED", tc: d + 3000n });
    // r2 is the first round after tc + maxBatchDelay: never one that was public at the block.
    expect(roundTimeMs(chain.params.beacon, c.r2!) > d + 3000n + chain.params.maxBatchDelayMs).toBe(true);
  });

  it("error: a forced reveal whose L1 block is after the deadline fails and the challenge is EXPIRED (FAILED)", async () => {
    const { chain, alice, id, deadline: d, reveal } = await setup("SAMPLED");
    const forced = blockAt(chain, d + 1500n, { number: 1n, timestamp: d / 1000n + 1n }, [reveal], 1);
    expect(receiptOf(forced, reveal)).toMatchObject({ status: "failed", error: "DEADLINE_PASSED" });
    expect(challenge(chain, id)).toMatchObject({ status: "EXPIRED", expiredFrom: "SAMPLED" });
    expect(chain.core.readState().getNode(alice.address)).toMatchObject({ failed: 1, passed: 0 });
  });

  it("error: the same reveal sent normally, late, is refused while L1 may still deliver it, then fails once the deadline expires", async () => {
    const { chain, alice, id, deadline: d, reveal } = await setup("SAMPLED");
    const nonce = chain.core.readState().getAccount(alice.address).nonce;
    // Held window (origin time ≤ d): not includable, so the nonce stays for a forced copy.
    const held = buildAt(chain, d + 1500n, { number: 0n, timestamp: d / 1000n - 1n }, [reveal]);
    expect(held.block.txs).toEqual([]);
    expect(held.rejected).toMatchObject([{ index: 0, system: false, error: "DEADLINE_PASSED" }]);
    // A block that includes it anyway is invalid.
    const bad = { ...held.block, txs: [reveal] };
    expect(() => chain.core.check(bad, [alice.address])).toThrow(/tx 0 .*DEADLINE_PASSED/);
    commit(chain, held);
    expect(chain.core.readState().getAccount(alice.address).nonce).toBe(nonce);
    expect(challenge(chain, id).status).toBe("SAMPLED");
    // The next L1 block (time d + 1 s > d): the held deadline expires (the cursor kept its
    // bucket), and the normal reveal is included and fails.
    const after = blockAt(chain, d + 2500n, { number: 1n, timestamp: d / 1000n + 1n }, [reveal]);
    expect(receiptOf(after, reveal)).toMatchObject({ status: "failed", error: "DEADLINE_PASSED" });
    expect(challenge(chain, id)).toMatchObject({ status: "EXPIRED", expiredFrom: "SAMPLED" });
    expect(chain.core.readState().getNode(alice.address)).toMatchObject({ failed: 1, openChallenges: 0 });
  });

  it("behavior: a later block of the same origin holds only deadlines at or after the next L1 second", async () => {
    const { chain, id, deadline: d } = await setup("SAMPLED");
    // Origin time d − 1 s, not its first block: the next L1 block is at ≥ d, so d is held.
    blockAt(chain, d + 500n, { number: 0n, timestamp: d / 1000n - 1n });
    expect(challenge(chain, id).status).toBe("SAMPLED");
    // Origin time d, not its first block: the next L1 block is at ≥ d + 1 s, so d expires.
    blockAt(chain, d + 700n, { number: 0n, timestamp: d / 1000n });
    expect(challenge(chain, id)).toMatchObject({ status: "EXPIRED", expiredFrom: "SAMPLED" });
  });

  it("error: forced txs outside the first block of their origin are refused by build and check", async () => {
    const { chain, reveal } = await setup("SAMPLED");
    const t = chain.time;
    const input = {
      timestamp: t,
      l1Origin: { number: 0n, hash: new Uint8Array(32), timestamp: t / 1000n },
      systemTxs: [],
      txs: [verified(reveal)],
      forcedCount: 1,
    };
    expect(() => chain.core.build(input)).toThrow(/first block of their L1 origin/);
    const plain = chain.core.build({ ...input, forcedCount: 0 });
    expect(() =>
      chain.core.check(
        plain.block,
        plain.block.txs.map((x) => verified(x).from),
        1,
      ),
    ).toThrow(/BAD_FORCED|first block/);
  });
});
