import { describe, expect, it } from "vitest";
import { findChromium } from "./chromium.ts";

describe("findChromium", () => {
  it("fails, saying how to install it, when there is no Chromium at the path", () => {
    expect(() => findChromium({ CHROMIUM_PATH: "/nonexistent/chromium" })).toThrow(
      /Chromium not found at \/nonexistent\/chromium \(CHROMIUM_PATH\).*apt-get install -y chromium/,
    );
  });

  it("uses CHROMIUM_PATH when it is executable", () => {
    expect(findChromium({ CHROMIUM_PATH: process.execPath })).toBe(process.execPath);
  });
});
