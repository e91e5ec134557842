/**
 * The explorer in a real browser: Debian's Chromium driven by playwright-core against the pages
 * served over a real HTTP port by the node's API server (createApiServer), reading a real chain:
 * a LevelDB chain store with the devnet scenario played on it (test/helpers/explorerChain.ts:
 * nodes that register, pass and fail challenges, transfers, a deposit, withdrawals), indexed by
 * the real indexer, through the node's ExplorerReads (node/explorerReads.ts). Blocks are built by
 * the test rather than on a timer, so the chain is the same every run and it takes seconds.
 *
 * Opens the home page, follows a link to a node (its credits and an SVG chart with points), opens
 * one of its challenges' timeline, searches for a block number, and loads the node page again
 * with JavaScript off. No console error or CSP violation is allowed on the way. Screenshots go to
 * test-artifacts/explorer/ (gitignored).
 *
 * Without Chromium this FAILS and says how to install it (test/browser/chromium.ts).
 */
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { FastifyInstance } from "fastify";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiServer } from "../../api/server.ts";
import { bytesToHex } from "../../chain/bytes.ts";
import { Indexer } from "../../indexer/indexer.ts";
import { IndexReads } from "../../indexer/indexReads.ts";
import { createExplorerReads } from "../../node/explorerReads.ts";
import { ExplorerChain } from "../helpers/explorerChain.ts";
import { launchChromium } from "./chromium.ts";
import { openChallengeTimeline, searchForBlock, watchErrors } from "./pageSteps.ts";

const ARTIFACTS = resolve(import.meta.dirname, "../../test-artifacts/explorer");

let chain: ExplorerChain | undefined;
let indexer: Indexer | undefined;
let app: FastifyInstance | undefined;
let browser: Browser | undefined;
let launchError: unknown;
let url = "";
let prover = "";

beforeAll(async () => {
  // The browser first: without Chromium the test (not only this hook) fails at once, with the
  // install hint, so the summary counts it as failed rather than skipped.
  try {
    browser = await launchChromium();
  } catch (e) {
    launchError = e;
    return;
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  chain = await ExplorerChain.open();
  await chain.scenario();
  // The account that passed its challenge (the scenario's first node).
  prover = bytesToHex(chain.accounts[0]!.address);
  indexer = await Indexer.open(
    { dir: join(chain.dir, "indexer"), params: chain.params },
    { source: chain.store },
  );
  await indexer.sync();
  const backend = chain.backend();
  const reads = createExplorerReads({ index: new IndexReads(indexer.kv, chain.params), backend });
  app = await createApiServer({ rpc: { backend }, explorerPages: { reads } });
  url = await app.listen({ host: "127.0.0.1", port: 0 });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await indexer?.close();
  await chain?.close();
});

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

describe("explorer in Chromium", () => {
  it("home → node (credits, chart) → challenge timeline → search a block; without JS too", async () => {
    if (launchError !== undefined) throw launchError;
    const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const errors = watchErrors(page);

    const home = await page.goto(`${url}/`);
    expect(home?.status()).toBe(200);
    expect(await page.locator("h1").first().textContent()).toBe("Flops rollup");
    expect(await page.locator(".head-unsafe b").textContent()).toMatch(/^\d+$/);
    expect(await page.locator("svg.chart").count()).toBe(2);
    await shot(page, "1-home");

    // Live refresh (live.js): a new block appears on the open page without a reload.
    const before = BigInt((await page.locator(".head-unsafe b").textContent()) ?? "");
    await chain!.block();
    await indexer!.sync();
    await page.locator(".head-unsafe b", { hasText: String(before + 1n) }).waitFor({ timeout: 15_000 });

    // Follow the link to the prover's node page.
    await page.locator(`ul.home-nodes a[href="/nodes/${prover}"]`).click();
    await page.waitForURL(`**/nodes/${prover}`);
    const credits = (await page.locator("dd.node-credits").textContent()) ?? "";
    expect(credits).toMatch(/^[0-9,]+(\.[0-9]+)?$/);
    const charts = page.locator("svg.chart");
    expect(await charts.count()).toBe(2);
    // At least one epoch with a pass: a bar on the credits chart and a point on the multiplier's.
    expect(await page.locator("svg.chart .point").count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator("svg.chart circle.point title").first().textContent()).toMatch(
      /^epoch \d+: [0-9.]+×$/,
    );
    await shot(page, "2-node");

    // One of its challenges: the timeline starts with "requested" and names the seed round.
    await openChallengeTimeline(page, page.locator('table a[href^="/challenges/"]').last());
    await shot(page, "3-challenge");

    // Search for a block number (a number can also be a challenge id: then pick the block).
    await searchForBlock(page, 3);
    await shot(page, "4-block");

    expect(errors).toEqual([]);
    await context.close();

    // The same pages work with JavaScript off (live refresh is only an enhancement).
    const noJs = await browser!.newContext({ javaScriptEnabled: false });
    const p2 = await noJs.newPage();
    await p2.goto(`${url}/nodes/${prover}`);
    expect(await p2.locator("dd.node-credits").textContent()).toMatch(/^[0-9,]+/);
    expect(await p2.locator("svg.chart .point").count()).toBeGreaterThanOrEqual(2);
    await shot(p2, "5-node-no-js");
    await noJs.close();
  }, 60_000);
});
