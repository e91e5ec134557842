/**
 * A restarted verifier derives the chain an uninterrupted one derives (PROTOCOL §5 "Resets",
 * issue 9 item 7). A restart at stored head k resumes as bridge/derivation's driver does: back to
 * the last block derived before k's deciding L1 block I, a Deriver with `{ at: I, channels }` (the
 * bank before I, stored with k), L1 fed from `firstL1`. Block hashes must be equal at every height.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  L1_T0,
  L1Sim,
  L2Node,
  postBlocks,
  SeqSim,
  type Sequenced,
  testParams,
} from "../../test/helpers/deriveHarness.ts";
import { TestAccount } from "../../test/helpers/testChain.ts";
import { bytesToHex } from "../bytes.ts";
import type { BlockAttributes, L1BlockRef, PortalEvent } from "./attributes.ts";
import { channelIdOf, encodeChannel, splitChannel } from "./channel.ts";
import type { OpenChannelRef } from "./channelBank.ts";
import { Deriver } from "./deriver.ts";
import { encodeBatcherData } from "./frame.ts";

const G = L1_T0 * 1000n;
const S = (sec: bigint, ms = 0n): bigint => (L1_T0 + sec) * 1000n + ms;

/** What a verifier's store holds per derived block: its attributes, hash and the bank before its deciding L1 block. */
interface Derived {
  attrs: BlockAttributes;
  hash: string;
  channels: readonly OpenChannelRef[];
}

function setup() {
  const params = testParams();
  const alice = TestAccount.fromSeed(1, params.l2ChainId);
  const bob = TestAccount.fromSeed(2, params.l2ChainId);
  const alloc = [
    { address: alice.address, credits: 10n ** 21n },
    { address: bob.address, credits: 10n ** 21n },
  ];
  const l1 = new L1Sim();
  const start = l1.tip;
  const seq = new SeqSim(params, G, alloc, start, l1);
  const pay = (from: TestAccount): Uint8Array =>
    from.sign({ kind: "transfer", to: (from === alice ? bob : alice).address, amount: 1n }).raw;
  return { params, alice, bob, alloc, l1, start, seq, pay };
}
type Env = ReturnType<typeof setup>;

/**
 * Derives from every L1 block of `l1`: from genesis, or restarted with the store holding the
 * first `head` blocks of `before` (an earlier run over a prefix of the same L1).
 */
function derive(
  env: Env,
  restart?: { before: readonly Derived[]; head: number },
  batchDropsAt?: Set<bigint>,
): Derived[] {
  const { params, alloc, l1, start } = env;
  const node = new L2Node(params, G, alloc);
  const out: Derived[] = [];
  let deriver: Deriver;
  if (restart === undefined || restart.head === 0) {
    const g = node.core.head;
    deriver = new Deriver(params, { number: 0n, hash: g.hash, timestamp: g.header.timestamp, origin: start });
  } else {
    const { before, head } = restart;
    const top = before[head - 1]!;
    const at = top.attrs.derivedFrom;
    let r = head - 1;
    while (r > 0 && before[r - 1]!.attrs.derivedFrom === at) r--;
    for (const d of before.slice(0, r)) {
      node.apply(d.attrs);
      out.push(d);
    }
    const h = node.core.head;
    const origin: L1BlockRef = r === 0 ? start : l1.ref(before[r - 1]!.attrs.l1Origin.number);
    deriver = new Deriver(
      params,
      { number: BigInt(r), hash: h.hash, timestamp: h.header.timestamp, origin },
      { at: { number: at, hash: l1.ref(at).hash }, channels: top.channels },
    );
  }
  const from = restart === undefined || restart.head === 0 ? start.number : deriver.firstL1;
  for (const input of l1.blocks) {
    if (input.block.number < from) continue;
    const linked = deriver.addL1Block(input);
    if (!linked.ok) throw new Error(`L1 link: ${linked.error}`);
    for (;;) {
      const step = deriver.next();
      for (const d of deriver.takeDrops()) if (d.stage === "batch") batchDropsAt?.add(d.l1Block);
      if (step.kind === "wait") break;
      const r = node.apply(step.attrs);
      out.push({
        attrs: step.attrs,
        hash: bytesToHex(r.built.hash),
        channels: deriver.channelsBefore(step.attrs.derivedFrom),
      });
      deriver.advance({ number: step.attrs.number, hash: r.built.hash, timestamp: step.attrs.timestamp });
    }
  }
  return out;
}

