/**
 * The SMT garbage collector on a real LevelDB, through the real commit path (StateDb.commit ->
 * ChainStore.commitBlock, which stamps births and files death rows) and the real sweep
 * (ChainStore.pruneState): retained roots keep every proof byte for byte, pruned roots' own nodes
 * are all gone (the store holds exactly what the retained roots reach), a crash mid-sweep leaves a
 * consistent store, and a long churn keeps the node count flat.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { bytesToHex, u64ToBytes } from "../chain/bytes.ts";
import { withdrawalKey } from "../chain/commitment/withdrawalLeaf.ts";
import { sha256, utf8 } from "../chain/hash.ts";
import { type KvOp, kvKey, OverlayKv } from "../chain/kv.ts";
import { encodeSmtProof, SMT_EMPTY_ROOT, SmtNodeCache, SparseMerkleTree } from "../chain/smt/index.ts";
import { KV_PREFIX, NS, smtKey } from "../chain/state/keys.ts";
import { EMPTY_ROOT, StateDb, type StateRoots } from "../chain/state/stateDb.ts";
import type { Block, BlockHeader } from "../chain/types.ts";
import { blockHash, encodeBlock } from "../chain/wire/index.ts";
import { type BlockToCommit, ChainStore } from "./chainStore.ts";
import { LevelKv } from "./levelKv.ts";
import { PREFIX } from "./prefixes.ts";
import { fileSmtGarbage } from "./smtDeathRow.ts";
import { DEFAULT_SMT_PRUNE_LIMITS, readSmtPruneCursor, smtPruneBatch, startPruneLoop } from "./smtPruner.ts";

const dirs: string[] = [];
const open: Array<{ close(): Promise<void>; db?: { status: string } }> = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close().catch(() => undefined);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "flops-smtprune-"));
  dirs.push(d);
  return d;
}

async function openStore(dir: string): Promise<ChainStore> {
  const s = await ChainStore.open(dir);
  open.push(s);
  return s;
}

const ZERO = new Uint8Array(32);
const ADDRS = Array.from({ length: 24 }, (_, i) => sha256(utf8(`prune/addr/${i}`)).subarray(0, 20));
/** Few values, so leaves are often rebuilt exactly as an older block had them (births matter). */
const CREDITS = [1n, 2n, 3n];

type Change =
  | { kind: "account"; addr: number; credits: number }
  | { kind: "awaited"; round: number; present: boolean }
  | { kind: "withdraw"; addr: number };

const changeArb: fc.Arbitrary<Change> = fc.oneof(
  fc.record({
    kind: fc.constant("account" as const),
    addr: fc.integer({ min: 0, max: ADDRS.length - 1 }),
    credits: fc.integer({ min: 0, max: CREDITS.length - 1 }),
  }),
  fc.record({
    kind: fc.constant("awaited" as const),
    round: fc.integer({ min: 0, max: 11 }),
    present: fc.boolean(),
  }),
  fc.record({ kind: fc.constant("withdraw" as const), addr: fc.integer({ min: 0, max: ADDRS.length - 1 }) }),
);

/** Every state key the changes can touch, plus keys never written (absence proofs). */
const STATE_KEYS = [
  ...ADDRS.map((a) => smtKey(NS.ACCOUNT, a)),
  ...Array.from({ length: 12 }, (_, r) => smtKey(NS.AWAITED, u64ToBytes(BigInt(r)))),
  ...Array.from({ length: 4 }, (_, i) => sha256(utf8(`prune/absent/${i}`))),
];
const WITHDRAWAL_KEYS = Array.from({ length: 40 }, (_, i) => withdrawalKey(BigInt(i)));

function header(n: bigint, roots: StateRoots): BlockHeader {
  return {
    number: n,
    parentHash: ZERO,
    timestamp: 1_700_000_000_000n + n,
    l1Origin: { number: 0n, hash: ZERO, timestamp: 0n },
    stateRoot: roots.stateRoot,
    withdrawalsRoot: roots.withdrawalsRoot,
    txRoot: ZERO,
    receiptsRoot: ZERO,
  };
}

