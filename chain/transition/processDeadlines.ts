import type { ChainParams } from "../params.ts";
import type { DeadlineEntry } from "../state/records.ts";
import { CHALLENGE_STATUS, type Challenge } from "../types.ts";
import {
  AwaitedRemovals,
  ENTRY_KIND,
  entryKind,
  entryTarget,
  pushDeadlines,
  taggedId,
} from "./challengeQueue.ts";
import type { ExecCtx } from "./context.ts";
import { touchNode } from "./touchNode.ts";

/**
 * At the start of every block: every deadline < t is processed in (deadline, id) order, before
 * any transaction. Buckets of whole seconds before ⌊t/1000⌋ are processed and deleted; the
 * bucket of the current second is processed up to t and keeps the rest. A long halt costs one
 * KV read per idle second.
 *
 * Stalls (PROTOCOL §3): when t − tp > maxBlockGapMs (tp the parent's time), the chain was not
 * live, so nobody could act: every deadline d with tp ≤ d < t is extended by the gap
 * (d + t − tp ≥ t) and re-queued instead of expiring. The extended deadlines keep their
 * (deadline, id) order, and a node is left the time it had when the stall began.
 *
 * Held by L1 (PROTOCOL §5 D7): a commit or reveal deadline (ACTIVE, SAMPLED) that is not
 * extended expires only when also d < `l1GateMs` (see {@link l1Gate}): while a forced commit or
 * reveal posted to L1 at or before d may still arrive, the challenge stays pending, its entry
 * stays in its bucket, and the cursor stops before the first held bucket, so a later block
 * meets it again. Beacon waits (REQUESTED, COMMITTED) are never held: no forced tx can end them.
 *
 * Record expiry (PROTOCOL §3): an expiry entry deletes its settled challenge record or stored
 * round. Stalls extend it like any deadline (the output that must hold the record is proposed
 * in L2 time); L1 never holds it. A challenge this pass settles queues its own expiry after the
 * pass (never into a bucket the pass is reading).
 */
export function processDeadlines(ctx: ExecCtx, parentTimestamp: bigint, l1GateMs: bigint): void {
  const { state, env } = ctx;
  const gap = stallGap(ctx.params, parentTimestamp, env.timestamp);
  const meta = state.getMeta();
  const nowSec = env.timestamp / 1000n;
  const removals = new AwaitedRemovals();
  const extended: DeadlineEntry[] = [];
  const expiries: DeadlineEntry[] = [];
  let heldSec: bigint | undefined;
  for (let sec = meta.deadlineCursorSec + 1n; sec <= nowSec; sec++) {
    const bucket = state.getBucket(sec);
    if (bucket.length === 0) continue;
    let done = 0;
    const held: DeadlineEntry[] = [];
    while (done < bucket.length && bucket[done]!.deadline < env.timestamp) {
      const e = bucket[done]!;
      done++;
      if (entryKind(e) !== ENTRY_KIND.DEADLINE) {
        if (gap > 0n && e.deadline >= parentTimestamp)
          extended.push({ deadline: e.deadline + gap, id: e.id });
        else deleteExpired(ctx, e);
        continue;
      }
      const c = state.getChallenge(e.id);
      if (c && c.deadline === e.deadline && isPending(c)) {
        if (gap > 0n && e.deadline >= parentTimestamp) {
          c.deadline += gap;
          state.setChallenge(c);
          extended.push({ deadline: c.deadline, id: c.id });
        } else if (e.deadline >= l1GateMs && isNodeStep(c)) held.push(e);
        else {
          expire(ctx, c, removals);
          expiries.push({
            deadline: env.timestamp + ctx.params.recordTtlMs,
            id: taggedId(ENTRY_KIND.RECORD_EXPIRY, c.id),
          });
        }
      }
    }
    if (held.length > 0) heldSec ??= sec;
    // Held entries stay at the front, in their (deadline, id) order; with none held these are
    // the bytes the pass always wrote.
    if (done > held.length) state.setBucket(sec, [...held, ...bucket.slice(done)]);
  }
  removals.apply(state);
  // Re-queued after the pass: every extended deadline is ≥ t, in a bucket not yet processed, and
  // so is every new expiry (t + recordTtlMs > t).
  pushDeadlines(state, [...extended, ...expiries]);
  const cursor = heldSec === undefined ? nowSec - 1n : heldSec - 1n;
  if (cursor > meta.deadlineCursorSec) {
    meta.deadlineCursorSec = cursor;
    state.setMeta(meta);
  }
}

