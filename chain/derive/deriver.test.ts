import { describe, expect, it } from "vitest";
import {
  L1_START,
  L1_T0,
  L1Sim,
  postBlocks,
  SeqSim,
  type Sequenced,
  testParams,
  Verifier,
} from "../../test/helpers/deriveHarness.ts";
import { TestAccount } from "../../test/helpers/testChain.ts";
import { bytesToHex } from "../bytes.ts";
import type { ChainParams } from "../params.ts";
import type { L1BlockInput } from "./attributes.ts";
import { Deriver } from "./deriver.ts";

const G = L1_T0 * 1000n;
const S = (sec: bigint, ms = 0n): bigint => (L1_T0 + sec) * 1000n + ms;

function setup(overrides: Partial<ChainParams> = {}) {
  const params = testParams(overrides);
  const alice = TestAccount.fromSeed(1, params.l2ChainId);
  const bob = TestAccount.fromSeed(2, params.l2ChainId);
  const alloc = [
    { address: alice.address, credits: 10n ** 21n },
    { address: bob.address, credits: 10n ** 21n },
  ];
  const l1 = new L1Sim();
  const start = l1.tip;
  const seq = new SeqSim(params, G, alloc, start, l1);
  const ver = new Verifier(params, G, alloc, start);
  const pay = (from: TestAccount, amount = 1n): Uint8Array =>
    from.sign({ kind: "transfer", to: (from === alice ? bob : alice).address, amount }).raw;
  return { params, alice, bob, alloc, l1, start, seq, ver, pay };
}

const hashes = (v: Verifier): string[] => v.derived.map((d) => bytesToHex(d.built.hash));
const drops = (v: Verifier) => v.deriver.takeDrops();

