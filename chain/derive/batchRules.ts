/**
 * The consensus rules on a batch block and on the sequencing window (PROTOCOL §5 rules D4, D5,
 * D8), as pure functions of the safe head, the L1 blocks seen and the params.
 * @module
 */
import { equalBytes } from "../bytes.ts";
import type { Result } from "../errors.ts";
import type { ChainParams } from "../params.ts";
import type { Hash32 } from "../types.ts";
import type { BatchBlock } from "../wire/index.ts";
import type { L1BlockRef } from "./attributes.ts";

/** The last derived L2 block, with its L1 origin in full. */
export interface SafeHead {
  number: bigint;
  hash: Hash32;
  /** ms */
  timestamp: bigint;
  origin: L1BlockRef;
}

/** Why a batch block was dropped (D4, D5). */
export type BatchDropReason =
  | "malformed batch block"
  | "already derived"
  | "wrong parent"
  | "origin neither the parent's nor the next"
  | "origin after the inclusion block"
  | "origin hash mismatch"
  | "timestamp before its origin"
  | "timestamp past the sequencer drift"
  | "late: older than maxBatchDelay"
  | "sequencing window passed";

type Params = Pick<ChainParams, "maxBatchDelayMs" | "maxSequencerDriftMs" | "sequencingWindow">;

/**
 * D4/D5: whether batch block `b`, included in (completed by) L1 block `inclusion`, is the next
 * L2 block after `safe`. `l1` looks up an L1 block derivation has seen, by number. Returns the
 * block's origin, or the first rule it breaks, in the order PROTOCOL §5 lists them.
 */
export function checkBatchBlock(
  params: Params,
  safe: SafeHead,
  b: BatchBlock,
  inclusion: L1BlockRef,
  l1: (n: bigint) => L1BlockRef | undefined,
): Result<L1BlockRef, BatchDropReason> {
  if (b.timestamp <= safe.timestamp) return drop("already derived");
  if (!equalBytes(b.parentHash, safe.hash)) return drop("wrong parent");
  const e = safe.origin.number;
  if (b.l1OriginNumber !== e && b.l1OriginNumber !== e + 1n)
    return drop("origin neither the parent's nor the next");
  if (b.l1OriginNumber > inclusion.number) return drop("origin after the inclusion block");
  const origin = b.l1OriginNumber === e ? safe.origin : l1(b.l1OriginNumber);
  if (origin === undefined || !equalBytes(origin.hash, b.l1OriginHash)) return drop("origin hash mismatch");
  const originMs = origin.timestamp * 1000n;
  if (b.timestamp < originMs) return drop("timestamp before its origin");
  if (b.timestamp > originMs + params.maxSequencerDriftMs) return drop("timestamp past the sequencer drift");
  // Item 6 of issue 9 (PROTOCOL §2): the batch carries only blocks within maxBatchDelay of the L1
  // block that includes it; the commit → sample-round rule depends on it.
  if (b.timestamp < inclusion.timestamp * 1000n - params.maxBatchDelayMs)
    return drop("late: older than maxBatchDelay");
  if (inclusion.number > origin.number + params.sequencingWindow) return drop("sequencing window passed");
  return { ok: true, value: origin };
}

/**
 * D8: whether no batch included in L1 block `at` or later can be the next L2 block after `safe`
 * (whose origin's successor is `next`). Any such block has origin `safe.origin` or `next`, so a
 * time t ≤ next.timestamp + drift; a batch in `at` must have t ≥ at.timestamp − maxBatchDelay (D4)
 * and `at` ≤ origin + sequencingWindow (D5). L1 time and numbers only grow, so once closed the
 * window stays closed.
 */
export function windowClosed(params: Params, next: L1BlockRef, at: L1BlockRef): boolean {
  const latestBlockMs = next.timestamp * 1000n + params.maxSequencerDriftMs;
  return (
    at.timestamp * 1000n - params.maxBatchDelayMs > latestBlockMs ||
    at.number > next.number + params.sequencingWindow
  );
}

/**
 * D8's catch-up: origin `next` is older than maxSequencerDrift at L1 block `at` (a block of that
 * origin could not be stamped at `at`'s time or later). After a window closed at `at`, default
 * blocks go on through such origins.
 */
export function pastDrift(params: Params, next: L1BlockRef, at: L1BlockRef): boolean {
  return next.timestamp * 1000n + params.maxSequencerDriftMs < at.timestamp * 1000n;
}

/**
 * D8: the time of a default block with origin `next` after `safe`: the origin's time, or 1 ms
 * after the parent if that is later. It is within the drift: safe.timestamp ≤ safe.origin.timestamp
 * + drift and L1 times strictly increase.
 */
export function defaultBlockTime(safe: SafeHead, next: L1BlockRef): bigint {
  const originMs = next.timestamp * 1000n;
  return safe.timestamp + 1n > originMs ? safe.timestamp + 1n : originMs;
}

function drop(reason: BatchDropReason): { ok: false; error: BatchDropReason } {
  return { ok: false, error: reason };
}
