import { describe, expect, it } from "vitest";
import {
  copyField,
  formatCredits,
  formatDurationMs,
  formatMultiplier,
  formatSi,
  formatTimeMs,
  groupDigits,
  shortHex,
  truncateText,
} from "./format.ts";

describe("numbers", () => {
  it("groups digits and formats 18-decimal credits, cut not rounded", () => {
    expect(groupDigits(0n)).toBe("0");
    expect(groupDigits(1234567n)).toBe("1,234,567");
    expect(groupDigits(-1000n)).toBe("-1,000");
    expect(formatCredits(0n)).toBe("0");
    expect(formatCredits(10n ** 18n)).toBe("1");
    expect(formatCredits(1_234n * 10n ** 18n + 5n * 10n ** 17n)).toBe("1,234.5");
    expect(formatCredits(999_999_999n * 10n ** 9n)).toBe("0.999999"); // not "1"
    // A non-zero amount never shows as 0: below the shown decimals it is written in full.
    expect(formatCredits(1n)).toBe("0.000000000000000001");
    expect(formatCredits(16_000_000_000_000n, 2)).toBe("0.000016");
    expect(formatCredits(10n ** 18n + 1n)).toBe("1");
    expect(formatCredits(1n, 18)).toBe("0.000000000000000001");
    expect(formatCredits(2n ** 255n)).toMatch(
      /^57,896,044,618,658,097,711,785,492,504,343,953,926,634,992,332,820,282/,
    );
  });

  it("formats multipliers, SI counts and durations", () => {
    expect(formatMultiplier(10_000n)).toBe("1×");
    expect(formatMultiplier(13_000n)).toBe("1.3×");
    expect(formatMultiplier(20_000n)).toBe("2×");
    expect(formatMultiplier(12_345n)).toBe("1.2345×");
    expect(formatSi(999n)).toBe("999");
    expect(formatSi(68_719_476_736n)).toBe("68.7 G");
    expect(formatSi(687_194_767_360n)).toBe("687 G");
    expect(formatSi(10n ** 40n)).toBe("10000000000000000 Y");
    expect(formatDurationMs(500n)).toBe("500 ms");
    expect(formatDurationMs(3_500n)).toBe("3.5 s");
    expect(formatDurationMs(125_000n)).toBe("2 min 5 s");
    expect(formatDurationMs(3_720_000n)).toBe("1 h 2 min");
  });

  it("formats times in UTC, and survives values past Date's range", () => {
    expect(formatTimeMs(1_767_225_600_000n)).toBe("2026-01-01 00:00:00.000 UTC");
    expect(formatTimeMs(2n ** 63n)).toBe(`${2n ** 63n} ms`);
  });
});

describe("display cuts", () => {
  it("truncates long text, keeping the whole (escaped) in the title", () => {
    expect(truncateText("short").value).toBe("short");
    const long = `<b>${"x".repeat(300)}`;
    const out = truncateText(long, 10).value;
    expect(out).toBe(`<span title="&lt;b&gt;${"x".repeat(300)}">&lt;b&gt;xxxxxxx…</span>`);
  });

  it("shortens hashes with the full value in the title, and links them", () => {
    const h = `0x${"ab".repeat(32)}`;
    expect(shortHex(h).value).toBe(`<code class="hash" title="${h}">0xabababab…abababab</code>`);
    expect(shortHex(new Uint8Array([1, 2])).value).toBe(`<code class="hash" title="0x0102">0x0102</code>`);
    expect(shortHex(h, "/tx/x").value).toMatch(/^<a href="\/tx\/x"><code/);
    expect(copyField(`a"b`, "hash").value).toContain(`value="a&quot;b"`);
  });
});
