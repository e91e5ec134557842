/**
 * The sequencer's L1 wiring: its {@link L1View} over bridge/'s L1 reader (every answer validated
 * and bounded there), the starting L1 origin, and the batcher's {@link BatchPoster} over the L1 tx
 * manager (bridge/txManager: journaled intents, so a restart posts nothing twice).
 * @module
 */
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { encodeFunctionData, type LocalAccount, type PublicClient, parseAbi } from "viem";
import type { L1Deployment } from "../bridge/deployment.ts";
import { DerivationDriver } from "../bridge/derivation/derivationDriver.ts";
import { L1Source } from "../bridge/derivation/l1Source.ts";
import { createL1TxManager, type L1TxManager } from "../bridge/txManager/l1TxManager.ts";
import { bytesToHex, equalBytes, hexToBytes } from "../chain/bytes.ts";
import type { ChainCore } from "../chain/chainCore.ts";
import { DEFAULT_MAX_FRAME_BYTES } from "../chain/derive/frame.ts";
import { RollupError } from "../chain/errors.ts";
import type { ChainParams } from "../chain/params.ts";
import type { BlockHeader, L1Origin } from "../chain/types.ts";
import type { BatchLog } from "../indexer/batchLog.ts";
import { Batcher, closeAfterMs } from "../sequencer/batcher.ts";
import { LateWatch } from "../sequencer/lateWatch.ts";
import type { BatchPoster, L1View } from "../sequencer/ports.ts";
import { type ChannelLanding, type RewindableBatcher, rewindAtStart } from "../sequencer/rewind.ts";
import type { Sequencer } from "../sequencer/sequencer.ts";
import type { ChainStore } from "../store/chainStore.ts";
import { followBatches } from "./explorerIndex.ts";
import { type Logger, moduleLogger } from "./logger.ts";

const INBOX_ABI = parseAbi(["function postBatch(bytes data) view"]);

export interface SequencerL1Opts {
  deployment: L1Deployment;
  /** L1 blocks an origin stays behind L1's latest. */
  confirmations: number;
  /** Tests only: leave forced txs out (a censoring sequencer; sequencer/l1Origins.ts). */
  censorForcedTxs?: boolean;
  /** Post batches (absent: follow L1 only). */
  batcher?: {
    account: LocalAccount;
    /** 0 or absent: a quarter of the chain's maxBatchDelayMs. */
    maxDelayMs?: number;
    targetBytes: number;
    /** Depth at which a batcher tx counts as landed (the tx manager's numConfirmations). */
    numConfirmations: number;
    /** The longest wait of a graceful stop's flush, ms; absent: maxBatchDelayMs; 0: no flush. */
    flushMs?: number;
  };
}

/** The sequencer's view of L1 over bridge/'s reader. */
export function l1ViewOf(client: PublicClient, d: L1Deployment): L1View {
  const source = new L1Source({ batchInbox: d.contracts.BatchInbox, portal: d.contracts.Portal }, { client });
  return {
    blockRef: (at) => source.blockRef(at),
    async blockEvents(n) {
      const { input } = await source.fetch(n);
      return { block: input.block, events: input.events };
    },
  };
}

/**
 * The origin of the head block: its own, or for the genesis block the L1 block before the
 * deployment (PROTOCOL §5 "Resets"), after checking that this L1 holds the deployment block.
 */
export async function headOrigin(view: L1View, d: L1Deployment, head: BlockHeader): Promise<L1Origin> {
  if (head.number > 0n) {
    if (head.l1Origin.hash.every((b) => b === 0))
      throw new RollupError(
        "BAD_CONFIG",
        "this datadir's chain was built without an L1 (its blocks have no L1 origin): start a new datadir to follow L1",
      );
    return head.l1Origin;
  }
  const deploy = await view.blockRef(BigInt(d.deployBlock));
  if (deploy === undefined || bytesToHex(deploy.hash) !== d.deployBlockHash)
    throw new RollupError(
      "DEPLOYMENT_MISMATCH",
      `the L1 has no block ${d.deployBlock} with hash ${d.deployBlockHash} (the deployment file's): wrong L1, or it is behind`,
    );
  const origin = await view.blockRef(BigInt(d.deployBlock) - 1n);
  if (origin === undefined || !equalBytes(origin.hash, deploy.parentHash))
    throw new RollupError(
      "DEPLOYMENT_MISMATCH",
      "the L1 block before the deployment changed while reading it",
    );
  return { number: origin.number, hash: origin.hash, timestamp: origin.timestamp };
}

