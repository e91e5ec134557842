/**
 * The explorer in a real browser against a real devnet (test/e2e/devnet.test.ts spawns it: the
 * embedded L1, the sequencer with its batcher and proposer, a verifier, two tiny-tier provers):
 * Debian's Chromium driven by playwright-core over the sequencer's HTTP port. Where
 * test/browser/explorer.test.ts reads a fixed chain built by the test, this reads what the
 * processes make: it waits until a prover passed a challenge, then opens the home page (three
 * heads, the latest blocks), follows the link to that prover's node (credits, its chart), opens a
 * challenge's timeline, searches for a block, and opens the batches page (at least one batch,
 * with its L1 tx hash, the one /api/v2/batches names). No console error is allowed on the way.
 * Screenshots go to test-artifacts/explorer-devnet/ (gitignored).
 */
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Browser, Page } from "playwright-core";
import { expect } from "vitest";
import { rpcResult, waitFor } from "../helpers/rpc.ts";
import { openChallengeTimeline, searchForBlock, watchErrors } from "./pageSteps.ts";

const ARTIFACTS = resolve(import.meta.dirname, "../../test-artifacts/explorer-devnet");

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

interface NodeJson {
  passed: number;
}

/** Drives the devnet's explorer at `url`; `provers`: the devnet's two prover addresses. */
export async function checkDevnetPages(browser: Browser, url: string, provers: string[]): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  expect(new Set(provers).size).toBe(2);
  const prover = await waitFor(
    async () => {
      for (const p of provers) {
        const n = await rpcResult<NodeJson | null>(url, "flops_getNode", [p]);
        if (n && n.passed >= 1) return p;
      }
      return undefined;
    },
    60_000,
    "a prover that passed a challenge",
  );
  // A batch that landed on L1, as derivation read it (the batches page shows the same row).
  const batch = await waitFor(
    async () => {
      const r = await fetch(`${url}/api/v2/batches`);
      const p = (await r.json()) as {
        items: Array<{ number: string; l1_transaction_hash: string | null }>;
      };
      return p.items.find((b) => b.l1_transaction_hash !== null);
    },
    20_000,
    "a batch with its L1 tx",
  );

  const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = watchErrors(page);

  const home = await page.goto(`${url}/`);
  expect(home?.status()).toBe(200);
  expect(await page.locator("h1").first().textContent()).toBe("Flops rollup");
  const heads: bigint[] = [];
  for (const name of ["unsafe", "safe", "finalized"])
    heads.push(BigInt((await page.locator(`.head-${name} b`).textContent()) ?? "x"));
  expect(heads[0]).toBeGreaterThan(0n);
  expect(heads[0]! >= heads[1]! && heads[1]! >= heads[2]!).toBe(true);
  const latest = page.locator('h2:has-text("Latest blocks") + table tbody tr');
  expect(await latest.count()).toBeGreaterThan(0);
  await shot(page, "1-home");

  // The prover's node page through the home page's link: credits and a chart with points.
  await page.locator(`ul.home-nodes a[href="/nodes/${prover}"]`).click();
  await page.waitForURL(`**/nodes/${prover}`);
  expect((await page.locator("dd.node-credits").textContent()) ?? "").toMatch(/^[0-9,]+(\.[0-9]+)?$/);
  expect(await page.locator("svg.chart").count()).toBeGreaterThanOrEqual(1);
  expect(await page.locator("svg.chart .point").count()).toBeGreaterThanOrEqual(1);
  await shot(page, "2-node");

  // One of its challenges: a timeline from "requested", with at least one more step.
  await openChallengeTimeline(page, page.locator('table a[href^="/challenges/"]').first());
  await shot(page, "3-challenge");

  // Search for a block number (it can also be a challenge id: then pick the block).
  await searchForBlock(page, 5);
  await shot(page, "4-block");

  // The batches page: rows with their L1 tx; the API's batch among them, same hash.
  await page.goto(`${url}/batches`);
  const rows = page.locator("table tbody tr");
  expect(await rows.count()).toBeGreaterThanOrEqual(1);
  const row = page.locator(`table tbody tr:has(a[href="/batches/${batch.number}"])`);
  expect(await row.locator("code.hash").last().getAttribute("title")).toBe(batch.l1_transaction_hash);
  await shot(page, "5-batches");

  expect(errors).toEqual([]);
  await context.close();
}
