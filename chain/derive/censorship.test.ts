/**
 * A censoring sequencer against a forced reveal, end to end through L1 and the Deriver (PROTOCOL
 * §5 D7): the node posts its reveal to L1 before the deadline; the sequencer ignores it, keeps an
 * old L1 origin while its L2 time runs past the deadline, and even tries to spend the reveal's
 * nonce by including the same tx itself, late. The verifier's chain still PASSES the challenge.
 */
import { describe, expect, it } from "vitest";
import { createJsEngine } from "../../prover/engine/index.ts";
import { buildReveal, proveChallenge } from "../../prover/proveChallenge.ts";
import {
  L1_T0,
  L1Sim,
  L2Node,
  postBlocks,
  type Sequenced,
  testParams,
  Verifier,
} from "../../test/helpers/deriveHarness.ts";
import { TestAccount } from "../../test/helpers/testChain.ts";
import {
  beaconRandomness,
  createLocalBeacon,
  deriveBeaconSecretKey,
  latestRoundAt,
} from "../beacon/index.ts";
import { bytesToHex, equalBytes } from "../bytes.ts";
import { TIER_TINY } from "../params.ts";
import { challengeSeed } from "../proof/index.ts";
import type { Challenge } from "../types.ts";
import type { BeaconTx } from "../wire/index.ts";
import { type BlockAttributes, epochInputs } from "./attributes.ts";
import { batchBlockOf } from "./batchBlockOf.ts";

const engine = createJsEngine();

/** The harness's sequencer, plus the beacon rounds its pending challenges await. */
class BeaconSeq {
  readonly node: L2Node;
  private originNumber: bigint;
  private roundCursor = 0n;
  constructor(
    private readonly l1: L1Sim,
    private readonly beacon: ReturnType<typeof createLocalBeacon>,
    params: ReturnType<typeof testParams>,
  ) {
    this.node = new L2Node(params, L1_T0 * 1000n, []);
    this.originNumber = l1.tip.number;
  }

  challenge(id: bigint): Challenge {
    return this.node.core.readState().getChallenge(id)!;
  }

  build(
    t: bigint,
    originNumber: bigint,
    txs: Uint8Array[] = [],
    opts: { ignoreForced?: boolean } = {},
  ): Sequenced {
    const origin = this.l1.ref(originNumber);
    const head = this.node.core.head;
    const epoch =
      originNumber === this.originNumber
        ? { l1SystemTxs: [], forcedTxs: [] }
        : epochInputs({ block: origin, events: this.l1.input(originNumber).events });
    const state = this.node.core.readState();
    const beacons: BeaconTx[] = [];
    const latest = latestRoundAt(this.node.core.params.beacon, t);
    for (let r = this.roundCursor + 1n; r <= latest; r++)
      if (state.getAwaited(r).length > 0)
        beacons.push({ kind: "beacon", round: r, signature: this.beacon.sign(r) });
    this.roundCursor = latest;
    const attrs: BlockAttributes = {
      number: head.header.number + 1n,
      parentHash: head.hash,
      timestamp: t,
      l1Origin: { number: origin.number, hash: origin.hash, timestamp: origin.timestamp },
      l1SystemTxs: epoch.l1SystemTxs,
      forcedTxs: opts.ignoreForced ? [] : epoch.forcedTxs,
      beacons,
      txs,
      source: "batch",
      derivedFrom: 0n,
    };
    const r = this.node.apply(attrs);
    if (r.replaced) throw new Error(`sequencer built an invalid block: ${r.replaced}`);
    this.originNumber = originNumber;
    const forcedCount = attrs.forcedTxs.length - r.skippedForced.length;
    return { block: r.built.block, hash: r.built.hash, batch: batchBlockOf(r.built.block, forcedCount) };
  }
}

