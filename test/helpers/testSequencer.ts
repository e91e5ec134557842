/**
 * A Sequencer over a TestChain for tests of admission and block building: its store only applies
 * the ops to the chain's MemoryKv (storage is tested elsewhere), the beacon has no rounds, senders
 * are recovered inline, and the clock is the one given.
 */
import { recoverSender } from "../../chain/tx/index.ts";
import type { Hash32 } from "../../chain/types.ts";
import { DEFAULT_MEMPOOL_OPTS } from "../../sequencer/mempool.ts";
import { Sequencer } from "../../sequencer/sequencer.ts";
import type { TestChain } from "./testChain.ts";

export function sequencerOver(
  chain: TestChain,
  clock: { now: bigint },
  maxTxsPerBlock = 100,
  opts: { buildSliceMs?: number; removedPending?: Hash32[] } = {},
): Sequencer {
  const { removedPending, ...seqOpts } = opts;
  return new Sequencer(
    { blockTimeMs: 500, maxTxsPerBlock, mempool: DEFAULT_MEMPOOL_OPTS, ...seqOpts },
    {
      core: chain.core,
      store: {
        commitBlock: async (_b, ops) => chain.kv.apply(ops),
        addPending: async () => {},
        removePending: async (hashes) => {
          removedPending?.push(...hashes);
        },
        isIncluded: () => false,
      },
      beacon: { getRound: async () => undefined },
      recovery: {
        recover: async (t) => {
          const r = recoverSender(t);
          return r.ok ? r.value : null;
        },
      },
      now: () => clock.now,
    },
  );
}
