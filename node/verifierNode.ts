/**
 * `flops node --mode verifier`: a node that rebuilds the chain from L1 alone (PROTOCOL §5
 * "Batches and derivation"). No sequencer, no mempool, no signature workers: a DerivationDriver
 * (bridge/derivation) reads the L1 named by `--l1.rpc` and the deployment file, and the same read
 * RPC is served over what it derives. `flops_sendRawTransaction` answers NOT_ACCEPTING ("send it to
 * the sequencer"); safe/finalized follow L1's tags (flops_syncStatus, `safe`/`finalized` block tags).
 * With `verifier.proposer` it also posts outputs of its own safe (or finalized) derived head to the
 * OutputOracle: the honest proposer, where a sequencer's would post what it built itself.
 * @module
 */
import { join } from "node:path";
import { type Address, createPublicClient, http, type PublicClient } from "viem";
import { createMetrics } from "../api/metrics.ts";
import { MAX_PROOF_DEPTH_BLOCKS } from "../bridge/challenger/challengeProofReader.ts";
import type { L1Deployment } from "../bridge/deployment.ts";
import { DerivationDriver } from "../bridge/derivation/derivationDriver.ts";
import { L1Source } from "../bridge/derivation/l1Source.ts";
import { type BlsKeyPair, keyHash } from "../bridge/operators/bn254Bls.ts";
import { REGISTRY_ABI } from "../bridge/operators/operatorAbi.ts";
import { OutputSigner } from "../bridge/operators/outputSigner.ts";
import { SignedOutputs } from "../bridge/operators/signedOutputs.ts";
import { derivedSafeOutput } from "../bridge/proposer/safeOutputSource.ts";
import { hexToBytes } from "../chain/bytes.ts";
import { ChainCore } from "../chain/chainCore.ts";
import { RollupError } from "../chain/errors.ts";
import type { GenesisDoc } from "../chain/genesisDoc.ts";
import { cappedFetch } from "../rpc/cappedFetch.ts";
import type { ChainStore, StoredBlockData } from "../store/chainStore.ts";
import { type ChallengerNodeOpts, startChallenger } from "./challengerNode.ts";
import type { NodeModules, NodeOpts, VerifierFlopsNode } from "./createNode.ts";
import { followBatches, startExplorerIndex } from "./explorerIndex.ts";
import { explorerOperatorsFor } from "./explorerOperators.ts";
import { moduleLogger } from "./logger.ts";
import { type ProposerPace, startOutputProposer } from "./outputProposerNode.ts";
import { createRpcBackend, type HeadSide } from "./rpcBackend.ts";
import { startApi } from "./startApi.ts";
import { finalityPollMs, startStatePruning } from "./statePruning.ts";
import { createWithdrawalL1Status, l1WithdrawalRead } from "./withdrawalL1Status.ts";

export interface VerifierOpts {
  /** The L1's JSON-RPC URL (http/https). */
  l1Rpc: string;
  deployment: L1Deployment;
  /** Wait between polls of an idle L1, ms (default: from the chain's L1 block time). */
  pollMs?: number;
  /** Post outputs of what this node derived (`--proposer.keystore`); absent: post nothing. */
  proposer?: VerifierProposerOpts;
  /**
   * `--mode operator`: sign the outputs this node derived from finalized L1 data with this BLS key
   * and serve the signatures (flops_getOutputSignature; bridge/operators/outputSigner.ts). Needs
   * the deployment's `operatorRegistry` (which L1 address owns the key).
   */
  operator?: VerifierOperatorOpts;
  /**
   * `flops challenger`: compare every posted output with this node's derivation and prove the
   * faults it finds (bridge/challenger/challenger.ts). Needs the deployment's `fraudProofs`.
   */
  challenger?: ChallengerNodeOpts;
}

export interface VerifierOperatorOpts {
  key: BlsKeyPair;
  /** L2 blocks below the finalized head still signed. Default 7200. */
  keepBlocks?: bigint;
}

/** A verifier's output proposer: its key and pace, and which derived head it posts. */
export interface VerifierProposerOpts extends ProposerPace {
  /**
   * safe: the last block derived from L1 blocks at or below L1's `safe` block; finalized: the
   * same under L1's `finalized` block (later, but an output that no L1 reorg can take back).
   */
  head: "safe" | "finalized";
}

/**
 * Largest L1 answer read, bytes: a full block with its txs (a 60 M gas block of calldata is ~12 MB
 * as hex). Above it the answer is refused as garbage, never buffered (docs/SECURITY.md).
 */
export const MAX_L1_RESPONSE_BYTES = 32 * 1024 * 1024;
/** One L1 call's time limit, ms. */
const L1_CALL_TIMEOUT_MS = 10_000;

