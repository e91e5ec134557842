/**
 * Charts drawn on the server as SVG: a line or bar chart of non-negative bigint values over
 * evenly spaced categories (epochs, blocks), with axes, tick labels, a title and a `<title>`
 * tooltip per point. Pure and deterministic (same input, same bytes: no clock, no randomness, no
 * float formatting that depends on the platform), so pages are cacheable and tests exact.
 *
 * Values are bigint end to end (credits are 18-decimal and pass 2^53 at once): the y axis top is
 * a "nice" bigint (1, 2 or 5 × 10^k) and a point's height is (value · plotHeight) / top in
 * bigint, so huge values neither overflow nor lose their order.
 * @module
 */
import { escapeHtml } from "./pages/html.ts";

/** One point: its category label (x axis, tooltip) and its value. */
export interface ChartPoint {
  label: string;
  value: bigint;
}

export interface ChartOpts {
  title: string;
  kind: "line" | "bar";
  points: readonly ChartPoint[];
  /** Formats a value for the y axis and tooltips (e.g. formatCredits). Default: decimal digits. */
  formatValue?: (v: bigint) => string;
  /** Unit shown after values in tooltips and the axis caption, e.g. "credits". */
  unit?: string;
  width?: number;
  height?: number;
  /** The y axis reaches at least this (e.g. a multiplier's cap), so a flat series is not drawn at the top. */
  minTop?: bigint;
}

/** The most points a chart draws: callers pass bounded series (a page of history), never a scan. */
export const MAX_CHART_POINTS = 500;

const PAD = { left: 72, right: 16, top: 32, bottom: 40 };
const Y_TICKS = 4;
/** Chars of a category label shown under the x axis (the tooltip has it whole). */
const MAX_LABEL_CHARS = 16;

/** The smallest 1·10^k, 2·10^k or 5·10^k ≥ max (≥ 1), so ticks are round numbers. */
export function niceTop(max: bigint): bigint {
  if (max <= 1n) return 1n;
  let p = 1n;
  for (;;) {
    for (const m of [1n, 2n, 5n]) if (m * p >= max) return m * p;
    p *= 10n;
  }
}

const defaultFormat = (v: bigint) => v.toString();

/** y pixel of `value` (0 at the bottom of the plot), exact: integer division in bigint. */
function yOf(value: bigint, top: bigint, plotH: number, plotTop: number): number {
  const h = Number((value * BigInt(plotH)) / top);
  return plotTop + plotH - h;
}

function cut(label: string): string {
  return label.length <= MAX_LABEL_CHARS ? label : `${label.slice(0, MAX_LABEL_CHARS - 1)}…`;
}

/**
 * Renders the chart as an `<svg>` element (a string of markup; every label is escaped). Throws
 * RangeError on a negative value or more than MAX_CHART_POINTS points: both are caller bugs.
 */
export function renderChart(opts: ChartOpts): string {
  const { points, kind } = opts;
  if (points.length > MAX_CHART_POINTS)
    throw new RangeError(`renderChart: ${points.length} points, at most ${MAX_CHART_POINTS}`);
  for (const p of points) if (p.value < 0n) throw new RangeError(`renderChart: negative value ${p.value}`);
  const width = opts.width ?? 640;
  const height = opts.height ?? 240;
  const fmt = opts.formatValue ?? defaultFormat;
  const unit = opts.unit ? ` ${opts.unit}` : "";
  const plotW = width - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const x0 = PAD.left;
  const yBase = PAD.top + plotH;
  // bigint: no Math.max.
  let max = 0n;
  for (const p of points) if (p.value > max) max = p.value;
  const top = niceTop(opts.minTop !== undefined && opts.minTop > max ? opts.minTop : max);
  const title = escapeHtml(opts.title);

  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-${kind}" viewBox="0 0 ${width} ${height}" ` +
      `width="${width}" height="${height}" role="img" aria-label="${title}">`,
    `<title>${title}</title>`,
    `<text class="chart-title" x="${x0}" y="18">${title}</text>`,
  ];
  // Y axis: gridlines and labels at 0, top/4, …, top (top is 1·2·5 × 10^k, so quarters of it are
  // round enough; bigint division keeps them exact).
  for (let i = 0; i <= Y_TICKS; i++) {
    const v = (top * BigInt(i)) / BigInt(Y_TICKS);
    const y = yOf(v, top, plotH, PAD.top);
    out.push(
      `<line class="grid" x1="${x0}" y1="${y}" x2="${x0 + plotW}" y2="${y}"/>`,
      `<text class="tick" x="${x0 - 6}" y="${y + 4}" text-anchor="end">${escapeHtml(fmt(v))}</text>`,
    );
  }
  out.push(
    `<line class="axis" x1="${x0}" y1="${PAD.top}" x2="${x0}" y2="${yBase}"/>`,
    `<line class="axis" x1="${x0}" y1="${yBase}" x2="${x0 + plotW}" y2="${yBase}"/>`,
  );
  if (points.length === 0) {
    out.push(
      `<text class="empty" x="${x0 + plotW / 2}" y="${PAD.top + plotH / 2}" text-anchor="middle">no data yet</text>`,
      "</svg>",
    );
    return out.join("");
  }

  // X: n categories in equal slots; a point sits in the middle of its slot (one point: centred).
  const n = points.length;
  const slot = plotW / n;
  const xOf = (i: number) => round1(x0 + slot * i + slot / 2);
  const labelEvery = Math.max(1, Math.ceil(n / 6));
  points.forEach((p, i) => {
    if (i % labelEvery !== 0 && i !== n - 1) return;
    out.push(
      `<text class="tick" x="${xOf(i)}" y="${yBase + 16}" text-anchor="middle">${escapeHtml(cut(p.label))}</text>`,
    );
  });

  const marks: string[] = [];
  if (kind === "line") {
    const path = points.map((p, i) => `${i === 0 ? "M" : "L"}${xOf(i)} ${yOf(p.value, top, plotH, PAD.top)}`);
    out.push(`<path class="series" d="${path.join(" ")}" fill="none"/>`);
  }
  points.forEach((p, i) => {
    const tip = `<title>${escapeHtml(p.label)}: ${escapeHtml(fmt(p.value))}${escapeHtml(unit)}</title>`;
    const y = yOf(p.value, top, plotH, PAD.top);
    if (kind === "line") {
      marks.push(`<circle class="point" cx="${xOf(i)}" cy="${y}" r="3.5">${tip}</circle>`);
    } else {
      const w = round1(Math.max(1, slot * 0.7));
      marks.push(
        `<rect class="point" x="${round1(xOf(i) - w / 2)}" y="${y}" width="${w}" height="${yBase - y}">${tip}</rect>`,
      );
    }
  });
  out.push(...marks, "</svg>");
  return out.join("");
}

/** One decimal, so coordinates print the same everywhere and stay short. */
function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
