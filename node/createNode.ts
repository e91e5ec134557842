/**
 * The composition root: opens the store, initialises or resumes the chain, and wires the
 * sequencer, the beacon feed, the signature pool, the JSON-RPC server and metrics together.
 * Only this module calls the constructors of concrete implementations.
 * @module
 */
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import type { PublicClient } from "viem";
import type { ConnectionLimits } from "../api/connectionLimits.ts";
import type { RpcLimits } from "../api/jsonRpc/plugin.ts";
import { createMetrics, type Metrics } from "../api/metrics.ts";
import type { RpcBackend } from "../api/ports.ts";
import type { Challenger } from "../bridge/challenger/challenger.ts";
import type { DerivationDriver } from "../bridge/derivation/derivationDriver.ts";
import { derivedSafeOutput, laggingHeadOutput } from "../bridge/proposer/safeOutputSource.ts";
import { bytesToHex, equalBytes } from "../chain/bytes.ts";
import { ChainCore } from "../chain/chainCore.ts";
import { RollupError } from "../chain/errors.ts";
import { type GenesisDoc, genesisHash } from "../chain/genesisDoc.ts";
import { validateGenesis } from "../chain/genesisValidate.ts";
import type { Batcher } from "../sequencer/batcher.ts";
import { DEFAULT_MEMPOOL_OPTS, type MempoolOpts } from "../sequencer/mempool.ts";
import type { BeaconSource } from "../sequencer/ports.ts";
import { Sequencer } from "../sequencer/sequencer.ts";
import { createSigPool, type SigPool } from "../sequencer/sigPool.ts";
import { ChainStore } from "../store/chainStore.ts";
import { startExplorerIndex } from "./explorerIndex.ts";
import { explorerOperatorsFor } from "./explorerOperators.ts";
import type { Logger } from "./logger.ts";
import { moduleLogger } from "./logger.ts";
import { type ProposerNodeOpts, startOutputProposer } from "./outputProposerNode.ts";
import { createRpcBackend } from "./rpcBackend.ts";
import { headOrigin, l1PollMs, l1ViewOf, type SequencerL1Opts, startBatcher } from "./sequencerL1.ts";
import { startApi } from "./startApi.ts";
import { finalityPollMs, startStatePruning } from "./statePruning.ts";
import { createVerifierNode, type VerifierOpts } from "./verifierNode.ts";
import { createWithdrawalL1Status, l1WithdrawalRead } from "./withdrawalL1Status.ts";

export const CLIENT_VERSION = `flops/v0.1.0/${process.platform}-${process.arch}/node${process.versions.node.split(".")[0]}`;

export interface NodeOpts {
  datadir: string;
  /** Used to initialise an empty datadir; with an existing one it must match what is stored... */
  genesis?: GenesisDoc;
  /** ...unless this is set: then it only initialises an empty datadir (devnets made "now"). */
  genesisInitOnly?: boolean;
  rpc: {
    addr: string;
    port: number;
    limits?: Partial<RpcLimits>;
    /** Timeouts and connection caps of the HTTP server (api/connectionLimits.ts). */
    connections?: Partial<ConnectionLimits>;
  };
  metrics?: { addr: string; port: number };
  blockTimeMs: number;
  maxTxsPerBlock?: number;
  mempool?: Partial<MempoolOpts>;
  sigWorkers?: number;
  /** Run as a verifier: derive the chain from this L1 (no sequencer, no mempool; node/verifierNode.ts). */
  verifier?: VerifierOpts;
  /**
   * The sequencer follows this L1 deployment (origins, deposits, forced txs) and, with `batcher`,
   * posts every block to it (node/sequencerL1.ts; needs `NodeModules.l1Client`).
   */
  l1?: SequencerL1Opts;
  /**
   * Post outputs to the deployment's OutputOracle (node/outputProposerNode.ts; needs `l1`): the
   * sequencer's head `lagBlocks` behind, an explicit trust choice until a verifier runs beside it.
   */
  proposer?: ProposerNodeOpts;
  /**
   * Prune state in the background (store/smtPruner.ts, node/statePruning.ts) below `retention`
   * blocks under min(head, the newest output final on L1); without an L1, under the head. A
   * verifier's store never prunes past its reorg floor either. Absent: keep all.
   */
  prune?: { retention: number };
}

