/**
 * A `ProverChain` over the in-memory TestChain: transactions really execute (signatures, nonces,
 * the challenge lifecycle, deadlines, beacon rounds, credits). A small mempool in front of it
 * mirrors the sequencer's admission rules (ALREADY_KNOWN for a pending hash, NONCE_TOO_LOW below
 * the account nonce, NONCE_TOO_HIGH more than `maxNonceGap` ahead, same nonce replaces, gaps
 * wait). Blocks are produced by the reads the prover polls with (`getChallenge`, `getReceipt`),
 * one block (1 s of chain time) per call, so the chain moves exactly as fast as the prover looks
 * at it; with `blockEveryMs` at most one block per that much wall time (several challenges polled
 * at once would otherwise speed the chain up); `mine()` and `chain.advanceTo()` move it by hand.
 *
 * Faults for tests: `down` (every call fails like an unreachable node), `failNext(n)`, a failure
 * probability with a seeded generator, `restartNode()` (drops the mempool) and `evict(hash)`
 * (drops one pending tx, as a node's pool may).
 */
import type { NodeView, RpcBackend, StoredBlock, SubmitResult, SyncStatus } from "../../api/ports.ts";
import { bytesToHex, equalBytes } from "../../chain/bytes.ts";
import { genesisToJson } from "../../chain/genesisDoc.ts";
import type { ChainParams } from "../../chain/params.ts";
import { nodeViewAt } from "../../chain/state/liveness.ts";
import { recoverSender } from "../../chain/tx/index.ts";
import type { Address, Challenge, Hash32, SignedTx } from "../../chain/types.ts";
import { decodeSignedTx } from "../../chain/wire/index.ts";
import { RpcTransportError } from "../../prover/errors.ts";
import type {
  AccountView,
  HeadInfo,
  NodeInfo,
  ProverChain,
  ReceiptInfo,
  SendResult,
} from "../../prover/ports.ts";
import { T0_SEC, type TestChain } from "./testChain.ts";

interface Pending {
  tx: SignedTx;
  from: Address;
}

export interface FakeProverChainOpts {
  /** Produce a block on each getChallenge/getReceipt call; default true. */
  autoMine?: boolean;
  /** Probability that any call fails transiently; default 0. */
  failureRate?: number;
  /** Seed of the failure generator. */
  seed?: number;
  /** Auto-mined blocks at most this often (wall ms); default 0: one per read. */
  blockEveryMs?: number;
}

