/**
 * HTML building for the explorer pages: ONE escaping function (`escapeHtml`) and a tagged template
 * (`html`) that runs every interpolated value through it unless the value is already `SafeHtml`
 * (markup this module or another `html` template made). So a page can only emit raw text by
 * building it with `html`, and everything an attacker controls (a search query, an error string,
 * a receipt's error text) is escaped on the way in, with no call site to forget.
 * @module
 */

/** Markup that is already safe to emit (built by `html`, or escaped). Never construct from input. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
  "`": "&#96;",
};
// Quotes are escaped too so an escaped value is safe inside a quoted attribute (title="…",
// href="…"), not only in text. The backtick: old IE treated it as an attribute quote.
const ESCAPE_RE = /[&<>"'`]/g;

/** Escapes text for an HTML text node or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(ESCAPE_RE, (c) => ESCAPES[c]!);
}

/** What a template may interpolate: nested markup, lists of it, or plain values (escaped). */
export type HtmlValue =
  | SafeHtml
  | string
  | number
  | bigint
  | boolean
  | null
  | undefined
  | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.value;
  if (value === null || value === undefined || value === false) return "";
  if (Array.isArray(value)) return value.map(render).join("");
  return escapeHtml(String(value));
}

/** `html\`<td>${x}</td>\``: the literal parts are trusted, every `${}` is escaped (or nested `SafeHtml`). */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!;
  return new SafeHtml(out);
}

/** Joins pieces of markup (each escaped unless SafeHtml). */
export function joinHtml(parts: readonly HtmlValue[], separator = ""): SafeHtml {
  return new SafeHtml(parts.map(render).join(separator));
}
