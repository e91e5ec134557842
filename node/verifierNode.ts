/**
 * `flops node --mode verifier`: a node that rebuilds the chain from L1 alone (PROTOCOL §5
 * "Batches and derivation"). No sequencer, no mempool, no signature workers: a DerivationDriver
 * (bridge/derivation) reads the L1 named by `--l1.rpc` and the deployment file, and the same read
 * RPC is served over what it derives. `flops_sendRawTransaction` answers NOT_ACCEPTING ("send it to
 * the sequencer"); safe/finalized follow L1's tags (flops_syncStatus, `safe`/`finalized` block tags).
 * @module
 */
import { createPublicClient, http } from "viem";
import { healthPlugin } from "../api/health.ts";
import { createMetrics, type MetricsServer, startMetricsServer } from "../api/metrics.ts";
import { createApiServer } from "../api/server.ts";
import type { L1Deployment } from "../bridge/deployment.ts";
import { DerivationDriver } from "../bridge/derivation/derivationDriver.ts";
import { L1Source } from "../bridge/derivation/l1Source.ts";
import { hexToBytes } from "../chain/bytes.ts";
import { ChainCore } from "../chain/chainCore.ts";
import { RollupError } from "../chain/errors.ts";
import type { GenesisDoc } from "../chain/genesisDoc.ts";
import { cappedFetch } from "../rpc/cappedFetch.ts";
import type { ChainStore, StoredBlockData } from "../store/chainStore.ts";
import type { NodeModules, NodeOpts, VerifierFlopsNode } from "./createNode.ts";
import { moduleLogger } from "./logger.ts";
import { createRpcBackend, type HeadSide } from "./rpcBackend.ts";

export interface VerifierOpts {
  /** The L1's JSON-RPC URL (http/https). */
  l1Rpc: string;
  deployment: L1Deployment;
  /** Wait between polls of an idle L1, ms (default: from the chain's L1 block time). */
  pollMs?: number;
}

/**
 * Largest L1 answer read, bytes: a full block with its txs (a 60 M gas block of calldata is ~12 MB
 * as hex). Above it the answer is refused as garbage, never buffered (docs/SECURITY.md).
 */
export const MAX_L1_RESPONSE_BYTES = 32 * 1024 * 1024;
/** One L1 call's time limit, ms. */
export const L1_CALL_TIMEOUT_MS = 10_000;

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
  const client = createPublicClient({
    transport: http(opts.verifier.l1Rpc, {
      fetchFn: cappedFetch(fetch, MAX_L1_RESPONSE_BYTES),
      timeout: L1_CALL_TIMEOUT_MS,
      // The driver retries with its own backoff; a retry inside viem would hide the outage.
      retryCount: 0,
    }),
  });
  const driver = new DerivationDriver(
    {
      params: genesis.params,
      l1ChainId: d.l1ChainId,
      deployBlock: BigInt(d.deployBlock),
      deployBlockHash: hexToBytes(d.deployBlockHash),
      ...(opts.verifier.pollMs === undefined ? {} : { pollMs: opts.verifier.pollMs }),
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

  const api = await createApiServer({
    rpc: { backend, ...(opts.rpc.limits ? { limits: opts.rpc.limits } : {}) },
    ...(opts.rpc.connections ? { connections: opts.rpc.connections } : {}),
    logger: log,
  });
  let stopping = false;
  await api.register(healthPlugin, {
    isReady: () => (stopping ? { ready: false, reason: "shutting down" } : true),
  });
  try {
    await api.listen({ host: opts.rpc.addr, port: opts.rpc.port });
  } catch (e) {
    if ((e as { code?: string }).code !== "EADDRINUSE") throw e;
    throw new RollupError(
      "PORT_IN_USE",
      `JSON-RPC port ${opts.rpc.addr}:${opts.rpc.port} is already in use (choose another with --rpc.port)`,
      {},
      { cause: e },
    );
  }
  closers.unshift(() => api.close());
  const addr = api.server.address();
  const port = typeof addr === "object" && addr ? addr.port : opts.rpc.port;
  const rpcUrl = `http://${opts.rpc.addr.includes(":") ? `[${opts.rpc.addr}]` : opts.rpc.addr}:${port}`;
  const metrics = createMetrics();
  let metricsServer: MetricsServer | undefined;
  if (opts.metrics) {
    metricsServer = await startMetricsServer(opts.metrics, { metrics, isReady: () => !stopping });
    closers.unshift(() => metricsServer!.close());
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
    metricsUrl: metricsServer?.url,
    genesis,
    get core() {
      return currentCore();
    },
    sequencer: undefined,
    derivation: driver,
    backend,
    api,
    metrics,
    stop() {
      stopping = true;
      stopped ??= (async () => {
        for (const close of closers) await close();
      })();
      return stopped;
    },
  };
}