function blockToCommit(n: bigint, roots: StateRoots): BlockToCommit {
  const block: Block = { header: header(n, roots), systemTxs: [], txs: [] };
  const encoded = encodeBlock(block);
  return { block, hash: blockHash(block.header), receipts: [], senders: [], encoded, size: encoded.length };
}

/** A chain of blocks over a ChainStore, each built by StateDb.commit as the node builds them. */
class Chain {
  roots: StateRoots = { stateRoot: EMPTY_ROOT, withdrawalsRoot: EMPTY_ROOT };
  readonly history: StateRoots[] = [];
  private withdrawals = 0n;
  private readonly caches = { state: new SmtNodeCache(10), withdrawals: new SmtNodeCache(8) };
  constructor(public store: ChainStore) {}

  async block(changes: readonly Change[], derived = false): Promise<void> {
    const { n, b, ops } = this.build(changes);
    if (derived)
      await this.store.commitDerivedBlock(b, ops, { originParentHash: ZERO, l1Number: n, l1Hash: ZERO });
    else await this.store.commitBlock(b, ops);
    this.history.push(this.roots);
  }

  /** The next block and its state ops, not yet committed (this.roots moves on). */
  build(changes: readonly Change[]): { n: bigint; b: BlockToCommit; ops: KvOp[] } {
    const n = BigInt(this.history.length);
    const overlay = new OverlayKv(this.store.kv);
    const s = new StateDb(overlay, this.roots, this.caches);
    for (const c of changes) {
      if (c.kind === "account") s.setAccount(ADDRS[c.addr]!, { nonce: 0n, credits: CREDITS[c.credits]! });
      else if (c.kind === "awaited") s.setAwaited(BigInt(c.round), c.present ? [n] : []);
      else
        s.addWithdrawal({
          index: this.withdrawals++,
          from: ADDRS[c.addr]!,
          to: ADDRS[c.addr]!,
          amount: 1n,
          l2BlockNumber: n,
        });
    }
    this.roots = s.commit();
    return { n, b: blockToCommit(n, this.roots), ops: overlay.ops() };
  }

  /** Takes blocks above `n` back (an L1 reorg) in the store and here. */
  async rewindTo(n: number): Promise<void> {
    await this.store.rewindTo(BigInt(n));
    this.history.length = n + 1;
    this.roots = this.history[n]!;
  }
}

/** Proof bytes of every key at `roots`, read with no cache: what the store itself holds. */
function proofsAt(kv: LevelKv, roots: StateRoots): string[] {
  const state = new SparseMerkleTree(new OverlayKv(kv), roots.stateRoot, {
    prefix: KV_PREFIX.SMT_STATE,
    cache: new SmtNodeCache(0),
  });
  const w = new SparseMerkleTree(new OverlayKv(kv), roots.withdrawalsRoot, {
    prefix: KV_PREFIX.SMT_WITHDRAWALS,
    cache: new SmtNodeCache(0),
  });
  return [
    ...STATE_KEYS.map((k) => bytesToHex(encodeSmtProof(state.prove(k)))),
    ...WITHDRAWAL_KEYS.map((k) => bytesToHex(encodeSmtProof(w.prove(k)))),
  ];
}

/** Storage keys (prefix ‖ hash) of the nodes reachable from a root. */
function reachable(kv: LevelKv, prefix: number, root: Uint8Array, out: Set<string>): void {
  const todo = [root];
  while (todo.length) {
    const h = todo.pop()!;
    if (kvKey(h) === kvKey(SMT_EMPTY_ROOT)) continue;
    const k = new Uint8Array(33);
    k[0] = prefix;
    k.set(h, 1);
    if (out.has(kvKey(k))) continue;
    out.add(kvKey(k));
    const v = kv.get(k);
    if (v === undefined) throw new Error(`node ${bytesToHex(h)} missing`);
    if (v[0] === 0x01) todo.push(v.slice(1, 33), v.slice(33, 65));
  }
}

