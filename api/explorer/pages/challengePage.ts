/**
 * One challenge as a timeline (PROTOCOL §3): requested → active → committed → sampled →
 * passed / failed / expired / cancelled, each step with its time, block, tx and (active,
 * sampled) beacon round and the time that round was included. Steps not reached yet are shown
 * greyed, the next one with its deadline.
 * @module
 */
import type { ChallengeEvent, ChallengeEventKind, ExplorerReads } from "../ports.ts";
import { blockHref, nodeHref, statusLabel, txHref } from "./components.ts";
import { formatCredits, formatDurationMs, formatTimeMs, shortHex } from "./format.ts";
import { html, type SafeHtml } from "./html.ts";
import type { PageResult } from "./pageResult.ts";
import { PageError, parseUint } from "./params.ts";

const HAPPY_PATH: readonly ChallengeEventKind[] = ["requested", "active", "committed", "sampled", "passed"];
const WHAT: Record<ChallengeEventKind, string> = {
  requested: "challenge tx included; waiting for the seed round r1",
  active: "seed round r1 included: the node computes and commits",
  committed: "commit included: waiting for the sample round r2",
  sampled: "sample round r2 included: the node opens the sampled tiles",
  passed: "reveal checked: credits minted",
  failed: "reveal did not check (or expired after the commit)",
  expired: "a deadline passed without the next step",
  cancelled: "the beacon round did not come in time",
};
const PENDING = new Set(["REQUESTED", "ACTIVE", "COMMITTED", "SAMPLED"]);

function eventItem(e: ChallengeEvent, t0: bigint): SafeHtml {
  return html`<li class="step-${e.kind}"><b class="step-name">${e.kind}</b> · ${formatTimeMs(e.time)} <span class="muted">(+${formatDurationMs(e.time - t0)})</span><br>
<span class="muted">${WHAT[e.kind]}</span>
${e.blockNumber === undefined ? "" : html`<br>block <a href="${blockHref(e.blockNumber)}">${e.blockNumber}</a>`}${e.txHash === undefined ? "" : html` · tx ${shortHex(e.txHash, txHref(e.txHash), 6)}`}
${e.round === undefined ? "" : html`<br>beacon round <b>${e.round}</b>${e.roundTime === undefined ? "" : html` included ${formatTimeMs(e.roundTime)}`}`}</li>`;
}

export async function challengePage(reads: ExplorerReads, idText: string): Promise<PageResult> {
  const id = parseUint(idText, "challenge id");
  const c = await reads.challenge(id);
  if (c === undefined) throw new PageError(404, "Challenge not found", `There is no challenge #${id} (yet).`);
  const reached = new Set(c.timeline.map((e) => e.kind));
  const pending = PENDING.has(c.status);
  // The happy-path steps not reached yet: the next one carries the current deadline.
  const todo = pending ? HAPPY_PATH.filter((k) => !reached.has(k)) : [];
  return {
    title: `Challenge #${id}`,
    ...(pending ? { liveSeconds: 3 } : {}),
    body: html`<h1>Challenge #${id}</h1>
<section class="card"><dl class="kv">
<dt>Status</dt><dd class="challenge-status">${statusLabel(c.status)}</dd>
<dt>Node</dt><dd>${shortHex(c.node, nodeHref(c.node), 20)}</dd>
<dt>Tier</dt><dd>${c.tier}</dd>
<dt>Seed round r1</dt><dd>${c.r1}</dd>
<dt>Sample round r2</dt><dd>${c.r2 === undefined ? html`<span class="muted">not drawn yet</span>` : c.r2}</dd>
<dt>Root</dt><dd>${c.root === undefined ? html`<span class="muted">not committed</span>` : shortHex(c.root, undefined, 32)}</dd>
<dt>${pending ? "Next deadline" : "Last deadline"}</dt><dd>${formatTimeMs(c.deadline)}</dd>
${c.credits === undefined ? "" : html`<dt>Credits</dt><dd>${formatCredits(c.credits)}</dd>`}
</dl></section>
<h2>Timeline</h2>
<ol class="timeline">${c.timeline.map((e) => eventItem(e, c.requestedAt))}${todo.map(
      (k, i) =>
        html`<li class="step-todo"><b class="step-name">${k}</b> · ${i === 0 ? html`due by ${formatTimeMs(c.deadline)}` : "not yet"}<br><span class="muted">${WHAT[k]}</span></li>`,
    )}</ol>`,
  };
}
