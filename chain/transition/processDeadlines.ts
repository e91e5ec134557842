import { CHALLENGE_STATUS, type Challenge } from "../types.ts";
import { removeAwaited } from "./challengeQueue.ts";
import type { ExecCtx } from "./context.ts";
import { touchNode } from "./touchNode.ts";

/**
 * At the start of every block: every deadline < t is processed in (deadline, id) order, before
 * any transaction. Buckets of whole seconds before ⌊t/1000⌋ are processed and deleted; the
 * bucket of the current second is processed up to t and keeps the rest. A long halt costs one
 * KV read per idle second.
 */
export function processDeadlines(ctx: ExecCtx): void {
  const { state, env } = ctx;
  const meta = state.getMeta();
  const nowSec = env.timestamp / 1000n;
  for (let sec = meta.deadlineCursorSec + 1n; sec <= nowSec; sec++) {
    const bucket = state.getBucket(sec);
    if (bucket.length === 0) continue;
    let done = 0;
    while (done < bucket.length && bucket[done]!.deadline < env.timestamp) {
      const e = bucket[done]!;
      const c = state.getChallenge(e.id);
      if (c && c.deadline === e.deadline) expire(ctx, c);
      done++;
    }
    if (done > 0) state.setBucket(sec, bucket.slice(done));
  }
  if (nowSec - 1n > meta.deadlineCursorSec) {
    meta.deadlineCursorSec = nowSec - 1n;
    state.setMeta(meta);
  }
}

/** The step a challenge waited for did not happen in time. */
function expire(ctx: ExecCtx, c: Challenge): void {
  const from = c.status;
  switch (from) {
    case CHALLENGE_STATUS.REQUESTED:
    case CHALLENGE_STATUS.COMMITTED: {
      // Waiting on the beacon is never the node's fault: cancel, no penalty, no credit.
      removeAwaited(ctx.state, from === CHALLENGE_STATUS.REQUESTED ? c.r1 : c.r2!, c.id);
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
