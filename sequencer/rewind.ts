/**
 * The sequencer's rewind at start (PROTOCOL §5 "Sequencer obligations", D4): after a crash (or a
 * stop while L1 took nothing) the store may hold blocks that no batch can carry in time any more:
 * a batch block is accepted only in an L1 block whose time is at most its own time +
 * maxBatchDelayMs. Kept, such a block forks the sequencer from every verifier for good (they
 * derive without it, and then without every block after it, whose parent is gone). So at start,
 * before the first new block, the sequencer takes those blocks back and builds new ones instead;
 * their signed txs go back to the mempool (forced txs and deposits do not: derivation replays them
 * from L1 at the next origin).
 *
 * Crash safety: the store's rewind is one fsynced batch that also journals the rewound txs
 * (store/chainStore.ts `rewindTo`), and the batcher's rewind comes after it; a crash between the
 * two leaves the batcher above the store's head, which {@link rewindAtStart} finishes first.
 * @module
 */
import type { Block, BlockHeader, Hash32, L1Origin, SignedTx, VerifiedTx } from "../chain/types.ts";

/** What the rewind reads and writes in the chain store (store/chainStore.ts). */
export interface RewindStore {
  head(): { header: BlockHeader; hash: Hash32 } | undefined;
  getBlock(n: bigint): { block: Block; hash: Hash32; senders: readonly Uint8Array[] } | undefined;
  /** Whether block `n` has an undo record (committed with one, not pruned). */
  hasUndo(n: bigint): boolean;
  /** One atomic batch: blocks above `n` taken back, `repend` journaled as pending. */
  rewindTo(n: bigint, repend: readonly SignedTx[]): Promise<void>;
  listAwaitedRounds(): Promise<bigint[]>;
}

/** A channel the batcher recorded (handed, not yet seen landed) and where its frames are on L1. */
export interface ChannelLanding {
  first: bigint;
  last: bigint;
  /**
   * Time (ms) of the L1 block holding the last of its frames, once every frame is in an L1 block
   * and none reverted (its inclusion block, D2); undefined otherwise.
   */
  landedAtMs?: bigint | undefined;
}

interface RewindRuleInputs {
  /** The store's head. */
  head: bigint;
  /** The batcher's mark: blocks up to it are in channels (landed, or recorded). */
  handedThrough: bigint;
  /** The batcher's recorded channels. */
  channels: readonly ChannelLanding[];
  /** Block `n`'s time, ms (n ≤ head). */
  blockTimeMs(n: bigint): bigint;
  /** L1's latest block time, ms. */
  l1TimeMs: bigint;
  maxBatchDelayMs: bigint;
}

/**
 * The block to rewind to, or undefined when every block not known to be on L1 may still land in
 * time. Blocks up to `handedThrough` and below the oldest recorded channel are on L1 (a channel's
 * record goes once it landed); a recorded channel whose frames are all in L1 blocks counts as
 * landed when its inclusion block is within maxBatchDelayMs of its first block (its later blocks
 * are later still). The first block u not landed is doomed when its time + maxBatchDelayMs is
 * below L1's time (every later L1 block is later still, D0), and every block after it with it
 * (its parent is gone): rewind to u − 1. When u is not doomed, no later block is (times grow).
 */
export function rewindTarget(i: RewindRuleInputs): bigint | undefined {
  let landed = i.handedThrough;
  const channels = [...i.channels].sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  for (const c of channels) {
    const inTime = c.landedAtMs !== undefined && c.landedAtMs <= i.blockTimeMs(c.first) + i.maxBatchDelayMs;
    if (inTime) continue;
    if (c.first - 1n < landed) landed = c.first - 1n;
    break;
  }
  const u = landed + 1n;
  if (u > i.head) return undefined;
  return i.blockTimeMs(u) + i.maxBatchDelayMs < i.l1TimeMs ? u - 1n : undefined;
}

/**
 * The signed txs of blocks n+1..head in block order, without each block's forced txs (its first
 * `forcedCount`: derivation includes them again from L1), with the senders the blocks recorded.
 */
