import { describe, expect, it } from "vitest";
import {
  capMessage,
  DecodeError,
  MAX_ERROR_MESSAGE_CHARS,
  MAX_SHOWN_VALUE_CHARS,
  showValue,
  TX_ERROR,
} from "./errors.ts";
import { checkSpend } from "./transition/applyTransfer.ts";
import type { ExecCtx } from "./transition/context.ts";

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe("capMessage", () => {
  it("leaves a message of at most the cap as it is", () => {
    const text = "x".repeat(MAX_ERROR_MESSAGE_CHARS);
    expect(capMessage(text)).toBe(text);
    expect(capMessage("")).toBe("");
  });

  it("cuts a longer one to exactly the cap, ending with an ellipsis and the original length", () => {
    const text = `insufficient credits: ${"9".repeat(315_279)}`;
    const capped = capMessage(text);
    expect(capped).toHaveLength(MAX_ERROR_MESSAGE_CHARS);
    expect(capped.startsWith("insufficient credits: 999")).toBe(true);
    expect(capped.endsWith("… (315301 chars)")).toBe(true);
    expect(capMessage("abcdefghij", 9)).toBe("abcdefghi"); // no room for the tail: just the start
  });

  it("never splits a surrogate pair", () => {
    const max = 40;
    for (let pad = 0; pad < 4; pad++) {
      const capped = capMessage(`${"a".repeat(pad)}${"😀".repeat(100)}`, max);
      expect(capped.length).toBeLessThanOrEqual(max);
      expect(capped).not.toMatch(LONE_SURROGATE);
    }
  });
});

describe("showValue", () => {
  it("prints bigints below 2^256 in magnitude in full, in decimal", () => {
    expect(showValue(0n)).toBe("0");
    expect(showValue(-5n)).toBe("-5");
    const max = (1n << 256n) - 1n;
    expect(showValue(max)).toBe(max.toString());
    expect(showValue(max).length).toBeLessThanOrEqual(MAX_SHOWN_VALUE_CHARS);
  });

  it("prints a larger bigint as its leading hex digits and bit length, fast", () => {
    expect(showValue(1n << 256n)).toBe("0x1000000000000000… (257-bit integer)");
    expect(showValue(-(1n << 300n))).toBe("-0x1000000000000000… (301-bit integer)");
    // ~1 Mbit: its decimal form is 315,653 digits and takes ~190 ms to build.
    const huge = (1n << 1_048_575n) + 12345n;
    const t0 = performance.now();
    const shown = showValue(huge);
    expect(performance.now() - t0).toBeLessThan(100);
    expect(shown).toBe("0x8000000000000000… (1048576-bit integer)");
    expect(shown.length).toBeLessThanOrEqual(MAX_SHOWN_VALUE_CHARS);
  });

  it("caps strings and shows bytes as a short hex prefix", () => {
    expect(showValue("short")).toBe("short");
    expect(showValue("y".repeat(10_000)).length).toBe(MAX_SHOWN_VALUE_CHARS);
    expect(showValue(Uint8Array.of(1, 0xab))).toBe("0x01ab");
    expect(showValue(new Uint8Array(100_000))).toBe(`0x${"00".repeat(16)}… (100000 bytes)`);
    expect(showValue(42)).toBe("42");
  });
});

describe("bounded error text", () => {
  it("DecodeError caps its message", () => {
    const e = new DecodeError(`Tx: ${"z".repeat(1_000_000)}`);
    expect(e.message).toHaveLength(MAX_ERROR_MESSAGE_CHARS);
    expect(e.message.endsWith("… (1000004 chars)")).toBe(true);
  });

  it("a spend above the balance names both values briefly, whatever their size", () => {
    // The transition sees only decoded (uint256) amounts; this checks the detail does not depend
    // on that: it is built through showValue.
    const ctx = { state: { getAccount: () => ({ nonce: 0n, credits: 7n }) } } as unknown as ExecCtx;
    const amount = 1n << 1_040_000n;
    const t0 = performance.now();
    const r = checkSpend(ctx, new Uint8Array(20), new Uint8Array(20).fill(1), amount);
    expect(performance.now() - t0).toBeLessThan(100);
    expect(r).toEqual({
      ok: false,
      error: TX_ERROR.INSUFFICIENT_CREDITS,
      detail: "balance 7, amount 0x1000000000000000… (1040001-bit integer)",
    });
  });
});
