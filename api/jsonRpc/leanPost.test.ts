/**
 * The lean POST / path (leanPost.ts) byte for byte on raw sockets: each answer it gives is the one
 * fastify's route gives (the same request through `app.inject`, or a server with `trustProxy`,
 * whose requests all go to fastify), limits are applied while the body is still arriving, and
 * what it does not take still reaches fastify.
 */
import { connect, type Socket } from "node:net";
import type { FastifyInstance } from "fastify";
import pino from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ConnectionLimits } from "../connectionLimits.ts";
import { createApiServer } from "../server.ts";
import { FakeBackend } from "../testBackend.ts";
import { LeanPost } from "./leanPost.ts";
import type { RpcLimits } from "./plugin.ts";

let apps: FastifyInstance[] = [];
let sockets: Socket[] = [];
const leanServe = vi.spyOn(LeanPost.prototype, "serve");
afterEach(async () => {
  for (const s of sockets) s.destroy();
  sockets = [];
  await Promise.all(apps.map((a) => a.close()));
  apps = [];
  leanServe.mockClear();
});

interface Served {
  app: FastifyInstance;
  port: number;
}

async function serve(
  opts: {
    limits?: Partial<RpcLimits>;
    connections?: Partial<ConnectionLimits>;
    trustProxy?: boolean;
    clock?: () => number;
    logLines?: string[];
    backend?: FakeBackend;
  } = {},
): Promise<Served> {
  const backend = opts.backend ?? new FakeBackend();
  const lines = opts.logLines;
  const app = await createApiServer({
    rpc: {
      backend,
      limits: { rateLimit: false, ...opts.limits },
      ...(opts.clock === undefined ? {} : { clock: opts.clock }),
    },
    ...(opts.connections === undefined ? {} : { connections: opts.connections }),
    ...(opts.trustProxy === undefined ? {} : { trustProxy: opts.trustProxy }),
    ...(lines === undefined
      ? {}
      : { logger: pino({ level: "error" }, { write: (s: string) => void lines.push(s) }) }),
  });
  apps.push(app);
  await app.listen({ host: "127.0.0.1", port: 0 });
  return { app, port: (app.server.address() as { port: number }).port };
}

interface Raw {
  socket: Socket;
  received(): string;
  /** Resolves once `text` (default: a whole response's end, by Content-Length) was received. */
  waitFor(pred: (got: string) => boolean, ms?: number): Promise<string>;
  closed: Promise<void>;
}

async function raw(port: number): Promise<Raw> {
  const socket = connect({ port, host: "127.0.0.1" });
  sockets.push(socket);
  let got = "";
  const waiters: (() => void)[] = [];
  socket.on("data", (d) => {
    // Byte for byte (latin1): Content-Length counts bytes.
    got += d.toString("latin1");
    for (const w of waiters.splice(0)) w();
  });
  socket.on("error", () => {});
  const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  return {
    socket,
    received: () => got,
    closed,
    async waitFor(pred, ms = 3000) {
      const until = Date.now() + ms;
      while (!pred(got)) {
        if (Date.now() > until) throw new Error(`timed out; got ${JSON.stringify(got)}`);
        await Promise.race([new Promise<void>((r) => waiters.push(r)), closed, sleep(50)]);
      }
      return got;
    },
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The responses in `text` (Content-Length framed or body-less), with the Date header blanked. */
function responses(text: string): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > 0) {
    const he = rest.indexOf("\r\n\r\n");
    if (he < 0) break;
    const head = rest.slice(0, he);
    const m = /\r\ncontent-length: (\d+)/i.exec(head);
    const end = he + 4 + (m ? Number(m[1]) : 0);
    out.push(rest.slice(0, end).replace(/\r\nDate: [^\r]*/, "\r\nDate: -"));
    rest = rest.slice(end);
  }
  return out;
}

/** `count` complete responses received on `c`. */
async function answers(c: Raw, count: number): Promise<string[]> {
  await c.waitFor((got) => responses(got).length >= count && complete(got));
  return responses(c.received());
}

