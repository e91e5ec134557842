/**
 * Operators: the EigenLayer operators of the attested OutputOracle's operator set, by address,
 * from L1 (node/explorerOperators.ts): stake allocated and slashable now, the BLS key and when it
 * was registered, attested outputs signed and missed since, slashings. A node whose deployment
 * names no OperatorRegistry has none, and the page says "none yet".
 * @module
 */
import type { ExplorerReads, OperatorSummary } from "../ports.ts";
import { pager } from "./components.ts";
import { formatCredits, shortHex } from "./format.ts";
import { html, type SafeHtml } from "./html.ts";
import type { PageResult } from "./pageResult.ts";
import { parsePageQuery } from "./params.ts";

/** A WAD (parts of 1e18) as a percentage: ×100 then the 18-decimal formatter. */
const wadPercent = (w: bigint) => `${formatCredits(w * 100n, 4)}%`;

function slashingCell(o: OperatorSummary): SafeHtml | string {
  if (o.slashings === 0 || o.lastSlashing === undefined) return `${o.slashings}`;
  const l = o.lastSlashing;
  return html`<span class="slashed">${o.slashings}</span><br><span class="muted">last at L1 block ${l.l1Block.toString()}: ${l.wads.map(wadPercent).join(", ")}</span>`;
}

function row(o: OperatorSummary): SafeHtml {
  const key =
    o.keyHash === undefined
      ? html`<span class="muted">no key</span>`
      : html`${shortHex(o.keyHash)}${o.registeredL1Block === undefined ? "" : html`<br><span class="muted">since L1 block ${o.registeredL1Block.toString()}</span>`}`;
  return html`<tr><td>${shortHex(o.address, undefined, 20)}</td><td>${formatCredits(o.stake)}<br><span class="muted">slashable ${formatCredits(o.slashableStake)}</span></td><td>${key}</td><td>${o.attestations} signed<br><span class="muted">${o.missed} missed</span></td><td>${slashingCell(o)}</td></tr>
`;
}

export async function operatorsPage(
  reads: ExplorerReads,
  query: Record<string, unknown>,
): Promise<PageResult> {
  const page = parsePageQuery(query);
  const ops = await reads.operators(page);
  const body =
    ops.items.length === 0 && page.cursor === undefined
      ? html`<p class="muted operators-none">None yet: operators, their stake, attestations and slashings appear here once operators register.</p>`
      : html`<table><thead><tr><th>Operator</th><th>Stake (allocated, slashable)</th><th>BLS key</th><th>Attestations</th><th>Slashings</th></tr></thead><tbody>
${ops.items.map(row)}</tbody></table>${pager("/operators", ops.next, page.cursor === undefined ? {} : { current: page.cursor })}`;
  return { title: "Operators", body: html`<h1>Operators</h1>${body}` };
}
