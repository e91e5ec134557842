/**
 * An in-memory `ExplorerReads` for the pages' unit tests: a few blocks, txs, two nodes with
 * history, challenges at several stages, batches, withdrawals and deposits. Lists page by
 * position (the cursor is the next position as text; anything else is a BadCursorError, as a
 * real reader answers). Some values are hostile on purpose (a tx error with markup), so the
 * tests see them escaped. Not a model of the indexer: the real one is tested against the node.
 * @module
 */
import { hexToBytes } from "../../../chain/bytes.ts";
import type { Address, Hash32 } from "../../../chain/types.ts";
import {
  BadCursorError,
  type BatchSummary,
  type BlockDetail,
  type ChallengeDetail,
  type ChartName,
  type ChartSeries,
  type DepositSummary,
  type ExplorerReads,
  type NodeDetail,
  type OperatorSummary,
  type Page,
  type PageQuery,
  type SearchHit,
  type TxDetail,
  type WithdrawalSummary,
} from "../ports.ts";

const h = (byte: number): Hash32 => new Uint8Array(32).fill(byte);
const a = (byte: number): Address => new Uint8Array(20).fill(byte);
const eq = (x: Uint8Array, y: Uint8Array) => x.length === y.length && x.every((v, i) => v === y[i]);
const T0 = 1_767_225_600_000n;

export const HOSTILE_ERROR = `<script>alert("x")</script>`;
export const NODE_A = a(0xaa);
export const NODE_B = a(0xbb);
export const TX_REVEAL = h(0x71);
export const TX_FAILED = h(0x72);

function pageOf<T>(items: readonly T[], q: PageQuery): Page<T> {
  let start = 0;
  if (q.cursor !== undefined) {
    if (!/^[0-9]{1,6}$/.test(q.cursor)) throw new BadCursorError(`bad cursor`);
    start = Number(q.cursor);
  }
  const end = start + q.limit;
  return { items: items.slice(start, end), next: end < items.length ? String(end) : null };
}

export class FakeReads implements ExplorerReads {
  blocksList: BlockDetail[] = [];
  txsList: TxDetail[] = [];
  challenges: ChallengeDetail[] = [];
  nodeList: NodeDetail[] = [];
  batchList: BatchSummary[] = [];
  withdrawalList: WithdrawalSummary[] = [];
  depositList: DepositSummary[] = [];
  operatorList: OperatorSummary[] = [];
  /** Set to make every read throw (the 500 page). */
  broken = false;

