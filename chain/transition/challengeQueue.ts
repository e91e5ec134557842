/**
 * The deadline queue and the awaited-rounds index: the two structures that drive the challenge
 * lifecycle without ever scanning all challenges.
 *
 * Deadlines live in one bucket per second (key = ⌊deadline/1000⌋), each sorted by (deadline, id).
 * A challenge has exactly one live deadline; when it moves on, the old entry is left behind and
 * skipped as stale (its deadline no longer equals the challenge's), so no removal is needed.
 *
 * The same queue drives record expiry (PROTOCOL §3 "Record expiry"): when a challenge settles, or
 * a round is stored, an entry (settle time + recordTtlMs, kind ‖ id) is queued, and the deadline
 * pass that reaches it deletes the record. The kind rides in the top two bits of the entry's id
 * (the bucket layout is unchanged, and a kind-0 entry is exactly the old entry): so an expiry can
 * never be mistaken for a stale deadline, and needs no field in the record.
 * @module
 */

import { compareDeadline, type DeadlineEntry } from "../state/records.ts";
import type { StateDb } from "../state/stateDb.ts";

/** What a queue entry is for (the top two bits of its id). */
export const ENTRY_KIND = {
  /** A pending challenge's deadline (commit, reveal, round timeouts). */
  DEADLINE: 0n,
  /** A settled (PASSED, FAILED, EXPIRED, CANCELLED) challenge record is deleted. */
  RECORD_EXPIRY: 1n,
  /** A stored beacon round is deleted. */
  ROUND_EXPIRY: 2n,
} as const;
export type EntryKind = (typeof ENTRY_KIND)[keyof typeof ENTRY_KIND];

const KIND_SHIFT = 62n;
/** Challenge ids and round numbers must stay below 2^62 to be queued. */
export const MAX_QUEUED_ID = (1n << KIND_SHIFT) - 1n;

/** The entry id of `id` with `kind` (kind 0: the id itself). */
export function taggedId(kind: EntryKind, id: bigint): bigint {
  // Ids come from a counter from 1 and rounds from the beacon's clock: 2^62 is never reached,
  // and an id that did would alias another kind's, so it is a broken invariant, not an input.
  if (id < 0n || id > MAX_QUEUED_ID) throw new Error(`state: id ${id} cannot be queued (above 2^62 - 1)`);
  return (kind << KIND_SHIFT) | id;
}

export function entryKind(e: DeadlineEntry): bigint {
  return e.id >> KIND_SHIFT;
}

/** The challenge id or round number an entry is about. */
export function entryTarget(e: DeadlineEntry): bigint {
  return e.id & MAX_QUEUED_ID;
}

/** Queues the deletion of a record (a settled challenge, a stored round) at `settledAt` + recordTtlMs. */
export function pushExpiry(
  state: StateDb,
  recordTtlMs: bigint,
  settledAt: bigint,
  kind: EntryKind,
  id: bigint,
): void {
  pushDeadline(state, settledAt + recordTtlMs, taggedId(kind, id));
}

export function pushDeadline(state: StateDb, deadline: bigint, id: bigint): void {
  const sec = deadline / 1000n;
  const bucket = state.getBucket(sec); // the cached array: mutated in place, then marked dirty
  const entry = { deadline, id };
  // Usually appended in order; insert in place otherwise.
  let i = bucket.length;
  while (i > 0 && compareDeadline(bucket[i - 1]!, entry) > 0) i--;
  bucket.splice(i, 0, entry);
  state.setBucket(sec, bucket);
}

/**
 * Queues many entries at once (deadlines extended by a stall): one sort and one merge per bucket,
 * so n entries cost O(n log n) whatever the buckets already hold, never n inserts of O(bucket).
 * The buckets come out the same for any order of `entries`.
 */
export function pushDeadlines(state: StateDb, entries: readonly DeadlineEntry[]): void {
  const bySec = new Map<bigint, DeadlineEntry[]>();
  for (const e of entries) {
    const sec = e.deadline / 1000n;
    const list = bySec.get(sec);
    if (list) list.push(e);
    else bySec.set(sec, [e]);
  }
  for (const [sec, added] of bySec) {
    added.sort(compareDeadline);
    state.setBucket(sec, mergeSorted(state.getBucket(sec), added));
  }
}

function mergeSorted(a: readonly DeadlineEntry[], b: readonly DeadlineEntry[]): DeadlineEntry[] {
  const out: DeadlineEntry[] = new Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = compareDeadline(a[i]!, b[j]!) <= 0 ? a[i++]! : b[j++]!;
  while (i < a.length) out[k++] = a[i++]!;
  while (j < b.length) out[k++] = b[j++]!;
  return out;
}

export function addAwaited(state: StateDb, round: bigint, id: bigint): void {
  const ids = state.getAwaited(round);
  ids.push(id);
  state.setAwaited(round, ids);
}

/**
 * Removals from awaited-round lists, gathered during a block's deadline pass and applied
 * together: O(1) per removal, then one pass per round however many of its waiters left.
 * Removing one by one cost O(list) each, so cancelling the n waiters of a round was O(n²)
 * (20,000: 5 s). Every waiter of a round shares one deadline (time(r) + roundTimeout, shifted
 * alike by stalls), so its waiters are all cancelled in the same block and the pass is paid once.
 * The lists keep their order: the state is byte for byte what one-by-one removal left.
 */
export class AwaitedRemovals {
  private readonly byRound = new Map<bigint, Set<bigint>>();

  add(round: bigint, id: bigint): void {
    const ids = this.byRound.get(round);
    if (ids) ids.add(id);
    else this.byRound.set(round, new Set([id]));
  }

  apply(state: StateDb): void {
    for (const [round, gone] of this.byRound) {
      const ids = state.getAwaited(round);
      const next = ids.filter((x) => !gone.has(x));
      if (next.length !== ids.length) state.setAwaited(round, next);
    }
    this.byRound.clear();
  }
}