export async function rewoundTxs(
  store: Pick<RewindStore, "getBlock">,
  n: bigint,
  head: bigint,
  forcedCount: (n: bigint, block: Block) => Promise<number>,
): Promise<VerifiedTx[]> {
  const out: VerifiedTx[] = [];
  for (let k = n + 1n; k <= head; k++) {
    const b = store.getBlock(k);
    if (b === undefined) throw new Error(`rewind: no stored block ${k}`);
    const forced = b.block.txs.length === 0 ? 0 : await forcedCount(k, b.block);
    for (let i = forced; i < b.block.txs.length; i++) out.push({ tx: b.block.txs[i]!, from: b.senders[i]! });
  }
  return out;
}

/** The sequencer's side of a rewind (Sequencer.rewindTo). */
interface RewindableSequencer {
  rewindTo(
    n: bigint,
    d: { store: RewindStore; forcedCount(n: bigint, block: Block): Promise<number>; origin: L1Origin },
  ): Promise<{ txs: number; readmitted: number }>;
}

/** The batcher's side (sequencer/batcher.ts). */
export interface RewindableBatcher {
  readonly handedThrough: bigint;
  readonly channels: ReadonlyArray<{ id: string; first: bigint; last: bigint; frames: number }>;
  forcedCount(n: bigint, block: Block): Promise<number>;
  /** Drops the channels reaching above `n`, the mark down to `n` at most (new channel ids). */
  rewindAbove(n: bigint): Promise<void>;
}

export interface RewindAtStartModules {
  store: RewindStore;
  sequencer: RewindableSequencer;
  batcher: RewindableBatcher;
  /** L1's latest block time, ms (undefined: no block). */
  l1TimeMs(): Promise<bigint | undefined>;
  /** Where the recorded channels' frames are on L1. */
  landings(channels: RewindableBatcher["channels"]): Promise<ChannelLanding[]>;
  /** The L1 origin of a block (the genesis block's: the L1 block before the deployment). */
  originOf(header: BlockHeader): Promise<L1Origin>;
  maxBatchDelayMs: bigint;
  log?: { warn(o: object, msg?: string): void; error(o: object, msg?: string): void };
}

/** The range taken back and the txs returned to the mempool. */
interface RewindReport {
  from: bigint;
  to: bigint;
  txs: number;
  readmitted: number;
}

/**
 * Call after the batcher opened its state and before either starts: finishes a rewind a crash
 * interrupted, then rewinds the blocks derivation will drop ({@link rewindTarget}), if any.
 */
export async function rewindAtStart(m: RewindAtStartModules): Promise<RewindReport | undefined> {
  const head = m.store.head();
  if (head === undefined) return undefined;
  const h = head.header.number;
  // The batcher never holds blocks above the head, except after a crash inside a rewind.
  if (m.batcher.handedThrough > h || m.batcher.channels.some((c) => c.last > h))
    await m.batcher.rewindAbove(h);
  const l1TimeMs = await m.l1TimeMs();
  if (l1TimeMs === undefined) return undefined;
  const blockTimeMs = (n: bigint): bigint => {
    const b = m.store.getBlock(n);
    if (b === undefined) throw new Error(`rewind: no stored block ${n}`);
    return b.block.header.timestamp;
  };
  const n = rewindTarget({
    head: h,
    handedThrough: m.batcher.handedThrough,
    channels: await m.landings(m.batcher.channels),
    blockTimeMs,
    l1TimeMs,
    maxBatchDelayMs: m.maxBatchDelayMs,
  });
  if (n === undefined) return undefined;
  if (!m.store.hasUndo(n + 1n)) {
    m.log?.error(
      { from: String(n + 1n), to: String(h) },
      "sequencer: blocks derivation will drop have no undo records (a datadir from before the rule): cannot rewind them; this chain forks from its verifiers",
    );
    return undefined;
  }
  const target = m.store.getBlock(n)!;
  const origin = await m.originOf(target.block.header);
  const r = await m.sequencer.rewindTo(n, {
    store: m.store,
    forcedCount: (k, b) => m.batcher.forcedCount(k, b),
    origin,
  });
  await m.batcher.rewindAbove(n);
  const report = { from: n + 1n, to: h, ...r };
  m.log?.warn(
    { from: String(report.from), to: String(report.to), txs: r.txs, readmitted: r.readmitted },
    "sequencer: rewound blocks not on L1 within maxBatchDelayMs (derivation would drop them); their txs are back in the mempool",
  );
  return report;
}