  constructor() {
    for (let i = 30; i >= 0; i--) {
      const n = BigInt(i);
      this.blocksList.push({
        number: n,
        hash: h(i),
        parentHash: h(i === 0 ? 0 : i - 1),
        timestamp: T0 + n * 500n,
        txCount: 2,
        signedTxCount: 1,
        size: 300,
        l1Origin: { number: 100n + n / 2n, hash: h(200), timestamp: 1_767_225_600n },
        stateRoot: h(1),
        withdrawalsRoot: h(2),
        txRoot: h(3),
        receiptsRoot: h(4),
        finality: i < 10 ? "finalized" : i < 20 ? "safe" : "unsafe",
      });
    }
    const base = {
      blockHash: h(5),
      finality: "safe" as const,
      size: 150,
      timestamp: T0 + 2500n,
      blockNumber: 5n,
    };
    this.txsList.push(
      {
        ...base,
        hash: TX_REVEAL,
        index: 1,
        kind: "reveal",
        from: NODE_A,
        challengeId: 7n,
        status: "success",
        credits: 1_100_000_000_000_000_000n,
        decoded: {
          type: "signed",
          nonce: 3n,
          action: { kind: "reveal", challengeId: 7n, tiles: new Uint8Array(512), proof: new Uint8Array(64) },
        },
      },
      {
        ...base,
        hash: TX_FAILED,
        index: 2,
        kind: "transfer",
        from: NODE_B,
        to: NODE_A,
        amount: 5n * 10n ** 18n,
        status: "failed",
        error: HOSTILE_ERROR,
        decoded: {
          type: "signed",
          nonce: 0n,
          action: { kind: "transfer", to: NODE_A, amount: 5n * 10n ** 18n },
        },
      },
      {
        ...base,
        hash: h(0x73),
        index: 0,
        kind: "beacon",
        status: "success",
        decoded: { type: "system", tx: { kind: "beacon", round: 42n, signature: new Uint8Array(48) } },
      },
    );
    this.challenges.push(
      {
        id: 7n,
        node: NODE_A,
        tier: 2,
        status: "PASSED",
        requestedAt: T0,
        deadline: T0 + 9000n,
        credits: 1_100_000_000_000_000_000n,
        r1: 40n,
        r2: 42n,
        root: h(9),
        timeline: [
          { kind: "requested", time: T0, blockNumber: 1n, txHash: h(0x70) },
          { kind: "active", time: T0 + 1000n, blockNumber: 2n, round: 40n, roundTime: T0 + 1000n },
          { kind: "committed", time: T0 + 1500n, blockNumber: 3n, txHash: h(0x74) },
          { kind: "sampled", time: T0 + 2000n, blockNumber: 4n, round: 42n, roundTime: T0 + 2000n },
          { kind: "passed", time: T0 + 2500n, blockNumber: 5n, txHash: TX_REVEAL },
        ],
      },
      {
        id: 8n,
        node: NODE_A,
        tier: 2,
        status: "COMMITTED",
        requestedAt: T0 + 3000n,
        deadline: T0 + 9000n,
        r1: 44n,
        timeline: [
          { kind: "requested", time: T0 + 3000n, blockNumber: 7n, txHash: h(0x75) },
          { kind: "active", time: T0 + 4000n, blockNumber: 8n, round: 44n, roundTime: T0 + 4000n },
          { kind: "committed", time: T0 + 4500n, blockNumber: 9n, txHash: h(0x76) },
        ],
      },
    );
    const node = (address: Address, credits: bigint, history: NodeDetail["history"]): NodeDetail => ({
      address,
      credits,
      multiplierBps: 12_000n,
      streak: 2,
      registeredAt: 4n,
      passed: 3,
      failed: 1,
      expired: 0,
      cancelled: 0,
      openChallenges: 1,
      totalWork: 49_152n,
      totalCredits: credits,
      provenThroughput: 68_719_476_736n,
      history,
    });
    this.nodeList.push(
      node(NODE_A, 3_300_000_000_000_000_000n, [
        {
          epoch: 1n,
          startsAt: T0,
          work: 16_384n,
          credits: 10n ** 18n,
          passes: 1,
          fails: 0,
          multiplierBps: 10_000n,
        },
        {
          epoch: 2n,
          startsAt: T0 + 30_000n,
          work: 16_384n,
          credits: 11n * 10n ** 17n,
          passes: 1,
          fails: 0,
          multiplierBps: 11_000n,
        },
        {
          epoch: 3n,
          startsAt: T0 + 60_000n,
          work: 16_384n,
          credits: 12n * 10n ** 17n,
          passes: 1,
          fails: 0,
          multiplierBps: 12_000n,
        },
      ]),
      node(NODE_B, 0n, []),
    );
    this.batchList.push({
      index: 0n,
      l1BlockNumber: 120n,
      l1TxHash: h(0xb0),
      firstBlock: 1n,
      lastBlock: 9n,
      bytes: 2048,
      frames: 1,
    });
    this.withdrawalList.push({
      index: 0n,
      from: NODE_A,
      to: a(0x11),
      amount: 10n ** 18n,
      l2BlockNumber: 6n,
      timestamp: T0 + 3000n,
      txHash: h(0x77),
      status: "waiting-to-finalize",
      nextAction: "finalize",
      etaSec: 1_767_229_200n,
      l1ProveTxHash: h(0xc0),
    });
    this.depositList.push({
      depositId: 0n,
      to: NODE_B,
      amount: 2n * 10n ** 18n,
      l1BlockNumber: 110n,
      l2BlockNumber: 4n,
      timestamp: T0 + 2000n,
      txHash: h(0x78),
    });
  }

  private check(): void {
    if (this.broken) throw new Error("the store is on fire");
  }

