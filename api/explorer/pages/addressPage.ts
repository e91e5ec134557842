/**
 * An address: its credits, nonce and transactions (sent, received, deposits to it), and a link to
 * its node page when it is a node. Any 20 bytes is an address: an untouched one shows zeros.
 * @module
 */
import { bytesToHex } from "../../../chain/bytes.ts";
import type { ExplorerReads } from "../ports.ts";
import { nodeHref, pager, txsTable } from "./components.ts";
import { copyField, formatCredits, groupDigits } from "./format.ts";
import { html } from "./html.ts";
import type { PageResult } from "./pageResult.ts";
import { parseAddress, parsePageQuery } from "./params.ts";

export async function addressPage(
  reads: ExplorerReads,
  addressText: string,
  query: Record<string, unknown>,
): Promise<PageResult> {
  const address = parseAddress(addressText);
  const page = parsePageQuery(query);
  const [a, txs] = await Promise.all([reads.address(address), reads.addressTxs(address, page)]);
  const hex = bytesToHex(a.address);
  return {
    title: `Address ${hex.slice(0, 10)}…`,
    liveSeconds: 10,
    body: html`<h1>Address</h1>
<section class="card"><dl class="kv">
<dt>Address</dt><dd>${copyField(hex, "address")}${a.isNode ? html` · <a href="${nodeHref(a.address)}">node page</a>` : ""}</dd>
<dt>Credits</dt><dd>${formatCredits(a.credits)}</dd>
<dt>Nonce</dt><dd>${a.nonce}</dd>
<dt>Transactions</dt><dd>${groupDigits(a.txCount)}</dd>
</dl></section>
<h2>Transactions</h2>${txsTable(txs.items)}${pager(`/address/${hex}`, txs.next, page.cursor === undefined ? {} : { current: page.cursor })}`,
  };
}
