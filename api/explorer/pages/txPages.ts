/**
 * Transactions: the list (newest first) and one transaction, decoded (its action or system tx),
 * with its receipt and the challenge it made or touched.
 * @module
 */
import { bytesToHex } from "../../../chain/bytes.ts";
import type { Action, SystemTx } from "../../../chain/types.ts";
import type { ChallengeDetail, ExplorerReads, TxDetail } from "../ports.ts";
import {
  addressHref,
  blockHref,
  challengeHref,
  nodeHref,
  pager,
  statusLabel,
  txsTable,
} from "./components.ts";
import { copyField, formatCredits, formatTimeMs, groupDigits, shortHex, truncateText } from "./format.ts";
import { html, type SafeHtml } from "./html.ts";
import type { PageResult } from "./pageResult.ts";
import { PageError, parseHash, parsePageQuery } from "./params.ts";

export async function txsPage(reads: ExplorerReads, query: Record<string, unknown>): Promise<PageResult> {
  const page = parsePageQuery(query);
  const txs = await reads.txs(page);
  return {
    title: "Transactions",
    liveSeconds: 5,
    body: html`<h1>Transactions</h1>${txsTable(txs.items)}${pager("/txs", txs.next, page.cursor === undefined ? {} : { current: page.cursor })}`,
  };
}

const row = (k: string, v: SafeHtml | string | bigint | number) => html`<dt>${k}</dt><dd>${v}</dd>`;

/** A signed action's fields. Reveal payloads are up to ~70 KB: their sizes are shown, not their bytes. */
function actionRows(a: Action): SafeHtml[] {
  switch (a.kind) {
    case "register":
      return [];
    case "challenge":
      return [row("Tier", a.tier)];
    case "commit":
      return [
        row("Challenge", html`<a href="${challengeHref(a.challengeId)}">#${a.challengeId}</a>`),
        row("Root", shortHex(a.root, undefined, 32)),
      ];
    case "reveal":
      return [
        row("Challenge", html`<a href="${challengeHref(a.challengeId)}">#${a.challengeId}</a>`),
        row("Opened tiles", `${a.tiles.length / 256} (${groupDigits(BigInt(a.tiles.length))} bytes)`),
        row("Multiproof", `${a.proof.length / 32} hashes (${groupDigits(BigInt(a.proof.length))} bytes)`),
      ];
    case "transfer":
    case "withdraw":
      return [
        row(a.kind === "withdraw" ? "To (L1)" : "To", shortHex(a.to, addressHref(a.to), 20)),
        row("Amount", `${formatCredits(a.amount, 18)} credits`),
      ];
  }
}

function systemRows(s: SystemTx): SafeHtml[] {
  switch (s.kind) {
    case "beacon":
      return [row("Round", s.round), row("Signature", shortHex(s.signature))];
    case "deposit":
      return [
        row("Deposit id", s.depositId),
        row("To", shortHex(s.to, addressHref(s.to), 20)),
        row("Amount", `${formatCredits(s.amount, 18)} credits`),
        row("L1 block", s.l1BlockNumber),
      ];
    case "revoke":
      return [
        row("Challenge", html`<a href="${challengeHref(s.challengeId)}">#${s.challengeId}</a>`),
        row("L1 block", s.l1BlockNumber),
      ];
  }
}

function challengeCard(c: ChallengeDetail): SafeHtml {
  return html`<h2>Challenge</h2><section class="card"><dl class="kv">
${row("Challenge", html`<a href="${challengeHref(c.id)}">#${c.id}</a> (timeline)`)}
${row("Node", shortHex(c.node, nodeHref(c.node), 20))}
${row("Status", statusLabel(c.status))}
${row("Tier", c.tier)}
${c.credits === undefined ? "" : row("Credits", formatCredits(c.credits))}
</dl></section>`;
}

function decodedRows(t: TxDetail): SafeHtml[] {
  if (t.decoded.type === "signed")
    return [
      row("Nonce", t.decoded.nonce),
      row("Action", html`<b>${t.decoded.action.kind}</b>`),
      ...actionRows(t.decoded.action),
    ];
  return [row("System tx", html`<b>${t.decoded.tx.kind}</b>`), ...systemRows(t.decoded.tx)];
}

export async function txPage(reads: ExplorerReads, hashText: string): Promise<PageResult> {
  const hash = parseHash(hashText, "transaction hash");
  const t = await reads.tx(hash);
  if (t === undefined)
    throw new PageError(
      404,
      "Transaction not found",
      `No transaction ${bytesToHex(hash)} is indexed (it may still be pending).`,
    );
  const challenge = t.challengeId === undefined ? undefined : await reads.challenge(t.challengeId);
  return {
    title: `Tx ${bytesToHex(hash).slice(0, 10)}…`,
    ...(t.finality === "finalized" ? {} : { liveSeconds: 10 }),
    body: html`<h1>Transaction</h1>
<section class="card"><dl class="kv">
${row("Hash", copyField(bytesToHex(t.hash), "transaction hash"))}
${row("Status", html`${statusLabel(t.status)}${t.error === undefined ? "" : html` · ${truncateText(t.error)}`}`)}
${row("Block", html`<a href="${blockHref(t.blockNumber)}">${t.blockNumber}</a> (index ${t.index}, ${statusLabel(t.finality)})`)}
${row("Time", formatTimeMs(t.timestamp))}
${row("From", t.from === undefined ? html`<span class="muted">system (no signer)</span>` : shortHex(t.from, addressHref(t.from), 20))}
${decodedRows(t)}
${t.credits === undefined ? "" : row(t.kind === "withdraw" || t.kind === "revoke" ? "Credits burned" : "Credits minted", formatCredits(t.credits, 18))}
${row("Size", `${t.size} bytes`)}
</dl></section>
${challenge === undefined ? "" : challengeCard(challenge)}`,
  };
}
