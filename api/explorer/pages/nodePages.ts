/**
 * Nodes: the list (by address) and one node: credits, multiplier and streak, its history per
 * epoch as charts (credits earned, multiplier), and its challenges (newest first, paged).
 * @module
 */
import { bytesToHex } from "../../../chain/bytes.ts";
import type { ExplorerReads, NodeSummary } from "../ports.ts";
import { renderChart } from "../svgChart.ts";
import { addressHref, blockHref, challengesTable, nodeHref, pager } from "./components.ts";
import { copyField, formatCredits, formatMultiplier, formatSi, shortHex } from "./format.ts";
import { html, SafeHtml } from "./html.ts";
import type { PageResult } from "./pageResult.ts";
import { PageError, parseAddress, parsePageQuery } from "./params.ts";

function nodesTable(nodes: readonly NodeSummary[]): SafeHtml {
  if (nodes.length === 0) return html`<p class="muted">No nodes registered yet.</p>`;
  return html`<table><thead><tr><th>Node</th><th>Credits</th><th>Multiplier</th><th>Streak</th><th>Passed</th><th>Failed</th><th>Open</th><th>Proven throughput</th></tr></thead><tbody>
${nodes.map(
  (
    n,
  ) => html`<tr><td>${shortHex(n.address, nodeHref(n.address))}</td><td>${formatCredits(n.credits)}</td><td>${formatMultiplier(n.multiplierBps)}</td><td>${n.streak}</td><td>${n.passed}</td><td>${n.failed}</td><td>${n.openChallenges}</td><td>${formatSi(n.provenThroughput)} ops/s</td></tr>
`,
)}</tbody></table>`;
}

export async function nodesPage(reads: ExplorerReads, query: Record<string, unknown>): Promise<PageResult> {
  const page = parsePageQuery(query);
  const nodes = await reads.nodes(page);
  return {
    title: "Nodes",
    liveSeconds: 5,
    body: html`<h1>Nodes</h1>${nodesTable(nodes.items)}${pager("/nodes", nodes.next, page.cursor === undefined ? {} : { current: page.cursor })}`,
  };
}

export async function nodePage(
  reads: ExplorerReads,
  addressText: string,
  query: Record<string, unknown>,
): Promise<PageResult> {
  const address = parseAddress(addressText);
  const page = parsePageQuery(query);
  const [n, challenges] = await Promise.all([reads.node(address), reads.nodeChallenges(address, page)]);
  if (n === undefined || challenges === undefined)
    throw new PageError(404, "Not a node", `${bytesToHex(address)} has not registered as a node.`);
  const hex = bytesToHex(n.address);
  const label = (e: bigint) => `epoch ${e}`;
  // renderChart escapes every label itself: its output is markup.
  const creditsChart = new SafeHtml(
    renderChart({
      title: "Credits earned per epoch",
      kind: "bar",
      points: n.history.map((p) => ({ label: label(p.epoch), value: p.credits })),
      formatValue: (v) => formatCredits(v, 2),
      unit: "credits",
    }),
  );
  const multiplierChart = new SafeHtml(
    renderChart({
      title: "Multiplier per epoch (of its last pass)",
      kind: "line",
      points: n.history.flatMap((p) =>
        p.multiplierBps === undefined ? [] : [{ label: label(p.epoch), value: p.multiplierBps }],
      ),
      formatValue: formatMultiplier,
      // 2× (the default cap): a first pass at 1× sits mid-chart, not on the top edge.
      minTop: 20_000n,
    }),
  );
  return {
    title: `Node ${hex.slice(0, 10)}…`,
    liveSeconds: 5,
    body: html`<h1>Node ${shortHex(n.address)}</h1>
<section class="card"><dl class="kv">
<dt>Address</dt><dd>${copyField(hex, "node address")} · <a href="${addressHref(n.address)}">account and transactions</a></dd>
<dt>Credits</dt><dd class="node-credits">${formatCredits(n.credits)}</dd>
<dt>Multiplier</dt><dd>${formatMultiplier(n.multiplierBps)}</dd>
<dt>Streak</dt><dd>${n.streak} live epoch${n.streak === 1 ? "" : "s"} in a row</dd>
<dt>Registered</dt><dd>in block <a href="${blockHref(n.registeredAt)}">${n.registeredAt}</a></dd>
<dt>Challenges</dt><dd>${n.passed} passed, ${n.failed} failed, ${n.expired} expired, ${n.cancelled} cancelled, ${n.openChallenges} open</dd>
<dt>Total work</dt><dd>${formatSi(n.totalWork)} integer ops</dd>
<dt>Total credits earned</dt><dd>${formatCredits(n.totalCredits)}</dd>
<dt>Proven throughput</dt><dd>${formatSi(n.provenThroughput)} ops/s (last pass; informational)</dd>
</dl></section>
<h2>History</h2><div class="grid2 charts"><div class="card">${creditsChart}</div><div class="card">${multiplierChart}</div></div>
<h2>Challenges</h2>${challengesTable(challenges.items)}${pager(`/nodes/${hex}`, challenges.next, page.cursor === undefined ? {} : { current: page.cursor })}`,
  };
}