function complete(got: string): boolean {
  const last = responses(got).at(-1);
  if (last === undefined) return false;
  const m = /\r\ncontent-length: (\d+)/i.exec(last);
  return m === null || last.length - last.indexOf("\r\n\r\n") - 4 === Number(m[1]);
}

function postBytes(body: string, headers = "Content-Type: application/json\r\n"): string {
  return `POST / HTTP/1.1\r\nHost: x\r\n${headers}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** The same raw requests on the lean path and on fastify's (trustProxy), one connection each. */
async function bothPaths(
  requests: string[],
  opts: Parameters<typeof serve>[0] = {},
): Promise<{ lean: string[]; fastify: string[]; leanTook: number }> {
  const out: string[][] = [];
  let leanTook = 0;
  for (const trustProxy of [false, true]) {
    const s = await serve({ ...opts, trustProxy });
    const c = await raw(s.port);
    const taken = leanServe.mock.results.filter((r) => r.value === true).length;
    c.socket.write(requests.join(""));
    out.push(await answers(c, requests.length));
    if (!trustProxy) leanTook = leanServe.mock.results.filter((r) => r.value === true).length - taken;
  }
  return { lean: out[0]!, fastify: out[1]!, leanTook };
}

const CHAIN_ID = '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}';

describe("the same bytes as fastify's route", () => {
  it("results, batches, notifications (204), parse errors, invalid requests, pipelined on one connection", async () => {
    const requests = [
      postBytes(CHAIN_ID),
      postBytes(`[${CHAIN_ID},{"jsonrpc":"2.0","id":"x","method":"nope"}]`),
      postBytes('{"jsonrpc":"2.0","method":"eth_chainId"}'),
      postBytes('[{"jsonrpc":"2.0","method":"eth_chainId"},{"jsonrpc":"2.0","method":"nope"}]'),
      postBytes('{"jsonrpc":"2.0",'),
      postBytes(""),
      postBytes("[]"),
      postBytes('{"jsonrpc":"2.0","id":{},"method":"eth_chainId"}'),
      postBytes(
        '{"jsonrpc":"2.0","id":7,"method":"eth_chainId"}',
        "Content-Type: application/json; charset=utf-8\r\n",
      ),
      postBytes('{"jsonrpc":"2.0","id":"é","method":"méthode"}'),
      // A chunked body is read the same way.
      `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"jso\r\n${(CHAIN_ID.length - 5).toString(16)}\r\n${CHAIN_ID.slice(5)}\r\n0\r\n\r\n`,
    ];
    const { lean, fastify, leanTook } = await bothPaths(requests);
    expect(leanTook).toBe(requests.length);
    expect(lean).toEqual(fastify);
    expect(lean[0]).toBe(
      'HTTP/1.1 200 OK\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: 43\r\nDate: -\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n{"jsonrpc":"2.0","id":1,"result":"0xf10b5"}',
    );
    expect(lean[2]).toBe(
      "HTTP/1.1 204 No Content\r\nDate: -\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n",
    );
    expect(lean[4]).toContain('"code":-32700');
    expect(lean[5]).toContain('"code":-32700');
    // Not ASCII: content-length counts bytes.
    const unicode =
      '{"jsonrpc":"2.0","id":"é","error":{"code":-32601,"message":"Method not found: méthode"}}';
    expect(lean[9]).toContain(`content-length: ${Buffer.byteLength(unicode)}\r\n`);
    expect(lean[9]).toContain(Buffer.from(unicode).toString("latin1"));
  });

  it("content types other than application/json get 415 (fastify's: the lean path does not take them)", async () => {
    const requests = [
      postBytes(CHAIN_ID, "Content-Type: text/plain\r\n"),
      postBytes(CHAIN_ID, ""),
      postBytes(CHAIN_ID, "Content-Type: application/jsonx\r\n"),
      // Other spellings of JSON: fastify's parser takes them.
      postBytes(CHAIN_ID, "Content-Type: Application/JSON\r\n"),
      postBytes(CHAIN_ID, 'Content-Type: application/json; charset="utf-8"\r\n'),
    ];
    const { lean, fastify, leanTook } = await bothPaths(requests);
    expect(leanTook).toBe(0);
    expect(lean).toEqual(fastify);
    for (const r of lean.slice(0, 3)) {
      expect(r).toMatch(
        /^HTTP\/1\.1 415 Unsupported Media Type\r\ncontent-type: application\/json; charset=utf-8\r\n/,
      );
      expect(r).toContain(
        '{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Unsupported content type: use application/json"}}',
      );
    }
    expect(lean[3]).toContain('"result":"0xf10b5"');
    expect(lean[4]).toContain('"result":"0xf10b5"');
  });

  it("429 before the body is read: a token on arrival, the rest of a batch once parsed, retry-after", async () => {
    let now = 0;
    const requests = [
      postBytes(`[${CHAIN_ID},${CHAIN_ID}]`),
      postBytes(`[${CHAIN_ID},${CHAIN_ID}]`),
      postBytes(CHAIN_ID),
    ];
    const limits = { maxBatch: 2, rateLimit: { perSecond: 1, burst: 3 } };
    const { lean, fastify } = await bothPaths(requests, { limits, clock: () => now });
    expect(lean).toEqual(fastify);
    expect(lean[1]).toMatch(
      /^HTTP\/1\.1 429 Too Many Requests\r\nretry-after: 1\r\ncontent-type: application\/json; charset=utf-8\r\n/,
    );
    expect(lean[2]).toMatch(/^HTTP\/1\.1 429 /);

    // With no token left, a request is refused on its headers: its body never has to come.
    now = 0;
    const s = await serve({
      limits: { maxBatch: 1, rateLimit: { perSecond: 0.001, burst: 1 } },
      clock: () => now,
    });
    const c = await raw(s.port);
    c.socket.write(postBytes(CHAIN_ID));
    await answers(c, 1);
    c.socket.write(
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n",
    );
    const [, refused] = await answers(c, 2);
    expect(refused).toMatch(/^HTTP\/1\.1 429 /);
  });
});

