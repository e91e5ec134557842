/**
 * The explorer's REST API end to end: a real chain on a real store (the devnet scenario: nodes,
 * challenges passed and failed, transfers, a deposit, withdrawals), the real indexer, the node's
 * ExplorerReads, createApiServer with the explorer on; every route through inject().
 */
import { join } from "node:path";
import SwaggerParser from "@apidevtools/swagger-parser";
import type { FastifyInstance } from "fastify";
import { type TSchema, Type } from "typebox";
import { Value } from "typebox/value";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as S from "../../api/explorer/schemas.ts";
import { createApiServer } from "../../api/server.ts";
import { bytesToHex } from "../../chain/bytes.ts";
import { Indexer } from "../../indexer/indexer.ts";
import { IndexReads } from "../../indexer/indexReads.ts";
import { createExplorerReads } from "../../node/explorerReads.ts";
import { ExplorerChain } from "../helpers/explorerChain.ts";

let chain: ExplorerChain;
let ix: Indexer;
let app: FastifyInstance;
let ids: { passed: bigint; failed: bigint };

beforeAll(async () => {
  chain = await ExplorerChain.open();
  ids = await chain.scenario();
  ix = await Indexer.open({ dir: join(chain.dir, "indexer"), params: chain.params }, { source: chain.store });
  await ix.sync();
  const backend = chain.backend();
  const reads = createExplorerReads({ index: new IndexReads(ix.kv, chain.params), backend });
  app = await createApiServer({
    rpc: { backend, limits: { rateLimit: { perSecond: 1000, burst: 100_000 } } },
    explorer: reads,
  });
}, 120_000);

afterAll(async () => {
  await app?.close();
  await ix?.close();
  await chain?.close();
});

async function get(url: string, headers: Record<string, string> = {}) {
  const r = await app.inject({ method: "GET", url, headers });
  return { status: r.statusCode, headers: r.headers, body: r.body, json: () => JSON.parse(r.body) };
}

/** Follows next_page_params to the last page; returns every item. */
async function all(path: string, limit: number): Promise<Array<Record<string, unknown>>> {
  const items: Array<Record<string, unknown>> = [];
  let params: Record<string, unknown> | null = {};
  for (let pages = 0; params !== null; pages++) {
    if (pages > 1000) throw new Error("pagination does not end");
    const qs = new URLSearchParams({ limit: String(limit) });
    for (const [k, v] of Object.entries(params)) qs.set(k, String(v));
    const r = await get(`${path}?${qs}`);
    expect(r.status, r.body).toBe(200);
    const body = r.json();
    expect(body.items.length).toBeLessThanOrEqual(limit);
    items.push(...body.items);
    params = body.next_page_params;
  }
  return items;
}