describe("derivation: batches from L1 rebuild the sequencer's blocks", () => {
  it("default: every block and state root equal, the deposit in the first block of its origin", () => {
    const { l1, seq, ver, pay, alice, bob } = setup();
    l1.mine({ events: [{ kind: "deposit", depositId: 1n, to: bob.address, amount: 5n }] }); // 101
    const b1 = seq.build(S(1n), 101n, [pay(alice)]);
    const b2 = seq.build(S(1n, 500n), 101n, [pay(bob), pay(alice)]);
    l1.mine({ batcherData: postBlocks([b1, b2]) }); // 102
    const b3 = seq.build(S(2n, 100n), 102n, [pay(alice)]);
    l1.mine({ batcherData: postBlocks([b3]) }); // 103
    ver.sync(l1);
    expect(hashes(ver)).toEqual([b1, b2, b3].map((b) => bytesToHex(b.hash)));
    expect(ver.node.core.head.header.stateRoot).toEqual(b3.block.header.stateRoot);
    expect(b1.block.systemTxs.map((s) => s.kind)).toEqual(["deposit"]);
    expect(b2.block.systemTxs).toEqual([]);
    expect(drops(ver)).toEqual([]);
  });

  it("behavior: a channel split into frames over two L1 blocks is judged by the block that completes it", () => {
    const { l1, seq, ver, pay, alice } = setup();
    l1.mine(); // 101
    const blocks: Sequenced[] = [];
    for (let i = 0n; i < 4n; i++) blocks.push(seq.build(S(1n, i * 100n), 101n, [pay(alice)]));
    const frames = postBlocks(blocks, 200); // several small frames
    expect(frames.length).toBeGreaterThan(2);
    l1.mine({ batcherData: frames.slice(0, 2) }); // 102: incomplete
    ver.sync(l1);
    expect(ver.derived).toEqual([]);
    l1.mine({ batcherData: frames.slice(2) }); // 103: complete
    ver.sync(l1);
    expect(hashes(ver)).toEqual(blocks.map((b) => bytesToHex(b.hash)));
  });

  it("behavior: a batch block older than maxBatchDelay is dropped, and default blocks fill its place once the window closes", () => {
    const { l1, seq, ver, pay, alice, params } = setup();
    l1.mine({ events: [{ kind: "deposit", depositId: 7n, to: alice.address, amount: 3n }] }); // 101 at +1 s
    const late = seq.build(S(1n), 101n, [pay(alice)]);
    // Posted 5 s after its time, with maxBatchDelay 4 s.
    expect(params.maxBatchDelayMs).toBe(4_000n);
    for (let i = 0; i < 4; i++) l1.mine(); // 102..105
    l1.mine({ batcherData: postBlocks([late]) }); // 106 at +6 s
    ver.sync(l1);
    expect(drops(ver)).toEqual([
      expect.objectContaining({ stage: "batch", l1Block: 106n, reason: "late: older than maxBatchDelay" }),
    ]);
    expect(ver.derived).toEqual([]);
    // The window for block 1 closes when an L1 block is past origin 101's time + drift + batch delay.
    const closeAt = 1n + (params.maxSequencerDriftMs + params.maxBatchDelayMs) / 1000n; // +35 s
    while (l1.tip.timestamp - L1_T0 < closeAt) l1.mine();
    ver.sync(l1);
    expect(ver.derived).toEqual([]);
    l1.mine(); // past it
    ver.sync(l1);
    const first = ver.attrs[0]!;
    expect(first).toMatchObject({ number: 1n, source: "default", timestamp: S(1n), txs: [] });
    expect(first.l1Origin.number).toBe(101n);
    // The deposit of origin 101 still lands, in the default block; the late tx does not.
    expect(ver.derived[0]!.built.block.systemTxs).toEqual([
      expect.objectContaining({ kind: "deposit", depositId: 7n }),
    ]);
    expect(ver.derived[0]!.built.block.txs).toEqual([]);
    expect(ver.derived[0]!.built.hash).not.toEqual(late.hash);
  });

  it("behavior: after a window closes, default blocks go on through every origin older than the drift, and a returning sequencer gets back in", () => {
    const { l1, seq, ver, pay, alice, params } = setup();
    l1.mine(); // 101 at +1 s
    const b1 = seq.build(S(1n), 101n, [pay(alice)]);
    l1.mine({ batcherData: postBlocks([b1]) }); // 102 at +2 s
    ver.sync(l1);
    expect(hashes(ver)).toEqual([bytesToHex(b1.hash)]);
    // The sequencer goes down. Origin 102's window closes at the first L1 block past
    // 102's time + drift + batch delay (+36 s): I, at +37 s.
    const drift = params.maxSequencerDriftMs / 1000n;
    const closeAt = 2n + drift + params.maxBatchDelayMs / 1000n;
    while (l1.tip.timestamp - L1_T0 <= closeAt) l1.mine();
    const I = l1.tip;
    ver.sync(l1);
    const defaults = ver.attrs.slice(1);
    // Origin 102 (the closed window), then every origin older than the drift at I: 103..106
    // (time + 30 s < 37 s). Before the catch-up rule only the first was made, and the next
    // origin (103) could never be stamped late enough to land in time again.
    expect(defaults.map((a) => a.source)).toEqual(["default", "default", "default", "default", "default"]);
    expect(defaults.map((a) => a.l1Origin.number)).toEqual([102n, 103n, 104n, 105n, 106n]);
    expect(defaults.every((a) => a.derivedFrom === I.number)).toBe(true);
    const nextOrigin = l1.ref(107n);
    expect((nextOrigin.timestamp - L1_T0 + drift) * 1000n).toBeGreaterThanOrEqual(
      (I.timestamp - L1_T0) * 1000n,
    );
    // The sequencer adopts them and builds on: origin 107, stamped at I's time, lands in the next
    // L1 block within maxBatchDelay.
    for (const a of defaults) seq.node.apply(a);
    seq.origin = l1.ref(106n);
    const back = seq.build(I.timestamp * 1000n, 107n, [pay(alice)]);
    l1.mine({ batcherData: postBlocks([back]) });
    ver.sync(l1);
    expect(drops(ver)).toEqual([]);
    expect(hashes(ver).at(-1)).toBe(bytesToHex(back.hash));
    expect(ver.attrs.at(-1)!.source).toBe("batch");
  });

  it("behavior: the same batch posted within maxBatchDelay is kept (the late test's control)", () => {
    const { l1, seq, ver, pay, alice } = setup();
    l1.mine(); // 101
    const onTime = seq.build(S(1n), 101n, [pay(alice)]);
    for (let i = 0; i < 3; i++) l1.mine(); // 102..104
    l1.mine({ batcherData: postBlocks([onTime]) }); // 105 at +5 s: t = +1 s ≥ 5 s − 4 s
    ver.sync(l1);
    expect(hashes(ver)).toEqual([bytesToHex(onTime.hash)]);
  });

  it("behavior: results do not depend on how feeding and draining interleave", () => {
    const { l1, seq, ver, pay, alice, params, alloc, start } = setup();
    l1.mine(); // 101
    const a = seq.build(S(1n), 101n, [pay(alice)]);
    l1.mine({ batcherData: postBlocks([a]) });
    const late = seq.build(S(2n), 102n, [pay(alice)]);
    for (let i = 0; i < 40; i++) l1.mine();
    l1.mine({ batcherData: postBlocks([late]) });
    for (let i = 0; i < 40; i++) l1.mine();
    ver.sync(l1);
    const batchFirst = new Verifier(params, G, alloc, start);
    for (const b of l1.blocks) expect(batchFirst.deriver.addL1Block(b).ok).toBe(true);
    batchFirst.drain();
    expect(hashes(batchFirst)).toEqual(hashes(ver));
    expect(ver.derived.length).toBeGreaterThan(3);
  });
});

