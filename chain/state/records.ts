/**
 * Fixed-layout codecs for the state's internal bookkeeping records (not transported, so not
 * protobuf): deadline buckets, awaited-round lists and the chain meta record.
 *   bucket  = [(u64be deadlineMs, u64be entryId)]*, sorted ascending; entryId = kind << 62 | id,
 *             kind 0 a challenge's deadline, 1 a settled challenge's expiry, 2 a stored round's
 *             expiry (chain/transition/challengeQueue.ts)
 *   awaited = [u64be challengeId]*, in insertion order
 *   meta    = u64be nextChallengeId ‖ u64be withdrawalCount ‖ u64be deadlineCursorSec ‖ u256be supply
 * @module
 */
import { bytesToBigint, bytesToU64, u64ToBytes, u256ToBytes } from "../bytes.ts";
import { DecodeError } from "../errors.ts";

export interface DeadlineEntry {
  deadline: bigint;
  /** The challenge id for a deadline; tagged with its kind in the top two bits for an expiry. */
  id: bigint;
}

export function encodeBucket(entries: readonly DeadlineEntry[]): Uint8Array {
  const out = new Uint8Array(entries.length * 16);
  const dv = new DataView(out.buffer);
  entries.forEach((e, i) => {
    dv.setBigUint64(i * 16, e.deadline);
    dv.setBigUint64(i * 16 + 8, e.id);
  });
  return out;
}

export function decodeBucket(bytes: Uint8Array): DeadlineEntry[] {
  if (bytes.length % 16 !== 0) throw new DecodeError("deadline bucket: length not a multiple of 16");
  const out: DeadlineEntry[] = [];
  for (let off = 0; off < bytes.length; off += 16) {
    out.push({ deadline: bytesToU64(bytes, off), id: bytesToU64(bytes, off + 8) });
  }
  return out;
}

export function compareDeadline(a: DeadlineEntry, b: DeadlineEntry): number {
  if (a.deadline !== b.deadline) return a.deadline < b.deadline ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function encodeIds(ids: readonly bigint[]): Uint8Array {
  const out = new Uint8Array(ids.length * 8);
  const dv = new DataView(out.buffer);
  ids.forEach((id, i) => {
    dv.setBigUint64(i * 8, id);
  });
  return out;
}

export function decodeIds(bytes: Uint8Array): bigint[] {
  if (bytes.length % 8 !== 0) throw new DecodeError("id list: length not a multiple of 8");
  const out: bigint[] = [];
  for (let off = 0; off < bytes.length; off += 8) out.push(bytesToU64(bytes, off));
  return out;
}

export interface Meta {
  /** Id the next challenge gets (ids start at 1). */
  nextChallengeId: bigint;
  /** Withdrawals made so far (the next withdrawal's index). */
  withdrawalCount: bigint;
  /** Every deadline bucket up to and including this second has been processed. */
  deadlineCursorSec: bigint;
  /** Credits in existence on L2: minted (passes, deposits) minus burned (withdrawals, revokes). */
  supply: bigint;
}

export function encodeMeta(m: Meta): Uint8Array {
  const out = new Uint8Array(56);
  out.set(u64ToBytes(m.nextChallengeId), 0);
  out.set(u64ToBytes(m.withdrawalCount), 8);
  out.set(u64ToBytes(m.deadlineCursorSec), 16);
  out.set(u256ToBytes(m.supply), 24);
  return out;
}

export function decodeMeta(bytes: Uint8Array): Meta {
  if (bytes.length !== 56) throw new DecodeError(`meta: expected 56 bytes, got ${bytes.length}`);
  return {
    nextChallengeId: bytesToU64(bytes, 0),
    withdrawalCount: bytesToU64(bytes, 8),
    deadlineCursorSec: bytesToU64(bytes, 16),
    supply: bytesToBigint(bytes.subarray(24, 56)),
  };
}
