/**
 * The explorer's port (api/explorer/ports.ts ExplorerReads) over this node's parts: the indexer's
 * lists and records (indexer/), and the RPC backend for what is state at the head (accounts, node
 * records, challenges) and for the heads. api/ never imports the indexer; this is where the two
 * meet.
 * @module
 */
import {
  BadCursorError,
  type BatchSummary,
  type BlockDetail,
  type ChallengeDetail,
  type ChallengeEvent,
  type ChallengeSummary,
  type ChartName,
  type ChartSeries,
  type ExplorerReads,
  type Finality,
  type Heads,
  type NodeSummary,
  type OperatorSummary,
  type Page,
  type PageQuery,
  type SearchHit,
  type TxDetail,
  type WithdrawalSummary,
} from "../api/explorer/ports.ts";
import type { NodeView, RpcBackend } from "../api/ports.ts";
import { bytesToHex, equalBytes, hexToBytes } from "../chain/bytes.ts";
import type { Address, Challenge, Hash32 } from "../chain/types.ts";
import { encodeSystemTx } from "../chain/wire/index.ts";
import { IndexCursorError, type IndexReads } from "../indexer/indexReads.ts";
import type { BatchRecord, WithdrawalRecord } from "../indexer/records.ts";

/** Txs counted for an address summary at most (a bounded scan; the page shows "at least"). */
export const ADDRESS_TX_COUNT_CAP = 10_000;
/** Epochs a node's history chart shows. */
const HISTORY_POINTS = 100;

export interface ExplorerReadsModules {
  index: IndexReads;
  backend: Pick<RpcBackend, "syncStatus" | "getAccount" | "getNode" | "getChallenge" | "getTransaction">;
  /**
   * Where a withdrawal stands on L1; absent: no status (a node without an L1). Called for every
   * row of a page at once: node/withdrawalL1Status.ts bounds it (cache, concurrency, timeout).
   */
  withdrawalStatus?: (w: WithdrawalRecord) => Promise<Partial<WithdrawalSummary>>;
  /**
   * The operator set's members from L1; absent: none (a node whose deployment names no
   * OperatorRegistry). node/explorerOperators.ts bounds its L1 reads (one cached snapshot).
   */
  operators?: (q: PageQuery) => Promise<Page<OperatorSummary>>;
}

/** An index cursor that does not parse is the client's error: the routes answer 400. */
async function page<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (e) {
    if (e instanceof IndexCursorError) throw new BadCursorError(e.message, { cause: e });
    throw e;
  }
}

/** The port's batch: the record less the hash it keeps to notice rewinds. */
function batchSummary(b: BatchRecord): BatchSummary {
  const { lastBlockHash: _, ...s } = b;
  return s;
}

function nodeSummary(v: NodeView): NodeSummary {
  const r = v.record;
  return {
    address: v.address,
    credits: v.credits,
    multiplierBps: v.multiplierBps,
    streak: v.streak,
    registeredAt: r.registeredAt,
    passed: r.passed,
    failed: r.failed,
    expired: r.expired,
    cancelled: r.cancelled,
    openChallenges: r.openChallenges,
    totalWork: r.totalWork,
    totalCredits: r.totalCredits,
    provenThroughput: r.lastThroughput,
  };
}

function challengeSummary(c: Challenge): ChallengeSummary {
  const s: ChallengeSummary = {
    id: c.id,
    node: c.node,
    tier: c.tier,
    status: c.status,
    requestedAt: c.t0,
    deadline: c.deadline,
  };
  if (c.credits !== undefined) s.credits = c.credits;
  return s;
}

