/**
 * Starts the explorer's indexer (indexer/) in `<datadir>/indexer` beside the chain store, and
 * returns the explorer's reads over it. The indexer catches up from its own cursor at once (no
 * rescan after a restart), then after every new head, off the block-production path (it runs
 * after the head's listeners return, a block per batch). Its close goes to the front of the
 * node's closers: before the store it reads.
 * @module
 */
import { join } from "node:path";
import type { ExplorerReads } from "../api/explorer/ports.ts";
import type { RpcBackend } from "../api/ports.ts";
import type { ChainParams } from "../chain/params.ts";
import { Indexer } from "../indexer/indexer.ts";
import { IndexReads } from "../indexer/indexReads.ts";
import type { ChainStore } from "../store/chainStore.ts";
import { createExplorerReads } from "./explorerReads.ts";
import type { Logger } from "./logger.ts";

export async function startExplorerIndex(
  datadir: string,
  params: ChainParams,
  m: { store: ChainStore; backend: RpcBackend; log: Logger; closers: Array<() => Promise<void>> },
): Promise<ExplorerReads> {
  const log = m.log.child({ module: "indexer" });
  const indexer = await Indexer.open(
    { dir: join(datadir, "indexer"), params },
    { source: m.store, onError: (err) => log.warn({ err }, "indexing failed; retried at the next block") },
  );
  const unsubscribe = m.backend.onNewHead(() => indexer.notify());
  m.closers.unshift(async () => {
    unsubscribe();
    await indexer.close();
  });
  indexer.notify();
  return createExplorerReads({ index: new IndexReads(indexer.kv, params), backend: m.backend });
}
