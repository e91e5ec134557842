/**
 * The readable error page: what went wrong in a sentence, with the status code the response
 * carries (400 bad input, 404 unknown, 429 rate limited, 500 the node's fault). The message may
 * echo input: it is escaped and cut like any other value.
 * @module
 */
import { MAX_TEXT_CHARS, truncateText } from "./format.ts";
import { html } from "./html.ts";
import { renderPage } from "./layout.ts";

export function renderErrorPage(status: number, title: string, message: string, query?: string): string {
  return renderPage({
    title,
    ...(query === undefined ? {} : { query }),
    body: html`<div class="error-page"><h1>${status} · ${title}</h1><p>${truncateText(message, MAX_TEXT_CHARS)}</p>
<p><a href="/">Back to the explorer's home</a></p></div>`,
  });
}
