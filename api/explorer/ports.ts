/**
 * The port the explorer (REST routes and pages) reads the chain through: `ExplorerReads`. node/
 * implements it over the indexer (indexer/), the chain store and the RPC backend; api/ never
 * imports those. The REST routes (api/explorer/routes*.ts) and the pages (api/explorer/pages/)
 * format what it returns.
 *
 * Conventions (the same as api/ports.ts):
 * - Plain domain values: integers are `bigint`, bytes (hashes, addresses, roots) are `Uint8Array`,
 *   L2 times are `bigint` **milliseconds** since the Unix epoch (block timestamps), L1 times are
 *   `bigint` **seconds** (as L1 counts; fields say `Sec`). Credits are in wei-like base units
 *   (10^18 per credit), as on chain. Formatting (hex, decimals, dates) is the caller's.
 * - "Not found" is `undefined`, never an exception. An exception is an internal error.
 * - Every list takes a {@link PageQuery} (`limit` 1..{@link MAX_PAGE_LIMIT}, callers clamp) and
 *   answers a {@link Page}: keyset pagination, `next` is the last item's key as an opaque string
 *   (never an offset), null on the last page. A cursor the reader cannot parse is a bad request:
 *   readers throw {@link BadCursorError}, which the routes answer with 400.
 * - Lists are newest first (blocks, txs, challenges, batches, withdrawals, deposits), except nodes
 *   and operators (by address, ascending).
 * - Every list is a bounded range read in the indexer: its time does not grow with the chain.
 * @module
 */
import type { Action, Address, ChallengeStatus, Hash32, ReceiptStatus, SystemTx } from "../../chain/types.ts";
import type { Awaitable, BlockRef } from "../ports.ts";

export type { Awaitable, BlockRef } from "../ports.ts";

/** The largest page any list answers (Blockscout's pages are 50; ours may go to 100). */
export const MAX_PAGE_LIMIT = 100;

export interface PageQuery {
  /** 1..MAX_PAGE_LIMIT. */
  limit: number;
  /** The `next` of the previous page; absent: the first page. */
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  /** Opaque key of the last item, to pass back as `cursor`; null: this was the last page. */
  next: string | null;
}

/** A cursor that does not parse (a client's typo or a hostile value): the routes answer 400. */
export class BadCursorError extends Error {
  override readonly name = "BadCursorError";
}

/** How settled a block is: unsafe (sequenced), safe (its batch is on L1), finalized (L1 final). */
export type Finality = "unsafe" | "safe" | "finalized";

export interface Heads {
  unsafe: BlockRef;
  safe: BlockRef;
  finalized: BlockRef;
}

// ---------------------------------------------------------------------------------------------
// Blocks and transactions
// ---------------------------------------------------------------------------------------------

export interface BlockSummary {
  number: bigint;
  hash: Hash32;
  parentHash: Hash32;
  /** ms. */
  timestamp: bigint;
  /** System txs + signed txs. */
  txCount: number;
  /** Signed txs alone. */
  signedTxCount: number;
  /** Bytes of the block's canonical encoding. */
  size: number;
  /** The L1 block it was built on (number, hash, seconds). */
  l1Origin: BlockRef;
}

export interface BlockDetail extends BlockSummary {
  stateRoot: Hash32;
  withdrawalsRoot: Hash32;
  txRoot: Hash32;
  receiptsRoot: Hash32;
  finality: Finality;
}

/** Signed actions and system txs in one vocabulary. */
export type TxKind = Action["kind"] | SystemTx["kind"];

export interface TxSummary {
  hash: Hash32;
  blockNumber: bigint;
  /** Position in the block: system txs first, then signed txs. */
  index: number;
  /** Block time, ms. */
  timestamp: bigint;
  kind: TxKind;
  /** The signer; undefined for system txs. */
  from?: Address;
  /** The receiver of credits: transfer, withdraw (an L1 address), deposit. */
  to?: Address;
  /** Credits moved (transfer, withdraw, deposit). */
  amount?: bigint;
  /** The challenge it made or touched (challenge, commit, reveal, revoke). */
  challengeId?: bigint;
  status: ReceiptStatus;
  /** Present iff status is "failed". */
  error?: string;
  /** Credits minted (reveal PASSED, deposit) or burned (withdraw, revoke), per its receipt. */
  credits?: bigint;
}

export interface TxDetail extends TxSummary {
  blockHash: Hash32;
  finality: Finality;
  /** The decoded tx: a signed one's nonce and action, or the system tx itself. There are no fees. */
  decoded: { type: "signed"; nonce: bigint; action: Action } | { type: "system"; tx: SystemTx };
  /** Bytes of the raw tx (signed) or of the encoded system tx. */
  size: number;
}