async function storedNodes(kv: LevelKv): Promise<Set<string>> {
  const out = new Set<string>();
  for await (const k of kv.db.keys({
    gte: Uint8Array.of(PREFIX.SMT_STATE),
    lt: Uint8Array.of(PREFIX.SMT_WITHDRAWALS + 1),
  }))
    out.add(kvKey(new Uint8Array(k)));
  return out;
}

async function countKeys(kv: LevelKv, prefix: number): Promise<number> {
  let n = 0;
  for await (const _ of kv.db.keys({ gte: Uint8Array.of(prefix), lt: Uint8Array.of(prefix + 1) })) n++;
  return n;
}

/** The store holds exactly the nodes that the roots of blocks from..head reach. */
async function expectExactlyRetained(chain: Chain, from: number): Promise<void> {
  const kv = chain.store.kv;
  const want = new Set<string>();
  for (let n = from; n < chain.history.length; n++) {
    reachable(kv, PREFIX.SMT_STATE, chain.history[n]!.stateRoot, want);
    reachable(kv, PREFIX.SMT_WITHDRAWALS, chain.history[n]!.withdrawalsRoot, want);
  }
  const have = await storedNodes(kv);
  const extra = [...have].filter((k) => !want.has(k));
  expect(extra.length).toBe(0);
  expect(have.size).toBe(want.size);
}

async function pruneUntilDone(
  store: ChainStore,
  keepFrom: bigint,
  limits = DEFAULT_SMT_PRUNE_LIMITS,
): Promise<void> {
  for (let i = 0; i < 100_000; i++) if ((await store.pruneState(keepFrom, limits)).done) return;
  throw new Error("prune did not finish");
}

