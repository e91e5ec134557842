/**
 * Bridge: withdrawals (newest first) with where each stands on L1, what its holder does next and
 * when (an absolute time), and the L1 txs that proved and finalized it; then deposits. The two
 * lists page independently (`wcursor`, `dcursor`).
 * @module
 */
import type { DepositSummary, ExplorerReads, WithdrawalSummary } from "../ports.ts";
import { addressHref, blockHref, pager, statusLabel, txHref } from "./components.ts";
import { formatCredits, formatTimeMs, shortHex } from "./format.ts";
import { html, type SafeHtml } from "./html.ts";
import type { PageResult } from "./pageResult.ts";
import { parsePageQuery } from "./params.ts";

function withdrawalsTable(ws: readonly WithdrawalSummary[]): SafeHtml {
  if (ws.length === 0) return html`<p class="muted">No withdrawals yet.</p>`;
  return html`<table><thead><tr><th>#</th><th>From (L2)</th><th>To (L1)</th><th>Amount</th><th>L2 tx</th><th>Status</th><th>Next</th><th>L1 txs</th></tr></thead><tbody>
${ws.map(
  (
    w,
  ) => html`<tr><td>${w.index}</td><td>${shortHex(w.from, addressHref(w.from), 6)}</td><td>${shortHex(w.to, undefined, 6)}</td><td>${formatCredits(w.amount)}</td><td>${shortHex(w.txHash, txHref(w.txHash), 6)}<br><span class="muted">block <a href="${blockHref(w.l2BlockNumber)}">${w.l2BlockNumber}</a>, ${formatTimeMs(w.timestamp)}</span></td><td>${w.status === undefined ? html`<span class="muted">no L1</span>` : statusLabel(w.status)}</td><td>${w.nextAction ?? ""}${w.etaSec === undefined ? "" : html`<br><span class="muted">at ${formatTimeMs(w.etaSec * 1000n)}</span>`}</td><td>${w.l1ProveTxHash === undefined ? "" : html`prove ${shortHex(w.l1ProveTxHash, undefined, 6)}`}${w.l1FinalizeTxHash === undefined ? "" : html`<br>finalize ${shortHex(w.l1FinalizeTxHash, undefined, 6)}`}</td></tr>
`,
)}</tbody></table>`;
}

function depositsTable(ds: readonly DepositSummary[]): SafeHtml {
  if (ds.length === 0) return html`<p class="muted">No deposits yet.</p>`;
  return html`<table><thead><tr><th>Deposit</th><th>To (L2)</th><th>Amount</th><th>L1 block</th><th>L2 tx</th><th>Time</th></tr></thead><tbody>
${ds.map(
  (
    d,
  ) => html`<tr><td>${d.depositId}</td><td>${shortHex(d.to, addressHref(d.to), 6)}</td><td>${formatCredits(d.amount)}</td><td>${d.l1BlockNumber}</td><td>${shortHex(d.txHash, txHref(d.txHash), 6)} <span class="muted">block <a href="${blockHref(d.l2BlockNumber)}">${d.l2BlockNumber}</a></span></td><td>${formatTimeMs(d.timestamp)}</td></tr>
`,
)}</tbody></table>`;
}

export async function bridgePage(reads: ExplorerReads, query: Record<string, unknown>): Promise<PageResult> {
  const wq = parsePageQuery(query, "w");
  const dq = parsePageQuery(query, "d");
  const [ws, ds] = await Promise.all([reads.withdrawals(wq), reads.deposits(dq)]);
  return {
    title: "Bridge",
    liveSeconds: 10,
    body: html`<h1>Bridge</h1>
<h2>Withdrawals (L2 → L1)</h2><p class="muted">States: waiting-for-output → ready-to-prove → waiting-to-finalize (until the time shown) → ready-to-finalize → finalized. Times are L1 times, UTC.</p>
${withdrawalsTable(ws.items)}${pager("/bridge", ws.next, { prefix: "w", keep: { dcursor: dq.cursor }, ...(wq.cursor === undefined ? {} : { current: wq.cursor }) })}
<h2>Deposits (L1 → L2)</h2>${depositsTable(ds.items)}${pager("/bridge", ds.next, { prefix: "d", keep: { wcursor: wq.cursor }, ...(dq.cursor === undefined ? {} : { current: dq.cursor }) })}`,
  };
}