/** The poll interval of L1 reads for a chain: a quarter of its L1 block time, in [50 ms, 2 s]. */
export function l1PollMs(params: ChainParams): number {
  return Math.min(2000, Math.max(50, Number(params.l1BlockTimeMs / 4n)));
}

/**
 * Where each recorded channel's frames are on L1: the tx manager's receipt, or for an intent still
 * pending, a receipt L1 holds for one of its journaled tx hashes (a mined tx the manager has not
 * seen yet: the manager keeps that in memory only). Any depth: a frame mined shallow is far more
 * likely to stay than to be reorged out, and taking back a block that did land forks for sure.
 */
async function channelLandings(
  channels: RewindableBatcher["channels"],
  txm: Pick<L1TxManager, "status">,
  client: PublicClient,
  view: L1View,
): Promise<ChannelLanding[]> {
  const out: ChannelLanding[] = [];
  for (const c of channels) {
    let at: bigint | undefined = -1n;
    for (let k = 0; k < c.frames && at !== undefined; k++) {
      const st = txm.status(`${c.id}:${k}`);
      let mined: { blockNumber: bigint; status: string } | undefined;
      if (st.state === "confirmed") mined = st.receipt;
      else if (st.state === "pending")
        for (const hash of st.hashes) {
          mined = await client.getTransactionReceipt({ hash }).catch(() => undefined);
          if (mined !== undefined) break;
        }
      if (mined === undefined || mined.status !== "success") at = undefined;
      else if (mined.blockNumber > at) at = mined.blockNumber;
    }
    const ref = at === undefined ? undefined : await view.blockRef(at);
    out.push({
      first: c.first,
      last: c.last,
      landedAtMs: ref === undefined ? undefined : ref.timestamp * 1000n,
    });
  }
  return out;
}

/**
 * L1's time (ms) for the rewind rule: its latest block's. An L1 whose latest block is older than
 * two of its block times (down, or the devnet's embedded L1 restarting with this node) tells
 * little about when the unposted blocks could land: wait for its next block, at most
 * maxBatchDelayMs, else take the stale time (a rewind too few, never one too many).
 */
async function l1TimeAtStart(view: L1View, params: ChainParams): Promise<bigint | undefined> {
  const first = await view.blockRef("latest");
  if (first === undefined) return undefined;
  if (BigInt(Date.now()) - first.timestamp * 1000n <= 2n * params.l1BlockTimeMs)
    return first.timestamp * 1000n;
  const until = Date.now() + Number(params.maxBatchDelayMs);
  while (Date.now() < until) {
    await sleep(l1PollMs(params));
    const latest = await view.blockRef("latest").catch(() => undefined);
    if (latest !== undefined && latest.number > first.number) return latest.timestamp * 1000n;
  }
  return first.timestamp * 1000n;
}

/** The longest the sequencer's start waits for its derivation to reach L1's head, ms. */
const CATCH_UP_MS = 120_000;

/**
 * Steps derivation until it has read L1's latest block (or `ms` passed, or L1 failed: the loop
 * started next retries).
 */
async function catchUp(d: DerivationDriver, log: Logger, ms: number): Promise<void> {
  const until = Date.now() + ms;
  try {
    for (;;) {
      await d.step();
      if (d.status().behindL1 === 0n) return;
      if (Date.now() > until) {
        log.warn(
          { behindL1: String(d.status().behindL1) },
          "sequencer: derivation still behind L1 at start; building anyway",
        );
        return;
      }
    }
  } catch (e) {
    log.warn(
      { err: e instanceof Error ? e.message : String(e) },
      "sequencer: derivation could not read L1 at start",
    );
  }
}

