import { createRequire } from "node:module";
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { bytesToHex } from "../../../chain/bytes.ts";
import { createApiServer } from "../../server.ts";
import { FakeBackend } from "../../testBackend.ts";
import { FakeReads, HOSTILE_ERROR, NODE_A, NODE_B, TX_FAILED, TX_REVEAL } from "./fakeReads.ts";
import type { ExplorerPagesOpts } from "./plugin.ts";

interface WsClient {
  send(data: string): void;
  close(): void;
  on(event: "open", fn: () => void): void;
  on(event: "message", fn: (data: Buffer) => void): void;
  on(event: "error", fn: (err: Error) => void): void;
}
// `ws` is @fastify/websocket's own client and server (as api/server.test.ts uses it).
const WebSocket = createRequire(import.meta.url)("ws") as new (url: string) => WsClient;

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function server(reads = new FakeReads(), pages: Partial<ExplorerPagesOpts> = {}) {
  app = await createApiServer({
    rpc: { backend: new FakeBackend() },
    explorerPages: { reads, rateLimit: false, ...pages },
  });
  return app;
}

async function get(url: string, reads?: FakeReads) {
  const a = app ?? (await server(reads));
  return a.inject({ method: "GET", url });
}

/** No markup of ours may come from data: a hostile value shows up only escaped. */
function expectNoInjectedMarkup(body: string) {
  expect(body).not.toContain("<script>");
  expect(body).not.toMatch(/<img|onerror=/i);
}

