/**
 * Checks and applies a whole block against its parent (restart replay, derivation, followers).
 * A block is valid iff its header links to the parent, its time rules hold, every system tx
 * applies, every signed tx is includable (signature checked by the caller, chain id, nonce,
 * limits), and the roots in its header are the ones execution produces.
 * @module
 */
import { bytesToHex, equalBytes } from "../bytes.ts";
import { RollupError } from "../errors.ts";
import type { ChainParams } from "../params.ts";
import type { StateDb } from "../state/stateDb.ts";
import type { Block, Receipt, VerifiedTx } from "../types.ts";
import { BlockExecutor, type ParentRef } from "./blockExecutor.ts";

export class BlockError extends RollupError {
  constructor(code: string, message: string, meta?: Record<string, unknown>) {
    super(code, message, meta);
    this.name = "BlockError";
  }
}

/** Time rules of PROTOCOL §2 for a block at `timestamp` (ms) with its L1 origin. */
export function checkBlockTime(params: ChainParams, parent: ParentRef, block: Block): void {
  const h = block.header;
  if (h.number !== parent.number + 1n)
    throw new BlockError("BAD_NUMBER", `expected ${parent.number + 1n}, got ${h.number}`);
  if (!equalBytes(h.parentHash, parent.hash)) throw new BlockError("BAD_PARENT", "parent hash mismatch");
  if (h.timestamp <= parent.timestamp)
    throw new BlockError("BAD_TIMESTAMP", "timestamp must increase strictly");
  const origin = h.l1Origin.timestamp * 1000n;
  if (h.timestamp < origin || h.timestamp > origin + params.maxSequencerDriftMs) {
    throw new BlockError(
      "BAD_L1_ORIGIN",
      `timestamp ${h.timestamp} outside [${origin}, ${origin + params.maxSequencerDriftMs}]`,
    );
  }
}

/**
 * Applies `block` to `state` (the parent's), with `senders[i]` the recovered sender of
 * `block.txs[i]`, and its first `forcedCount` txs the forced txs of its origin (PROTOCOL §5 D6:
 * the block does not mark them; derivation knows them from L1). Throws BlockError when invalid;
 * the caller discards the state overlay then.
 */
export function applyBlock(
  params: ChainParams,
  state: StateDb,
  parent: ParentRef,
  block: Block,
  senders: readonly Uint8Array[],
  forcedCount = 0,
): Receipt[] {
  checkBlockTime(params, parent, block);
  if (senders.length !== block.txs.length) throw new BlockError("BAD_SENDERS", "one sender per tx expected");
  const newOrigin = block.header.l1Origin.number !== parent.l1OriginNumber;
  if (!Number.isInteger(forcedCount) || forcedCount < 0 || forcedCount > block.txs.length)
    throw new RangeError(`applyBlock: forcedCount ${forcedCount} not in [0, ${block.txs.length}]`);
  if (forcedCount > 0 && !newOrigin)
    throw new BlockError("BAD_FORCED", "forced txs outside the first block of their L1 origin");
  let bytes = 0;
  for (const tx of block.txs) bytes += tx.raw.length;
  if (bytes > params.maxBlockBytes) throw new BlockError("BLOCK_TOO_LARGE", `${bytes} bytes of txs`);
  const ex = new BlockExecutor(params, state, {
    number: block.header.number,
    timestamp: block.header.timestamp,
    parentTimestamp: parent.timestamp,
    l1Timestamp: block.header.l1Origin.timestamp,
    newOrigin,
  });
  block.systemTxs.forEach((stx, i) => {
    const r = ex.trySystemTx(stx);
    if (!r.ok)
      throw new BlockError("BAD_SYSTEM_TX", `system tx ${i} (${stx.kind}): ${r.error}`, { index: i });
  });
  block.txs.forEach((tx, i) => {
    const vtx: VerifiedTx = { tx, from: senders[i]! };
    const r = ex.tryTx(vtx, i < forcedCount);
    if (!r.ok) throw new BlockError("BAD_TX", `tx ${i} ${bytesToHex(tx.hash)}: ${r.error}`, { index: i });
  });
  const got = ex.finish(parent, block.header.l1Origin);
  const h = block.header;
  for (const f of ["stateRoot", "withdrawalsRoot", "txRoot", "receiptsRoot"] as const) {
    if (!equalBytes(got[f], h[f])) {
      throw new BlockError(
        "ROOT_MISMATCH",
        `${f}: header ${bytesToHex(h[f])}, executed ${bytesToHex(got[f])}`,
      );
    }
  }
  return ex.receipts;
}
