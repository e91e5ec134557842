/**
 * Executes derived attributes into the next L2 block (PROTOCOL §5 rules D7, D9) over a ChainCore
 * at the safe head. Order: the origin's deposits and revokes, then the batch's beacon rounds
 * (system txs); the origin's forced txs, then the batch's signed txs.
 *
 * - L1-made inputs are applied if they apply: a deposit or revoke that fails, or a forced tx that
 *   is malformed, over maxTxBytes, wrongly signed or not includable (bad nonce, chain id), is left
 *   out. L1 mandates them, so they can never invalidate a block (or a bad one would block the chain).
 *   Forced txs are built as such (`forcedCount`): their commit and reveal deadlines are judged by
 *   their L1 block's time, the origin's (D7).
 * - Batch inputs must all apply: if any beacon round is refused or any signed tx is malformed,
 *   wrongly signed or not includable, or the txs pass maxBlockBytes, the block is replaced by the
 *   block of the same time and origin with the L1-made inputs only (D9).
 * @module
 */
import { bytesToHex } from "../bytes.ts";
import type { BuiltBlock, ChainCore } from "../chainCore.ts";
import type { Result } from "../errors.ts";
import { recoverSender } from "../tx/index.ts";
import type { Address, SignedTx, VerifiedTx } from "../types.ts";
import { decodeSignedTx } from "../wire/index.ts";
import type { BlockAttributes } from "./attributes.ts";

/** Sender recovery (injectable so a verifier can batch it in workers; default: chain/tx). */
export type RecoverSender = (tx: SignedTx) => Result<Address, unknown>;

export interface ExecutedAttributes {
  built: BuiltBlock;
  /** Why the batch's block was replaced by one with the L1-made inputs only (D9). */
  replaced?: string;
  /** Forced txs left out, with why (by their Portal index). */
  skippedForced: Array<{ index: bigint; reason: string }>;
}

export function executeAttributes(
  core: ChainCore,
  attrs: BlockAttributes,
  recover: RecoverSender = recoverSender,
): ExecutedAttributes {
  const head = core.head.header;
  if (attrs.number !== head.number + 1n)
    throw new Error(`executeAttributes: block ${attrs.number} is not after the head ${head.number}`);
  // D6: an origin's forced txs ride its first block, so their L1 time is the origin's (D7 judges
  // by it). Attributes that break this are a caller's bug, not L1 data.
  if (attrs.forcedTxs.length > 0 && attrs.l1Origin.number === head.l1Origin.number)
    throw new Error(`executeAttributes: forced txs in block ${attrs.number}, not the first of its origin`);
  for (const f of attrs.forcedTxs) {
    if (f.l1BlockNumber !== attrs.l1Origin.number || f.l1Timestamp !== attrs.l1Origin.timestamp)
      throw new Error(
        `executeAttributes: forced tx ${f.index} is not of the origin ${attrs.l1Origin.number}`,
      );
  }
  const skippedForced: ExecutedAttributes["skippedForced"] = [];
  const forced: VerifiedTx[] = [];
  const forcedIndex: bigint[] = [];
  for (const f of attrs.forcedTxs) {
    const v = verify(f.raw, core.params.maxTxBytes, recover);
    if (v.ok) {
      forced.push(v.value);
      forcedIndex.push(f.index);
    } else skippedForced.push({ index: f.index, reason: v.error });
  }
  const base = { timestamp: attrs.timestamp, l1Origin: attrs.l1Origin };
  const fallback = (why: string): ExecutedAttributes => {
    const built = core.build({
      ...base,
      systemTxs: attrs.l1SystemTxs,
      txs: forced,
      forcedCount: forced.length,
    });
    noteForced(built, forced, forcedIndex, skippedForced);
    return { built, replaced: why, skippedForced };
  };

  const batchTxs: VerifiedTx[] = [];
  for (let i = 0; i < attrs.txs.length; i++) {
    const v = verify(attrs.txs[i]!, core.params.maxTxBytes, recover);
    if (!v.ok) return fallback(`tx ${i}: ${v.error}`);
    batchTxs.push(v.value);
  }
  const built = core.build({
    ...base,
    systemTxs: [...attrs.l1SystemTxs, ...attrs.beacons],
    txs: [...forced, ...batchTxs],
    forcedCount: forced.length,
  });
  for (const r of built.rejected) {
    if (r.system && r.index >= attrs.l1SystemTxs.length)
      return fallback(`beacon round ${r.index - attrs.l1SystemTxs.length}: ${r.error}`);
    if (!r.system && r.index >= forced.length) return fallback(`tx ${r.index - forced.length}: ${r.error}`);
  }
  // build() stops adding txs at maxBlockBytes without a rejection: every batch tx must be in.
  const inBlock = new Set(built.block.txs.map((t) => bytesToHex(t.hash)));
  const missing = batchTxs.findIndex((v) => !inBlock.has(bytesToHex(v.tx.hash)));
  if (missing >= 0) return fallback(`tx ${missing}: above maxBlockBytes`);
  noteForced(built, forced, forcedIndex, skippedForced);
  return { built, skippedForced };
}

function verify(raw: Uint8Array, maxTxBytes: number, recover: RecoverSender): Result<VerifiedTx, string> {
  if (raw.length > maxTxBytes) return { ok: false, error: "TX_TOO_LARGE" };
  let tx: SignedTx;
  try {
    tx = decodeSignedTx(raw);
  } catch {
    return { ok: false, error: "MALFORMED" };
  }
  const from = recover(tx);
  if (!from.ok) return { ok: false, error: "BAD_SIGNATURE" };
  return { ok: true, value: { tx, from: from.value } };
}

/** Records each forced tx the block left out: refused (with the code) or past maxBlockBytes. */
function noteForced(
  built: BuiltBlock,
  forced: readonly VerifiedTx[],
  index: readonly bigint[],
  out: ExecutedAttributes["skippedForced"],
): void {
  const refused = new Map<number, string>();
  for (const r of built.rejected) if (!r.system && r.index < forced.length) refused.set(r.index, r.error);
  const inBlock = new Set(built.block.txs.map((t) => bytesToHex(t.hash)));
  forced.forEach((v, i) => {
    if (inBlock.has(bytesToHex(v.tx.hash))) return;
    out.push({ index: index[i]!, reason: refused.get(i) ?? "block full" });
  });
}
