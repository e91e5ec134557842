/**
 * What derivation reads from L1 and what it produces: one L1 block's inputs (its header fields,
 * the batcher's data, the Portal's events in log order) and the attributes of the next L2 block
 * (PROTOCOL §5 rules D6–D7). The L1 plumbing (bridge/) fills the inputs: it keeps only successful
 * `BatchInbox.postBatch` calls from the batcher and the Portal's logs of that block.
 * @module
 */
import type { Address, Hash32, L1Origin, SystemTx } from "../types.ts";
import type { BeaconTx } from "../wire/index.ts";

/** The L1 block fields derivation uses. */
export interface L1BlockRef {
  number: bigint;
  hash: Hash32;
  parentHash: Hash32;
  /** Seconds, as on L1. */
  timestamp: bigint;
}

/** A Portal event that becomes an L2 input, in L1 log order. */
export type PortalEvent =
  /** `CreditsDeposited(depositId, from, to, amount)`: credits for `to` on L2. */
  | { kind: "deposit"; depositId: bigint; to: Address; amount: bigint }
  /** `ChallengeInvalidated(challengeId)`: an L1 fraud verdict (PROTOCOL §6). */
  | { kind: "revoke"; challengeId: bigint }
  /** `TransactionForced(index, tx)`: a signed tx anyone posted to L1 (raw `Tx` bytes, hostile). */
  | { kind: "forced"; index: bigint; tx: Uint8Array };

export interface L1BlockInput {
  block: L1BlockRef;
  /** The `data` of each successful postBatch call by the batcher to the BatchInbox, in tx order. */
  batcherData: readonly Uint8Array[];
  /** The Portal's events of this block, in log order. */
  events: readonly PortalEvent[];
}

/** A forced tx due in an L2 block, with the L1 block that carried it (its time judges it, D7). */
export interface ForcedTx {
  index: bigint;
  raw: Uint8Array;
  l1BlockNumber: bigint;
  /** Seconds: the L1 block's time. */
  l1Timestamp: bigint;
}

/** The inputs of the next L2 block, as derivation decides them. */
export interface BlockAttributes {
  number: bigint;
  parentHash: Hash32;
  /** ms */
  timestamp: bigint;
  l1Origin: L1Origin;
  /**
   * Deposits and revokes of the origin, in log order, when this is the origin's first block
   * (else empty). Applied if they apply (a repeated deposit id or a revoke of a record that is
   * not PASSED is left out); they never invalidate the block.
   */
  l1SystemTxs: SystemTx[];
  /** Forced txs of the origin (first block only), in log order: included if valid, else skipped. */
  forcedTxs: ForcedTx[];
  /** From the batch: every one must apply, or the block is replaced (D9). */
  beacons: BeaconTx[];
  /** From the batch: raw signed txs, every one must be valid and includable, or the block is replaced (D9). */
  txs: Uint8Array[];
  /** "batch": from a batch that passed D4; "default": a gap filled after its window closed (D8). */
  source: "batch" | "default";
  /** The L1 block whose data decided this block (the batch's inclusion block, or the one that closed the window). */
  derivedFrom: bigint;
}

/**
 * The L2 inputs an L1 block's events make (D6), for the first L2 block whose origin it is: the
 * deposits and revokes as system txs, the forced txs with their L1 time. The sequencer builds the
 * first block of each origin from exactly these (system txs first, forced txs before its own),
 * so that its block and the derived one are the same.
 */
export function epochInputs(input: Pick<L1BlockInput, "block" | "events">): {
  l1SystemTxs: SystemTx[];
  forcedTxs: ForcedTx[];
} {
  const l1SystemTxs: SystemTx[] = [];
  const forcedTxs: ForcedTx[] = [];
  const n = input.block.number;
  for (const e of input.events) {
    switch (e.kind) {
      case "deposit":
        // ABI decoding makes these hold; one that does not could not be encoded, so it is skipped.
        if (e.to.length !== 20 || !isU64(e.depositId) || e.amount < 0n || e.amount >= 1n << 256n) break;
        l1SystemTxs.push({
          kind: "deposit",
          depositId: e.depositId,
          to: e.to,
          amount: e.amount,
          l1BlockNumber: n,
        });
        break;
      case "revoke":
        if (!isU64(e.challengeId)) break;
        l1SystemTxs.push({ kind: "revoke", challengeId: e.challengeId, l1BlockNumber: n });
        break;
      case "forced":
        forcedTxs.push({ index: e.index, raw: e.tx, l1BlockNumber: n, l1Timestamp: input.block.timestamp });
        break;
    }
  }
  return { l1SystemTxs, forcedTxs };
}

function isU64(v: bigint): boolean {
  return v >= 0n && v < 1n << 64n;
}
