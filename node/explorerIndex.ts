/**
 * Starts the explorer's indexer (indexer/) in `<datadir>/indexer` beside the chain store, and
 * returns the explorer's reads over it. The indexer catches up from its own cursor at once (no
 * rescan after a restart), then after every new head, off the block-production path (it runs
 * after the head's listeners return, a block per batch). Its close goes to the front of the
 * node's closers: before the store it reads.
 *
 * Beside the block index, the batches this node's batcher lands (indexer/batchLog.ts): the
 * caller hands `batchLog.record` to the batcher's wiring (node/sequencerL1.ts), and every new
 * head prunes the rows a rewind made stale. The indexer's DB is their home because it is the
 * explorer's (its lists' keyset pages and its layering) and not consensus data: a node that
 * loses it loses the batch history it shows, never the chain.
 * @module
 */
import { join } from "node:path";
import type { ExplorerReads } from "../api/explorer/ports.ts";
import type { RpcBackend } from "../api/ports.ts";
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
  });
  return { reads, batchLog };
}