/**
 * A node's client for its L1 (`--l1.rpc`: a verifier's derivation, a sequencer's origins, batcher
 * and proposer): answers capped at {@link MAX_L1_RESPONSE_BYTES}, each call timed out, no retry
 * inside viem: the derivation driver, the L1 readers and the tx managers retry with their own
 * backoff, and a retry in here would hide an outage from them.
 */
export function nodeL1Client(url: string): PublicClient {
  return createPublicClient({
    transport: http(url, {
      fetchFn: cappedFetch(fetch, MAX_L1_RESPONSE_BYTES),
      timeout: L1_CALL_TIMEOUT_MS,
      retryCount: 0,
    }),
  }) as PublicClient;
}

export async function createVerifierNode(
  opts: NodeOpts & { verifier: VerifierOpts },
  modules: NodeModules,
  parts: {
    store: ChainStore;
    genesis: GenesisDoc;
    closers: Array<() => Promise<void>>;
    clientVersion: string;
  },
): Promise<VerifierFlopsNode> {
  const { store, genesis, closers } = parts;
  const log = modules.logger;
  const d = opts.verifier.deployment;
  const client = nodeL1Client(opts.verifier.l1Rpc);
  const driver = new DerivationDriver(
    {
      params: genesis.params,
      l1ChainId: d.l1ChainId,
      deployBlock: BigInt(d.deployBlock),
      deployBlockHash: hexToBytes(d.deployBlockHash),
      ...(opts.verifier.pollMs === undefined ? {} : { pollMs: opts.verifier.pollMs }),
      // flops_getChallengeProof reads past state through undo records: keep them as deep as it
      // serves (operators must prove the records of what they signed for its whole window).
      keepUndoBlocks: MAX_PROOF_DEPTH_BLOCKS,
    },
    {
      source: new L1Source({ batchInbox: d.contracts.BatchInbox, portal: d.contracts.Portal }, { client }),
      store,
      log: moduleLogger(log, "derivation"),
    },
  );
  // The API serves the stored chain at once; the driver takes over its head at its first L1
  // contact (the L1 may be down at start: the loop retries).
  const head = store.head()!;
  const initial = new ChainCore(genesis.params, store.kv, head);
  const currentCore = () => (driver.initialised ? driver.core : initial);
  const genesisHead = { header: store.getBlock(0n)!.block.header, hash: store.getBlock(0n)!.hash };

  let headState = currentCore().readState();
  let stateOf = currentCore().head.hash;
  const side: HeadSide = {
    mempool: { get: () => undefined },
    state() {
      const c = currentCore();
      if (c.head.hash !== stateOf) {
        headState = c.readState();
        stateOf = c.head.hash;
      }
      return headState;
    },
    pendingNonce: (a) => side.state().getAccount(a).nonce,
    submit: async () => ({
      ok: false,
      code: "NOT_ACCEPTING",
      message: "verifier: not accepting transactions (send them to the sequencer)",
    }),
    onBlock: (listener) => driver.onBlock((b) => listener(b as StoredBlockData & { encoded: Uint8Array })),
  };
  const backend = createRpcBackend({
    store,
    core: {
      get head() {
        return currentCore().head;
      },
      params: genesis.params,
    },
    sequencer: side,
    clientVersion: parts.clientVersion,
    heads: () => {
      // Until L1 has been read, nothing is known to be safe beyond genesis.
      if (!driver.initialised) return { safeL2: genesisHead, finalizedL2: genesisHead };
      const s = driver.status();
      return {
        safeL2: s.safeL2,
        finalizedL2: s.finalizedL2,
        currentL1: s.currentL1,
        headL1: s.headL1,
        safeL1: s.safeL1,
        finalizedL1: s.finalizedL1,
        catchingUp:
          s.behindL1 > 1n && s.headL1 !== undefined
            ? { startingBlock: s.currentL1?.number ?? 0n, highestBlock: s.headL1.number }
            : undefined,
      };
    },
  });

  if (opts.verifier.operator) {
    const signer = operatorSigner(opts.verifier.operator, {
      deployment: d,
      l2ChainId: genesis.params.l2ChainId,
      datadir: opts.datadir,
      client,
      store,
      driver,
      log,
    });
    // The journal closes last, after the API stopped serving (closers run in order).
    closers.push(async () => signer.journal.close());
    Object.assign(backend, { outputSignatures: signer.signer });
  }

  // The explorer, as on a sequencer (node/explorerIndex.ts): its index follows the derived chain
  // and its batch rows come from this node's own derivation of L1 (before the driver starts).
  const explorerIndex = await startExplorerIndex(opts.datadir, genesis.params, {
    store,
    backend,
    log,
    closers,
    withdrawalStatus: createWithdrawalL1Status(
      l1WithdrawalRead(
        client,
        { portal: d.contracts.Portal, oracle: d.contracts.OutputOracle },
        BigInt(d.deployBlock),
      ),
    ),
    ...explorerOperatorsFor(client, d),
  });
  // The driver stops before the index closes (closers run in order; its stop comes first).
  followBatches(driver, explorerIndex.batchLog, log);

  const metrics = createMetrics();
  const { api, rpcUrl, metricsUrl, markStopping } = await startApi(opts, {
    backend,
    metrics,
    logger: log,
    closers,
    explorer: explorerIndex.reads,
  });

  const proposing = opts.verifier.proposer;
  if (proposing) {
    // Only what this node derived from L1 is posted: its safe (or finalized) head and the L1
    // block that decided it. Nothing the sequencer says reaches this source.
    const p = await startOutputProposer(
      { ...proposing, deployment: d, datadir: opts.datadir, params: genesis.params },
      {
        client,
        safeOutput: derivedSafeOutput({
          safeNumber: () => {
            if (!driver.initialised) return 0n;
            const s = driver.status();
            // Operators sign only finalized derivations: an attested proposer waits for them.
            const finalized = proposing.head === "finalized" || proposing.attest !== undefined;
            return (finalized ? s.finalizedL2 : s.safeL2).header.number;
          },
          getBlock: (n) => store.getBlock(n),
          derivedFrom: (n) => store.derivedFrom(n),
        }),
        log,
      },
    );
    closers.unshift(() => p.stop());
  }

  if (opts.prune)
    // Keyed on the newest output final on L1, read through derivation's L1 client; the store
    // also keeps its reorg floor (node/statePruning.ts).
    closers.unshift(
      startStatePruning(
        {
          retention: opts.prune.retention,
          idleMs: 1000,
          l1: { client, oracle: d.contracts.OutputOracle, pollMs: finalityPollMs(genesis.params) },
        },
        { store, log },
      ),
    );
  let challenger: Awaited<ReturnType<typeof startChallenger>> | undefined;
  if (opts.verifier.challenger) {
    challenger = await startChallenger(
      { ...opts.verifier.challenger, deployment: d, datadir: opts.datadir, params: genesis.params },
      { client, store, driver, log },
    );
    closers.unshift(() => challenger!.stop());
  }
  driver.start();
  closers.unshift(() => driver.stop());
  log.info(
    { rpc: rpcUrl, l1: opts.verifier.l1Rpc, deployBlock: d.deployBlock },
    "verifier started: deriving the chain from L1",
  );
  let stopped: Promise<void> | undefined;
  return {
    rpcUrl,
    metricsUrl,
    genesis,
    get core() {
      return currentCore();
    },
    sequencer: undefined,
    derivation: driver,
    challenger: challenger?.challenger,
    backend,
    api,
    metrics,
    stop() {
      markStopping();
      stopped ??= (async () => {
        for (const close of closers) await close();
      })();
      return stopped;
    },
  };
}