// ---------------------------------------------------------------------------------------------
// Addresses, nodes, challenges
// ---------------------------------------------------------------------------------------------

export interface AddressSummary {
  address: Address;
  credits: bigint;
  /** Next nonce on chain. */
  nonce: bigint;
  /** Indexed txs that involve it (sent, received, deposits to it). */
  txCount: bigint;
  /** Whether it is a registered node (then /nodes/{address} has more). */
  isNode: boolean;
}

export interface NodeSummary {
  address: Address;
  credits: bigint;
  /** The multiplier a pass would earn in the head's epoch, basis points (10000 = 1.0×). */
  multiplierBps: bigint;
  /** Live epochs in a row, settled at the head. */
  streak: number;
  /** L2 block number of the register tx (NodeRecord.registeredAt: a block, not a time). */
  registeredAt: bigint;
  passed: number;
  failed: number;
  expired: number;
  cancelled: number;
  openChallenges: number;
  totalWork: bigint;
  totalCredits: bigint;
  /** Integer ops per second of the last PASSED challenge. */
  provenThroughput: bigint;
}

/** One epoch of a node's history, for its chart. Epochs with no activity are absent. */
export interface NodeEpochPoint {
  epoch: bigint;
  /** ms: the epoch's first instant. */
  startsAt: bigint;
  /** Integer ops proven by passes in the epoch. */
  work: bigint;
  credits: bigint;
  passes: number;
  fails: number;
  /** The multiplier its last pass in the epoch earned (bps); undefined without a pass. */
  multiplierBps?: bigint;
}

export interface NodeDetail extends NodeSummary {
  /** The newest epochs, oldest first, at most 100 (a chart's worth). */
  history: NodeEpochPoint[];
}

/** A step of a challenge's life (PROTOCOL §3). */
export type ChallengeEventKind =
  | "requested"
  | "active"
  | "committed"
  | "sampled"
  | "passed"
  | "failed"
  | "expired"
  | "cancelled";

export interface ChallengeEvent {
  kind: ChallengeEventKind;
  /** ms: block time of the tx, or the deadline (expired), or activeAt (active). */
  time: bigint;
  /** The block it happened in; undefined for steps no tx marks (expired, cancelled at a deadline). */
  blockNumber?: bigint;
  /** The tx that made it, if one did (challenge, commit, reveal; the beacon system tx for active/sampled). */
  txHash?: Hash32;
  /** active: the seed round r1; sampled: the sample round r2. */
  round?: bigint;
  /** ms: when that round's beacon tx was included, if it was. */
  roundTime?: bigint;
}

export interface ChallengeSummary {
  id: bigint;
  node: Address;
  tier: number;
  status: ChallengeStatus;
  /** ms: block time of the challenge tx. */
  requestedAt: bigint;
  /** ms: when the next step is due (meaning depends on status). */
  deadline: bigint;
  credits?: bigint;
}

export interface ChallengeDetail extends ChallengeSummary {
  r1: bigint;
  r2?: bigint;
  root?: Hash32;
  /** Oldest first. */
  timeline: ChallengeEvent[];
}

// ---------------------------------------------------------------------------------------------
// L1: batches, withdrawals, deposits, operators
// ---------------------------------------------------------------------------------------------

export interface BatchSummary {
  /** Sequential from 0, in L1 order. */
  index: bigint;
  l1BlockNumber: bigint;
  /** The L1 tx of its last frame, when known. */
  l1TxHash?: Hash32;
  firstBlock: bigint;
  lastBlock: bigint;
  /** Batcher data bytes of its frames. */
  bytes: number;
  frames: number;
}

export type WithdrawalStatusName =
  | "waiting-for-output"
  | "ready-to-prove"
  | "waiting-to-finalize"
  | "ready-to-finalize"
  | "finalized";

export interface WithdrawalSummary {
  index: bigint;
  from: Address;
  /** The L1 receiver. */
  to: Address;
  amount: bigint;
  l2BlockNumber: bigint;
  /** ms: L2 block time. */
  timestamp: bigint;
  txHash: Hash32;
  /** Where it stands on L1; undefined on a node without an L1. */
  status?: WithdrawalStatusName;
  /** What its holder does next, in words ("prove", "finalize", "wait for an output"…). */
  nextAction?: string;
  /** L1 seconds at which its next step opens (finalization ETA), when known. */
  etaSec?: bigint;
  /** L1 txs that proved and finalized it, when known. */
  l1ProveTxHash?: Hash32;
  l1FinalizeTxHash?: Hash32;
}

