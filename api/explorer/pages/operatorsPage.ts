/**
 * Operators: the EigenLayer operators who attest outputs (stake, attestations, slashings), by
 * address. Until that data exists the list is empty and the page says "none yet".
 * @module
 */
import type { ExplorerReads } from "../ports.ts";
import { pager } from "./components.ts";
import { formatCredits, shortHex } from "./format.ts";
import { html } from "./html.ts";
import type { PageResult } from "./pageResult.ts";
import { parsePageQuery } from "./params.ts";

export async function operatorsPage(
  reads: ExplorerReads,
  query: Record<string, unknown>,
): Promise<PageResult> {
  const page = parsePageQuery(query);
  const ops = await reads.operators(page);
  const body =
    ops.items.length === 0 && page.cursor === undefined
      ? html`<p class="muted operators-none">None yet: operators, their stake, attestations and slashings appear here once operators register.</p>`
      : html`<table><thead><tr><th>Operator</th><th>Stake</th><th>Attestations</th><th>Slashings</th></tr></thead><tbody>
${ops.items.map(
  (
    o,
  ) => html`<tr><td>${shortHex(o.address, undefined, 20)}</td><td>${formatCredits(o.stake)}</td><td>${o.attestations}</td><td>${o.slashings}</td></tr>
`,
)}</tbody></table>${pager("/operators", ops.next, page.cursor === undefined ? {} : { current: page.cursor })}`;
  return { title: "Operators", body: html`<h1>Operators</h1>${body}` };
}