describe("explorer pages", () => {
  it("home: heads, totals, two charts with points, latest lists, search box, security headers", async () => {
    const res = await get("/");
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(res.headers["content-security-policy"]).toContain("script-src 'self'");
    expect(res.headers["x-frame-options"]).toBe("DENY");
    const b = res.body;
    expect(b).toMatch(/unsafe head<\/span><b><a href="\/blocks\/30">30</);
    expect(b).toMatch(/safe head<\/span><b><a href="\/blocks\/19">19</);
    expect(b).toMatch(/finalized head<\/span><b><a href="\/blocks\/9">9</);
    expect(b).toContain("Proven throughput per epoch");
    expect(b).toContain("Credits minted per epoch");
    expect((b.match(/<svg /g) ?? []).length).toBe(2);
    expect((b.match(/class="point"/g) ?? []).length).toBe(6);
    expect(b).toContain('<form action="/search" method="get"');
    expect(b).toContain('data-live="5"');
    expect(b).toContain(`/tx/${bytesToHex(TX_REVEAL)}`);
    expect(b).toContain('href="/batches/0"');
    expectNoInjectedMarkup(b);
  });

  it("GET / does not take POST / (JSON-RPC) or GET /ws from the RPC server", async () => {
    const a = await server();
    const rpc = await a.inject({
      method: "POST",
      url: "/",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
    });
    expect(rpc.statusCode).toBe(200);
    expect(rpc.json()).toMatchObject({ jsonrpc: "2.0", id: 1 });
    expect((await a.inject({ method: "GET", url: "/" })).headers["content-type"]).toContain("text/html");
    // A plain GET of /ws (no upgrade) still reaches the WebSocket route, not a page.
    const ws = await a.inject({ method: "GET", url: "/ws" });
    expect(ws.headers["content-type"] ?? "").not.toContain("text/html");
    // And the WebSocket itself still works beside the pages, on a real socket.
    const base = await a.listen({ host: "127.0.0.1", port: 0 });
    const sock = new WebSocket(`${base.replace("http", "ws")}/ws`);
    const reply = new Promise<string>((resolve, reject) => {
      sock.on("message", (d) => resolve(d.toString()));
      sock.on("error", reject);
    });
    await new Promise<void>((resolve) => sock.on("open", resolve));
    sock.send(JSON.stringify({ jsonrpc: "2.0", id: 2, method: "eth_chainId", params: [] }));
    expect(JSON.parse(await reply)).toMatchObject({ jsonrpc: "2.0", id: 2 });
    sock.close();
    expect((await fetch(base)).headers.get("content-type")).toContain("text/html");
  });

  it("serves the stylesheet and the live script with an ETag (304 on a match)", async () => {
    const css = await get("/static/explorer.css");
    expect(css.statusCode).toBe(200);
    expect(css.headers["content-type"]).toContain("text/css");
    const etag = css.headers.etag as string;
    expect(
      (await app!.inject({ url: "/static/explorer.css", headers: { "if-none-match": etag } })).statusCode,
    ).toBe(304);
    const js = await app!.inject({ url: "/static/live.js" });
    expect(js.headers["content-type"]).toContain("text/javascript");
    expect(js.body).toContain("data");
  });

  it("blocks: list with a next link to the last page; one block with its txs", async () => {
    const first = await get("/blocks?limit=20");
    expect(first.statusCode).toBe(200);
    expect(first.body).toContain('href="/blocks?cursor=20" rel="next"');
    const last = await app!.inject({ url: "/blocks?limit=20&cursor=20" });
    expect(last.body).toContain("last page");
    expect(last.body).toContain('href="/blocks">« first page');
    const block = await app!.inject({ url: "/blocks/5" });
    expect(block.statusCode).toBe(200);
    expect(block.body).toContain("<h1>Block 5</h1>");
    expect(block.body).toContain(bytesToHex(new Uint8Array(32).fill(5)));
    expect(block.body).toContain(`/tx/${bytesToHex(TX_REVEAL)}`);
    expect(block.body).toContain("finalized");
    const byHash = await app!.inject({ url: `/blocks/${bytesToHex(new Uint8Array(32).fill(5))}` });
    expect(byHash.body).toContain("<h1>Block 5</h1>");
  });

  it("transaction: decoded, with its challenge; a failed one's hostile error text is escaped", async () => {
    const reveal = await get(`/tx/${bytesToHex(TX_REVEAL)}`);
    expect(reveal.statusCode).toBe(200);
    expect(reveal.body).toContain("<b>reveal</b>");
    expect(reveal.body).toContain("Opened tiles</dt><dd>2 (512 bytes)");
    expect(reveal.body).toContain('<a href="/challenges/7">#7</a> (timeline)');
    expect(reveal.body).toContain("Credits minted</dt><dd>1.1</dd>");
    const failed = await app!.inject({ url: `/tx/${bytesToHex(TX_FAILED)}` });
    expect(failed.body).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(failed.body).not.toContain(HOSTILE_ERROR);
    // The same error in the lists is escaped too.
    const list = await app!.inject({ url: "/txs" });
    expect(list.body).toContain("&lt;script&gt;");
    expectNoInjectedMarkup(list.body);
    const system = await app!.inject({ url: `/tx/${bytesToHex(new Uint8Array(32).fill(0x73))}` });
    expect(system.body).toContain("system (no signer)");
    expect(system.body).toContain("Round</dt><dd>42</dd>");
  });

  it("node: credits, multiplier, streak, the history charts with points, challenges", async () => {
    const res = await get(`/nodes/${bytesToHex(NODE_A)}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<dd class="node-credits">3.3</dd>');
    expect(res.body).toContain("Multiplier</dt><dd>1.2×");
    expect(res.body).toContain("2 live epochs in a row");
    expect(res.body).toContain("Credits earned per epoch");
    expect((res.body.match(/<rect class="point"/g) ?? []).length).toBe(3);
    expect((res.body.match(/<circle class="point"/g) ?? []).length).toBe(3);
    expect(res.body).toContain("<title>epoch 3: 1.2×</title>");
    expect(res.body).toContain('href="/challenges/8"');
    const empty = await app!.inject({ url: `/nodes/${bytesToHex(NODE_B)}` });
    expect(empty.body).toContain("no data yet");
    const list = await app!.inject({ url: "/nodes" });
    expect(list.body).toContain(`/nodes/${bytesToHex(NODE_A)}`);
    expect(list.body).toContain("68.7 G ops/s");
  });

  it("challenge: the timeline with beacon rounds and times; a pending one shows the next step's deadline", async () => {
    const done = await get("/challenges/7");
    expect(done.statusCode).toBe(200);
    const steps = [...done.body.matchAll(/<li class="step-([a-z]+)">/g)].map((m) => m[1]);
    expect(steps).toEqual(["requested", "active", "committed", "sampled", "passed"]);
    expect(done.body).toContain("beacon round <b>40</b> included 2026-01-01 00:00:01.000 UTC");
    expect(done.body).toContain("beacon round <b>42</b>");
    expect(done.body).not.toContain("data-live");
    const pending = await app!.inject({ url: "/challenges/8" });
    const pSteps = [...pending.body.matchAll(/<li class="step-([a-z]+)">/g)].map((m) => m[1]);
    expect(pSteps).toEqual(["requested", "active", "committed", "todo", "todo"]);
    expect(pending.body).toContain('<b class="step-name">sampled</b> · due by 2026-01-01 00:00:09.000 UTC');
    expect(pending.body).toContain('data-live="3"');
  });

  it("batches, bridge (status, next action, absolute ETA, L1 txs), operators ('none yet'), address", async () => {
    const batches = await get("/batches");
    expect(batches.body).toContain('<a href="/blocks/1">1</a> – <a href="/blocks/9">9</a>');
    expect((await app!.inject({ url: "/batches/0" })).body).toContain("<h1>Batch 0</h1>");
    const bridge = await app!.inject({ url: "/bridge" });
    expect(bridge.body).toContain("waiting-to-finalize");
    expect(bridge.body).toContain('finalize<br><span class="muted">at 2026-01-01 01:00:00.000 UTC');
    expect(bridge.body).toContain(`title="${bytesToHex(new Uint8Array(32).fill(0xc0))}"`);
    expect(bridge.body).toContain("Deposits (L1 → L2)");
    const ops = await app!.inject({ url: "/operators" });
    expect(ops.statusCode).toBe(200);
    expect(ops.body).toContain("None yet");
    const addr = await app!.inject({ url: `/address/${bytesToHex(NODE_B)}` });
    expect(addr.body).toContain(`href="/nodes/${bytesToHex(NODE_B)}">node page`);
    expect(addr.body).toContain(bytesToHex(TX_FAILED));
  });

  it("search: a number, a hash and an address redirect; two hits are listed; none is a 404", async () => {
    const a = await server();
    const go = async (q: string) => a.inject({ url: `/search?q=${encodeURIComponent(q)}` });
    expect((await go("12")).headers.location).toBe("/blocks/12");
    expect((await go(" 12 ")).statusCode).toBe(303);
    expect((await go(bytesToHex(TX_REVEAL))).headers.location).toBe(`/tx/${bytesToHex(TX_REVEAL)}`);
    expect((await go(bytesToHex(new Uint8Array(32).fill(4)))).headers.location).toBe(
      `/blocks/${bytesToHex(new Uint8Array(32).fill(4))}`,
    );
    expect((await go(bytesToHex(NODE_A))).headers.location).toBe(`/nodes/${bytesToHex(NODE_A)}`);
    const both = await go("7"); // block 7 and challenge 7
    expect(both.statusCode).toBe(200);
    expect(both.body).toContain('<a href="/blocks/7">7</a>');
    expect(both.body).toContain('<a href="/challenges/7">7</a>');
    const none = await go(`<script>alert(1)</script>`);
    expect(none.statusCode).toBe(404);
    expect(none.body).toContain("Nothing found");
    expect(none.body).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expectNoInjectedMarkup(none.body);
    // A hit whose id is not an id never becomes a link.
    expect((await go("evil")).statusCode).toBe(404);
    expect((await go("x".repeat(201))).statusCode).toBe(400);
    expect((await go("")).statusCode).toBe(200);
    expect((await a.inject({ url: "/search?q=1&q=2" })).statusCode).toBe(400);
  });

  it("bad ids and params are 400 pages, unknown ones 404 pages, naming what was expected", async () => {
    const seenCursors: string[] = [];
    const reads = new FakeReads();
    const txs = reads.txs.bind(reads);
    reads.txs = (q) => {
      if (q.cursor !== undefined) seenCursors.push(q.cursor);
      return txs(q);
    };
    const a = await server(reads);
    const cases: Array<[string, number, string]> = [
      ["/blocks/abc", 400, "Invalid block number"],
      ["/blocks/0x1234", 400, "Invalid block hash"],
      ["/blocks/99999999999999999999999", 400, "Invalid block number"],
      ["/blocks/01", 400, "Invalid block number"],
      ["/blocks/18446744073709551616", 400, "Invalid block number"], // 2^64: 20 digits, one past u64
      ["/blocks/999", 404, "Block not found"],
      [`/blocks/${bytesToHex(new Uint8Array(32).fill(0xee))}`, 404, "Block not found"],
      ["/tx/0xzz", 400, "Invalid transaction hash"],
      [`/tx/${bytesToHex(new Uint8Array(32).fill(0xee))}`, 404, "Transaction not found"],
      ["/nodes/0x12", 400, "Invalid address"],
      [`/nodes/${bytesToHex(new Uint8Array(20).fill(0xee))}`, 404, "Not a node"],
      ["/challenges/-1", 400, "Invalid challenge id"],
      ["/challenges/12345", 404, "Challenge not found"],
      ["/batches/9", 404, "Batch not found"],
      ["/blocks?limit=0", 400, "Invalid page size"],
      ["/blocks?limit=101", 400, "Invalid page size"],
      ["/txs?cursor=nope", 400, "Invalid cursor"],
      [`/txs?cursor=${"9".repeat(201)}`, 400, "Invalid cursor"],
      ["/bridge?wcursor=x", 400, "Invalid cursor"],
    ];
    for (const [url, status, title] of cases) {
      const res = await a.inject({ url });
      expect(res.statusCode, url).toBe(status);
      expect(res.headers["content-type"], url).toBe("text/html; charset=utf-8");
      expect(res.body, url).toContain(`${status} · ${title}`);
    }
    // A cursor too long to be one of ours never reaches the reader.
    expect(seenCursors.length).toBeGreaterThan(0);
    expect(seenCursors.some((c) => c.length > 200)).toBe(false);
    const hostile = await a.inject({
      url: `/blocks/${encodeURIComponent(`"><img src=x onerror=alert(1)>`)}`,
    });
    expect(hostile.statusCode).toBe(400);
    expect(hostile.body).toContain("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
    expect(hostile.body).not.toContain("<img");
  });

  it("a reader that throws is a 500 page, its error logged and not shown", async () => {
    const reads = new FakeReads();
    reads.broken = true;
    const res = await get("/", reads);
    expect(res.statusCode).toBe(500);
    expect(res.body).toContain("500 · Internal error");
    expect(res.body).not.toContain("on fire");
  });

  it("shares the limiter it is given: out of tokens is a 429 page with retry-after", async () => {
    const taken: string[] = [];
    let bytes = 0;
    let tokens = 2;
    const limiter = {
      take(key: string, cost: number) {
        taken.push(key);
        if (tokens < cost) return 3;
        tokens -= cost;
        return 0;
      },
      chargeBytes(_key: string, n: number) {
        bytes += n;
      },
    };
    const a = await server(new FakeReads(), { rateLimit: limiter });
    expect((await a.inject({ url: "/blocks" })).statusCode).toBe(200);
    expect((await a.inject({ url: "/nodes" })).statusCode).toBe(200);
    const limited = await a.inject({ url: "/" });
    expect(limited.statusCode).toBe(429);
    expect(limited.headers["retry-after"]).toBe("3");
    expect(limited.body).toContain("429 · Too many requests");
    expect(taken).toEqual(["127.0.0.1", "127.0.0.1", "127.0.0.1"]);
    expect(bytes).toBeGreaterThan(1000);
  });

  it("on the node's server, pages and JSON-RPC draw on one bucket per IP", async () => {
    const reads = new FakeReads();
    app = await createApiServer({
      rpc: {
        backend: new FakeBackend(),
        limits: { maxBatch: 10, rateLimit: { perSecond: 0.001, burst: 10 } },
      },
      explorer: reads,
      explorerPages: { reads },
    });
    // A batch of 10 calls (its arrival token and 9 more) empties the bucket of 10...
    const batch = Array.from({ length: 10 }, (_, i) => ({
      jsonrpc: "2.0",
      id: i,
      method: "eth_chainId",
      params: [],
    }));
    const rpc = await app.inject({
      method: "POST",
      url: "/",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify(batch),
    });
    expect(rpc.statusCode).toBe(200);
    // ...so the next page is refused.
    const page = await app.inject({ url: "/operators" });
    expect(page.statusCode).toBe(429);
    expect(page.body).toContain("429 · Too many requests");
  });

  it("its own default limiter stops a flood", async () => {
    const a = await server(new FakeReads(), { rateLimit: { perSecond: 1, burst: 3 } });
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await a.inject({ url: "/operators" })).statusCode);
    expect(codes.slice(0, 3)).toEqual([200, 200, 200]);
    expect(codes[4]).toBe(429);
  });
});
