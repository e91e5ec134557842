/**
 * block_build_ms: the sequencer's build of a 5,000-tx block on the node's LevelDB store: the
 * mempool's selection (Mempool.select) + ChainCore.build (execution, SMT updates, state root,
 * tx/receipt roots), exactly the calls of Sequencer.produceBlock. block_commit_ms: the store
 * commit of that block (ChainStore.commitBlock: state ops + block + receipts + tx index + head +
 * journal removals, one LevelDB batch). Target ≤ 500 ms for the build.
 *
 * State: 20,000 funded accounts at genesis (plus what earlier blocks add). Each block: 4,500
 * transfers from distinct funded senders to funded accounts, 250 registers + 250 challenges
 * (devnet tier) from fresh accounts. Blocks are 1 s apart (synthetic clock); beacon system txs are
 * left out (challenges stay REQUESTED). Median over the blocks after one warm-up block.
 */
import { join } from "node:path";
import { ChainCore } from "../chain/chainCore.ts";
import { TIER_DEVNET } from "../chain/params.ts";
import type { SignedTx, VerifiedTx } from "../chain/types.ts";
import { devGenesis } from "../node/devnet.ts";
import { DEFAULT_MEMPOOL_OPTS, Mempool } from "../sequencer/mempool.ts";
import { ChainStore } from "../store/chainStore.ts";
import { BenchAccount, machineLoad, median, tempDir } from "./nodeKit.ts";
import type { BenchOpts, BenchResult } from "./types.ts";

const FUNDED = 20_000;
const BLOCK_TXS = 5000;
const FRESH_PER_BLOCK = 250;

export async function run(opts: BenchOpts): Promise<BenchResult[]> {
  const blocks = opts.quick ? 4 : 8;
  const tmp = tempDir("blockbuild");
  let store: ChainStore | undefined;
  try {
    const base = devGenesis({ now: 1_700_000_000_000n, epochSeconds: 30 });
    const chainId = base.params.l2ChainId;
    const funded = Array.from({ length: FUNDED }, (_, i) =>
      BenchAccount.fromSeed("build-funded", i, chainId),
    );
    const genesis = { ...base, alloc: funded.map((a) => ({ address: a.address, credits: 10n ** 24n })) };
    store = await ChainStore.open(join(tmp.dir, "chain"));
    const g = ChainCore.genesis(store.kv, { timestamp: genesis.timestamp, alloc: genesis.alloc });
    await store.writeGenesis(genesis, g.head, g.ops);
    const core = new ChainCore(genesis.params, store.kv, g.head);
    let headState = core.readState();
    const mempool = new Mempool(DEFAULT_MEMPOOL_OPTS, { accountNonce: (a) => headState.getAccount(a).nonce });

    const select: number[] = [];
    const build: number[] = [];
    const commit: number[] = [];
    const txCounts: number[] = [];
    let fresh = 0;
    let sender = 0;
    const loadBefore = machineLoad();
    for (let b = 0; b < blocks; b++) {
      // Fill the mempool (untimed: admission is rpc_ingest's business).
      const txs: SignedTx[] = [];
      const froms: BenchAccount[] = [];
      const transfers = BLOCK_TXS - 2 * FRESH_PER_BLOCK;
      for (let i = 0; i < transfers; i++) {
        const from = funded[sender++ % FUNDED]!;
        const to = funded[(sender * 7 + 13) % FUNDED]!;
        txs.push(from.sign({ kind: "transfer", to: to.address, amount: 1n + BigInt(i) }));
        froms.push(from);
        if (i % 18 === 0 && txs.length < BLOCK_TXS) {
          const a = BenchAccount.fromSeed("build-fresh", fresh++, chainId);
          txs.push(a.sign({ kind: "register" }), a.sign({ kind: "challenge", tier: TIER_DEVNET.id }));
          froms.push(a, a);
        }
      }
      while (txs.length < BLOCK_TXS) {
        const a = BenchAccount.fromSeed("build-fresh", fresh++, chainId);
        txs.push(a.sign({ kind: "register" }));
        froms.push(a);
      }
      txs.forEach((tx, i) => {
        const r = mempool.add(tx, froms[i]!.address);
        if (!r.ok) throw new Error(`blockBuild: mempool refused a tx: ${r.message}`);
      });

      const timestamp = genesis.timestamp + BigInt(b + 1) * 1000n;
      const t0 = performance.now();
      const pending = mempool.select(10_000, core.params.maxBlockBytes);
      const t1 = performance.now();
      const built = core.build({
        timestamp,
        l1Origin: { number: 0n, hash: new Uint8Array(32), timestamp: timestamp / 1000n },
        systemTxs: [],
        txs: pending.map((p): VerifiedTx => ({ tx: p.tx, from: p.from })),
      });
      const t2 = performance.now();
      if (built.rejected.length)
        throw new Error(
          `blockBuild: ${built.rejected.length} txs rejected: ${JSON.stringify(built.rejected[0])}`,
        );
      const senders = built.block.txs.map((tx) => mempool.get(tx.hash)!.from);
      await store.commitBlock(
        { block: built.block, hash: built.hash, receipts: built.receipts, senders, size: 0 },
        built.ops,
      );
      const t3 = performance.now();
      core.advance({ header: built.block.header, hash: built.hash });
      headState = core.readState();
      mempool.prune(senders);
      if (b > 0) {
        select.push(t1 - t0);
        build.push(t2 - t1);
        commit.push(t3 - t2);
        txCounts.push(built.block.txs.length);
      }
    }
    const load = `${loadBefore} → ${machineLoad()}`;
    const total = select.map((s, i) => s + build[i]!);
    const r1 = (x: number) => Number(x.toFixed(1));
    return [
      {
        name: "block_build_ms",
        value: r1(median(total)),
        unit: "ms",
        target: 500,
        min: r1(Math.min(...total)),
        max: r1(Math.max(...total)),
        selectMs: r1(median(select)),
        coreBuildMs: r1(median(build)),
        txsPerBlock: median(txCounts),
        blocksTimed: total.length,
        stateAccounts: FUNDED + fresh,
        load,
      },
      {
        name: "block_commit_ms",
        value: r1(median(commit)),
        unit: "ms",
        min: r1(Math.min(...commit)),
        max: r1(Math.max(...commit)),
        load,
      },
    ];
  } finally {
    await store?.close();
    tmp.cleanup();
  }
}
