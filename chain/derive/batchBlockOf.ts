/**
 * The batcher's side of D6/D7: what of a built L2 block travels in a batch. Deposits, revokes and
 * forced txs come from L1 (derivation re-reads them), roots and the number are recomputed; the
 * rest (parent hash, time, origin, beacon rounds, the sequencer's own signed txs) is posted.
 * @module
 */
import type { Block } from "../types.ts";
import type { BatchBlock, BeaconTx } from "../wire/index.ts";

/**
 * The batch block of `block`, whose first `forcedCount` signed txs were forced txs of its origin
 * (the sequencer includes forced txs first, D7; it knows how many it included, or counts the
 * leading txs whose hashes are among the origin's forced txs).
 */
export function batchBlockOf(block: Block, forcedCount: number): BatchBlock {
  if (!Number.isInteger(forcedCount) || forcedCount < 0 || forcedCount > block.txs.length)
    throw new RangeError(`batchBlockOf: forcedCount ${forcedCount} not in [0, ${block.txs.length}]`);
  const h = block.header;
  return {
    parentHash: h.parentHash,
    timestamp: h.timestamp,
    l1OriginNumber: h.l1Origin.number,
    l1OriginHash: h.l1Origin.hash,
    beacons: block.systemTxs.filter((s): s is BeaconTx => s.kind === "beacon"),
    txs: block.txs.slice(forcedCount).map((t) => t.raw),
  };
}