/** The operator mode's signer over this verifier's own derivation, and its journal. */
function operatorSigner(
  o: VerifierOperatorOpts,
  m: {
    deployment: L1Deployment;
    l2ChainId: bigint;
    datadir: string;
    client: PublicClient;
    store: ChainStore;
    driver: DerivationDriver;
    log: NodeModules["logger"];
  },
): { signer: OutputSigner; journal: SignedOutputs } {
  const registry = m.deployment.operatorRegistry;
  if (registry === undefined)
    throw new RollupError(
      "BAD_CONFIG",
      "--mode operator needs a deployment file with an operatorRegistry entry (bridge/deployment.ts)",
    );
  const keepBlocks = o.keepBlocks ?? 7200n;
  const journal = SignedOutputs.open(join(m.datadir, "operator-signed.jsonl"), keepBlocks);
  const mine = keyHash(o.key.pubkeyG1);
  let owner: Address | undefined;
  const signer = new OutputSigner(
    {
      key: o.key,
      l1ChainId: BigInt(m.deployment.l1ChainId),
      l2ChainId: m.l2ChainId,
      oracle: m.deployment.contracts.OutputOracle,
      keepBlocks,
    },
    {
      source: {
        finalized: () => {
          if (!m.driver.initialised) return undefined;
          const s = m.driver.status();
          if (s.finalizedL1 === undefined) return undefined;
          return { l2: s.finalizedL2.header.number, l1: s.finalizedL1.number };
        },
        getBlock: (n) => m.store.getBlock(n),
        derivedFrom: (n) => m.store.derivedFrom(n),
      },
      journal,
      // Looked up until found (the key may be registered after the node starts), then kept.
      operator: async () => {
        if (owner !== undefined) return owner;
        const a = await m.client.readContract({
          address: registry,
          abi: REGISTRY_ABI,
          functionName: "keyOwner",
          args: [mine],
        });
        if (a !== "0x0000000000000000000000000000000000000000") owner = a;
        return owner;
      },
      log: moduleLogger(m.log, "operator"),
    },
  );
  return { signer, journal };
}