const hashes = (d: readonly Derived[]): string[] => d.map((x) => x.hash);

/** Restarts at every stored head of the uninterrupted run; each must end on the same chain. */
function expectResumeExact(env: Env): Derived[] {
  const full = derive(env);
  for (let head = 0; head <= full.length; head++)
    expect(hashes(derive(env, { before: full, head })), `restart at L2 block ${head}`).toEqual(hashes(full));
  return full;
}

/** A channel of `blocks` as batcher txs of one frame each. */
function frames(blocks: readonly Sequenced[], maxFrameBytes = 100_000): Uint8Array[] {
  return postBlocks(blocks, maxFrameBytes);
}

describe("derivation resumes exactly after a restart (PROTOCOL §5 Resets)", () => {
  it("a batch dropped for its parent in an earlier L1 block is not taken after a restart at the block that fills its parent", () => {
    const env = setup();
    const { l1, seq, pay, alice, params } = env;
    l1.mine(); // 101
    const b1 = seq.build(S(1n), 101n, [pay(alice)]);
    l1.mine({ batcherData: frames([b1]) }); // 102: block 1
    const b2 = seq.build(S(2n), 101n, [pay(alice)]);
    const b3 = seq.build(S(2n, 500n), 101n, [pay(alice)]);
    l1.mine({ batcherData: frames([b3]) }); // 103: b3 dropped (its parent is not the safe head b1)
    l1.mine({ batcherData: frames([b2]) }); // 104: b2
    const closeAt = 1n + (params.maxSequencerDriftMs + params.maxBatchDelayMs) / 1000n + 2n;
    while (l1.tip.timestamp - L1_T0 <= closeAt) l1.mine();
    const full = expectResumeExact(env);
    expect(hashes(full.slice(0, 2))).toEqual([b1, b2].map((b) => bytesToHex(b.hash)));
    // Block 3 is a default block: b3 was judged once, and dropped.
    expect(full[2]!.attrs.source).toBe("default");
    expect(full[2]!.hash).not.toBe(bytesToHex(b3.hash));
  });

  it("a batch dropped earlier in the same L1 block is not taken after a restart at the block after it", () => {
    const env = setup();
    const { l1, seq, pay, alice, params } = env;
    l1.mine(); // 101
    const b1 = seq.build(S(1n), 101n, [pay(alice)]);
    const b2 = seq.build(S(1n, 500n), 101n, [pay(alice)]);
    // Queue [b2, b1] in one block: b2 dropped (parent), then b1 taken; b2 never comes again.
    l1.mine({ batcherData: [...frames([b2]), ...frames([b1])] }); // 102
    const closeAt = 1n + (params.maxSequencerDriftMs + params.maxBatchDelayMs) / 1000n + 2n;
    while (l1.tip.timestamp - L1_T0 <= closeAt) l1.mine();
    const full = expectResumeExact(env);
    expect(full[0]!.hash).toBe(bytesToHex(b1.hash));
    expect(full[1]!.attrs.source).toBe("default");
  });

  it("a channel open across the restart point is rebuilt from the frame that opened it, even after a channel of the same id in that L1 block", () => {
    const env = setup();
    const { l1, seq, pay, alice } = env;
    l1.mine(); // 101
    const b1 = seq.build(S(1n), 101n, [pay(alice)]);
    l1.mine({ batcherData: frames([b1]) }); // 102
    const b2 = seq.build(S(2n), 102n, [pay(alice)]);
    const b3 = seq.build(S(2n, 100n), 102n, [pay(alice)]);
    // One channel id twice: [b2] whole, completed; then [b3] in small frames reopens it in the
    // same L1 block, completed in the next one (which decides b3: a restart there rebuilds it).
    const id = channelIdOf(b2.hash, b2.hash);
    const whole = splitChannel(id, encodeChannel([b2.batch]), 100_000).map((f) => encodeBatcherData([f]));
    const reopen = splitChannel(id, encodeChannel([b3.batch]), 60).map((f) => encodeBatcherData([f]));
    expect(whole.length).toBe(1);
    expect(reopen.length).toBeGreaterThan(2);
    l1.mine({ batcherData: [...whole, ...reopen.slice(0, 2)] }); // 103: b2
    l1.mine({ batcherData: reopen.slice(2) }); // 104: b3
    const b4 = seq.build(S(4n), 103n, [pay(alice)]);
    const c4 = postBlocks([b4], 60);
    expect(c4.length).toBeGreaterThan(1);
    l1.mine({ batcherData: [c4[0]!] }); // 105: half of b4's channel
    l1.mine({ batcherData: c4.slice(1) }); // 106: the rest
    const full = expectResumeExact(env);
    expect(hashes(full)).toEqual([b1, b2, b3, b4].map((b) => bytesToHex(b.hash)));
  });

  it("property: random batcher behaviour, deposits and forced txs, a random restart point: the same chain", () => {
    const post = fc.record({
      // Which built blocks: a run ending `back` blocks before the newest, of `len` blocks.
      back: fc.nat(3),
      len: fc.integer({ min: 1, max: 3 }),
      frameBytes: fc.constantFrom(80, 200, 100_000),
      // Frames held back to the next L1 blocks, one frame lost, frames duplicated.
      deferFrom: fc.option(fc.nat(4), { nil: undefined }),
      lose: fc.option(fc.nat(4), { nil: undefined }),
      dup: fc.boolean(),
      // Child before parent, as two channels: the child is dropped (D4 parent), the parent taken.
      swap: fc.boolean(),
    });
    const step = fc.record({
      dtSec: fc.integer({ min: 1, max: 7 }),
      build: fc.nat(2),
      posts: fc.array(post, { maxLength: 3 }),
      deposit: fc.boolean(),
      forced: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 4, maxLength: 10 }), fc.nat(), (steps, restartSeed) => {
        const env = setup();
        const { l1, seq, pay, alice, bob } = env;
        const built: Sequenced[] = [];
        let deferred: Uint8Array[] = [];
        let t = G;
        let depositId = 0n;
        let forcedIndex = 0n;
        for (const s of steps) {
          // The sequencer builds on its own chain from the L1 tip (whatever derivation made of it).
          const tip = l1.tip;
          for (let i = 0; i < s.build; i++) {
            const floor = tip.timestamp * 1000n;
            t = (t > floor ? t : floor) + 1n + BigInt(i) * 300n;
            if (t > floor + env.params.maxSequencerDriftMs) break;
            built.push(seq.build(t, tip.number, [pay(alice)]));
          }
          const data = deferred;
          deferred = [];
          for (const p of s.posts) {
            const end = built.length - p.back;
            const first = Math.max(0, end - p.len);
            if (end <= first) continue;
            if (p.swap && end - first >= 2) {
              data.push(...postBlocks([built[end - 1]!]), ...postBlocks([built[end - 2]!]));
              continue;
            }
            const blocks = built.slice(first, end);
            const id = channelIdOf(blocks[0]!.hash, blocks[blocks.length - 1]!.hash);
            let fs = splitChannel(id, encodeChannel(blocks.map((b) => b.batch)), p.frameBytes).map((f) =>
              encodeBatcherData([f]),
            );
            if (p.lose !== undefined && fs.length > 1) fs = fs.filter((_, i) => i !== p.lose! % fs.length);
            if (p.dup && fs.length > 0) fs.push(fs[0]!);
            const cut = p.deferFrom === undefined ? fs.length : Math.min(fs.length, p.deferFrom);
            data.push(...fs.slice(0, cut));
            deferred.push(...fs.slice(cut));
          }
          const events: PortalEvent[] = [];
          if (s.deposit)
            events.push({ kind: "deposit", depositId: depositId++, to: bob.address, amount: 3n });
          if (s.forced)
            events.push({
              kind: "forced",
              index: forcedIndex++,
              tx: bob.sign({ kind: "transfer", to: alice.address, amount: 1n }).raw,
            });
          l1.mine({ batcherData: data, events, dtSec: BigInt(s.dtSec) });
        }
        // Enough empty L1 for every window to close.
        for (let i = 0; i < 8; i++) l1.mine({ dtSec: 6n });
        const dropsAt = new Set<bigint>();
        const full = derive(env, undefined, dropsAt);
        // The random restart point, and every head decided by an L1 block that also dropped a batch.
        const heads = new Set([restartSeed % (full.length + 1)]);
        for (let k = 1; k <= full.length; k++) if (dropsAt.has(full[k - 1]!.attrs.derivedFrom)) heads.add(k);
        for (const head of heads)
          expect(hashes(derive(env, { before: full, head })), `restart at ${head}`).toEqual(hashes(full));
      }),
      { numRuns: 12, seed: 7 },
    );
  });
});