/**
 * The batcher and its tx manager; `stop` ends both (the batcher first, after its flush: call it
 * once the sequencer has stopped building, and before the L1 stops). Before the batcher starts
 * (and the sequencer, whose `start` comes after this), blocks that a crash left unposted past
 * maxBatchDelayMs are rewound (sequencer/rewind.ts); while they run, blocks whose batch misses
 * maxBatchDelayMs are rewound too (sequencer/lateWatch.ts), each rewind counted by `rewinds`.
 */
export async function startBatcher(
  o: NonNullable<SequencerL1Opts["batcher"]> & { deployment: L1Deployment; datadir: string },
  m: {
    client: PublicClient;
    params: ChainParams;
    store: ChainStore;
    /** The sequencer's chain core (its derivation adopts L1's blocks on it). */
    core: ChainCore;
    sequencer: Sequencer;
    view: L1View;
    log: Logger;
    /** flops_sequencer_rewinds_total. */
    rewinds?: { inc(): void };
    /** flops_derivation_follow_blocks_total{kind}: its derivation's verdicts on its blocks. */
    followed?: { inc(labels: { kind: string }): void };
    /** The explorer's batch rows, written from this node's derivation of L1 (indexer/batchLog.ts). */
    batches?: BatchLog;
  },
): Promise<{ batcher: Batcher; derivation: DerivationDriver; stop(): Promise<void> }> {
  const params = m.params;
  const txm: L1TxManager = await createL1TxManager(
    {
      journalDir: join(o.datadir, "batcher", "txs"),
      chainId: o.deployment.l1ChainId,
      numConfirmations: o.numConfirmations,
      // Channels go out every maxDelay and land in a block or two: several are in flight at once.
      maxPendingTxs: 32,
      pollIntervalMs: Math.min(1000, l1PollMs(params)),
    },
    { client: m.client, account: o.account, log: moduleLogger(m.log, "l1txm") },
  );
  const inbox = o.deployment.contracts.BatchInbox;
  const poster: BatchPoster & { sent(id: string): boolean; included(id: string): boolean } = {
    async post(id, data, signal) {
      const r = await txm.send(
        {
          id,
          to: inbox,
          data: encodeFunctionData({ abi: INBOX_ABI, functionName: "postBatch", args: [bytesToHex(data)] }),
        },
        signal === undefined ? {} : { signal },
      );
      return {
        l1Block: r.blockNumber,
        l1BlockHash: hexToBytes(r.blockHash),
        success: r.status === "success",
      };
    },
    sent: (id) => txm.status(id).state !== "unknown",
    included(id) {
      const st = txm.status(id);
      return st.state === "confirmed" || (st.state === "pending" && st.minedIn !== undefined);
    },
  };
  const maxDelayMs = closeAfterMs(o.maxDelayMs ? o.maxDelayMs : Number(params.maxBatchDelayMs / 4n), params);
  const seqLog = moduleLogger(m.log, "sequencer");
  const landings = (channels: RewindableBatcher["channels"]) =>
    channelLandings(channels, txm, m.client, m.view);
  const originOf = (header: BlockHeader) => headOrigin(m.view, o.deployment, header);
  // Set once the batcher is open (the watch needs it); the batcher reports landings only once started, after.
  let watch: LateWatch | undefined;
  let batcher: Batcher | undefined;
  let derivation: DerivationDriver | undefined;
  try {
    batcher = await Batcher.open(
      {
        dir: join(o.datadir, "batcher"),
        maxDelayMs,
        targetBytes: o.targetBytes,
        maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
        maxInFlight: 16,
        pollMs: Math.max(20, Math.min(250, Math.floor(maxDelayMs / 4))),
        // A graceful stop flushes: past maxBatchDelayMs its blocks would be dropped (D4) anyway.
        flushMs: o.flushMs ?? Number(params.maxBatchDelayMs),
        params,
      },
      {
        blocks: {
          headNumber: () => m.store.head()!.header.number,
          get: (n) => m.store.getBlock(n),
        },
        poster,
        l1: m.view,
        forcedCountOf: (n) => m.sequencer.forcedCountOf(n),
        now: () => BigInt(Date.now()),
        log: moduleLogger(m.log, "batcher"),
        // Undo records go only once the watch judged the channel in time (a late one is rewound).
        onLanded: (through) => watch?.landedThrough(through),
        onChannelLanded: (c) => watch?.channelLanded(c),
      },
    );
    const atStart = await rewindAtStart({
      store: m.store,
      sequencer: m.sequencer,
      batcher,
      l1TimeMs: () => l1TimeAtStart(m.view, params),
      landings,
      originOf,
      maxBatchDelayMs: params.maxBatchDelayMs,
      log: seqLog,
    });
    if (atStart !== undefined) m.rewinds?.inc();
    // One lock for every rewind and adoption: the late watch's and derivation's.
    const open = batcher;
    let lock: Promise<unknown> = Promise.resolve();
    const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
      const run = lock.then(async () => {
        await m.sequencer.pauseBuilding();
        try {
          await open.hold();
          try {
            return await fn();
          } finally {
            open.release();
          }
        } finally {
          m.sequencer.resumeBuilding();
        }
      });
      lock = run.catch(() => undefined);
      return run;
    };
    derivation = new DerivationDriver(
      {
        params,
        l1ChainId: o.deployment.l1ChainId,
        deployBlock: BigInt(o.deployment.deployBlock),
        deployBlockHash: hexToBytes(o.deployment.deployBlockHash),
      },
      {
        source: new L1Source(
          { batchInbox: o.deployment.contracts.BatchInbox, portal: o.deployment.contracts.Portal },
          { client: m.client },
        ),
        store: m.store,
        log: moduleLogger(m.log, "derivation"),
        follow: {
          core: m.core,
          exclusive,
          async rewindTo(n) {
            const origin = await originOf(m.store.getBlock(n)!.block.header);
            await m.sequencer.rewindTo(n, {
              store: m.store,
              forcedCount: (k, b) => open.forcedCount(k, b),
              origin,
            });
            await open.rewindAbove(n);
            watch?.rewoundTo(n);
            m.rewinds?.inc();
          },
          async adopted(b) {
            await m.sequencer.adopted(b, await m.store.listAwaitedRounds());
            await open.skipThrough(b.block.header.number);
          },
          counted: (kind) => m.followed?.inc({ kind }),
        },
      },
    );
    watch = new LateWatch({
      store: m.store,
      sequencer: m.sequencer,
      batcher,
      async l1TimeMs() {
        const b = await m.view.blockRef("latest");
        return b === undefined ? undefined : b.timestamp * 1000n;
      },
      async l1BlockTimeMs(n) {
        const b = await m.view.blockRef(n);
        return b === undefined ? undefined : b.timestamp * 1000n;
      },
      landings,
      originOf,
      maxBatchDelayMs: params.maxBatchDelayMs,
      pollMs: l1PollMs(params),
      log: seqLog,
      onRewind: () => m.rewinds?.inc(),
      exclusive,
      // Derivation reads older states through the undo records, and prunes them below L1's
      // finalized head itself.
      pruneCap: () => -1n,
      // What L1 already confirmed is never taken back on a receipt the watch has not seen.
      derivedThrough: () => m.store.highestDerived(),
    });
  } catch (e) {
    await txm.close();
    throw e;
  }
  // Before the first block: derive what L1 already holds, so blocks L1 decided while this node
  // was down (default blocks, D8) are adopted before new ones are built over them.
  // The explorer's batch rows: what derivation reads of L1, as on a verifier (no batcher report:
  // a row follows its blocks, and a restart derives the head's L1 block again).
  const unfollow = m.batches ? followBatches(derivation!, m.batches, m.log) : undefined;
  await catchUp(derivation!, seqLog, CATCH_UP_MS);
  batcher.start();
  watch.start();
  derivation!.start();
  const w = watch;
  const d = derivation!;
  return {
    batcher,
    derivation: d,
    async stop() {
      // A rewind or adoption in progress ends first: it holds the batcher.
      await d.stop();
      unfollow?.();
      await w.stop();
      await batcher.stop();
      await txm.close();
    },
  };
}