export interface DepositSummary {
  /** The Portal's running deposit nonce. */
  depositId: bigint;
  to: Address;
  amount: bigint;
  l1BlockNumber: bigint;
  l2BlockNumber: bigint;
  /** ms. */
  timestamp: bigint;
  /** The L2 system tx. */
  txHash: Hash32;
}

/**
 * An EigenLayer operator of the attested OutputOracle's operator set, from L1 (node/explorerOperators.ts;
 * empty without an OperatorRegistry). Stake in base units of the set's strategies, summed.
 */
export interface OperatorSummary {
  address: Address;
  /** Allocated to the operator set now. */
  stake: bigint;
  /** Slashable until an output posted now leaves its window: what counts for a quorum. */
  slashableStake: bigint;
  /** The BLS key registered now; absent: none. */
  keyHash?: Hash32;
  /** L1 block of that registration, when the explorer's event scan saw it. */
  registeredL1Block?: bigint;
  /** Attested outputs signed, and missed, since that registration. */
  attestations: number;
  missed: number;
  slashings: number;
  /** The latest slashing: its L1 block and the parts of 1e18 taken per strategy. */
  lastSlashing?: { l1Block: bigint; wads: bigint[] };
}

// ---------------------------------------------------------------------------------------------
// Stats, charts, search
// ---------------------------------------------------------------------------------------------

export interface Stats {
  heads: Heads;
  /** Indexed totals. */
  totalBlocks: bigint;
  totalTxs: bigint;
  totalNodes: bigint;
  totalChallenges: bigint;
  creditsMinted: bigint;
  creditsBurned: bigint;
  /** ms between the newest blocks (mean over the last few; 0 before two blocks). */
  averageBlockTime: bigint;
  epochMs: bigint;
}

export const CHART_NAMES = ["proven-throughput", "credits-minted", "txs-per-block"] as const;
export type ChartName = (typeof CHART_NAMES)[number];

export interface ChartPoint {
  /** The epoch (proven-throughput, credits-minted) or block number (txs-per-block). */
  x: bigint;
  y: bigint;
}

export interface ChartSeries {
  name: ChartName;
  /** "epoch" or "block". */
  xUnit: "epoch" | "block";
  /** "ops/s", "credits" (base units) or "txs". */
  yUnit: string;
  /** Oldest first, at most the `points` asked for. */
  points: ChartPoint[];
}

export type SearchHitType = "block" | "transaction" | "address" | "node" | "challenge" | "batch";

export interface SearchHit {
  type: SearchHitType;
  /** The id in its route's form: a block number, a 0x hash or address, a challenge id, a batch index. */
  id: string;
}

/** Everything the explorer reads. */
export interface ExplorerReads {
  heads(): Awaitable<Heads>;

  blocks(page: PageQuery): Awaitable<Page<BlockSummary>>;
  block(id: bigint | Hash32): Awaitable<BlockDetail | undefined>;
  /** undefined: no such block. */
  blockTxs(id: bigint | Hash32, page: PageQuery): Awaitable<Page<TxSummary> | undefined>;

  txs(page: PageQuery): Awaitable<Page<TxSummary>>;
  tx(hash: Hash32): Awaitable<TxDetail | undefined>;

  /** Any 20 bytes is an address (never undefined): an untouched one has zero credits and no txs. */
  address(address: Address): Awaitable<AddressSummary>;
  addressTxs(address: Address, page: PageQuery): Awaitable<Page<TxSummary>>;

  nodes(page: PageQuery): Awaitable<Page<NodeSummary>>;
  node(address: Address): Awaitable<NodeDetail | undefined>;
  /** undefined: not a node. */
  nodeChallenges(address: Address, page: PageQuery): Awaitable<Page<ChallengeSummary> | undefined>;
  challenge(id: bigint): Awaitable<ChallengeDetail | undefined>;

  batches(page: PageQuery): Awaitable<Page<BatchSummary>>;
  batch(index: bigint): Awaitable<BatchSummary | undefined>;
  withdrawals(page: PageQuery): Awaitable<Page<WithdrawalSummary>>;
  deposits(page: PageQuery): Awaitable<Page<DepositSummary>>;
  operators(page: PageQuery): Awaitable<Page<OperatorSummary>>;

  stats(): Awaitable<Stats>;
  /** The newest `points` (1..MAX_PAGE_LIMIT) of a series. */
  chart(name: ChartName, points: number): Awaitable<ChartSeries>;
  /** A block number, 0x hash (block or tx), 0x address, or a challenge id; at most 10 hits. */
  search(q: string): Awaitable<SearchHit[]>;
}
