/**
 * The page shell every explorer page shares: head (one stylesheet, the optional live-refresh
 * script), the top bar with navigation and the search box (a plain GET form: works without
 * JavaScript), and the footer with a manual reload link. Pages render only their `<main>` body.
 * @module
 */
import { html, type SafeHtml } from "./html.ts";

/** URL paths of the two static files (served by staticFiles.ts). */
export const CSS_PATH = "/static/explorer.css";
export const LIVE_JS_PATH = "/static/live.js";

export interface PageOpts {
  title: string;
  body: SafeHtml;
  /** Refresh the page's <main> every this many seconds (live.js); absent: a static page. */
  liveSeconds?: number;
  /** The search box's current text (escaped like any value). */
  query?: string;
}

const NAV: ReadonlyArray<readonly [string, string]> = [
  ["/", "Home"],
  ["/blocks", "Blocks"],
  ["/txs", "Transactions"],
  ["/nodes", "Nodes"],
  ["/batches", "Batches"],
  ["/bridge", "Bridge"],
  ["/operators", "Operators"],
];

export function renderPage(opts: PageOpts): string {
  const live = opts.liveSeconds === undefined ? "" : html` data-live="${opts.liveSeconds}"`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${opts.title} · Flops explorer</title>
<link rel="stylesheet" href="${CSS_PATH}">
<script src="${LIVE_JS_PATH}" defer></script>
</head>
<body${live}>
<header class="top">
<a class="brand" href="/">Flops explorer</a>
<nav>${NAV.map(([href, label]) => html`<a href="${href}">${label}</a>`)}</nav>
<form action="/search" method="get" role="search">
<input type="search" name="q" maxlength="200" value="${opts.query ?? ""}" placeholder="block number, tx or block hash, address, challenge id" aria-label="Search">
<button type="submit">Search</button>
</form>
</header>
<main>
${opts.body}
</main>
<footer>Served by the node, no JavaScript needed${opts.liveSeconds === undefined ? "" : html` (this page refreshes itself every ${opts.liveSeconds} s with it)`} · <a href="">reload</a> · <a href="/api-docs">REST API</a></footer>
</body>
</html>
`.value;
}
