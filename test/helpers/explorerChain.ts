/**
 * A real chain on a real ChainStore (LevelDB in a temp folder) for the explorer's tests: the
 * TestChain's block flow (a local beacon, due rounds included), but every block is committed as a
 * verifier commits it (commitDerivedBlock: with an undo record), so `store.rewindTo` can take
 * blocks back as an L1 reorg does. `scenario()` plays a small devnet: nodes that register,
 * challenge, commit and reveal (one pass, one cheat), transfers, a deposit and withdrawals.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  beaconRandomness,
  createLocalBeacon,
  deriveBeaconSecretKey,
  type LocalBeacon,
  latestRoundAt,
} from "../../chain/beacon/index.ts";
import { type BuiltBlock, ChainCore } from "../../chain/chainCore.ts";
import type { GenesisDoc } from "../../chain/genesisDoc.ts";
import { type ChainParams, defaultParams, TIER_TINY } from "../../chain/params.ts";
import { challengeSeed } from "../../chain/proof/index.ts";
import { recoverSender } from "../../chain/tx/index.ts";
import type { Challenge, Receipt, SignedTx, SystemTx } from "../../chain/types.ts";
import { createRpcBackend } from "../../node/rpcBackend.ts";
import { createJsEngine } from "../../prover/engine/index.ts";
import { buildReveal, proveChallenge } from "../../prover/proveChallenge.ts";
import { ChainStore } from "../../store/chainStore.ts";
import { T0_SEC, TestAccount } from "./testChain.ts";

export class ExplorerChain {
  readonly beacon: LocalBeacon;
  readonly params: ChainParams;
  core!: ChainCore;
  store!: ChainStore;
  time = T0_SEC * 1000n + 1000n;
  private roundCursor = 0n;
  readonly accounts: TestAccount[];

  private constructor(readonly dir: string) {
    this.beacon = createLocalBeacon(deriveBeaconSecretKey("flops/test-explorer"), {
      genesisTime: T0_SEC,
      periodSeconds: 1n,
    });
    this.params = defaultParams(this.beacon.config, { tiers: [TIER_TINY], epochMs: 30_000n });
    this.accounts = [1, 2, 3, 4].map((s) => TestAccount.fromSeed(s, this.params.l2ChainId));
  }

  static async open(): Promise<ExplorerChain> {
    const c = new ExplorerChain(await mkdtemp(join(tmpdir(), "flops-explorer-")));
    c.store = await ChainStore.open(join(c.dir, "chain"));
    const doc: GenesisDoc = {
      params: c.params,
      timestamp: T0_SEC * 1000n,
      alloc: c.accounts.map((a) => ({ address: a.address, credits: 10n ** 21n })),
    };
    const g = ChainCore.genesis(c.store.kv, { timestamp: doc.timestamp, alloc: doc.alloc });
    await c.store.writeGenesis(doc, g.head, g.ops);
    c.core = new ChainCore(c.params, c.store.kv, g.head);
    return c;
  }

  async close(): Promise<void> {
    await this.store.close();
    await rm(this.dir, { recursive: true, force: true });
  }

  /** The node's RPC backend over this chain (no mempool). */
  backend() {
    const self = this;
    return createRpcBackend({
      store: this.store,
      // A getter: a rewind replaces the core.
      core: {
        get head() {
          return self.core.head;
        },
        params: this.params,
      },
      sequencer: {
        state: () => this.core.readState(),
        pendingNonce: (a) => this.core.readState().getAccount(a).nonce,
        submit: async () => ({ ok: false, code: "MEMPOOL_FULL", message: "read-only" }) as never,
        onBlock: () => () => {},
        mempool: { get: () => undefined },
      },
      clientVersion: "flops/test",
    });
  }

  private dueRounds(t: bigint): SystemTx[] {
    const latest = latestRoundAt(this.params.beacon, t);
    const state = this.core.readState();
    const out: SystemTx[] = [];
    for (let r = this.roundCursor + 1n; r <= latest; r++) {
      if (state.getAwaited(r).length > 0)
        out.push({ kind: "beacon", round: r, signature: this.beacon.sign(r) });
    }
    this.roundCursor = latest;
    return out;
  }

  /** Builds the next block, commits it as a derived block (undo record), advances the head. */
  async block(
    txs: SignedTx[] = [],
    opts: { systemTxs?: SystemTx[]; allowRejected?: boolean } = {},
  ): Promise<BuiltBlock> {
    const t = this.time;
    const vtxs = txs.map((tx) => {
      const from = recoverSender(tx);
      if (!from.ok) throw new Error("bad signature");
      return { tx, from: from.value };
    });
    const built = this.core.build({
      timestamp: t,
      l1Origin: { number: 0n, hash: new Uint8Array(32), timestamp: t / 1000n },
      systemTxs: [...(opts.systemTxs ?? []), ...this.dueRounds(t)],
      txs: vtxs,
    });
    if (!opts.allowRejected && built.rejected.length > 0)
      throw new Error(`rejected: ${JSON.stringify(built.rejected)}`);
    const n = built.block.header.number;
    await this.store.commitDerivedBlock(
      {
        block: built.block,
        hash: built.hash,
        receipts: built.receipts,
        senders: vtxs.map((v) => v.from),
        size: built.size,
        encoded: built.encoded,
      },
      built.ops,
      {
        originParentHash: new Uint8Array(32),
        l1Number: n,
        l1Hash: new Uint8Array(32).fill(Number(n % 255n)),
      },
    );
    this.core.advance({ header: built.block.header, hash: built.hash });
    this.time = t + 1000n;
    return built;
  }

  /** Rewinds the store to `n` (an L1 reorg) and the core with it. */
  async rewindTo(n: bigint): Promise<void> {
    await this.store.rewindTo(n);
    this.core = new ChainCore(this.params, this.store.kv, this.store.head()!);
    this.time = this.core.head.header.timestamp + 1000n;
    this.roundCursor = latestRoundAt(this.params.beacon, this.core.head.header.timestamp);
  }

  async send(tx: SignedTx): Promise<Receipt> {
    const b = await this.block([tx]);
    return b.receipts[b.receipts.length - 1]!;
  }

  challenge(id: bigint): Challenge {
    const c = this.core.readState().getChallenge(id);
    if (!c) throw new Error(`no challenge ${id}`);
    return c;
  }

  async waitFor(id: bigint, status: Challenge["status"]): Promise<Challenge> {
    for (let i = 0; i < 40; i++) {
      const c = this.challenge(id);
      if (c.status === status) return c;
      await this.block();
    }
    throw new Error(`challenge ${id} stuck in ${this.challenge(id).status}`);
  }

  /** challenge → commit → reveal; `cheat` flips one opened byte (the challenge FAILS). */
  async runChallenge(acct: TestAccount, cheat = false): Promise<bigint> {
    const id = (await this.send(acct.sign({ kind: "challenge", tier: TIER_TINY.id }))).challengeId!;
    const c = await this.waitFor(id, "ACTIVE");
    const seed = challengeSeed(this.params.l2ChainId, c.id, c.node, beaconRandomness(c.r1Signature!));
    const proved = await proveChallenge(TIER_TINY, seed, createJsEngine());
    await this.send(acct.sign({ kind: "commit", challengeId: id, root: proved.root }));
    const sampled = await this.waitFor(id, "SAMPLED");
    const { tiles, proof } = buildReveal(proved, beaconRandomness(sampled.r2Signature!));
    if (cheat) tiles[0] = tiles[0]! ^ 1;
    await this.block([acct.sign({ kind: "reveal", challengeId: id, tiles, proof })]);
    return id;
  }

  /**
   * The devnet scenario: accounts 0 and 1 register; 0 passes a challenge, 1 fails one; 2 sends
   * transfers; a deposit to 3; 3 withdraws twice. Returns the challenge ids.
   */
  async scenario(): Promise<{ passed: bigint; failed: bigint }> {
    const [a, b, c, d] = this.accounts as [TestAccount, TestAccount, TestAccount, TestAccount];
    await this.block([a.sign({ kind: "register" }), b.sign({ kind: "register" })]);
    const passed = await this.runChallenge(a);
    const failed = await this.runChallenge(b, true);
    for (let i = 0; i < 5; i++)
      await this.send(c.sign({ kind: "transfer", to: d.address, amount: 10n + BigInt(i) }));
    await this.block([], {
      systemTxs: [{ kind: "deposit", depositId: 1n, to: d.address, amount: 777n, l1BlockNumber: 5n }],
    });
    await this.send(d.sign({ kind: "withdraw", to: c.address, amount: 100n }));
    await this.send(d.sign({ kind: "withdraw", to: c.address, amount: 200n }));
    return { passed, failed };
  }
}
