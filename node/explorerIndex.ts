/**
 * Starts the explorer's indexer (indexer/) in `<datadir>/indexer` beside the chain store, and
 * returns the explorer's reads over it. The indexer catches up from its own cursor at once (no
 * rescan after a restart), then after every new head, off the block-production path (it runs
 * after the head's listeners return, a block per batch). Its close goes to the front of the
 * node's closers: before the store it reads.
 *
 * Beside the block index, the batches L1 holds (indexer/batchLog.ts), from the node's own
 * derivation: {@link followBatches} connects a DerivationDriver (a verifier's, node/verifierNode.ts;
 * a sequencer's follow mode, node/sequencerL1.ts) to the log, and every new head prunes the rows a
 * sequencer's rewind made stale. The indexer's DB is their home because it is the explorer's (its
 * lists' keyset pages and its layering) and not consensus data: a node that loses it loses the
 * batch rows it shows until derivation passes those L1 blocks again, never the chain.
 * @module
 */
import { join } from "node:path";
import type { ExplorerReads } from "../api/explorer/ports.ts";
import type { RpcBackend } from "../api/ports.ts";
import type { DerivationDriver } from "../bridge/derivation/derivationDriver.ts";
import type { ChainParams } from "../chain/params.ts";
import { BatchLog } from "../indexer/batchLog.ts";
import { Indexer } from "../indexer/indexer.ts";
import { IndexReads } from "../indexer/indexReads.ts";
import type { ChainStore } from "../store/chainStore.ts";
import { createExplorerReads, type ExplorerReadsModules } from "./explorerReads.ts";
import type { Logger } from "./logger.ts";

export async function startExplorerIndex(
  datadir: string,
  params: ChainParams,
  m: {
    store: ChainStore;
    backend: RpcBackend;
    log: Logger;
    closers: Array<() => Promise<void>>;
    withdrawalStatus?: ExplorerReadsModules["withdrawalStatus"];
    operators?: ExplorerReadsModules["operators"];
  },
): Promise<{ reads: ExplorerReads; batchLog: BatchLog }> {
  const log = m.log.child({ module: "indexer" });
  const indexer = await Indexer.open(
    { dir: join(datadir, "indexer"), params },
    { source: m.store, onError: (err) => log.warn({ err }, "indexing failed; retried at the next block") },
  );
  const batchLog = new BatchLog(indexer.kv, m.store);
  const prune = () =>
    batchLog.prune().then(
      (n) => {
        if (n > 0) log.info({ batches: n }, "batches dropped: their blocks were rewound");
      },
      (err: unknown) => log.warn({ err }, "batch pruning failed; retried at the next block"),
    );
  const unsubscribe = m.backend.onNewHead(() => {
    indexer.notify();
    void prune();
  });
  m.closers.unshift(async () => {
    unsubscribe();
    await prune();
    await indexer.close();
  });
  indexer.notify();
  void prune();
  const reads = createExplorerReads({
    index: new IndexReads(indexer.kv, params),
    backend: m.backend,
    ...(m.withdrawalStatus ? { withdrawalStatus: m.withdrawalStatus } : {}),
    ...(m.operators ? { operators: m.operators } : {}),
  });
  return { reads, batchLog };
}

/**
 * Rows of `batchLog` from `driver`: each L1 block's decided blocks written (awaited by
 * derivation), the rows above a rewind dropped. Answers the unsubscribe.
 */
export function followBatches(
  driver: Pick<DerivationDriver, "onBatches">,
  batchLog: BatchLog,
  log: Logger,
): () => void {
  const l = log.child({ module: "indexer" });
  return driver.onBatches({
    decided: async (b) => {
      await batchLog.decided(b);
    },
    rewound: async (n) => {
      const dropped = await batchLog.rewound(n);
      if (dropped > 0)
        l.info({ batches: dropped, above: String(n) }, "batches dropped: derivation takes their blocks back");
    },
  });
}