describe("explorer REST API", () => {
  it("blocks: pages to the last (next null), newest first, each block by number and hash", async () => {
    const head = chain.store.head()!.header.number;
    const blocks = await all("/api/v2/blocks", 7);
    expect(blocks.map((b) => b.height)).toEqual(
      Array.from({ length: Number(head) + 1 }, (_, i) => String(Number(head) - i)),
    );
    const b = (await get(`/api/v2/blocks/${head}`)).json();
    expect(b).toMatchObject({ height: String(head), finality: "unsafe" });
    expect((await get(`/api/v2/blocks/${b.hash}`)).json().height).toBe(String(head));
    expect((await get(`/api/v2/blocks/${head}`)).headers["cache-control"]).toBe("public, max-age=2");
    const withTxs = blocks.find((x) => (x.transactions_count as number) > 1)!;
    const txs = await all(`/api/v2/blocks/${withTxs.height}/transactions`, 1);
    expect(txs.map((t) => t.position)).toEqual(
      Array.from({ length: withTxs.transactions_count as number }, (_, i) => i),
    );
  });

  it("transactions: every indexed tx once, newest first; a tx decoded with its challenge", async () => {
    const txs = await all("/api/v2/transactions", 13);
    const totals = (await get("/api/v2/stats")).json();
    expect(String(txs.length)).toBe(totals.total_transactions);
    expect(new Set(txs.map((t) => t.hash)).size).toBe(txs.length);
    const reveal = txs.find((t) => t.type === "reveal" && t.status === "ok")!;
    const d = (await get(`/api/v2/transactions/${reveal.hash}`)).json();
    expect(d).toMatchObject({
      type: "reveal",
      challenge_id: String(ids.passed),
      fee: null,
      result: "success",
    });
    expect(d.decoded_input.challengeId).toBe(String(ids.passed));
    expect(d.decoded_input.tiles_bytes).toBeGreaterThan(0);
    const failed = txs.find((t) => t.type === "reveal" && t.status === "error")!;
    expect(failed).toMatchObject({ result: "BAD_OPENING", challenge_id: String(ids.failed) });
  });

  it("lists: every page matches its response schema (sent through JSON.stringify, not the schema's serializer)", async () => {
    const pageOf = (item: TSchema, ...keys: string[]) =>
      S.listOf(item, Object.fromEntries(keys.map((k) => [k, Type.String()])));
    const a = chain.accounts[3]!.address;
    const routes: Array<[string, TSchema]> = [
      ["/api/v2/transactions?limit=3", pageOf(S.Tx, "block_number", "index")],
      ["/api/v2/blocks?limit=3", pageOf(S.Block, "block_number")],
      ["/api/v2/blocks/1/transactions?limit=3", pageOf(S.Tx, "index")],
      [`/api/v2/addresses/${bytesToHex(a)}/transactions?limit=3`, pageOf(S.Tx, "block_number", "index")],
      ["/api/v2/nodes?limit=1", pageOf(S.Node, "address_hash")],
      ["/api/v2/withdrawals?limit=1", pageOf(S.Withdrawal, "index")],
      ["/api/v2/deposits?limit=1", pageOf(S.Deposit, "deposit_id")],
    ];
    for (const [url, schema] of routes) {
      const r = await get(url);
      expect(r.status, url).toBe(200);
      expect(r.headers["content-type"]).toBe("application/json; charset=utf-8");
      const body = r.json();
      expect(body.items.length, url).toBeGreaterThan(0);
      expect([...Value.Errors(schema, body)].map((e) => `${url} ${e.instancePath} ${e.message}`)).toEqual([]);
    }
  });

  it("addresses: summary, txs to the last page, and the CSV export", async () => {
    const d = bytesToHex(chain.accounts[3]!.address);
    const a = (await get(`/api/v2/addresses/${d}`)).json();
    expect(a).toMatchObject({ hash: d, transactions_count: "8", is_node: false, nonce: "2" });
    const txs = await all(`/api/v2/addresses/${d}/transactions`, 3);
    expect(txs).toHaveLength(8);
    const csv = await get(`/api/v2/addresses/${d}/transactions.csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers["content-type"]).toContain("text/csv");
    const lines = csv.body.trim().split("\n");
    expect(lines[0]).toBe(
      "hash,block_number,position,timestamp,type,from,to,value,challenge_id,status,credits",
    );
    expect(lines.slice(1).map((l) => l.split(",")[0])).toEqual(txs.map((t) => t.hash));
  });

  it("nodes and challenges: list, node detail with history, challenges, the timeline, CSV", async () => {
    const nodes = await all("/api/v2/nodes", 1);
    expect(nodes.map((n) => n.hash).sort()).toEqual(
      [chain.accounts[0]!, chain.accounts[1]!].map((a) => bytesToHex(a.address)).sort(),
    );
    const a0 = bytesToHex(chain.accounts[0]!.address);
    const n = (await get(`/api/v2/nodes/${a0}`)).json();
    expect(n).toMatchObject({ passed: 1, failed: 0 });
    expect(n.history).toHaveLength(1);
    expect(n.history[0]).toMatchObject({ passes: 1, multiplier_bps: "10000" });
    const ch = await all(`/api/v2/nodes/${a0}/challenges`, 1);
    expect(ch.map((c) => c.id)).toEqual([String(ids.passed)]);
    const c = (await get(`/api/v2/challenges/${ids.passed}`)).json();
    expect(c.status).toBe("PASSED");
    expect(c.timeline.map((e: { kind: string }) => e.kind)).toEqual([
      "requested",
      "active",
      "committed",
      "sampled",
      "passed",
    ]);
    const active = c.timeline[1];
    expect(active.round).toBe(c.r1);
    expect(active.round_timestamp).not.toBeNull();
    const f = (await get(`/api/v2/challenges/${ids.failed}`)).json();
    expect(f.timeline.at(-1).kind).toBe("failed");
    const csv = await get(`/api/v2/nodes/${a0}/challenges.csv`);
    expect(csv.body.trim().split("\n")).toHaveLength(2);
  });

  it("L1 lists, stats, charts and search", async () => {
    const w = await all("/api/v2/withdrawals", 1);
    expect(w.map((x) => x.value)).toEqual(["200", "100"]);
    expect(await all("/api/v2/deposits", 5)).toMatchObject([{ deposit_id: "1", value: "777" }]);
    expect(await all("/api/v2/batches", 5)).toEqual([]);
    expect(await all("/api/v2/operators", 5)).toEqual([]);
    expect((await get("/api/v2/batches/0")).status).toBe(404);
    const stats = (await get("/api/v2/stats")).json();
    expect(stats).toMatchObject({ total_nodes: "2", total_challenges: "2" });
    const minted = (await get("/api/v2/stats/charts/credits-minted")).json();
    expect(minted.chart_data.reduce((s: bigint, p: { y: string }) => s + BigInt(p.y), 0n)).toBe(
      chain.challenge(ids.passed).credits,
    );
    expect((await get("/api/v2/stats/charts/proven-throughput")).json().chart_data.length).toBeGreaterThan(0);
    expect((await get("/api/v2/stats/charts/txs-per-block?points=5")).json().chart_data).toHaveLength(5);
    const head = chain.store.head()!;
    expect((await get(`/api/v2/search?q=${head.header.number}`)).json().items[0]).toMatchObject({
      type: "block",
    });
    expect((await get(`/api/v2/search?q=${bytesToHex(head.hash)}`)).json().items[0]).toMatchObject({
      type: "block",
    });
    const a0 = bytesToHex(chain.accounts[0]!.address);
    expect((await get(`/api/v2/search?q=${a0}`)).json().items[0]).toEqual({
      type: "node",
      id: a0,
      url: `/api/v2/nodes/${a0}`,
    });
  });

  it("errors: 400 for bad ids and parameters, 404 for unknown ones, always {message}", async () => {
    const cases: Array<[string, number]> = [
      ["/api/v2/blocks/abc", 400],
      ["/api/v2/blocks/0x1234", 400],
      ["/api/v2/blocks/99999999", 404],
      [`/api/v2/blocks/0x${"ab".repeat(32)}`, 404],
      [`/api/v2/transactions/0x${"ab".repeat(32)}`, 404],
      ["/api/v2/transactions/0xzz", 400],
      ["/api/v2/transactions?limit=101", 400],
      ["/api/v2/transactions?limit=0", 400],
      ["/api/v2/transactions?block_number=5", 400],
      ["/api/v2/transactions?block_number=x&index=1", 400],
      ["/api/v2/addresses/0x12", 400],
      [`/api/v2/nodes/0x${"00".repeat(20)}`, 404],
      [`/api/v2/nodes/0x${"00".repeat(20)}/challenges`, 404],
      ["/api/v2/challenges/999", 404],
      ["/api/v2/challenges/-1", 400],
      ["/api/v2/stats/charts/nope", 400],
      ["/api/v2/search", 400],
    ];
    for (const [url, status] of cases) {
      const r = await get(url);
      expect(r.status, `${url}: ${r.body}`).toBe(status);
      expect(typeof r.json().message, url).toBe("string");
    }
  });

  it("caching: finalized data is immutable with an ETag (304 on a match); CORS open for GET", async () => {
    // Nothing is finalized on this chain (no L1): genesis is (finalized head = 0).
    const r = await get("/api/v2/blocks/0");
    expect(r.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    const etag = r.headers.etag as string;
    expect(etag).toMatch(/^".+"$/);
    expect((await get("/api/v2/blocks/0", { "if-none-match": etag })).status).toBe(304);
    expect(r.headers["access-control-allow-origin"]).toBe("*");
    const pre = await app.inject({ method: "OPTIONS", url: "/api/v2/blocks" });
    expect(pre.statusCode).toBe(204);
    expect(pre.headers["access-control-allow-methods"]).toBe("GET, OPTIONS");
  });

  it("OpenAPI: served at /api-docs/json, a valid document naming every route", async () => {
    const r = await get("/api-docs/json");
    expect(r.status).toBe(200);
    const doc = r.json();
    await SwaggerParser.validate(structuredClone(doc));
    for (const p of [
      "/api/v2/blocks",
      "/api/v2/blocks/{id}",
      "/api/v2/blocks/{id}/transactions",
      "/api/v2/transactions",
      "/api/v2/transactions/{hash}",
      "/api/v2/addresses/{hash}",
      "/api/v2/addresses/{hash}/transactions",
      "/api/v2/addresses/{hash}/transactions.csv",
      "/api/v2/nodes",
      "/api/v2/nodes/{hash}",
      "/api/v2/nodes/{hash}/challenges",
      "/api/v2/nodes/{hash}/challenges.csv",
      "/api/v2/challenges/{id}",
      "/api/v2/batches",
      "/api/v2/batches/{index}",
      "/api/v2/withdrawals",
      "/api/v2/deposits",
      "/api/v2/operators",
      "/api/v2/stats",
      "/api/v2/stats/charts/{name}",
      "/api/v2/search",
    ])
      expect(Object.keys(doc.paths), p).toContain(p);
    expect((await get("/api-docs")).status).toBeLessThan(400);
  });

  it("limits: the explorer takes tokens from the RPC's per-IP bucket", async () => {
    const backend = chain.backend();
    const reads = createExplorerReads({ index: new IndexReads(ix.kv, chain.params), backend });
    const small = await createApiServer({
      rpc: { backend, limits: { rateLimit: { perSecond: 0.001, burst: 100 } } },
      explorer: reads,
    });
    try {
      for (let i = 0; i < 99; i++) await small.inject({ method: "GET", url: "/api/v2/stats" });
      // The 100th token goes to a JSON-RPC call; the explorer is then refused.
      const rpc = await small.inject({
        method: "POST",
        url: "/",
        payload: { jsonrpc: "2.0", id: 1, method: "eth_chainId" },
      });
      expect(rpc.statusCode).toBe(200);
      const r = await small.inject({ method: "GET", url: "/api/v2/stats" });
      expect(r.statusCode).toBe(429);
      expect(JSON.parse(r.body).message).toMatch(/Rate limit/);
    } finally {
      await small.close();
    }
  });
});
