/**
 * stf_apply_tx_per_s: block application of a realistic mix (challenge, commit, reveal, transfer;
 * signatures already checked) including SMT updates and the state root.
 *
 * Blocks are generated once by running N honest nodes through their challenge lifecycle (tiny
 * tier, so reveals are real but cheap: the devnet tier's reveal check is measured on its own by
 * verify_reveal_ms) plus transfers, then replayed on a fresh chain with full validation
 * (ChainCore.check): what a follower or a restarted node does. Timed: check + persisting the ops
 * into the in-memory KV.
 *
 * Ceiling, measured in this run (bench/ceiling.ts): the docs' derived one, the sum of a tx's
 * primitive costs: 3 sha256 (65-byte node preimages, node:crypto) + 1 keccak256 (the tx's raw
 * bytes) + 1 batched write (a put into the memory KV in batches of a block's size); the rate the
 * STF would reach if those were all it did.
 */
import { hash } from "node:crypto";
import { performance } from "node:perf_hooks";
import { beaconRandomness } from "../chain/beacon/index.ts";
import { bytesToHex } from "../chain/bytes.ts";
import { ChainCore } from "../chain/chainCore.ts";
import { keccak256 } from "../chain/hash.ts";
import { type KvOp, MemoryKv } from "../chain/kv.ts";
import { type ChainParams, TIER_TINY } from "../chain/params.ts";
import { challengeSeed } from "../chain/proof/index.ts";
import type { Address, Block, SignedTx } from "../chain/types.ts";
import { createJsEngine } from "../prover/engine/index.ts";
import { buildReveal, type ProvedChallenge, proveChallenge } from "../prover/proveChallenge.ts";
import { T0_SEC, TestAccount, TestChain } from "../test/helpers/testChain.ts";
import { ceilingFields, opsPerSecond } from "./ceiling.ts";
import type { BenchOpts, BenchResult } from "./types.ts";

interface NodeSim {
  acct: TestAccount;
  id?: bigint;
  proved?: ProvedChallenge;
  step: "idle" | "requested" | "committed";
}

export interface StfWorkload {
  /**
   * The chain's params. Not the chain that built the blocks: a replaying node holds no second
   * copy of the state, so the replays run without the builder's in the heap.
   */
  params: ChainParams;
  alloc: Array<{ address: Address; credits: bigint }>;
  blocks: Block[];
  senders: Address[][];
  counts: Record<"register" | "challenge" | "commit" | "reveal" | "transfer", number>;
}

/** Builds the blocks of the mix (untimed). */
export async function buildStfWorkload(
  nNodes: number,
  nBlocks: number,
  transfersPerBlock: number,
): Promise<StfWorkload> {
  const engine = createJsEngine();
  const accounts = Array.from({ length: nNodes }, (_, i) => TestAccount.fromSeed(i, 0xf10b5n));
  const alloc = accounts.map((a) => ({ address: a.address, credits: 10n ** 24n }));
  // maxBatchDelayMs 2 s, as ../shared/peer-evm's FlopsPoF.sol deploys it (lib/deploy.mjs): the
  // seed and sample rounds come that long after a challenge and a commit, so with the devnet's
  // 4 s (since issue 9) no challenge reached its reveal within 12 blocks and the mix lost its
  // reveals and second challenges, while the EVM side kept them.
  const chain = new TestChain({ alloc, params: { maxRevealsPerBlock: 1_000_000, maxBatchDelayMs: 2_000n } });
  const nodes: NodeSim[] = accounts.map((acct) => ({ acct, step: "idle" }));
  const counts = { register: nNodes, challenge: 0, commit: 0, reveal: 0, transfer: 0 };
  const blocks: Block[] = [];
  const senders: Address[][] = [];

  const first = chain.block(accounts.map((a) => a.sign({ kind: "register" })));
  blocks.push(first.block);
  senders.push(accounts.map((a) => a.address));

  for (let b = 0; b < nBlocks; b++) {
    const state = chain.core.readState();
    const txs: SignedTx[] = [];
    const from: Address[] = [];
    const requested = new Map<string, NodeSim>();
    for (const n of nodes) {
      let tx: SignedTx | undefined;
      if (n.step === "idle") {
        tx = n.acct.sign({ kind: "challenge", tier: TIER_TINY.id });
        requested.set(bytesToHex(tx.hash), n);
        n.step = "requested";
        counts.challenge++;
      } else {
        const c = state.getChallenge(n.id!)!;
        if (n.step === "requested" && c.status === "ACTIVE") {
          const seed = challengeSeed(chain.params.l2ChainId, c.id, c.node, beaconRandomness(c.r1Signature!));
          n.proved = await proveChallenge(TIER_TINY, seed, engine);
          tx = n.acct.sign({ kind: "commit", challengeId: c.id, root: n.proved.root });
          n.step = "committed";
          counts.commit++;
        } else if (n.step === "committed" && c.status === "SAMPLED") {
          const { tiles, proof } = buildReveal(n.proved!, beaconRandomness(c.r2Signature!));
          tx = n.acct.sign({ kind: "reveal", challengeId: c.id, tiles, proof });
          n.step = "idle";
          counts.reveal++;
        }
      }
      if (tx) {
        txs.push(tx);
        from.push(n.acct.address);
      }
    }
    for (let i = 0; i < transfersPerBlock; i++) {
      const a = nodes[(b * 7919 + i) % nNodes]!.acct;
      const to = nodes[(b * 104_729 + i * 31 + 1) % nNodes]!.acct.address;
      txs.push(a.sign({ kind: "transfer", to, amount: 1000n + BigInt(i) }));
      from.push(a.address);
      counts.transfer++;
    }
    const built = chain.block(txs);
    for (const r of built.receipts) {
      const n = requested.get(bytesToHex(r.txHash));
      if (n) n.id = r.challengeId!;
    }
    blocks.push(built.block);
    senders.push(from);
  }
  return { params: chain.params, alloc, blocks, senders, counts };
}

