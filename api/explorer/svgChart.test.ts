import { describe, expect, it } from "vitest";
import { MAX_CHART_POINTS, niceTop, renderChart } from "./svgChart.ts";

const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;

describe("niceTop", () => {
  it("rounds up to 1, 2 or 5 × 10^k", () => {
    expect([0n, 1n, 2n, 3n, 7n, 10n, 11n, 99n, 101n, 250n].map(niceTop)).toEqual([
      1n,
      1n,
      2n,
      5n,
      10n,
      10n,
      20n,
      100n,
      200n,
      500n,
    ]);
    expect(niceTop(10n ** 60n + 1n)).toBe(2n * 10n ** 60n);
  });
});

describe("renderChart", () => {
  it("draws an empty series as axes and 'no data yet'", () => {
    const svg = renderChart({ title: "Credits", kind: "line", points: [] });
    expect(svg).toMatch(/^<svg [^>]*role="img"/);
    expect(svg).toContain("<title>Credits</title>");
    expect(svg).toContain("no data yet");
    expect(count(svg, /class="point"/g)).toBe(0);
    expect(svg.endsWith("</svg>")).toBe(true);
  });

  it("centres one point, with its tooltip", () => {
    const svg = renderChart({
      title: "t",
      kind: "line",
      points: [{ label: "epoch 7", value: 5n }],
      width: 200,
    });
    // plot spans x 72..184: the only slot's middle is 128.
    expect(svg).toContain(`<circle class="point" cx="128" cy="`);
    expect(svg).toContain("<title>epoch 7: 5</title>");
    expect(count(svg, /<circle class="point"/g)).toBe(1);
  });

  it("draws one mark per point with axes, tick labels and a path for lines", () => {
    const points = Array.from({ length: 10 }, (_, i) => ({ label: `e${i}`, value: BigInt(i * 10) }));
    const line = renderChart({ title: "x", kind: "line", points, unit: "ops" });
    expect(count(line, /<circle class="point"/g)).toBe(10);
    expect(line).toContain('<path class="series" d="M');
    expect(line).toContain("<title>e9: 90 ops</title>");
    expect(count(line, /class="axis"/g)).toBe(2);
    // y ticks 0, 25, 50, 75, 100 (top = 100)
    for (const t of ["0", "25", "50", "75", "100"]) expect(line).toContain(`text-anchor="end">${t}</text>`);
    const bar = renderChart({ title: "x", kind: "bar", points });
    expect(count(bar, /<rect class="point"/g)).toBe(10);
    expect(bar).not.toContain("<path");
  });

  it("raises the axis to minTop, never lowers it", () => {
    const points = [{ label: "a", value: 10_000n }];
    expect(renderChart({ title: "m", kind: "line", points, minTop: 20_000n })).toContain(">20000</text>");
    expect(renderChart({ title: "m", kind: "line", points, minTop: 5n })).toContain(">10000</text>");
    expect(renderChart({ title: "m", kind: "line", points, minTop: 5n })).not.toContain(">20000</text>");
  });

  it("keeps huge bigint values exact and in order (no float overflow)", () => {
    const big = 2n ** 255n;
    const svg = renderChart({
      title: "huge",
      kind: "bar",
      points: [
        { label: "a", value: big },
        { label: "b", value: big - 1n },
        { label: "c", value: big / 2n },
      ],
    });
    expect(svg).toContain(`<title>a: ${big}</title>`);
    expect(svg).not.toMatch(/NaN|Infinity|e\+/);
    const ys = [...svg.matchAll(/<rect class="point" x="[^"]+" y="([^"]+)"/g)].map((m) => Number(m[1]));
    expect(ys[0]).toBeLessThanOrEqual(ys[2]!);
  });

  it("escapes the title, labels and formatted values", () => {
    const svg = renderChart({
      title: `<script>alert(1)</script>`,
      kind: "line",
      points: [{ label: `"><img onerror=x>`, value: 1n }],
      formatValue: (v) => `<${v}>`,
    });
    expect(svg).not.toContain("<script");
    expect(svg).not.toContain("<img");
    expect(svg).toContain("&lt;script&gt;");
    expect(svg).toContain("&quot;&gt;&lt;img onerror=x&gt;: &lt;1&gt;");
  });

  it("refuses negative values and unbounded series", () => {
    expect(() => renderChart({ title: "t", kind: "line", points: [{ label: "a", value: -1n }] })).toThrow(
      RangeError,
    );
    const many = Array.from({ length: MAX_CHART_POINTS + 1 }, () => ({ label: "", value: 0n }));
    expect(() => renderChart({ title: "t", kind: "line", points: many })).toThrow(RangeError);
  });

  it("is deterministic", () => {
    const points = [
      { label: "1", value: 3n },
      { label: "2", value: 7n },
      { label: "3", value: 1n },
    ];
    const a = renderChart({ title: "d", kind: "line", points });
    expect(renderChart({ title: "d", kind: "line", points: points.map((p) => ({ ...p })) })).toBe(a);
  });
});
