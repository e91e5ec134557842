/**
 * The deadline queue and the awaited-rounds index: the two structures that drive the challenge
 * lifecycle without ever scanning all challenges.
 *
 * Deadlines live in one bucket per second (key = ⌊deadline/1000⌋), each sorted by (deadline, id).
 * A challenge has exactly one live deadline; when it moves on, the old entry is left behind and
 * skipped as stale (its deadline no longer equals the challenge's), so no removal is needed.
 * @module
 */

import { compareDeadline } from "../state/records.ts";
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

export function addAwaited(state: StateDb, round: bigint, id: bigint): void {
  const ids = state.getAwaited(round);
  ids.push(id);
  state.setAwaited(round, ids);
}

export function removeAwaited(state: StateDb, round: bigint, id: bigint): void {
  const ids = state.getAwaited(round);
  const next = ids.filter((x) => x !== id);
  if (next.length !== ids.length) state.setAwaited(round, next);
}