describe("derivation: forced transactions (Portal.TransactionForced)", () => {
  it("behavior: a forced tx is included first in the first L2 block whose origin is its L1 block, not before", () => {
    const { l1, seq, ver, pay, alice, bob } = setup();
    const forced = bob.sign({ kind: "transfer", to: alice.address, amount: 9n });
    l1.mine(); // 101
    l1.mine({ events: [{ kind: "forced", index: 0n, tx: forced.raw }] }); // 102
    const b1 = seq.build(S(1n), 101n, [pay(alice)]);
    const b2 = seq.build(S(1n, 900n), 101n, []);
    const b3 = seq.build(S(2n), 102n, [pay(alice)]);
    const b4 = seq.build(S(2n, 500n), 102n, []);
    l1.mine({ batcherData: postBlocks([b1, b2, b3, b4]) });
    ver.sync(l1);
    expect(hashes(ver)).toEqual([b1, b2, b3, b4].map((b) => bytesToHex(b.hash)));
    const txs = ver.derived.map((d) => d.built.block.txs.map((t) => bytesToHex(t.hash)));
    expect(txs[0]).not.toContain(bytesToHex(forced.hash));
    expect(txs[1]).not.toContain(bytesToHex(forced.hash));
    expect(txs[2]![0]).toBe(bytesToHex(forced.hash));
    expect(txs[3]).toEqual([]);
  });

  it("behavior: a censoring sequencer cannot keep it out: derivation includes it in that block anyway", () => {
    const { l1, seq, ver, alice, bob } = setup();
    const forced = bob.sign({ kind: "transfer", to: alice.address, amount: 9n });
    l1.mine({ events: [{ kind: "forced", index: 0n, tx: forced.raw }] }); // 101
    const censored = seq.build(S(1n), 101n, [], { ignoreForced: true });
    const next = seq.build(S(1n, 500n), 101n, []);
    l1.mine({ batcherData: postBlocks([censored, next]) });
    ver.sync(l1);
    const block1 = ver.derived[0]!.built;
    expect(block1.block.txs.map((t) => bytesToHex(t.hash))).toEqual([bytesToHex(forced.hash)]);
    expect(block1.hash).not.toEqual(censored.hash);
    // The sequencer's next block builds on its own version: dropped.
    expect(drops(ver)).toEqual([expect.objectContaining({ reason: "wrong parent", index: 1 })]);
  });

  it("behavior: a forced tx that is malformed or has a bad nonce is skipped, and the block stays valid", () => {
    const { l1, seq, ver, pay, alice, bob } = setup();
    const stale = bob.sign({ kind: "transfer", to: alice.address, amount: 1n }, 5n);
    l1.mine({
      events: [
        { kind: "forced", index: 0n, tx: new Uint8Array([1, 2, 3]) },
        { kind: "forced", index: 1n, tx: stale.raw },
      ],
    });
    const b1 = seq.build(S(1n), 101n, [pay(alice)]);
    l1.mine({ batcherData: postBlocks([b1]) });
    ver.sync(l1);
    expect(hashes(ver)).toEqual([bytesToHex(b1.hash)]);
    expect(ver.derived[0]!.replaced).toBeUndefined();
    expect(ver.derived[0]!.skippedForced).toEqual([
      { index: 0n, reason: "MALFORMED" },
      { index: 1n, reason: "NONCE_TOO_HIGH" },
    ]);
  });
});