describe("body limits while the body arrives", () => {
  it("a declared Content-Length over bodyLimit: 413 and close before any of the body is sent", async () => {
    const s = await serve({ limits: { bodyLimit: 1000 } });
    const c = await raw(s.port);
    c.socket.write(
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n",
    );
    const [r] = await answers(c, 1);
    expect(r).toBe(
      'HTTP/1.1 413 Payload Too Large\r\nconnection: close\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: 107\r\nDate: -\r\n\r\n{"jsonrpc":"2.0","id":null,"error":{"code":-32005,"message":"Request body too large: limit is 1000 bytes"}}',
    );
    await c.closed;
  });

  it("a chunked body passing bodyLimit mid-stream: 413 before its end, the connection closed", async () => {
    const s = await serve({ limits: { bodyLimit: 1000 } });
    const c = await raw(s.port);
    c.socket.write(
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
    );
    // 1,200 bytes in 300-byte chunks, and the body never ends: the answer cannot wait for its end.
    for (let i = 0; i < 4; i++) {
      c.socket.write(`12c\r\n${"x".repeat(300)}\r\n`);
      await sleep(20);
    }
    const [r] = await answers(c, 1);
    expect(r).toMatch(/^HTTP\/1\.1 413 Payload Too Large\r\nconnection: close\r\n/);
    expect(r).toContain('"message":"Request body too large: limit is 1000 bytes"');
    await c.closed;
  });

  it("charges what it read: bodyLimit on a 413, the body's size on a parse error", async () => {
    const limits = {
      bodyLimit: 1000,
      maxBatch: 3,
      rateLimit: { perSecond: 0.001, burst: 3, bytesPerToken: 400 },
    };
    for (const body of ["x".repeat(1500), "x".repeat(800)]) {
      const s = await serve({ limits });
      const c = await raw(s.port);
      c.socket.write(postBytes(body));
      await answers(c, 1);
      // Arrival (1) + 1000 or 800 bytes / 400 (2): the bucket is empty.
      const d = await raw(s.port);
      d.socket.write(postBytes(CHAIN_ID));
      expect((await answers(d, 1))[0]).toMatch(/^HTTP\/1\.1 429 /);
    }
  });
});