/**
 * The L1 gate of a block, ms (PROTOCOL §5 D7): a commit or reveal deadline d may expire in it only
 * if d < gate, i.e. no forced tx still to come can have an L1 time ≤ d. Forced txs of L1 block B
 * enter in the first L2 block whose origin is B, after the deadline pass; L1 times are whole
 * seconds and strictly increase (D0). So the first block of origin E (its forced txs still to
 * apply) gates at time(E); any later block of E at time(E) + 1 s, the earliest the next L1
 * block can have.
 */
export function l1Gate(l1Timestamp: bigint, newOrigin: boolean): bigint {
  return (newOrigin ? l1Timestamp : l1Timestamp + 1n) * 1000n;
}

/**
 * The stall a block at `t` closes, ms: t − tp when it exceeds maxBlockGapMs, else 0. A deadline
 * d with tp ≤ d < t is then seen by that block as d + the gap (also what a pre-check that
 * wants the deadline the next block will apply should use).
 */
export function stallGap(params: ChainParams, parentTimestamp: bigint, t: bigint): bigint {
  const gap = t - parentTimestamp;
  return gap > params.maxBlockGapMs ? gap : 0n;
}

/**
 * An expiry entry came due: its record leaves state. A challenge is deleted only when settled
 * (an expiry is queued only then, and a settled challenge never becomes pending again, so this
 * is a guard, not a case); a round, if still stored.
 */
function deleteExpired(ctx: ExecCtx, e: DeadlineEntry): void {
  const id = entryTarget(e);
  if (entryKind(e) === ENTRY_KIND.RECORD_EXPIRY) {
    const c = ctx.state.getChallenge(id);
    if (c && !isPending(c)) ctx.state.deleteChallenge(id);
  } else if (entryKind(e) === ENTRY_KIND.ROUND_EXPIRY) {
    if (ctx.state.getRound(id) !== undefined) ctx.state.deleteRound(id);
  }
}

/** Waiting on the node's own step (a commit or a reveal), which a forced tx can deliver. */
function isNodeStep(c: Challenge): boolean {
  return c.status === CHALLENGE_STATUS.ACTIVE || c.status === CHALLENGE_STATUS.SAMPLED;
}

function isPending(c: Challenge): boolean {
  switch (c.status) {
    case CHALLENGE_STATUS.REQUESTED:
    case CHALLENGE_STATUS.ACTIVE:
    case CHALLENGE_STATUS.COMMITTED:
    case CHALLENGE_STATUS.SAMPLED:
      return true;
    default:
      return false; // already final
  }
}

/** The step a pending challenge waited for did not happen in time. */
function expire(ctx: ExecCtx, c: Challenge, removals: AwaitedRemovals): void {
  const from = c.status;
  switch (from) {
    case CHALLENGE_STATUS.REQUESTED:
    case CHALLENGE_STATUS.COMMITTED: {
      // Waiting on the beacon is never the node's fault: cancel, no penalty, no credit.
      removals.add(from === CHALLENGE_STATUS.REQUESTED ? c.r1 : c.r2!, c.id);
      c.status = CHALLENGE_STATUS.CANCELLED;
      c.expiredFrom = from;
      const node = touchNode(ctx, c.node);
      if (node) {
        node.openChallenges--;
        node.cancelled++;
        ctx.state.setNode(c.node, node);
      }
      break;
    }
    case CHALLENGE_STATUS.ACTIVE:
    case CHALLENGE_STATUS.SAMPLED: {
      // Before the commit: breaks the streak, not a failure. After it: counts as FAILED, or a
      // node that sees bad samples would just walk away (PROTOCOL §3 MUST).
      c.status = CHALLENGE_STATUS.EXPIRED;
      c.expiredFrom = from;
      const node = touchNode(ctx, c.node);
      if (node) {
        node.openChallenges--;
        if (from === CHALLENGE_STATUS.ACTIVE) node.expired++;
        else node.failed++;
        node.epochFailed = true;
        ctx.state.setNode(c.node, node);
      }
      break;
    }
    default:
      return; // already final
  }
  c.settledAt = ctx.env.number;
  ctx.state.setChallenge(c);
}