describe("derivation: invalid batch contents (PROTOCOL §5 block validity)", () => {
  it("behavior: a block with a malformed tx is replaced by the empty block of the same time and origin", () => {
    const { l1, seq, ver, pay, alice, bob } = setup();
    l1.mine({ events: [{ kind: "deposit", depositId: 1n, to: bob.address, amount: 5n }] });
    const b1 = seq.build(S(1n), 101n, [pay(alice)]);
    b1.batch.txs.push(new Uint8Array([0x0a, 0x00]));
    l1.mine({ batcherData: postBlocks([b1]) });
    ver.sync(l1);
    const d = ver.derived[0]!;
    expect(d.replaced).toMatch(/^tx 1: MALFORMED/);
    expect(d.built.block.header.timestamp).toBe(S(1n));
    expect(d.built.block.header.l1Origin.number).toBe(101n);
    expect(d.built.block.txs).toEqual([]);
    expect(d.built.block.systemTxs.map((s) => s.kind)).toEqual(["deposit"]);
  });

  it("behavior: a block with a replayed tx (bad nonce) is replaced too", () => {
    const { l1, seq, ver, pay, alice } = setup();
    l1.mine();
    const tx = pay(alice);
    const b1 = seq.build(S(1n), 101n, [tx]);
    b1.batch.txs.push(tx);
    l1.mine({ batcherData: postBlocks([b1]) });
    ver.sync(l1);
    expect(ver.derived[0]!.replaced).toMatch(/^tx 1: NONCE_TOO_LOW/);
  });

  it("behavior: garbage from the batcher is dropped with a reason, never thrown", () => {
    const { l1, ver } = setup();
    l1.mine({ batcherData: [new Uint8Array(0), new Uint8Array([7]), new Uint8Array([0, 1, 2])] });
    ver.sync(l1);
    expect(drops(ver).map((d) => d.reason)).toEqual(["empty", "unknown version", "truncated frame header"]);
  });
});

describe("derivation: L1 links (D0)", () => {
  it("behavior: a block that is not the child of the last one is refused and changes nothing", () => {
    const { l1, ver, params, start } = setup();
    l1.mine();
    l1.mine();
    ver.sync(l1);
    const fork = new L1Sim(1);
    fork.mine();
    fork.mine();
    const other: L1BlockInput = fork.mine();
    const r = ver.deriver.addL1Block({ ...other, block: { ...other.block, number: l1.tip.number + 1n } });
    expect(r).toEqual({ ok: false, error: "parent hash mismatch" });
    expect(ver.deriver.addL1Block(l1.mine()).ok).toBe(true);
    const d = new Deriver(params, { number: 0n, hash: new Uint8Array(32), timestamp: G, origin: start });
    expect(d.addL1Block(l1.input(L1_START + 2n))).toEqual({ ok: false, error: "not the next block" });
    expect(d.addL1Block(fork.input(L1_START))).toEqual({ ok: false, error: "safe origin not on this chain" });
  });

  it("behavior: L1 timestamps must increase", () => {
    const { l1, ver } = setup();
    const next = l1.mine();
    ver.sync(l1);
    const same = {
      ...next,
      block: { ...next.block, number: next.block.number + 1n, parentHash: next.block.hash },
    };
    expect(ver.deriver.addL1Block(same)).toEqual({ ok: false, error: "timestamp not increasing" });
  });

  it("behavior: a start whose safe head is past its origin's time + drift is refused up front", () => {
    const { params, start } = setup();
    const safe = {
      number: 0n,
      hash: new Uint8Array(32),
      timestamp: G + params.maxSequencerDriftMs + 1n,
      origin: start,
    };
    expect(() => new Deriver(params, safe)).toThrow(/past its origin's time/);
  });
});
