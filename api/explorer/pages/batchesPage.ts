/**
 * Batches: the L2 blocks the batcher posted to L1, newest first (list and one batch).
 * @module
 */
import type { BatchSummary, ExplorerReads } from "../ports.ts";
import { blockHref, pager } from "./components.ts";
import { groupDigits, shortHex } from "./format.ts";
import { html, type SafeHtml } from "./html.ts";
import type { PageResult } from "./pageResult.ts";
import { PageError, parsePageQuery, parseUint } from "./params.ts";

export const batchHref = (index: bigint) => `/batches/${index}`;

export function batchesTable(batches: readonly BatchSummary[]): SafeHtml {
  if (batches.length === 0) return html`<p class="muted">No batches posted yet.</p>`;
  return html`<table><thead><tr><th>Batch</th><th>L2 blocks</th><th>L1 block</th><th>L1 tx</th><th>Frames</th><th>Bytes</th></tr></thead><tbody>
${batches.map(
  (
    b,
  ) => html`<tr><td><a href="${batchHref(b.index)}">${b.index}</a></td><td><a href="${blockHref(b.firstBlock)}">${b.firstBlock}</a> – <a href="${blockHref(b.lastBlock)}">${b.lastBlock}</a></td><td>${b.l1BlockNumber}</td><td>${b.l1TxHash === undefined ? html`<span class="muted">unknown</span>` : shortHex(b.l1TxHash)}</td><td>${b.frames}</td><td>${groupDigits(BigInt(b.bytes))}</td></tr>
`,
)}</tbody></table>`;
}

export async function batchesPage(reads: ExplorerReads, query: Record<string, unknown>): Promise<PageResult> {
  const page = parsePageQuery(query);
  const batches = await reads.batches(page);
  return {
    title: "Batches",
    liveSeconds: 5,
    body: html`<h1>Batches</h1><p class="muted">L2 blocks as the batcher posted them to L1's BatchInbox, newest first.</p>
${batchesTable(batches.items)}${pager("/batches", batches.next, page.cursor === undefined ? {} : { current: page.cursor })}`,
  };
}

export async function batchPage(reads: ExplorerReads, id: string): Promise<PageResult> {
  const index = parseUint(id, "batch index");
  const b = await reads.batch(index);
  if (b === undefined) throw new PageError(404, "Batch not found", `There is no batch ${index} yet.`);
  return {
    title: `Batch ${index}`,
    body: html`<h1>Batch ${index}</h1><section class="card"><dl class="kv">
<dt>L2 blocks</dt><dd><a href="${blockHref(b.firstBlock)}">${b.firstBlock}</a> – <a href="${blockHref(b.lastBlock)}">${b.lastBlock}</a></dd>
<dt>L1 block</dt><dd>${b.l1BlockNumber}</dd>
<dt>L1 tx</dt><dd>${b.l1TxHash === undefined ? "unknown" : shortHex(b.l1TxHash, undefined, 32)}</dd>
<dt>Frames</dt><dd>${b.frames}</dd>
<dt>Bytes</dt><dd>${groupDigits(BigInt(b.bytes))}</dd>
</dl></section><p><a href="/batches">All batches »</a></p>`,
  };
}