/** mulberry32: a tiny seeded PRNG so fault patterns repeat run to run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FakeProverChain implements ProverChain {
  readonly mempool: Pending[] = [];
  readonly receipts = new Map<string, ReceiptInfo>();
  /** Every call by method name (including failed ones). */
  readonly calls = new Map<string, number>();
  /** Raw txs accepted, in order (resends answered ALREADY_KNOWN are not added). */
  readonly accepted: SignedTx[] = [];
  autoMine: boolean;
  failureRate: number;
  /** When true every call throws like an unreachable node. */
  down = false;
  /** When set, flops_getGenesis serves this text instead of the chain's (a lying node). */
  servedGenesis: string | undefined;
  /** Called after a tx is accepted into the mempool (tests stop the prover there). */
  onAccepted: ((tx: SignedTx) => void) | undefined;
  /** When it returns true for an accepted tx: mine it, then fail the call as if the answer was lost. */
  loseResponse: ((tx: SignedTx) => boolean) | undefined;
  /** A tx more than this far ahead of its sender's next nonce is refused (the sequencer's default). */
  maxNonceGap = 16;
  blockEveryMs: number;
  private lastAutoMine = 0;
  private failures = 0;
  private readonly random: () => number;

  constructor(
    readonly chain: TestChain,
    opts: FakeProverChainOpts = {},
  ) {
    this.autoMine = opts.autoMine ?? true;
    this.failureRate = opts.failureRate ?? 0;
    this.blockEveryMs = opts.blockEveryMs ?? 0;
    this.random = prng(opts.seed ?? 1);
  }

  /** The auto-mine of a read (see blockEveryMs). */
  private autoMineNow(): void {
    if (!this.autoMine) return;
    const now = performance.now();
    if (this.blockEveryMs > 0 && now - this.lastAutoMine < this.blockEveryMs) return;
    this.lastAutoMine = now;
    this.mine();
  }

  /** Drops one pending tx (a node's pool evicting it); true if it was there. */
  evict(hash: Hash32): boolean {
    const i = this.mempool.findIndex((p) => equalBytes(p.tx.hash, hash));
    if (i >= 0) this.mempool.splice(i, 1);
    return i >= 0;
  }

  /** The next `n` calls fail transiently. */
  failNext(n: number): void {
    this.failures += n;
  }

  /** A node restart: its mempool is gone. */
  restartNode(): void {
    this.mempool.length = 0;
  }

  private enter(method: string): void {
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1);
    let fail = this.down;
    if (!fail && this.failures > 0) {
      this.failures--;
      fail = true;
    }
    if (!fail && this.failureRate > 0 && this.random() < this.failureRate) fail = true;
    if (fail) {
      throw new RpcTransportError(
        `${method}: node at fake://chain unreachable`,
        { url: "fake://chain", method, transient: true },
        { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) },
      );
    }
  }

  /** Builds one block from the executable mempool txs (contiguous nonces per sender). */
  mine(): void {
    const state = this.chain.core.readState();
    const next = new Map<string, bigint>();
    const picked: Pending[] = [];
    // Arrival order across senders, nonce order within one: take a tx when it is its sender's next.
    let progress = true;
    const left = [...this.mempool];
    while (progress) {
      progress = false;
      for (let i = 0; i < left.length; i++) {
        const p = left[i]!;
        const key = bytesToHex(p.from);
        const want = next.get(key) ?? state.getAccount(p.from).nonce;
        if (p.tx.body.nonce === want) {
          picked.push(p);
          next.set(key, want + 1n);
          left.splice(i, 1);
          progress = true;
          break;
        }
      }
    }
    const built = this.chain.block(
      picked.map((p) => p.tx),
      { allowRejected: true },
    );
    const number = built.block.header.number;
    for (const r of built.receipts) {
      const receipt: ReceiptInfo = {
        txHash: r.txHash,
        status: r.status,
        blockNumber: number,
        blockHash: built.hash,
      };
      if (r.error !== undefined) receipt.error = r.error;
      if (r.challengeId !== undefined) receipt.challengeId = r.challengeId;
      if (r.credits !== undefined) receipt.credits = r.credits;
      this.receipts.set(bytesToHex(r.txHash), receipt);
    }
    // Every picked tx leaves the pool: included ones, and those the block refused (bad nonce
    // after all), which a real pool evicts too.
    const gone = new Set(picked.map((p) => bytesToHex(p.tx.hash)));
    for (let i = this.mempool.length - 1; i >= 0; i--) {
      if (gone.has(bytesToHex(this.mempool[i]!.tx.hash))) this.mempool.splice(i, 1);
    }
  }

  /** The genesis document's canonical text: the test chain's params (its alloc is not tracked). */
  genesisJson(): string {
    return (
      this.servedGenesis ?? genesisToJson({ params: this.chain.params, timestamp: T0_SEC * 1000n, alloc: [] })
    );
  }

  // --- ProverChain ---------------------------------------------------------------------------

  async genesis(): Promise<string> {
    this.enter("genesis");
    return this.genesisJson();
  }

  async params(): Promise<ChainParams> {
    this.enter("params");
    return this.chain.params;
  }

  async getAccount(address: Address): Promise<AccountView> {
    this.enter("getAccount");
    const acc = this.chain.core.readState().getAccount(address);
    let pendingNonce = acc.nonce;
    while (this.mempool.some((p) => equalBytes(p.from, address) && p.tx.body.nonce === pendingNonce))
      pendingNonce++;
    return { nonce: acc.nonce, pendingNonce, credits: acc.credits };
  }

  async getNode(address: Address): Promise<NodeInfo | undefined> {
    this.enter("getNode");
    return this.nodeInfo(address);
  }

  /** flops_getNode's view, without fault injection (for assertions). */
  nodeInfo(address: Address): NodeInfo | undefined {
    const state = this.chain.core.readState();
    const record = state.getNode(address);
    if (!record) return undefined;
    const view = nodeViewAt(record, this.chain.core.head.header.timestamp, this.chain.params);
    return {
      address,
      credits: state.getAccount(address).credits,
      multiplierBps: view.multiplierBps,
      streak: view.streak,
      registeredAt: record.registeredAt,
      lastLiveEpoch: record.streak > 0 ? record.lastLiveEpoch : undefined,
      currentEpoch: record.currentEpoch,
      epochWork: record.epochWork,
      epochFailed: record.epochFailed,
      openChallenges: record.openChallenges,
      passed: record.passed,
      failed: record.failed,
      expired: record.expired,
      cancelled: record.cancelled,
      totalWork: record.totalWork,
      totalCredits: record.totalCredits,
      provenThroughput: record.lastThroughput,
    };
  }

  async getChallenge(id: bigint): Promise<Challenge | undefined> {
    this.enter("getChallenge");
    this.autoMineNow();
    return this.chain.core.readState().getChallenge(id);
  }

  async sendRawTransaction(raw: Uint8Array): Promise<SendResult> {
    this.enter("sendRawTransaction");
    const result = this.submit(raw);
    if (result.ok && this.loseResponse?.(decodeSignedTx(raw))) {
      // The node took it and put it in a block, but the answer never reached the client.
      this.mine();
      throw new RpcTransportError("flops_sendRawTransaction: node at fake://chain timed out", {
        url: "fake://chain",
        method: "sendRawTransaction",
        transient: true,
      });
    }
    return result;
  }

  /** Mempool admission, without fault injection. */
  submit(raw: Uint8Array): SendResult {
    let tx: SignedTx;
    try {
      tx = decodeSignedTx(raw);
    } catch (e) {
      return { ok: false, code: "MALFORMED", message: (e as Error).message };
    }
    const from = recoverSender(tx);
    if (!from.ok) return { ok: false, code: "BAD_SIGNATURE", message: from.error };
    if (tx.body.chainId !== this.chain.params.l2ChainId)
      return { ok: false, code: "WRONG_CHAIN_ID", message: "" };
    if (this.mempool.some((p) => equalBytes(p.tx.hash, tx.hash))) {
      return { ok: false, code: "ALREADY_KNOWN", message: "transaction already pending" };
    }
    const next = this.chain.core.readState().getAccount(from.value).nonce;
    if (tx.body.nonce < next) {
      return { ok: false, code: "NONCE_TOO_LOW", message: `next nonce is ${next}, got ${tx.body.nonce}` };
    }
    if (tx.body.nonce > next + BigInt(this.maxNonceGap)) {
      return { ok: false, code: "NONCE_TOO_HIGH", message: `next nonce is ${next}, got ${tx.body.nonce}` };
    }
    // Same sender and nonce: replaces (no fees to bump), as the sequencer's mempool does.
    const same = this.mempool.findIndex(
      (p) => equalBytes(p.from, from.value) && p.tx.body.nonce === tx.body.nonce,
    );
    if (same >= 0) this.mempool.splice(same, 1);
    this.mempool.push({ tx, from: from.value });
    this.accepted.push(tx);
    this.onAccepted?.(tx);
    return { ok: true, hash: tx.hash };
  }

  async getReceipt(hash: Hash32): Promise<ReceiptInfo | undefined> {
    this.enter("getReceipt");
    this.autoMineNow();
    return this.receipts.get(bytesToHex(hash));
  }

  async head(): Promise<HeadInfo> {
    this.enter("head");
    const h = this.chain.core.head.header;
    return { number: h.number, timestampMs: h.timestamp };
  }
}