/** Replays the workload with full validation; returns seconds spent and txs applied (user txs). */
export function replayStf(w: StfWorkload): { seconds: number; txs: number } {
  const kv = new MemoryKv();
  const { head, ops } = ChainCore.genesis(kv, { timestamp: T0_SEC * 1000n, alloc: w.alloc });
  kv.apply(ops);
  const core = new ChainCore(w.params, kv, head);
  let seconds = 0;
  let txs = 0;
  w.blocks.forEach((block, i) => {
    const t = performance.now();
    const { ops: blockOps, hash } = core.check(block, w.senders[i]!);
    kv.apply(blockOps);
    core.advance({ header: block.header, hash });
    // The register block is setup, not the mix.
    if (i > 0) {
      seconds += (performance.now() - t) / 1000;
      txs += block.txs.length;
    }
  });
  return { seconds, txs };
}

/** Seconds per tx of its primitives: 3 sha256 + 1 keccak256 + 1 batched memory-KV put. */
export function primitiveSecondsPerTx(sampleRaw: Uint8Array, batch: number, ms: number) {
  const node = new Uint8Array(65).fill(0x5a);
  const shaS = 1 / opsPerSecond(() => hash("sha256", node, "buffer"), ms);
  const keccakS = 1 / opsPerSecond(() => keccak256(sampleRaw), ms);
  const value = new Uint8Array(65);
  const ops: KvOp[] = Array.from({ length: batch }, (_, i) => {
    const key = new Uint8Array(32);
    new DataView(key.buffer).setUint32(0, i);
    return { type: "put", key, value };
  });
  let kv = new MemoryKv();
  let round = 0;
  // A fresh store every 8 batches so it stays near a block's size (puts into a huge map cost more).
  const batchS =
    1 /
    opsPerSecond(
      () => {
        if (++round % 8 === 0) kv = new MemoryKv();
        kv.apply(ops);
      },
      ms,
      1,
    );
  const writeS = batchS / batch;
  return { shaS, keccakS, writeS, totalS: 3 * shaS + keccakS + writeS };
}

export async function run(opts: BenchOpts): Promise<BenchResult[]> {
  const w = await buildStfWorkload(opts.quick ? 500 : 2000, opts.quick ? 8 : 12, opts.quick ? 500 : 2000);
  replayStf(w); // warm-up (JIT)
  const rounds = opts.quick ? 1 : 3;
  const rates: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const r = replayStf(w);
    rates.push(r.txs / r.seconds);
  }
  rates.sort((a, b) => a - b);
  const txsPerBlock = Math.round(
    w.blocks.slice(1).reduce((s, b) => s + b.txs.length, 0) / (w.blocks.length - 1),
  );
  const sample = w.blocks[w.blocks.length - 1]!.txs[0]!.raw;
  const prim = primitiveSecondsPerTx(sample, txsPerBlock, opts.quick ? 150 : 400);
  const value = Math.round(rates[Math.floor(rates.length / 2)]!);
  const ns = (s: number) => Math.round(s * 1e9);
  return [
    {
      name: "stf_apply_tx_per_s",
      value,
      unit: "tx/s",
      ...ceilingFields(
        value,
        1 / prim.totalS,
        "3 sha256 + 1 keccak256 + 1 batched put per tx, each timed in-run",
      ),
      primitiveNs: { sha256: ns(prim.shaS), keccak256: ns(prim.keccakS), put: ns(prim.writeS) },
      mix: w.counts,
      txsPerBlock,
      tier: "tiny (n=16, k=8) for reveals",
      target: 20_000,
    },
  ];
}
