/**
 * Home: the three heads (unsafe, safe, finalized), totals, the charts of proven throughput and
 * credits minted per epoch, and the newest blocks, transactions and batches.
 * @module
 */
import type { ExplorerReads } from "../ports.ts";
import { renderChart } from "../svgChart.ts";
import { batchesTable } from "./batchesPage.ts";
import { blockHref, blocksTable, nodeHref, txsTable } from "./components.ts";
import {
  formatCredits,
  formatDurationMs,
  formatMultiplier,
  formatSi,
  formatTimeMs,
  groupDigits,
  shortHex,
} from "./format.ts";
import { html, SafeHtml } from "./html.ts";
import type { PageResult } from "./pageResult.ts";

/** Rows of each "latest" list on the home page, and points of each chart (epochs). */
const HOME_ROWS = 10;
const CHART_POINTS = 50;

export async function homePage(reads: ExplorerReads): Promise<PageResult> {
  const [stats, nodes, blocks, txs, batches, throughput, minted] = await Promise.all([
    reads.stats(),
    reads.nodes({ limit: HOME_ROWS }),
    reads.blocks({ limit: HOME_ROWS }),
    reads.txs({ limit: HOME_ROWS }),
    reads.batches({ limit: 5 }),
    reads.chart("proven-throughput", CHART_POINTS),
    reads.chart("credits-minted", CHART_POINTS),
  ]);
  const head = (name: string, ref: typeof stats.heads.unsafe) =>
    html`<div class="card head-${name}"><span class="muted">${name} head</span><b><a href="${blockHref(ref.number)}">${ref.number}</a></b>${shortHex(ref.hash, blockHref(ref.number), 6)}</div>`;
  const epochLabel = (x: bigint) => `epoch ${x}`;
  // renderChart escapes every label itself: its output is markup.
  const throughputSvg = new SafeHtml(
    renderChart({
      title: "Proven throughput per epoch (integer ops/s)",
      kind: "line",
      points: throughput.points.map((p) => ({ label: epochLabel(p.x), value: p.y })),
      formatValue: formatSi,
      unit: "ops/s",
    }),
  );
  const mintedSvg = new SafeHtml(
    renderChart({
      title: "Credits minted per epoch",
      kind: "bar",
      points: minted.points.map((p) => ({ label: epochLabel(p.x), value: p.y })),
      formatValue: (v) => formatCredits(v, 2),
      unit: "credits",
    }),
  );
  return {
    title: "Home",
    liveSeconds: 5,
    body: html`<h1>Flops rollup</h1>
<div class="heads">${head("unsafe", stats.heads.unsafe)}${head("safe", stats.heads.safe)}${head("finalized", stats.heads.finalized)}</div>
<section class="card"><dl class="kv">
<dt>Blocks</dt><dd>${groupDigits(stats.totalBlocks)}</dd>
<dt>Transactions</dt><dd>${groupDigits(stats.totalTxs)}</dd>
<dt>Nodes</dt><dd><a href="/nodes">${groupDigits(stats.totalNodes)}</a></dd>
<dt>Challenges</dt><dd>${groupDigits(stats.totalChallenges)}</dd>
<dt>Credits minted</dt><dd>${formatCredits(stats.creditsMinted)}</dd>
<dt>Credits burned</dt><dd>${formatCredits(stats.creditsBurned)}</dd>
<dt>Block time</dt><dd>${formatDurationMs(stats.averageBlockTime)} (epochs of ${formatDurationMs(stats.epochMs)})</dd>
<dt>Unsafe head time</dt><dd>${formatTimeMs(stats.heads.unsafe.timestamp)}</dd>
</dl></section>
<div class="grid2 charts"><div class="card">${throughputSvg}</div><div class="card">${mintedSvg}</div></div>
<h2>Nodes</h2>${nodes.items.length === 0 ? html`<p class="muted">No nodes registered yet.</p>` : html`<ul class="home-nodes">${nodes.items.map((n) => html`<li>${shortHex(n.address, nodeHref(n.address))} · ${formatCredits(n.credits)} credits · ${formatMultiplier(n.multiplierBps)} · streak ${n.streak}</li>`)}</ul>`}<p><a href="/nodes">All nodes »</a></p>
<h2>Latest blocks</h2>${blocksTable(blocks.items)}<p><a href="/blocks">All blocks »</a></p>
<h2>Latest transactions</h2>${txsTable(txs.items)}<p><a href="/txs">All transactions »</a></p>
<h2>Latest batches</h2>${batchesTable(batches.items)}<p><a href="/batches">All batches »</a></p>`,
  };
}
