/**
 * The deadline queue and the awaited-rounds index: the two structures that drive the challenge
 * lifecycle without ever scanning all challenges.
 *
 * Deadlines live in one bucket per second (key = ⌊deadline/1000⌋), each sorted by (deadline, id).
 * A challenge has exactly one live deadline; when it moves on, the old entry is left behind and
 * skipped as stale (its deadline no longer equals the challenge's), so no removal is needed.
 * @module
 */

import { compareDeadline, type DeadlineEntry } from "../state/records.ts";
import type { StateDb } from "../state/stateDb.ts";

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
