/**
 * Display formatting for the explorer pages: amounts (18-decimal credits), multipliers, times,
 * operation counts, and long values cut for display with the full value kept in a `title` (and a
 * copy field where the page wants one). Pure functions; every string they return that can carry
 * input goes out through `html` (escaped).
 * @module
 */
import { bytesToHex } from "../../../chain/bytes.ts";
import { html, type SafeHtml } from "./html.ts";

/** Characters of free text (receipt errors, echoed queries) shown before the cut. */
export const MAX_TEXT_CHARS = 200;

const CREDIT_DECIMALS = 18;
const CREDIT_UNIT = 10n ** BigInt(CREDIT_DECIMALS);

/** `1234567n` → "1,234,567" (grouping by hand: bigint has no safe Intl path on every Node). */
export function groupDigits(n: bigint): string {
  const neg = n < 0n;
  const s = (neg ? -n : n).toString();
  const out = s.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return neg ? `-${out}` : out;
}

/**
 * Credits (18 decimals) as "1,234.5678": at most `maxFraction` decimals, cut (not rounded: an
 * explorer never shows more than there is), trailing zeros dropped. An amount below one unit of
 * the last shown decimal is written in full instead ("0.00000000000000001"): a non-zero amount
 * never shows as 0.
 */
export function formatCredits(wei: bigint, maxFraction = 6): string {
  const neg = wei < 0n;
  const abs = neg ? -wei : wei;
  const whole = abs / CREDIT_UNIT;
  const digits = (abs % CREDIT_UNIT).toString().padStart(CREDIT_DECIMALS, "0");
  let fracTrim = digits.slice(0, maxFraction).replace(/0+$/, "");
  if (whole === 0n && fracTrim === "" && abs > 0n) fracTrim = digits.replace(/0+$/, "");
  return `${neg ? "-" : ""}${groupDigits(whole)}${fracTrim ? `.${fracTrim}` : ""}`;
}

/** Basis points as a multiplier: 13000n → "1.3×". */
export function formatMultiplier(bps: bigint): string {
  const whole = bps / 10_000n;
  const frac = (bps % 10_000n).toString().padStart(4, "0").replace(/0+$/, "");
  return `${whole}${frac ? `.${frac}` : ""}×`;
}

const SI = ["", "k", "M", "G", "T", "P", "E", "Z", "Y"];

/** 68_719_476_736n → "68.7 G" (three significant digits, exact bigint arithmetic). */
export function formatSi(n: bigint): string {
  if (n < 0n) return `-${formatSi(-n)}`;
  let unit = 0;
  let scale = 1n;
  while (n >= scale * 1000n && unit < SI.length - 1) {
    scale *= 1000n;
    unit++;
  }
  if (unit === 0) return n.toString();
  // One decimal under 100 of the unit, none above (68.7 G, 687 G).
  const tenths = (n * 10n) / scale;
  const text = tenths >= 1000n ? (tenths / 10n).toString() : `${tenths / 10n}.${tenths % 10n}`;
  return `${text} ${SI[unit]}`;
}

/** Milliseconds since the Unix epoch as "2026-12-06 01:23:45.678 UTC"; out of Date's range: the number. */
export function formatTimeMs(ms: bigint): string {
  // Date covers ±8.64e15 ms; a hostile or corrupt value beyond that would throw in toISOString.
  if (ms < -8_640_000_000_000_000n || ms > 8_640_000_000_000_000n) return `${ms} ms`;
  return `${new Date(Number(ms)).toISOString().replace("T", " ").replace("Z", "")} UTC`;
}

/** A duration in ms as "1 h 2 min", "3.5 s", "120 ms". */
export function formatDurationMs(ms: bigint): string {
  if (ms < 0n) return `-${formatDurationMs(-ms)}`;
  if (ms < 1000n) return `${ms} ms`;
  if (ms < 60_000n) return `${ms / 1000n}.${(ms % 1000n) / 100n} s`;
  const min = ms / 60_000n;
  if (min < 60n) return `${min} min ${(ms % 60_000n) / 1000n} s`;
  const h = min / 60n;
  if (h < 48n) return `${h} h ${min % 60n} min`;
  return `${h / 24n} d ${h % 24n} h`;
}

/** Cuts `text` to `max` characters, marking the cut; the full text goes in the title. */
export function truncateText(text: string, max = MAX_TEXT_CHARS): SafeHtml {
  if (text.length <= max) return html`${text}`;
  return html`<span title="${text}">${text.slice(0, max)}…</span>`;
}

/** Bytes or 0x-hex cut to `0x1234ab…cdef01`, full value in the title. `href`: link it. */
export function shortHex(value: Uint8Array | string, href?: string, keep = 8): SafeHtml {
  const full = typeof value === "string" ? value : bytesToHex(value);
  const shown = full.length <= keep * 2 + 3 ? full : `${full.slice(0, keep + 2)}…${full.slice(-keep)}`;
  const inner = html`<code class="hash" title="${full}">${shown}</code>`;
  return href === undefined ? inner : html`<a href="${href}">${inner}</a>`;
}

/** The full value in a read-only field the reader can select and copy (no script needed). */
export function copyField(value: string, label: string): SafeHtml {
  return html`<input class="copy" readonly value="${value}" aria-label="${label}" size="${Math.min(value.length, 70)}">`;
}