export interface NodeModules {
  logger: Logger;
  /** Builds the beacon source once the chain's params are known. */
  beacon: (genesis: GenesisDoc) => BeaconSource;
  /** Wall clock, ms (tests may pass a fake). */
  now?: () => bigint;
  /** The L1 of `NodeOpts.l1` (an http client, or the devnet's embedded L1 through custom()). */
  l1Client?: PublicClient;
}

export interface FlopsNode {
  readonly rpcUrl: string;
  readonly metricsUrl: string | undefined;
  readonly genesis: GenesisDoc;
  readonly core: ChainCore;
  readonly sequencer: Sequencer;
  /** The batcher, when this node posts to an L1. */
  readonly batcher?: Batcher | undefined;
  /**
   * With a batcher: derivation of this node's own L1 data (follow mode), which makes its safe and
   * finalized heads and adopts what L1 decided where the sequencer built otherwise.
   */
  readonly derivation?: DerivationDriver | undefined;
  readonly backend: RpcBackend;
  readonly api: FastifyInstance;
  readonly metrics: Metrics;
  stop(): Promise<void>;
}

/** A verifier node: no sequencer; its derivation loop instead (`core` follows it after reorgs). */
export type VerifierFlopsNode = Omit<FlopsNode, "sequencer" | "derivation"> & {
  readonly sequencer: undefined;
  readonly derivation: DerivationDriver;
  /** `flops challenger` (VerifierOpts.challenger): the watcher of every output. */
  readonly challenger?: Challenger | undefined;
};