export function createExplorerReads(m: ExplorerReadsModules): ExplorerReads {
  const { index, backend } = m;

  const heads = async (): Promise<Heads> => {
    const s = await backend.syncStatus();
    return { unsafe: s.unsafeL2, safe: s.safeL2, finalized: s.finalizedL2 };
  };
  const finalityOf = (h: Heads, n: bigint): Finality =>
    n <= h.finalized.number ? "finalized" : n <= h.safe.number ? "safe" : "unsafe";
  // The index may lag the store, or still hold a block the store rewound: the row must be this tx.
  const indexedTx = (hash: Hash32, at: { blockNumber: bigint; index: number }) => {
    const t = index.txAt(at.blockNumber, at.index);
    return t && equalBytes(t.hash, hash) ? t : undefined;
  };
  const blockNumberOf = (id: bigint | Hash32): bigint | undefined =>
    typeof id === "bigint" ? (index.block(id) ? id : undefined) : index.blockNumber(id);

  return {
    heads,
    blocks: (q: PageQuery) => page(() => index.blocks(q)),
    async block(id: bigint | Hash32): Promise<BlockDetail | undefined> {
      const n = blockNumberOf(id);
      const b = n === undefined ? undefined : index.block(n);
      if (!b) return undefined;
      return { ...b, finality: finalityOf(await heads(), b.number) };
    },
    async blockTxs(id: bigint | Hash32, q: PageQuery) {
      const n = blockNumberOf(id);
      if (n === undefined) return undefined;
      return page(() => index.blockTxs(n, q));
    },
    txs: (q: PageQuery) => page(() => index.txs(q)),
    async tx(hash: Hash32): Promise<TxDetail | undefined> {
      // The chain store's tx index says where the tx is (the indexer keeps no hash key of its own).
      const look = await backend.getTransaction(hash);
      if (!look || look.location === null) return undefined;
      const t = indexedTx(hash, look.location);
      if (!t) return undefined;
      const decoded: TxDetail["decoded"] =
        look.kind === "signed"
          ? { type: "signed", nonce: look.tx.body.nonce, action: look.tx.body.action }
          : { type: "system", tx: look.tx };
      const size = look.kind === "signed" ? look.tx.raw.length : encodeSystemTx(look.tx).length;
      return {
        ...t,
        blockHash: look.location.blockHash,
        finality: finalityOf(await heads(), t.blockNumber),
        decoded,
        size,
      };
    },
    async address(address: Address) {
      const acc = await backend.getAccount(address);
      return {
        address,
        credits: acc.credits,
        nonce: acc.nonce,
        txCount: BigInt(await index.addressTxCount(address, ADDRESS_TX_COUNT_CAP)),
        isNode: index.isNode(address),
      };
    },
    addressTxs: (a: Address, q: PageQuery) => page(() => index.addressTxs(a, q)),
    async nodes(q: PageQuery): Promise<Page<NodeSummary>> {
      const p = await page(() => index.nodes(q));
      const items: NodeSummary[] = [];
      for (const a of p.items) {
        const v = await backend.getNode(a);
        if (v) items.push(nodeSummary(v));
      }
      return { items, next: p.next };
    },
    async node(address: Address) {
      const v = await backend.getNode(address);
      if (!v) return undefined;
      const history = (await index.nodeHistory(address, HISTORY_POINTS)).map((e) => ({
        ...e,
        startsAt: e.epoch * index.epochMs,
      }));
      return { ...nodeSummary(v), history };
    },
    async nodeChallenges(address: Address, q: PageQuery): Promise<Page<ChallengeSummary> | undefined> {
      if (!index.isNode(address)) return undefined;
      const p = await page(() => index.nodeChallenges(address, q));
      const items: ChallengeSummary[] = [];
      for (const id of p.items) {
        const c = await backend.getChallenge(id);
        if (c) items.push(challengeSummary(c));
      }
      return { items, next: p.next };
    },
    async challenge(id: bigint): Promise<ChallengeDetail | undefined> {
      const c = await backend.getChallenge(id);
      if (!c) return undefined;
      const timeline: ChallengeEvent[] = [];
      for (const e of await index.challengeEvents(id)) {
        timeline.push({ kind: e.kind, time: e.time, blockNumber: e.blockNumber, txHash: e.txHash });
      }
      // The steps no signed tx marks: the beacon rounds' inclusions, and deadlines passing.
      const roundStep = (kind: "active" | "sampled", round: bigint, at: bigint | undefined) => {
        const r = index.round(round);
        if (!r && at === undefined) return;
        const ev: ChallengeEvent = { kind, time: at ?? r!.time, round };
        if (r) {
          ev.blockNumber = r.blockNumber;
          ev.txHash = r.txHash;
          ev.roundTime = r.time;
        }
        timeline.push(ev);
      };
      if (c.activeAt !== undefined || index.round(c.r1)) roundStep("active", c.r1, c.activeAt);
      if (c.r2 !== undefined && index.round(c.r2)) roundStep("sampled", c.r2, undefined);
      if (c.status === "EXPIRED" || c.status === "CANCELLED")
        timeline.push({ kind: c.status === "EXPIRED" ? "expired" : "cancelled", time: c.deadline });
      timeline.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
      const d: ChallengeDetail = { ...challengeSummary(c), r1: c.r1, timeline };
      if (c.r2 !== undefined) d.r2 = c.r2;
      if (c.root !== undefined) d.root = c.root;
      return d;
    },
    // Batches as this node's derivation read them from L1 (indexer/batchLog.ts): none without an L1.
    async batches(q: PageQuery): Promise<Page<BatchSummary>> {
      const p = await page(() => index.batches(q));
      return { items: p.items.map(batchSummary), next: p.next };
    },
    async batch(i: bigint) {
      const b = index.batch(i);
      return b === undefined ? undefined : batchSummary(b);
    },
    async withdrawals(q: PageQuery): Promise<Page<WithdrawalSummary>> {
      const p = await page(() => index.withdrawals(q));
      const status = m.withdrawalStatus;
      // All rows at once: the hook bounds its own L1 reads and never waits long on one.
      const items = await Promise.all(
        p.items.map(async (w): Promise<WithdrawalSummary> => ({ ...w, ...(status ? await status(w) : {}) })),
      );
      return { items, next: p.next };
    },
    deposits: (q: PageQuery) => page(() => index.deposits(q)),
    // Without an OperatorRegistry there are none; a bad cursor is still the client's error.
    operators: async (q: PageQuery): Promise<Page<OperatorSummary>> =>
      m.operators ? m.operators(q) : { items: [], next: null },
    async stats() {
      const t = index.totals();
      const recent = (await index.blocks({ limit: 10 })).items;
      const span = recent.length > 1 ? recent[0]!.timestamp - recent[recent.length - 1]!.timestamp : 0n;
      return {
        heads: await heads(),
        totalBlocks: t.blocks,
        totalTxs: t.txs,
        totalNodes: t.nodes,
        totalChallenges: t.challenges,
        creditsMinted: t.creditsMinted,
        creditsBurned: t.creditsBurned,
        averageBlockTime: recent.length > 1 ? span / BigInt(recent.length - 1) : 0n,
        epochMs: index.epochMs,
      };
    },
    async chart(name: ChartName, points: number): Promise<ChartSeries> {
      if (name === "txs-per-block") {
        const blocks = (await index.blocks({ limit: points })).items.reverse();
        return {
          name,
          xUnit: "block",
          yUnit: "txs",
          points: blocks.map((b) => ({ x: b.number, y: BigInt(b.txCount) })),
        };
      }
      const epochs = await index.epochs(points);
      if (name === "credits-minted")
        return {
          name,
          xUnit: "epoch",
          yUnit: "credits",
          points: epochs.map((e) => ({ x: e.epoch, y: e.credits })),
        };
      // Integer ops proven in the epoch over its length: ops per second.
      const secs = index.epochMs / 1000n > 0n ? index.epochMs / 1000n : 1n;
      return {
        name,
        xUnit: "epoch",
        yUnit: "ops/s",
        points: epochs.map((e) => ({ x: e.epoch, y: e.work / secs })),
      };
    },
    async search(q: string): Promise<SearchHit[]> {
      const s = q.trim();
      const hits: SearchHit[] = [];
      if (/^\d{1,20}$/.test(s)) {
        const n = BigInt(s);
        if (index.block(n)) hits.push({ type: "block", id: n.toString() });
        if (index.challenge(n)) hits.push({ type: "challenge", id: n.toString() });
        if (index.batch(n)) hits.push({ type: "batch", id: n.toString() });
      } else if (/^0x[0-9a-fA-F]{64}$/.test(s)) {
        const h = hexToBytes(s);
        const id = bytesToHex(h);
        if (index.blockNumber(h) !== undefined) hits.push({ type: "block", id });
        const look = await backend.getTransaction(h);
        if (look?.location && indexedTx(h, look.location)) hits.push({ type: "transaction", id });
      } else if (/^0x[0-9a-fA-F]{40}$/.test(s)) {
        const a = hexToBytes(s);
        hits.push({ type: index.isNode(a) ? "node" : "address", id: bytesToHex(a) });
      }
      return hits;
    },
  };
}