describe("SMT pruning (store/smtPruner.ts over ChainStore)", () => {
  it("keeps every proof of every retained root byte for byte, and nothing a pruned root alone reached", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(changeArb, { minLength: 1, maxLength: 6 }), { minLength: 2, maxLength: 24 }),
        fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 4 }),
        fc.record({ maxNodes: fc.integer({ min: 1, max: 9 }), maxRows: fc.integer({ min: 1, max: 5 }) }),
        async (blocks, prunes, limits) => {
          const store = await openStore(tempDir());
          const chain = new Chain(store);
          const proofs: string[][] = [];
          // Prune at random points while blocks keep coming, with tiny batches (cursor mid-row).
          const at = new Map(prunes.map(([when, keep]) => [when % blocks.length, keep]));
          let floor = 0n;
          for (let i = 0; i < blocks.length; i++) {
            await chain.block(blocks[i]!);
            proofs.push(proofsAt(store.kv, chain.roots));
            const keep = at.get(i);
            if (keep !== undefined) {
              const k = BigInt(keep % (i + 1));
              await pruneUntilDone(store, k, limits);
              if (k > floor) floor = k;
            }
          }
          expect(store.stateAvailableFrom()).toBeLessThanOrEqual(floor);
          for (let n = Number(floor); n < blocks.length; n++) {
            expect(proofsAt(store.kv, chain.history[n]!)).toEqual(proofs[n]);
          }
          await expectExactlyRetained(chain, Number(floor));
          await store.close();
          open.pop();
        },
      ),
      { numRuns: 12 },
    );
  }, 120_000);

  it("a crash mid-sweep (a batch that never lands, then a restart) leaves a consistent store", async () => {
    const dir = tempDir();
    let store = await openStore(dir);
    const chain = new Chain(store);
    const rnd = fc.sample(fc.array(changeArb, { minLength: 1, maxLength: 6 }), { numRuns: 40, seed: 7 });
    for (const changes of rnd) await chain.block(changes);
    const proofs = chain.history.map((r) => proofsAt(store.kv, r));
    const limits = { maxNodes: 5, maxRows: 3 };
    // Two batches land, then one fails to write (the process dies with it).
    for (let i = 0; i < 2; i++) await store.pruneState(30n, limits);
    const before = { nodes: await storedNodes(store.kv), cursor: readSmtPruneCursor(store.kv) };
    expect(before.cursor.block).toBeGreaterThan(1n);
    const write = store.kv.write.bind(store.kv);
    store.kv.write = async () => {
      throw new Error("killed");
    };
    await expect(store.pruneState(30n, limits)).rejects.toThrow("killed");
    store.kv.write = write;
    expect(await storedNodes(store.kv)).toEqual(before.nodes);
    expect(readSmtPruneCursor(store.kv)).toEqual(before.cursor);
    // Restart: reopen the same directory and finish the sweep from the stored cursor.
    await store.close();
    open.pop();
    store = await openStore(dir);
    chain.store = store;
    expect(readSmtPruneCursor(store.kv)).toEqual(before.cursor);
    await pruneUntilDone(store, 30n, limits);
    for (let n = 30; n < chain.history.length; n++)
      expect(proofsAt(store.kv, chain.history[n]!)).toEqual(proofs[n]);
    await expectExactlyRetained(chain, 30);
    // The rows up to 30 are gone with their nodes.
    expect(await countKeys(store.kv, PREFIX.SMT_DEATH_ROW)).toBeLessThanOrEqual(
      2 * (chain.history.length - 31),
    );
  }, 60_000);

  it("never lets a block write slip between a sweep batch's stamp reads and its deletes", async () => {
    const store = await openStore(tempDir());
    const chain = new Chain(store);
    await chain.block([{ kind: "account", addr: 1, credits: 0 }]); // block 0
    await chain.block([{ kind: "account", addr: 0, credits: 0 }]); // 1: leaf (A, 1) born
    await chain.block([{ kind: "account", addr: 0, credits: 1 }]); // 2: it dies (row 2)
    await chain.block([{ kind: "account", addr: 2, credits: 1 }]); // 3
    // Block 4 brings the leaf back; its commit is issued while the sweep of row 2 is writing.
    const next = chain.build([{ kind: "account", addr: 0, credits: 0 }]);
    const write = store.kv.write.bind(store.kv);
    let first = true;
    store.kv.write = async (ops, o) => {
      if (first) {
        first = false;
        await new Promise((r) => setTimeout(r, 50)); // the sweep's batch is slow to land
      }
      return write(ops, o);
    };
    await Promise.all([store.pruneState(2n), store.commitBlock(next.b, next.ops)]);
    store.kv.write = write;
    chain.history.push(chain.roots);
    const tree = new SparseMerkleTree(new OverlayKv(store.kv), chain.roots.stateRoot, {
      cache: new SmtNodeCache(0),
    });
    expect(tree.get(smtKey(NS.ACCOUNT, ADDRS[0]!))).toBeDefined();
    await pruneUntilDone(store, 4n);
    await expectExactlyRetained(chain, 4);
  });

  it("after an L1 reorg (rewindTo) the sweep still keeps every retained root whole", async () => {
    const store = await openStore(tempDir());
    const chain = new Chain(store);
    const rnd = fc.sample(fc.array(changeArb, { minLength: 1, maxLength: 6 }), { numRuns: 40, seed: 11 });
    for (let i = 0; i < 20; i++) await chain.block(rnd[i]!, i > 0);
    await store.pruneUndo(4n);
    // The sweep may not pass the lowest block a reorg can still rewind to (undoPruned = 4).
    await pruneUntilDone(store, 15n);
    expect(store.stateAvailableFrom()).toBe(4n);
    await chain.rewindTo(9);
    // The rewound blocks' death rows went with them; the new branch re-creates some of their nodes.
    for (let i = 20; i < 40; i++) await chain.block(rnd[i]!, true);
    // Roots from 4 on are whole (the earlier sweep stopped there); from 20 on they must stay so.
    const proofs = chain.history.map((r, n) => (n >= 4 ? proofsAt(store.kv, r) : []));
    await store.pruneUndo(20n);
    await pruneUntilDone(store, 20n, { maxNodes: 3, maxRows: 2 });
    for (let n = 20; n < chain.history.length; n++)
      expect(proofsAt(store.kv, chain.history[n]!)).toEqual(proofs[n]);
  });

  it("the background loop follows the head, yields between batches, and stops cleanly", async () => {
    const store = await openStore(tempDir());
    const chain = new Chain(store);
    const rnd = fc.sample(fc.array(changeArb, { minLength: 1, maxLength: 6 }), { numRuns: 30, seed: 3 });
    for (let i = 0; i < 10; i++) await chain.block(rnd[i]!);
    const errors: unknown[] = [];
    let asked = 0;
    const loop = startPruneLoop(
      {
        keepFrom: () => {
          asked++;
          return store.head()!.header.number - 3n;
        },
        idleMs: 5,
      },
      { target: store, onError: (e) => errors.push(e) },
    );
    for (let i = 10; i < 30; i++) await chain.block(rnd[i]!); // blocks commit while it sweeps
    const until = Date.now() + 10_000;
    while (store.stateAvailableFrom() < 26n && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    await loop.stop();
    const seen = asked;
    await new Promise((r) => setTimeout(r, 30));
    expect(asked).toBe(seen); // stopped for good
    expect(errors).toEqual([]);
    expect(store.stateAvailableFrom()).toBe(26n);
    await expectExactlyRetained(chain, 26);
  });

  it("clamps keepFrom to the head: the head's tree always stays whole", async () => {
    const store = await openStore(tempDir());
    const chain = new Chain(store);
    for (let i = 0; i < 6; i++) await chain.block([{ kind: "account", addr: i, credits: i % 3 }]);
    await pruneUntilDone(store, 1_000n);
    expect(store.stateAvailableFrom()).toBe(5n);
    await expectExactlyRetained(chain, 5);
  });

  it("a long churn (5,000 blocks over a fixed key set) keeps the node count flat", async () => {
    // The block path without the block record and fsync: stamping and filing as commitBlock does,
    // then the same sweep, every 50 blocks, keeping the last 100 roots.
    const kv = new LevelKv(tempDir());
    await kv.open();
    open.push(kv);
    const cache = new SmtNodeCache(12);
    let roots: StateRoots = { stateRoot: EMPTY_ROOT, withdrawalsRoot: EMPTY_ROOT };
    const counts: number[] = [];
    let seed = 1;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) >>> 0;
      return seed;
    };
    for (let n = 0n; n < 5_000n; n++) {
      const overlay = new OverlayKv(kv);
      const s = new StateDb(overlay, roots, { state: cache });
      for (let j = 0; j < 4; j++) s.setAccount(ADDRS[next() % 16]!, { nonce: n, credits: BigInt(next()) });
      roots = s.commit();
      await kv.write(fileSmtGarbage(overlay.ops(), n));
      if (n % 50n === 49n) {
        for (;;) {
          const b = await smtPruneBatch(kv.db, n - 100n, DEFAULT_SMT_PRUNE_LIMITS);
          await kv.write(b.ops);
          if (b.done) break;
        }
        counts.push(await countKeys(kv, PREFIX.SMT_STATE));
      }
    }
    // 16 live leaves: ~31 nodes in a tree; ~4 x 6 new nodes per block, 150 roots kept at most.
    const last = counts.slice(50);
    expect(Math.max(...last)).toBeLessThan(4_000);
    expect(Math.max(...last)).toBeLessThan(1.15 * Math.min(...last));
    expect(await countKeys(kv, PREFIX.SMT_DEATH_ROW)).toBeLessThanOrEqual(2 * 150);
    // Without the sweep the store would hold ~20 nodes per block (100k here).
    expect(counts[counts.length - 1]!).toBeLessThan(5_000);
  }, 120_000);
});
