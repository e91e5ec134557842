import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesToHex } from "../../chain/bytes.ts";
import { ChainCore } from "../../chain/chainCore.ts";
import { MemoryKv } from "../../chain/kv.ts";
import { TIER_TINY } from "../../chain/params.ts";
import { recoverSender } from "../../chain/tx/index.ts";
import type { Block } from "../../chain/types.ts";
import { decodeBlock, encodeBlock } from "../../chain/wire/index.ts";
import { LevelKv } from "../../store/levelKv.ts";
import { TestAccount, TestChain } from "../helpers/testChain.ts";

const N_ACCOUNTS = 4;

type Op =
  | { kind: "transfer"; from: number; to: number; amount: number }
  | { kind: "withdraw"; from: number; amount: number }
  | { kind: "register"; from: number }
  | { kind: "challenge"; from: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant("transfer" as const),
    from: fc.nat(N_ACCOUNTS - 1),
    to: fc.nat(N_ACCOUNTS - 1),
    amount: fc.nat(400),
  }),
  fc.record({ kind: fc.constant("withdraw" as const), from: fc.nat(N_ACCOUNTS - 1), amount: fc.nat(300) }),
  fc.record({ kind: fc.constant("register" as const), from: fc.nat(N_ACCOUNTS - 1) }),
  fc.record({ kind: fc.constant("challenge" as const), from: fc.nat(N_ACCOUNTS - 1) }),
);

/** Runs random ops in blocks of up to 5 txs; returns the chain and every block built. */
function runScenario(blocks: Op[][]): { chain: TestChain; built: Block[]; accounts: TestAccount[] } {
  const accounts = Array.from({ length: N_ACCOUNTS }, (_, i) => TestAccount.fromSeed(i, 0xf10b5n));
  const chain = new TestChain({ alloc: accounts.map((a) => ({ address: a.address, credits: 500n })) });
  const built: Block[] = [];
  for (const ops of blocks) {
    const txs = ops.map((op) => {
      const a = accounts[op.from]!;
      switch (op.kind) {
        case "transfer":
          return a.sign({ kind: "transfer", to: accounts[op.to]!.address, amount: BigInt(op.amount) });
        case "withdraw":
          return a.sign({ kind: "withdraw", to: a.address, amount: BigInt(op.amount) });
        case "register":
          return a.sign({ kind: "register" });
        default:
          return a.sign({ kind: "challenge", tier: TIER_TINY.id });
      }
    });
    built.push(chain.block(txs).block);
  }
  return { chain, built, accounts };
}

/** Re-applies blocks (through their wire bytes) on a fresh genesis with block validation. */
function replay(built: Block[], chain: TestChain): string[] {
  const kv = new MemoryKv();
  const accounts = Array.from({ length: N_ACCOUNTS }, (_, i) => TestAccount.fromSeed(i, 0xf10b5n));
  const { head, ops } = ChainCore.genesis(kv, {
    timestamp: 1_700_000_000_000n,
    alloc: accounts.map((a) => ({ address: a.address, credits: 500n })),
  });
  kv.apply(ops);
  const core = new ChainCore(chain.params, kv, head);
  const roots: string[] = [];
  for (const b of built) {
    const block = decodeBlock(encodeBlock(b));
    const senders = block.txs.map((tx) => {
      const r = recoverSender(tx);
      if (!r.ok) throw new Error("bad sender");
      return r.value;
    });
    const { ops: blockOps, hash } = core.check(block, senders);
    kv.apply(blockOps);
    core.advance({ header: block.header, hash });
    roots.push(bytesToHex(block.header.stateRoot));
  }
  return roots;
}

describe("determinism and conservation", () => {
  it("default: the same blocks give the same roots, replayed twice through wire bytes", () => {
    fc.assert(
      fc.property(fc.array(fc.array(opArb, { maxLength: 5 }), { minLength: 1, maxLength: 8 }), (blocks) => {
        const { chain, built, accounts } = runScenario(blocks);
        const roots = built.map((b) => bytesToHex(b.header.stateRoot));
        expect(replay(built, chain)).toEqual(roots);
        expect(replay(built, chain)).toEqual(roots);
        // Conservation: balances + withdrawn = allocated (no passes in this scenario).
        const state = chain.core.readState();
        let balances = 0n;
        for (const a of accounts) balances += state.getAccount(a.address).credits;
        let withdrawn = 0n;
        const meta = state.getMeta();
        for (let i = 0n; i < meta.withdrawalCount; i++) withdrawn += state.getWithdrawal(i)!.amount;
        expect(balances).toBe(meta.supply);
        expect(balances + withdrawn).toBe(500n * BigInt(N_ACCOUNTS));
      }),
      { numRuns: 15 },
    );
  });

  it("error: a block whose state root was altered is refused on replay", () => {
    const { chain, built } = runScenario([[{ kind: "register", from: 0 }]]);
    const tampered: Block = {
      ...built[0]!,
      header: { ...built[0]!.header, stateRoot: new Uint8Array(32).fill(7) },
    };
    expect(() => replay([tampered], chain)).toThrow(/ROOT_MISMATCH|stateRoot/);
  });

  it("behavior: applying over LevelDB, closing and reopening halfway gives the same roots", async () => {
    const ops: Op[][] = Array.from({ length: 10 }, (_, b) => [
      { kind: "register", from: b % N_ACCOUNTS },
      { kind: "transfer", from: (b + 1) % N_ACCOUNTS, to: b % N_ACCOUNTS, amount: 10 + b },
      { kind: "challenge", from: b % N_ACCOUNTS },
      { kind: "withdraw", from: (b + 2) % N_ACCOUNTS, amount: 5 },
    ]);
    const { chain, built } = runScenario(ops);
    const dir = mkdtempSync(join(tmpdir(), "flops-determinism-"));
    try {
      let kv = new LevelKv(dir);
      await kv.open();
      const accounts = Array.from({ length: N_ACCOUNTS }, (_, i) => TestAccount.fromSeed(i, 0xf10b5n));
      const genesis = ChainCore.genesis(kv, {
        timestamp: 1_700_000_000_000n,
        alloc: accounts.map((a) => ({ address: a.address, credits: 500n })),
      });
      await kv.write(genesis.ops);
      let core = new ChainCore(chain.params, kv, genesis.head);
      const roots: string[] = [];
      for (const [i, b] of built.entries()) {
        if (i === 5) {
          // Restart: a fresh process would reopen the store and resume from the stored head.
          const head = core.head;
          await kv.close();
          kv = new LevelKv(dir);
          await kv.open();
          core = new ChainCore(chain.params, kv, head);
        }
        const senders = b.txs.map((tx) => (recoverSender(tx) as { ok: true; value: Uint8Array }).value);
        const { ops: blockOps, hash } = core.check(b, senders);
        await kv.write(blockOps);
        core.advance({ header: b.header, hash });
        roots.push(bytesToHex(b.header.stateRoot));
      }
      await kv.close();
      expect(roots).toEqual(built.map((b) => bytesToHex(b.header.stateRoot)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
