/**
 * Blocks: the list (newest first) and one block with its header, finality and its transactions.
 * @module
 */
import { bytesToHex } from "../../../chain/bytes.ts";
import type { ExplorerReads } from "../ports.ts";
import { blockHref, blocksTable, pager, statusLabel, txsTable } from "./components.ts";
import { copyField, formatTimeMs, shortHex } from "./format.ts";
import { html } from "./html.ts";
import type { PageResult } from "./pageResult.ts";
import { PageError, parseBlockId, parsePageQuery } from "./params.ts";

export async function blocksPage(reads: ExplorerReads, query: Record<string, unknown>): Promise<PageResult> {
  const page = parsePageQuery(query);
  const blocks = await reads.blocks(page);
  return {
    title: "Blocks",
    liveSeconds: 5,
    body: html`<h1>Blocks</h1>${blocksTable(blocks.items)}${pager("/blocks", blocks.next, page.cursor === undefined ? {} : { current: page.cursor })}`,
  };
}

export async function blockPage(
  reads: ExplorerReads,
  id: string,
  query: Record<string, unknown>,
): Promise<PageResult> {
  const blockId = parseBlockId(id);
  const page = parsePageQuery(query);
  const [b, txs] = await Promise.all([reads.block(blockId), reads.blockTxs(blockId, page)]);
  if (b === undefined || txs === undefined)
    throw new PageError(
      404,
      "Block not found",
      `There is no block ${typeof blockId === "bigint" ? blockId : bytesToHex(blockId)} (yet).`,
    );
  const hex = bytesToHex(b.hash);
  return {
    title: `Block ${b.number}`,
    ...(b.finality === "finalized" ? {} : { liveSeconds: 5 }),
    body: html`<h1>Block ${b.number}</h1>
<section class="card"><dl class="kv">
<dt>Hash</dt><dd>${copyField(hex, "block hash")}</dd>
<dt>Finality</dt><dd>${statusLabel(b.finality)}</dd>
<dt>Time</dt><dd>${formatTimeMs(b.timestamp)}</dd>
<dt>Parent</dt><dd>${b.number === 0n ? shortHex(b.parentHash, undefined, 32) : shortHex(b.parentHash, blockHref(b.number - 1n), 32)}</dd>
<dt>Transactions</dt><dd>${b.txCount} (${b.signedTxCount} signed, ${b.txCount - b.signedTxCount} system)</dd>
<dt>Size</dt><dd>${b.size} bytes</dd>
<dt>L1 origin</dt><dd>${b.l1Origin.number} ${shortHex(b.l1Origin.hash)}</dd>
<dt>State root</dt><dd>${shortHex(b.stateRoot, undefined, 32)}</dd>
<dt>Withdrawals root</dt><dd>${shortHex(b.withdrawalsRoot, undefined, 32)}</dd>
<dt>Tx root</dt><dd>${shortHex(b.txRoot, undefined, 32)}</dd>
<dt>Receipts root</dt><dd>${shortHex(b.receiptsRoot, undefined, 32)}</dd>
</dl></section>
<div class="pager"><a href="${blockHref(b.number > 0n ? b.number - 1n : 0n)}" rel="prev">« block ${b.number > 0n ? b.number - 1n : 0n}</a><a href="${blockHref(b.number + 1n)}" rel="next">block ${b.number + 1n} »</a></div>
<h2>Transactions</h2>${txsTable(txs.items)}${pager(`/blocks/${b.number}`, txs.next, page.cursor === undefined ? {} : { current: page.cursor })}`,
  };
}
