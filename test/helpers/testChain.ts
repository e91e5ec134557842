/**
 * A chain in memory for tests and benchmarks: genesis, a local beacon, and `block()` which builds
 * the next block from signed txs (senders recovered), includes the beacon rounds pending
 * challenges await, persists the ops into the MemoryKv and advances the head.
 */
import {
  createLocalBeacon,
  deriveBeaconSecretKey,
  type LocalBeacon,
  latestRoundAt,
} from "../../chain/beacon/index.ts";
import { type BuiltBlock, ChainCore } from "../../chain/chainCore.ts";
import { MemoryKv } from "../../chain/kv.ts";
import { type ChainParams, defaultParams, TIER_SMALL, TIER_TINY, type Tier } from "../../chain/params.ts";
import { addressFromPrivateKey, recoverSender, signTx } from "../../chain/tx/index.ts";
import type { Action, Address, SignedTx, SystemTx, VerifiedTx } from "../../chain/types.ts";

export const T0_SEC = 1_700_000_000n;

export interface TestChainOpts {
  params?: Partial<ChainParams>;
  tiers?: Tier[];
  alloc?: Array<{ address: Address; credits: bigint }>;
}

export class TestChain {
  readonly kv = new MemoryKv();
  readonly beacon: LocalBeacon;
  readonly params: ChainParams;
  readonly core: ChainCore;
  /** Next block's time (ms). */
  time: bigint;
  /** Highest round considered for inclusion so far. */
  private roundCursor = 0n;
  /** Rounds to withhold (simulate a beacon outage). */
  readonly withheld = new Set<bigint>();

  constructor(opts: TestChainOpts = {}) {
    this.beacon = createLocalBeacon(deriveBeaconSecretKey("flops/test-beacon"), {
      genesisTime: T0_SEC,
      periodSeconds: 1n,
    });
    this.params = defaultParams(this.beacon.config, {
      tiers: opts.tiers ?? [TIER_TINY, TIER_SMALL],
      epochMs: 30_000n,
      ...opts.params,
    });
    const genesisTime = T0_SEC * 1000n;
    const { head, ops } = ChainCore.genesis(this.kv, { timestamp: genesisTime, alloc: opts.alloc ?? [] });
    this.kv.apply(ops);
    this.core = new ChainCore(this.params, this.kv, head);
    this.time = genesisTime + 1000n;
  }

  /** Rounds in (cursor, latest at t] that some pending challenge awaits. */
  dueRounds(t: bigint): SystemTx[] {
    const latest = latestRoundAt(this.params.beacon, t);
    const state = this.core.readState();
    const out: SystemTx[] = [];
    for (let r = this.roundCursor + 1n; r <= latest; r++) {
      if (this.withheld.has(r)) continue;
      if (state.getAwaited(r).length > 0)
        out.push({ kind: "beacon", round: r, signature: this.beacon.sign(r) });
    }
    this.roundCursor = latest;
    return out;
  }

  /**
   * Builds, persists and advances one block at `this.time` (then moves time on by `stepMs`).
   * Throws if any given tx was left out, unless `allowRejected`.
   */
  block(
    txs: SignedTx[] = [],
    opts: { stepMs?: bigint; allowRejected?: boolean; systemTxs?: SystemTx[] } = {},
  ): BuiltBlock {
    const t = this.time;
    const vtxs: VerifiedTx[] = txs.map((tx) => {
      const from = recoverSender(tx);
      if (!from.ok) throw new Error(`test tx has a bad signature: ${from.error}`);
      return { tx, from: from.value };
    });
    const built = this.core.build({
      timestamp: t,
      l1Origin: { number: 0n, hash: new Uint8Array(32), timestamp: t / 1000n },
      systemTxs: [...(opts.systemTxs ?? []), ...this.dueRounds(t)],
      txs: vtxs,
    });
    if (!opts.allowRejected && built.rejected.some((r) => !r.system)) {
      throw new Error(`txs rejected: ${JSON.stringify(built.rejected)}`);
    }
    this.kv.apply(built.ops);
    this.core.advance({ header: built.block.header, hash: built.hash });
    this.time = t + (opts.stepMs ?? 1000n);
    return built;
  }

  /** Produces empty blocks until `t` (ms) has passed. */
  advanceTo(t: bigint, stepMs = 1000n): void {
    while (this.time <= t) this.block([], { stepMs });
  }
}

/** A test account: key, address, and a nonce counter for signing in order. */
export class TestAccount {
  readonly address: Address;
  nonce = 0n;
  constructor(
    readonly privateKey: Uint8Array,
    readonly chainId: bigint,
  ) {
    this.address = addressFromPrivateKey(privateKey);
  }
  static fromSeed(seed: number, chainId: bigint): TestAccount {
    const key = new Uint8Array(32);
    new DataView(key.buffer).setUint32(28, seed + 1);
    key[0] = 0x11;
    return new TestAccount(key, chainId);
  }
  sign(action: Action, nonce: bigint = this.nonce++): SignedTx {
    return signTx({ chainId: this.chainId, nonce, action }, this.privateKey);
  }
}