/**
 * The API's RpcBackend over the same chain and mempool, so the real JSON-RPC server (api/) can
 * serve it: reads of receipts and challenges mine a block when `autoMine` is on.
 */
export function rpcBackendOver(fake: FakeProverChain): RpcBackend {
  const chain = fake.chain;
  const ref = () => {
    const h = chain.core.head;
    return { number: h.header.number, hash: h.hash, timestamp: h.header.timestamp };
  };
  const mineIfAuto = () => {
    if (fake.autoMine) fake.mine();
  };
  return {
    chainId: () => chain.params.l2ChainId,
    clientVersion: () => "flops/test",
    headNumber: () => chain.core.head.header.number,
    getBlockByNumber: () => undefined as StoredBlock | undefined,
    getBlockByHash: () => undefined,
    getTransaction: () => undefined,
    getReceipt(hash) {
      mineIfAuto();
      const r = fake.receipts.get(bytesToHex(hash));
      if (!r) return undefined;
      const { blockNumber, blockHash, ...receipt } = r;
      return { receipt, location: { blockNumber, blockHash, index: 0 } };
    },
    getAccount(address: Address) {
      const acc = chain.core.readState().getAccount(address);
      let pendingNonce = acc.nonce;
      while (
        fake.mempool.some(
          (p) => bytesToHex(p.from) === bytesToHex(address) && p.tx.body.nonce === pendingNonce,
        )
      ) {
        pendingNonce++;
      }
      return { ...acc, pendingNonce };
    },
    getNode(address): NodeView | undefined {
      const state = chain.core.readState();
      const record = state.getNode(address);
      if (!record) return undefined;
      const view = nodeViewAt(record, chain.core.head.header.timestamp, chain.params);
      return {
        address,
        record,
        credits: state.getAccount(address).credits,
        streak: view.streak,
        multiplierBps: view.multiplierBps,
      };
    },
    listNodes: () => ({ nodes: [], nextCursor: null }),
    getChallenge(id) {
      mineIfAuto();
      return chain.core.readState().getChallenge(id);
    },
    syncStatus(): SyncStatus {
      const head = ref();
      return { unsafeL2: head, safeL2: head, finalizedL2: head };
    },
    params: () => chain.params,
    genesisJson: () => fake.genesisJson(),
    submitTransaction: (raw) => fake.submit(raw) as SubmitResult,
    onNewHead: () => () => {},
  };
}
