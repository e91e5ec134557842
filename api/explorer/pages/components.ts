/**
 * Pieces several pages share: links to the other pages, status labels, the pager, the tables of
 * blocks, transactions and challenges. Every list they draw is one page the reader already
 * bounded (≤ MAX_PAGE_LIMIT rows).
 * @module
 */
import { bytesToHex } from "../../../chain/bytes.ts";
import type { Address, Hash32 } from "../../../chain/types.ts";
import type { BlockSummary, ChallengeSummary, TxSummary } from "../ports.ts";
import { formatCredits, formatTimeMs, shortHex, truncateText } from "./format.ts";
import { html, type SafeHtml } from "./html.ts";

export const blockHref = (n: bigint) => `/blocks/${n}`;
export const txHref = (h: Hash32) => `/tx/${bytesToHex(h)}`;
export const nodeHref = (a: Address) => `/nodes/${bytesToHex(a)}`;
export const addressHref = (a: Address) => `/address/${bytesToHex(a)}`;
export const challengeHref = (id: bigint) => `/challenges/${id}`;

/** A status word with its class (colour); the word is escaped like any value. */
export function statusLabel(status: string): SafeHtml {
  const cls = status.toLowerCase().replace(/[^a-z-]/g, "");
  return html`<span class="status-${cls}">${status.toLowerCase()}</span>`;
}

/**
 * "Next page" link for keyset pagination (the reader's `next` cursor), and "first page" once past
 * it; other query parameters of the page (a second list's cursor) are kept.
 */
export function pager(
  path: string,
  next: string | null,
  opts: { prefix?: string; keep?: Record<string, string | undefined>; current?: string } = {},
): SafeHtml {
  const prefix = opts.prefix ?? "";
  const base = new URLSearchParams();
  for (const [k, v] of Object.entries(opts.keep ?? {})) if (v !== undefined && v !== "") base.set(k, v);
  const link = (cursor: string | undefined) => {
    const q = new URLSearchParams(base);
    if (cursor !== undefined) q.set(`${prefix}cursor`, cursor);
    const s = q.toString();
    return s ? `${path}?${s}` : path;
  };
  const first = opts.current ? html`<a href="${link(undefined)}">« first page</a>` : "";
  const nextLink =
    next === null
      ? html`<span class="muted">last page</span>`
      : html`<a href="${link(next)}" rel="next">next page »</a>`;
  return html`<div class="pager">${first}${nextLink}</div>`;
}

export function blocksTable(blocks: readonly BlockSummary[]): SafeHtml {
  if (blocks.length === 0) return html`<p class="muted">No blocks yet.</p>`;
  return html`<table><thead><tr><th>Block</th><th>Hash</th><th>Time</th><th>Txs</th><th>Size</th><th>L1 origin</th></tr></thead><tbody>
${blocks.map(
  (
    b,
  ) => html`<tr><td><a href="${blockHref(b.number)}">${b.number}</a></td><td>${shortHex(b.hash, blockHref(b.number))}</td><td>${formatTimeMs(b.timestamp)}</td><td>${b.txCount}</td><td>${b.size} B</td><td>${b.l1Origin.number}</td></tr>
`,
)}</tbody></table>`;
}

/** What a tx did, in a few words (the tx page shows the whole decoded action). */
export function txWhat(t: TxSummary): SafeHtml {
  const parts: SafeHtml[] = [html`<b>${t.kind}</b>`];
  if (t.challengeId !== undefined)
    parts.push(html` challenge <a href="${challengeHref(t.challengeId)}">#${t.challengeId}</a>`);
  if (t.amount !== undefined) parts.push(html` ${formatCredits(t.amount)} credits`);
  if (t.to !== undefined) parts.push(html` → ${shortHex(t.to, addressHref(t.to), 6)}`);
  return html`${parts}`;
}

export function txsTable(txs: readonly TxSummary[]): SafeHtml {
  if (txs.length === 0) return html`<p class="muted">No transactions yet.</p>`;
  return html`<table><thead><tr><th>Tx</th><th>Block</th><th>Time</th><th>From</th><th>What</th><th>Status</th></tr></thead><tbody>
${txs.map(
  (
    t,
  ) => html`<tr><td>${shortHex(t.hash, txHref(t.hash), 6)}</td><td><a href="${blockHref(t.blockNumber)}">${t.blockNumber}</a></td><td>${formatTimeMs(t.timestamp)}</td><td>${t.from === undefined ? html`<span class="muted">system</span>` : shortHex(t.from, addressHref(t.from), 6)}</td><td>${txWhat(t)}</td><td>${statusLabel(t.status)}${t.error === undefined ? "" : html` <span class="muted">${truncateText(t.error, 60)}</span>`}</td></tr>
`,
)}</tbody></table>`;
}

export function challengesTable(cs: readonly ChallengeSummary[]): SafeHtml {
  if (cs.length === 0) return html`<p class="muted">No challenges yet.</p>`;
  return html`<table><thead><tr><th>Challenge</th><th>Node</th><th>Tier</th><th>Status</th><th>Requested</th><th>Credits</th></tr></thead><tbody>
${cs.map(
  (
    c,
  ) => html`<tr><td><a href="${challengeHref(c.id)}">#${c.id}</a></td><td>${shortHex(c.node, nodeHref(c.node), 6)}</td><td>${c.tier}</td><td>${statusLabel(c.status)}</td><td>${formatTimeMs(c.requestedAt)}</td><td>${c.credits === undefined ? "" : formatCredits(c.credits)}</td></tr>
`,
)}</tbody></table>`;
}