describe("derivation: a censoring sequencer cannot make a forced reveal miss its deadline", () => {
  it("behavior: the reveal forced on L1 before the deadline PASSES in the verifier's chain, though every L2 block around it is past the deadline", async () => {
    const params = testParams();
    const beacon = createLocalBeacon(deriveBeaconSecretKey("flops/test-derive"), {
      genesisTime: L1_T0 - 10n,
      periodSeconds: 1n,
    });
    expect(beacon.config.publicKey).toEqual(params.beacon.publicKey);
    const alice = TestAccount.fromSeed(1, params.l2ChainId);
    const l1 = new L1Sim();
    const seq = new BeaconSeq(l1, beacon, params);
    const ver = new Verifier(params, L1_T0 * 1000n, [], l1.tip);
    let unposted: Sequenced[] = [];
    // Honest cadence: one L1 block a second posting the blocks since the last, then one L2 block
    // 500 ms after it with it as the origin.
    const tick = (txs: Uint8Array[] = []): Sequenced => {
      l1.mine({ batcherData: unposted.length ? postBlocks(unposted) : [] });
      const b = seq.build(l1.tip.timestamp * 1000n + 500n, l1.tip.number, txs);
      unposted = [b];
      return b;
    };

    tick([alice.sign({ kind: "register" }).raw]);
    tick([alice.sign({ kind: "challenge", tier: TIER_TINY.id }).raw]);
    const id = 1n;
    while (seq.challenge(id).status !== "ACTIVE") tick();
    const active = seq.challenge(id);
    const seed = challengeSeed(params.l2ChainId, id, active.node, beaconRandomness(active.r1Signature!));
    const proved = await proveChallenge(TIER_TINY, seed, engine);
    tick([alice.sign({ kind: "commit", challengeId: id, root: proved.root }).raw]);
    while (seq.challenge(id).status !== "SAMPLED") tick();
    const sampled = seq.challenge(id);
    const d = sampled.deadline;
    const { tiles, proof } = buildReveal(proved, beaconRandomness(sampled.r2Signature!));
    const reveal = alice.sign({ kind: "reveal", challengeId: id, tiles, proof });

    // The sequencer ignores the reveal; Alice forces it in L1 block B, well before d.
    const holdOrigin = l1.tip.number; // B − 1
    l1.mine({
      batcherData: postBlocks(unposted),
      events: [{ kind: "forced", index: 0n, tx: reveal.raw }],
    });
    unposted = [];
    const forcedAt = l1.tip;
    expect(forcedAt.timestamp * 1000n <= d).toBe(true);
    // It keeps origin B − 1 while its L2 time runs past d (within maxSequencerDrift of B − 1),
    // posting on time, and includes Alice's own reveal itself once past d, to spend her nonce.
    let t = forcedAt.timestamp * 1000n;
    let injected = false;
    while (t <= d + 2000n) {
      let b = seq.build(t, holdOrigin);
      if (t > d && !injected) {
        b = { ...b, batch: { ...b.batch, txs: [reveal.raw] } };
        injected = true;
      }
      l1.mine({ batcherData: postBlocks([b]) });
      t += 1000n;
    }
    ver.sync(l1);
    const past = ver.derived[ver.derived.length - 1]!.built.block.header;
    expect(past.timestamp > d && past.l1Origin.number === holdOrigin).toBe(true);
    // The late reveal made its block invalid (D9: replaced, the nonce not spent) and the
    // challenge is held for L1, not expired.
    expect(ver.derived.filter((x) => x.replaced)).toMatchObject([
      { replaced: expect.stringMatching(/DEADLINE_PASSED/) },
    ]);
    expect(ver.node.core.readState().getChallenge(id)).toMatchObject({ status: "SAMPLED", deadline: d });

    // Finally origin B, still ignoring the forced tx: derivation includes it anyway.
    const censored = seq.build(t, forcedAt.number, [], { ignoreForced: true });
    l1.mine({ batcherData: postBlocks([censored]) });
    ver.sync(l1);
    const first = ver.derived[ver.derived.length - 1]!.built;
    expect(first.block.header.l1Origin.number).toBe(forcedAt.number);
    expect(first.block.header.timestamp > d).toBe(true);
    expect(first.block.txs.map((x) => bytesToHex(x.hash))).toEqual([bytesToHex(reveal.hash)]);
    expect(first.receipts.find((r) => equalBytes(r.txHash, reveal.hash))).toMatchObject({
      status: "success",
    });
    expect(ver.node.core.readState().getChallenge(id)).toMatchObject({ status: "PASSED" });
    expect(first.hash).not.toEqual(censored.hash);
  });
});
