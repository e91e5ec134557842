/**
 * Browser steps both explorer tests take (test/browser/explorer.test.ts on a fixed chain,
 * test/browser/devnetPages.ts on a spawned devnet): the error watch, the challenge timeline and
 * the block search.
 */
import type { Locator, Page } from "playwright-core";
import { expect } from "vitest";

/** Console errors and uncaught exceptions (a CSP violation is a console error). */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  return errors;
}

/** Follows `link` (a challenge of the node page) to its timeline: it starts at "requested", one more step at least. */
export async function openChallengeTimeline(page: Page, link: Locator): Promise<void> {
  await link.click();
  await page.waitForURL("**/challenges/*");
  const steps = await page.locator("ol.timeline b.step-name").allTextContents();
  expect(steps[0]).toBe("requested");
  expect(steps.length).toBeGreaterThanOrEqual(2);
}

/** Searches for block `n` (a number can also be a challenge id: then picks the block) and lands on its page. */
export async function searchForBlock(page: Page, n: number): Promise<void> {
  await page.locator('input[name="q"]').fill(String(n));
  await page.locator('form[role="search"] button').click();
  await page.waitForLoadState();
  if (new URL(page.url()).pathname === "/search")
    await page.locator(`ul.search-hits a[href="/blocks/${n}"]`).click();
  await page.waitForURL(`**/blocks/${n}`);
  expect(await page.locator("h1").textContent()).toBe(`Block ${n}`);
}