describe("below the route", () => {
  it("a body sent a byte at a time is cut off at requestTimeoutMs with 408", async () => {
    const s = await serve({ connections: { requestTimeoutMs: 600 } });
    const c = await raw(s.port);
    c.socket.write(
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n[",
    );
    const drip = setInterval(() => c.socket.write(" "), 50);
    try {
      await c.closed;
      expect(c.received()).toMatch(/^HTTP\/1\.1 408 /);
      expect(leanServe.mock.results.at(-1)?.value).toBe(true);
    } finally {
      clearInterval(drip);
    }
  });

  it("a client gone mid-body is no error; the server goes on", async () => {
    const lines: string[] = [];
    const s = await serve({ logLines: lines });
    const c = await raw(s.port);
    c.socket.write(
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n[1,",
    );
    await sleep(50);
    c.socket.destroy();
    const d = await raw(s.port);
    d.socket.write(postBytes(CHAIN_ID));
    expect((await answers(d, 1))[0]).toContain('"result":"0xf10b5"');
    expect(lines).toEqual([]);
  });

  it("every other request is fastify's: GET /, 404s, a query string, another path", async () => {
    const requests = [
      "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n",
      `POST /?a=1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${CHAIN_ID.length}\r\n\r\n${CHAIN_ID}`,
      postBytes(CHAIN_ID).replace("POST / ", "POST /nope "),
    ];
    const { lean, fastify, leanTook } = await bothPaths(requests);
    expect(leanTook).toBe(0);
    expect(lean).toEqual(fastify);
    expect(lean[0]).toMatch(/^HTTP\/1\.1 404 /);
    expect(lean[2]).toContain('"result":"0xf10b5"');
  });

  it("with trustProxy every request is fastify's: the rate limit keys on X-Forwarded-For", async () => {
    const s = await serve({
      trustProxy: true,
      limits: { maxBatch: 1, rateLimit: { perSecond: 0.001, burst: 1 } },
    });
    const c = await raw(s.port);
    for (const client of ["10.0.0.1", "10.0.0.2", "10.0.0.1"])
      c.socket.write(postBytes(CHAIN_ID, `Content-Type: application/json\r\nX-Forwarded-For: ${client}\r\n`));
    const [a, b, again] = await answers(c, 3);
    expect(a).toContain('"result":"0xf10b5"');
    expect(b).toContain('"result":"0xf10b5"');
    expect(again).toMatch(/^HTTP\/1\.1 429 /);
    expect(leanServe).not.toHaveBeenCalled();
  });

  it("once close() began, what still arrives on an open connection gets fastify's 503", async () => {
    const out: string[][] = [];
    for (const trustProxy of [false, true]) {
      const s = await serve({ trustProxy });
      const c = await raw(s.port);
      // A request in flight when close() begins (its body half sent), then one more behind it.
      const first = postBytes(CHAIN_ID);
      c.socket.write(first.slice(0, -10));
      await sleep(50);
      const closed = s.app.close();
      await sleep(50);
      c.socket.write(first.slice(-10) + postBytes(CHAIN_ID));
      out.push(await answers(c, 2));
      await closed;
    }
    expect(out[0]).toEqual(out[1]);
    expect(out[0]![0]).toContain('"result":"0xf10b5"');
    expect(out[0]![1]).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
  });

  it("request ids in log lines count across both paths, as fastify's", async () => {
    const lines: string[] = [];
    const backend = new FakeBackend();
    backend.getChallenge = () => {
      throw new Error("store exploded");
    };
    const s = await serve({ logLines: lines, backend });
    const c = await raw(s.port);
    const failing = '{"jsonrpc":"2.0","id":1,"method":"flops_getChallenge","params":["0x1"]}';
    // fastify's route (a query string), then the lean path, then fastify's again.
    c.socket.write(postBytes(failing).replace("POST / ", "POST /?a "));
    c.socket.write(postBytes(failing));
    c.socket.write(postBytes(failing).replace("POST / ", "POST /?b "));
    for (const r of await answers(c, 3)) expect(r).toContain('"code":-32603');
    expect(lines.map((l) => JSON.parse(l).reqId)).toEqual(["req-1", "req-2", "req-3"]);
  });
});