  heads() {
    this.check();
    const ref = (n: number) => ({ number: BigInt(n), hash: h(n), timestamp: T0 + BigInt(n) * 500n });
    return { unsafe: ref(30), safe: ref(19), finalized: ref(9) };
  }
  blocks(q: PageQuery) {
    this.check();
    return pageOf(this.blocksList, q);
  }
  private findBlock(id: bigint | Hash32) {
    return this.blocksList.find((b) => (typeof id === "bigint" ? b.number === id : eq(b.hash, id)));
  }
  block(id: bigint | Hash32) {
    this.check();
    return this.findBlock(id);
  }
  blockTxs(id: bigint | Hash32, q: PageQuery) {
    const b = this.findBlock(id);
    return b === undefined
      ? undefined
      : pageOf(
          this.txsList.filter((t) => t.blockNumber === b.number),
          q,
        );
  }
  txs(q: PageQuery) {
    this.check();
    return pageOf(this.txsList, q);
  }
  tx(hash: Hash32) {
    return this.txsList.find((t) => eq(t.hash, hash));
  }
  address(address: Address) {
    const isNode = this.nodeList.some((n) => eq(n.address, address));
    return { address, credits: isNode ? 10n ** 18n : 0n, nonce: 0n, txCount: 0n, isNode };
  }
  addressTxs(address: Address, q: PageQuery) {
    return pageOf(
      this.txsList.filter((t) => (t.from && eq(t.from, address)) || (t.to && eq(t.to, address))),
      q,
    );
  }
  nodes(q: PageQuery) {
    return pageOf(this.nodeList, q);
  }
  node(address: Address) {
    return this.nodeList.find((n) => eq(n.address, address));
  }
  nodeChallenges(address: Address, q: PageQuery) {
    return this.node(address) === undefined
      ? undefined
      : pageOf(
          this.challenges.filter((c) => eq(c.node, address)),
          q,
        );
  }
  challenge(id: bigint) {
    return this.challenges.find((c) => c.id === id);
  }
  batches(q: PageQuery) {
    this.check();
    return pageOf(this.batchList, q);
  }
  batch(index: bigint) {
    return this.batchList.find((b) => b.index === index);
  }
  withdrawals(q: PageQuery) {
    return pageOf(this.withdrawalList, q);
  }
  deposits(q: PageQuery) {
    return pageOf(this.depositList, q);
  }
  operators(q: PageQuery) {
    return pageOf(this.operatorList, q);
  }
  stats() {
    this.check();
    return {
      heads: this.heads(),
      totalBlocks: 31n,
      totalTxs: 3n,
      totalNodes: 2n,
      totalChallenges: 2n,
      creditsMinted: 3_300_000_000_000_000_000n,
      creditsBurned: 10n ** 18n,
      averageBlockTime: 500n,
      epochMs: 30_000n,
    };
  }
  chart(name: ChartName, points: number): ChartSeries {
    this.check();
    const ys =
      name === "credits-minted" ? [10n ** 18n, 11n * 10n ** 17n, 12n * 10n ** 17n] : [1000n, 3000n, 2000n];
    return {
      name,
      xUnit: name === "txs-per-block" ? "block" : "epoch",
      yUnit: "x",
      points: ys.slice(-points).map((y, i) => ({ x: BigInt(i + 1), y })),
    };
  }
  search(q: string): SearchHit[] {
    if (/^[0-9]+$/.test(q)) {
      const n = BigInt(q);
      const hits: SearchHit[] = [];
      if (this.findBlock(n)) hits.push({ type: "block", id: q });
      if (this.challenge(n)) hits.push({ type: "challenge", id: q });
      return hits;
    }
    if (/^0x[0-9a-f]{64}$/.test(q)) {
      const bytes = hexToBytes(q);
      if (this.tx(bytes)) return [{ type: "transaction", id: q }];
      if (this.findBlock(bytes)) return [{ type: "block", id: q }];
      return [];
    }
    if (/^0x[0-9a-f]{40}$/.test(q)) return [{ type: this.node(hexToBytes(q)) ? "node" : "address", id: q }];
    // A reader answering something that is not an id must not land in a link.
    if (q === "evil") return [{ type: "block", id: `"><script>x</script>` }];
    return [];
  }
}