export async function createNode(
  opts: NodeOpts & { verifier?: undefined },
  modules: NodeModules,
): Promise<FlopsNode>;
export async function createNode(
  opts: NodeOpts & { verifier: VerifierOpts },
  modules: NodeModules,
): Promise<VerifierFlopsNode>;
export async function createNode(
  opts: NodeOpts,
  modules: NodeModules,
): Promise<FlopsNode | VerifierFlopsNode> {
  const log = modules.logger;
  const now = modules.now ?? (() => BigInt(Date.now()));
  const store = await ChainStore.open(join(opts.datadir, "chain"));
  const closers: Array<() => Promise<void>> = [() => store.close()];
  try {
    // --- genesis or resume ---
    let genesis = store.genesis();
    if (!genesis) {
      if (!opts.genesis)
        throw new RollupError("NO_GENESIS", `datadir ${opts.datadir} is empty and no genesis was given`);
      genesis = opts.genesis;
      // A document built in code (devnets, tests) meets the same rules as one loaded from a file.
      validateGenesis(genesis);
      const { head, ops } = ChainCore.genesis(store.kv, {
        timestamp: genesis.timestamp,
        alloc: genesis.alloc,
      });
      await store.writeGenesis(genesis, head, ops);
      log.info({ genesisHash: bytesToHex(genesisHash(genesis)) }, "initialised a new chain");
    } else if (
      opts.genesis &&
      !opts.genesisInitOnly &&
      !equalBytes(genesisHash(opts.genesis), genesisHash(genesis))
    ) {
      throw new RollupError(
        "GENESIS_MISMATCH",
        `datadir ${opts.datadir} holds another chain (genesis hash differs)`,
      );
    }
    // Every block gap above maxBlockGapMs is a stall that extends deadlines (PROTOCOL §3): a block
    // time at or above it would extend every deadline forever, and none would ever pass.
    if (BigInt(opts.blockTimeMs) >= genesis.params.maxBlockGapMs) {
      throw new RollupError(
        "BAD_CONFIG",
        `block time ${opts.blockTimeMs} ms must be below the chain's maxBlockGapMs (${genesis.params.maxBlockGapMs} ms)`,
      );
    }
    // A verifier starts pruning once it has its L1 client (node/verifierNode.ts).
    if (opts.prune && !opts.verifier) {
      const l1Client = opts.l1 ? modules.l1Client : undefined;
      const stopPruning = startStatePruning(
        {
          retention: opts.prune.retention,
          idleMs: Math.max(opts.blockTimeMs, 200),
          l1:
            opts.l1 && l1Client
              ? {
                  client: l1Client,
                  oracle: opts.l1.deployment.contracts.OutputOracle,
                  pollMs: finalityPollMs(genesis.params),
                }
              : undefined,
        },
        { store, log },
      );
      closers.unshift(stopPruning);
    }
    if (opts.verifier)
      return await createVerifierNode({ ...opts, verifier: opts.verifier }, modules, {
        store,
        genesis,
        closers,
        clientVersion: CLIENT_VERSION,
      });
    const head = store.head()!;
    // Through the store's flat record cache: each head's first read of a record skips LevelDB.
    const core = new ChainCore(genesis.params, store.state, head);
    log.info({ head: String(head.header.number), hash: bytesToHex(head.hash) }, "chain loaded");

    // --- services ---
    const metrics = createMetrics();
    const blockTime = metrics.histogram({
      module: "sequencer",
      what: "block_build",
      unit: "seconds",
      help: "block build time",
    });
    const blockTxs = metrics.counter({
      module: "sequencer",
      what: "txs_included",
      unit: "total",
      help: "signed txs included",
    });
    const headGauge = metrics.gauge({
      module: "chain",
      what: "head",
      unit: "number",
      help: "head block number",
    });
    const admitted = metrics.counter({
      module: "mempool",
      what: "admissions",
      unit: "total",
      help: "tx admissions",
      labelNames: ["result"],
    });
    const poolSize = metrics.gauge({ module: "mempool", what: "size", unit: "txs", help: "pending txs" });

    const sigPool: SigPool = createSigPool(opts.sigWorkers === undefined ? {} : { workers: opts.sigWorkers });
    closers.unshift(() => sigPool.close());
    const backends = await sigPool.ready();
    log.info({ backends }, "signature workers ready");

    const seqLog = moduleLogger(log, "sequencer");
    let l1: { view: ReturnType<typeof l1ViewOf>; client: PublicClient; opts: SequencerL1Opts } | undefined;
    let origin: Awaited<ReturnType<typeof headOrigin>> | undefined;
    if (opts.l1 !== undefined) {
      if (modules.l1Client === undefined) throw new Error("createNode: opts.l1 needs modules.l1Client");
      if (opts.l1.deployment.genesisHash !== bytesToHex(genesisHash(genesis)))
        throw new RollupError(
          "GENESIS_MISMATCH",
          `the L1 deployment pins genesis ${opts.l1.deployment.genesisHash}, this chain's is ${bytesToHex(genesisHash(genesis))}`,
        );
      l1 = { view: l1ViewOf(modules.l1Client, opts.l1.deployment), client: modules.l1Client, opts: opts.l1 };
      origin = await headOrigin(l1.view, opts.l1.deployment, head.header);
      log.info(
        { origin: String(origin.number), deployBlock: opts.l1.deployment.deployBlock },
        "following L1",
      );
    }
    const sequencer = new Sequencer(
      {
        blockTimeMs: opts.blockTimeMs,
        maxTxsPerBlock: opts.maxTxsPerBlock ?? 10_000,
        mempool: { ...DEFAULT_MEMPOOL_OPTS, ...opts.mempool },
        ...(l1 && origin
          ? {
              l1: {
                confirmations: l1.opts.confirmations,
                pollMs: l1PollMs(genesis.params),
                maxAhead: 64,
                origin,
                ...(l1.opts.censorForcedTxs === true ? { censorForcedTxs: true } : {}),
              },
            }
          : {}),
      },
      {
        core,
        store: {
          // Posting to L1: undo records, so blocks a crash left unposted can be rewound (sequencer/rewind.ts).
          commitBlock: (b, ops) => store.commitBlock(b, ops, { undo: l1?.opts.batcher !== undefined }),
          addPending: (tx) => store.addPending(tx),
          removePending: (h) => store.removePending(h),
          isIncluded: (h) => store.getTxLocation(h) !== undefined,
        },
        beacon: modules.beacon(genesis),
        recovery: sigPool,
        ...(l1 ? { l1View: l1.view } : {}),
        now,
        log: seqLog,
        metrics: {
          blockBuilt(ms, txs) {
            blockTime.observe(ms / 1000);
            blockTxs.inc(txs);
            headGauge.set(Number(core.head.header.number));
          },
          txAdmitted: (ok) => admitted.inc({ result: ok ? "accepted" : "rejected" }),
          mempoolSize: (n) => poolSize.set(n),
        },
      },
    );
    const restored = await sequencer.restore(await store.loadPending(), await store.listAwaitedRounds());
    if (restored.restored || restored.dropped.length) log.info(restored, "mempool restored from the journal");

    // Set once the batcher starts: the sequencer's derivation of its own L1 data makes its safe
    // and finalized heads (bridge/derivation follow mode); without an L1 they stay at genesis.
    let derivation: DerivationDriver | undefined;
    const backend = createRpcBackend({
      store,
      core,
      sequencer,
      clientVersion: CLIENT_VERSION,
      heads: () => {
        if (derivation === undefined || !derivation.initialised) {
          const g = store.getBlock(0n)!;
          const genesisHead = { header: g.block.header, hash: g.hash };
          return { safeL2: genesisHead, finalizedL2: genesisHead };
        }
        const st = derivation.status();
        return {
          safeL2: st.safeL2,
          finalizedL2: st.finalizedL2,
          currentL1: st.currentL1,
          headL1: st.headL1,
          safeL1: st.safeL1,
          finalizedL1: st.finalizedL1,
        };
      },
    });
    const explorerIndex = await startExplorerIndex(opts.datadir, genesis.params, {
      store,
      backend,
      log,
      closers,
      ...(l1
        ? {
            withdrawalStatus: createWithdrawalL1Status(
              l1WithdrawalRead(
                l1.client,
                {
                  portal: l1.opts.deployment.contracts.Portal,
                  oracle: l1.opts.deployment.contracts.OutputOracle,
                },
                BigInt(l1.opts.deployment.deployBlock),
              ),
            ),
            ...explorerOperatorsFor(l1.client, l1.opts.deployment),
          }
        : {}),
    });
    const explorer = explorerIndex.reads;

    let batcher: Batcher | undefined;
    if (l1?.opts.batcher) {
      const b = await startBatcher(
        { ...l1.opts.batcher, deployment: l1.opts.deployment, datadir: opts.datadir },
        {
          client: l1.client,
          params: genesis.params,
          store,
          core,
          sequencer,
          view: l1.view,
          log,
          batches: explorerIndex.batchLog,
          rewinds: metrics.counter({
            module: "sequencer",
            what: "rewinds",
            unit: "total",
            help: "rewinds of blocks whose batch missed maxBatchDelayMs (at start or running)",
          }),
          followed: metrics.counter({
            module: "derivation",
            what: "follow_blocks",
            unit: "total",
            help: "derived blocks, by verdict on the sequencer's own: matched, adopted (from L1), replaced (its block taken back)",
            labelNames: ["kind"],
          }),
        },
      );
      closers.unshift(() => b.stop());
      batcher = b.batcher;
      derivation = b.derivation;
    }
    // Only now: a rewind at the batcher's start must come before any block is served.
    const { api, rpcUrl, metricsUrl, markStopping } = await startApi(opts, {
      backend,
      metrics,
      logger: log,
      closers,
      explorer,
    });
    if (opts.proposer) {
      if (!l1)
        throw new RollupError("BAD_CONFIG", "the output proposer needs an L1 (--l1.rpc and --l1.deployment)");
      const p = await startOutputProposer(
        { ...opts.proposer, deployment: l1.opts.deployment, datadir: opts.datadir, params: genesis.params },
        {
          client: l1.client,
          // With a batcher, what its own derivation confirmed from L1 (never a block a rewind
          // could take back); a sequencer that does not post follows its head at a lag.
          safeOutput:
            derivation === undefined
              ? laggingHeadOutput(opts.proposer.lagBlocks, {
                  headNumber: () => core.head.header.number,
                  getBlock: (n) => store.getBlock(n),
                })
              : derivedSafeOutput({
                  safeNumber: () => {
                    const dv = derivation!;
                    if (!dv.initialised) return 0n;
                    // Operators sign only what is derived from finalized L1 data: attested
                    // outputs wait for that too (PROTOCOL §6).
                    const st = dv.status();
                    return (opts.proposer!.attest ? st.finalizedL2 : st.safeL2).header.number;
                  },
                  getBlock: (n) => store.getBlock(n),
                  derivedFrom: (n) => store.derivedFrom(n),
                }),
          log,
        },
      );
      closers.unshift(() => p.stop());
    }
    sequencer.start();
    closers.unshift(() => sequencer.stop());
    log.info({ rpc: rpcUrl, metrics: metricsUrl, blockTimeMs: opts.blockTimeMs }, "node started");

    let stopped: Promise<void> | undefined;
    return {
      rpcUrl,
      metricsUrl,
      genesis,
      core,
      sequencer,
      batcher,
      derivation,
      backend,
      api,
      metrics,
      stop() {
        markStopping();
        stopped ??= runClosers(closers);
        return stopped;
      },
    };
  } catch (e) {
    await runClosers(closers);
    throw e;
  }
}

async function runClosers(closers: ReadonlyArray<() => Promise<void>>): Promise<void> {
  for (const close of closers) await close();
}
