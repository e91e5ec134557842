/**
 * The API on a real socket (127.0.0.1, port 0): viem's public client over HTTP and WebSocket, a
 * raw `ws` client for the subscription protocol, and the HTTP limits as a network client sees them.
 */
import { createRequire } from "node:module";
import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import pino from "pino";
import { createPublicClient, http, webSocket } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hex, quantity } from "../rpc/json.ts";
import type { RpcLimits } from "./jsonRpc/plugin.ts";
import { createApiServer } from "./server.ts";
import { FakeBackend, fakeAddress, fakeSignedTx } from "./testBackend.ts";

// `ws` ships no types and @types/ws is not installed: the slice these tests use.
interface WsClient {
  readyState: number;
  send(data: string): void;
  close(): void;
  on(event: "open", fn: () => void): void;
  on(event: "close", fn: (code: number) => void): void;
  on(event: "message", fn: (data: Buffer) => void): void;
  on(event: "error", fn: (err: Error) => void): void;
}
const WebSocket = createRequire(import.meta.url)("ws") as new (
  url: string,
  opts?: { localAddress?: string; autoPong?: boolean },
) => WsClient;

let app: FastifyInstance;
let backend: FakeBackend;
let url: string;
let wsUrl: string;

beforeAll(async () => {
  backend = new FakeBackend();
  app = await createApiServer({
    rpc: {
      backend,
      miner: fakeAddress(0xee),
      limits: { bodyLimit: 64 * 1024, maxBatch: 10, rateLimit: { perSecond: 1000, burst: 1000 } },
    },
  });
  const address = await app.listen({ host: "127.0.0.1", port: 0 });
  url = address;
  wsUrl = `${address.replace("http", "ws")}/ws`;
});

afterAll(async () => {
  await app.close();
});

/** A connected ws client that queues incoming messages for `next()`. */
async function connect(target = wsUrl, opts: { localAddress?: string; autoPong?: boolean } = {}) {
  const socket = new WebSocket(target, opts);
  const queue: unknown[] = [];
  const waiters: ((v: unknown) => void)[] = [];
  socket.on("message", (data) => {
    const msg = JSON.parse(data.toString());
    const w = waiters.shift();
    if (w) w(msg);
    else queue.push(msg);
  });
  await new Promise<void>((resolve, reject) => {
    socket.on("open", resolve);
    socket.on("error", reject);
  });
  return {
    socket,
    send: (msg: unknown) => socket.send(typeof msg === "string" ? msg : JSON.stringify(msg)),
    // biome-ignore lint/suspicious/noExplicitAny: messages are inspected loosely
    next(timeoutMs = 2000): Promise<any> {
      if (queue.length > 0) return Promise.resolve(queue.shift());
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error("no message")), timeoutMs);
        waiters.push((v) => {
          clearTimeout(t);
          resolve(v);
        });
      });
    },
    pending: () => queue.length,
    close: () => socket.close(),
  };
}

describe("viem over HTTP", () => {
  it("reads eth_chainId, eth_blockNumber and blocks without custom formatters", async () => {
    const from = fakeAddress(5);
    const tx = fakeSignedTx({ kind: "challenge", tier: 100 }, 0n);
    backend.addBlock({ txs: [{ tx, from }] });
    const client = createPublicClient({ transport: http(url) });

    expect(await client.getChainId()).toBe(0xf10b5);
    expect(await client.getBlockNumber({ cacheTime: 0 })).toBe(backend.head.block.header.number);

    const block = await client.getBlock();
    expect(block.number).toBe(backend.head.block.header.number);
    expect(block.hash).toBe(hex(backend.head.hash));
    expect(block.timestamp).toBe(backend.head.block.header.timestamp / 1000n);
    expect(block.miner).toBe(hex(fakeAddress(0xee)));
    expect(block.gasUsed).toBe(0n);
    expect(block.transactions).toEqual([hex(tx.hash)]);

    const full = await client.getBlock({ blockNumber: block.number, includeTransactions: true });
    expect(full.transactions[0]).toMatchObject({
      hash: hex(tx.hash),
      from: hex(from),
      blockNumber: block.number,
      transactionIndex: 0,
      nonce: 0,
    });
    const byHash = await client.getBlock({ blockHash: block.hash });
    expect(byHash.number).toBe(block.number);
    await expect(client.getBlock({ blockNumber: 999n })).rejects.toThrow(/could not be found/);
  });

  it("surfaces -32004 for unsupported eth_* methods as viem errors", async () => {
    const client = createPublicClient({ transport: http(url) });
    await expect(client.getBalance({ address: hex(fakeAddress(1)) })).rejects.toMatchObject({
      name: "MethodNotSupportedRpcError",
    });
  });
});

describe("HTTP limits over a socket", () => {
  it("413 for a body over the limit, then keeps serving", async () => {
    const body = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "flops_sendRawTransaction",
      params: [`0x${"00".repeat(70 * 1024)}`],
    });
    const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: -32005 } });
    const ok = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "eth_chainId" }),
    });
    expect(await ok.json()).toEqual({ jsonrpc: "2.0", id: 2, result: "0xf10b5" });
  });

  it("415 for a non-JSON content type", async () => {
    const res = await fetch(url, { method: "POST", headers: { "content-type": "text/plain" }, body: "{}" });
    expect(res.status).toBe(415);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  });
});

describe("WebSocket", () => {
  it("serves calls and batches, and reports parse errors", async () => {
    const c = await connect();
    c.send({ jsonrpc: "2.0", id: 1, method: "eth_chainId" });
    expect(await c.next()).toEqual({ jsonrpc: "2.0", id: 1, result: "0xf10b5" });
    c.send("{not json");
    expect(await c.next()).toMatchObject({ id: null, error: { code: -32700 } });
    c.send([
      { jsonrpc: "2.0", id: 2, method: "eth_blockNumber" },
      { jsonrpc: "2.0", id: 3, method: "nope" },
    ]);
    const batch = await c.next();
    expect(batch).toHaveLength(2);
    expect(batch[1].error.code).toBe(-32601);
    c.send([]);
    expect(await c.next()).toMatchObject({ id: null, error: { code: -32600 } });
    c.close();
  });

  it("eth_subscribe newHeads: notifications per head until eth_unsubscribe", async () => {
    const c = await connect();
    c.send({ jsonrpc: "2.0", id: 1, method: "eth_subscribe", params: ["newHeads"] });
    const sub = await c.next();
    expect(sub.result).toMatch(/^0x[0-9a-f]{32}$/);

    const b = backend.addBlock();
    const note = await c.next();
    expect(note).toEqual({
      jsonrpc: "2.0",
      method: "eth_subscription",
      params: {
        subscription: sub.result,
        result: expect.objectContaining({ number: quantity(b.block.header.number) }),
      },
    });
    expect(note.params.result.hash).toBe(hex(b.hash));
    expect(note.params.result.transactions).toBeUndefined();

    // A reorg: a second head at the same height is notified too.
    const fork = backend.addBlock({ fork: "b" });
    expect((await c.next()).params.result.hash).toBe(hex(fork.hash));

    c.send({ jsonrpc: "2.0", id: 2, method: "eth_unsubscribe", params: [sub.result] });
    expect(await c.next()).toEqual({ jsonrpc: "2.0", id: 2, result: true });
    c.send({ jsonrpc: "2.0", id: 3, method: "eth_unsubscribe", params: [sub.result] });
    expect(await c.next()).toEqual({ jsonrpc: "2.0", id: 3, result: false });
    backend.addBlock();
    c.send({ jsonrpc: "2.0", id: 4, method: "eth_chainId" });
    // The next message is the answer, not a notification.
    expect((await c.next()).id).toBe(4);
    // Nobody subscribed: the hub stopped listening to the backend.
    expect(backend.listeners.size).toBe(0);
    c.close();
  });

  it("subscriptions die with their connection", async () => {
    const c = await connect();
    c.send({ jsonrpc: "2.0", id: 1, method: "eth_subscribe", params: ["newHeads"] });
    await c.next();
    expect(backend.listeners.size).toBe(1);
    const closed = new Promise<void>((resolve) => c.socket.on("close", () => resolve()));
    c.close();
    await closed;
    // The server sees the close shortly after the client.
    for (let i = 0; i < 50 && backend.listeners.size > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(backend.listeners.size).toBe(0);
  });

  it("viem's webSocket transport watches blocks through newHeads", async () => {
    const client = createPublicClient({ transport: webSocket(wsUrl) });
    const seen: bigint[] = [];
    const got = new Promise<void>((resolve, reject) => {
      const unwatch = client.watchBlocks({
        onBlock(block) {
          seen.push(block.number);
          unwatch();
          resolve();
        },
        onError: reject,
      });
    });
    // Wait for the subscription to be live before producing a head.
    for (let i = 0; i < 100 && backend.listeners.size === 0; i++) await new Promise((r) => setTimeout(r, 10));
    const b = backend.addBlock();
    await got;
    expect(seen).toEqual([b.block.header.number]);
    await (await client.transport.getRpcClient()).close();
  });
});

describe("WebSocket limits", () => {
  it("a message over bodyLimit closes the connection with 1009", async () => {
    const c = await connect();
    const closed = new Promise<number>((resolve) => c.socket.on("close", resolve));
    c.send({
      jsonrpc: "2.0",
      id: 1,
      method: "flops_sendRawTransaction",
      params: [`0x${"00".repeat(40 * 1024)}`],
    });
    expect(await closed).toBe(1009);
  });

  it("rate limit answers -32005 per message; subscription cap answers -32005", async () => {
    let now = 0;
    const small = await createApiServer({
      rpc: {
        backend: new FakeBackend(),
        clock: () => now,
        limits: { maxBatch: 2, rateLimit: { perSecond: 1, burst: 3 }, maxSubscriptionsPerConnection: 1 },
      },
    });
    try {
      const base = await small.listen({ host: "127.0.0.1", port: 0 });
      // The upgrade takes a token, and so does each message.
      const c = await connect(`${base.replace("http", "ws")}/ws`);
      c.send({ jsonrpc: "2.0", id: 1, method: "eth_subscribe", params: ["newHeads"] });
      expect((await c.next()).result).toMatch(/^0x/);
      c.send({ jsonrpc: "2.0", id: 2, method: "eth_subscribe", params: ["newHeads"] });
      expect(await c.next()).toEqual({
        jsonrpc: "2.0",
        id: 2,
        error: { code: -32005, message: "Subscription limit exceeded: at most 1 per connection" },
      });
      c.send({ jsonrpc: "2.0", id: 3, method: "eth_chainId" });
      expect(await c.next()).toEqual({
        jsonrpc: "2.0",
        id: 3,
        error: { code: -32005, message: "Rate limit exceeded: retry after 1 s", data: { retryAfter: 1 } },
      });
      now += 1000;
      c.send({ jsonrpc: "2.0", id: 4, method: "eth_chainId" });
      expect(await c.next()).toEqual({ jsonrpc: "2.0", id: 4, result: "0xf10b5" });
      c.close();
    } finally {
      await small.close();
    }
  });
});

/** A server of its own (closed after the test) and its HTTP and WebSocket URLs. */
async function ownServer(
  limits: Partial<RpcLimits>,
  logger?: FastifyBaseLogger,
): Promise<{ base: string; ws: string; close: () => Promise<void> }> {
  const own = await createApiServer({
    rpc: { backend: new FakeBackend(), limits },
    ...(logger === undefined ? {} : { logger }),
  });
  const base = await own.listen({ host: "127.0.0.1", port: 0 });
  return { base, ws: `${base.replace("http", "ws")}/ws`, close: () => own.close() };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function closeCode(c: { socket: WsClient }): Promise<number> {
  return new Promise((resolve) => c.socket.on("close", resolve));
}

describe("WebSocket caps and liveness", () => {
  it("one IP cannot take every slot: past maxWsConnectionsPerIp it gets 1013, another IP still connects", async () => {
    const s = await ownServer({ rateLimit: false, maxWsConnections: 10, maxWsConnectionsPerIp: 3 });
    try {
      const held = [await connect(s.ws), await connect(s.ws), await connect(s.ws)];
      const over = await connect(s.ws);
      expect(await Promise.race([closeCode(over), sleep(2000).then(() => "still open")])).toBe(1013);
      const other = await connect(s.ws, { localAddress: "127.0.0.2" });
      other.send({ jsonrpc: "2.0", id: 1, method: "eth_chainId" });
      expect((await other.next()).result).toBe("0xf10b5");
      // A slot frees when a connection of that IP closes.
      const closed = closeCode(held[0]!);
      held[0]!.close();
      await closed;
      await new Promise((r) => setTimeout(r, 50));
      const again = await connect(s.ws);
      again.send({ jsonrpc: "2.0", id: 2, method: "eth_chainId" });
      expect((await again.next()).result).toBe("0xf10b5");
      for (const c of [...held.slice(1), other, again]) c.close();
    } finally {
      await s.close();
    }
  });

  it("a peer that stops answering pings is dropped; one that answers stays", async () => {
    const s = await ownServer({ rateLimit: false, wsPingIntervalMs: 100 });
    try {
      const dead = await connect(s.ws, { autoPong: false });
      const live = await connect(s.ws);
      const code = await Promise.race([closeCode(dead), sleep(2000).then(() => "still open")]);
      expect(code).toBe(1006); // terminated, no close frame
      live.send({ jsonrpc: "2.0", id: 1, method: "eth_chainId" });
      expect((await live.next()).result).toBe("0xf10b5");
      live.close();
    } finally {
      await s.close();
    }
  });
});

describe("rate limits charge what cannot be parsed", () => {
  it("HTTP: bodies that are not JSON cost a token each, and their size: 429 after the budget", async () => {
    const s = await ownServer({
      maxBatch: 10,
      rateLimit: { perSecond: 0.01, burst: 10, bytesPerToken: 64 * 1024 },
    });
    try {
      const junk = "x".repeat(100 * 1024); // 1 token on arrival + 1 for its size
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) {
        const res = await fetch(s.base, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: junk,
        });
        statuses.push(res.status);
        await res.text();
      }
      expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
      expect(statuses.slice(5)).toEqual([429, 429, 429]);
    } finally {
      await s.close();
    }
  });

  it("HTTP: bodies over bodyLimit are charged too", async () => {
    const s = await ownServer({
      bodyLimit: 1000,
      maxBatch: 3,
      rateLimit: { perSecond: 0.01, burst: 3, bytesPerToken: 500 },
    });
    try {
      const big = "x".repeat(5000);
      const first = await fetch(s.base, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: big,
      });
      expect(first.status).toBe(413);
      // Arrival (1) + bodyLimit / bytesPerToken (2): the bucket is empty.
      const next = await fetch(s.base, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId" }),
      });
      expect(next.status).toBe(429);
    } finally {
      await s.close();
    }
  });

  it("WebSocket: messages that are not JSON cost a token each", async () => {
    const s = await ownServer({ maxBatch: 4, rateLimit: { perSecond: 0.01, burst: 4 } });
    try {
      const c = await connect(s.ws); // the upgrade: 1 token
      for (let i = 0; i < 3; i++) {
        c.send("{not json");
        expect((await c.next()).error.code).toBe(-32700);
      }
      c.send({ jsonrpc: "2.0", id: 9, method: "eth_chainId" });
      expect(await c.next()).toMatchObject({ id: 9, error: { code: -32005 } });
      c.close();
    } finally {
      await s.close();
    }
  });
});

describe("internal errors are logged", () => {
  it("a throwing backend leaves one line with the stack, method and request ids, never the params", async () => {
    const lines: string[] = [];
    const logger = pino({ level: "info" }, { write: (l: string) => void lines.push(l) });
    const backend = new FakeBackend();
    backend.getBlockByHash = () => {
      throw new Error("store exploded");
    };
    const own = await createApiServer({ rpc: { backend, limits: { rateLimit: false } }, logger });
    try {
      const base = await own.listen({ host: "127.0.0.1", port: 0 });
      lines.length = 0; // fastify's "listening" line
      const hugeId = "i".repeat(10_000);
      const res = await fetch(base, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: hugeId,
          method: "eth_getBlockByHash",
          params: [`0x${"ab".repeat(32)}`, true],
        }),
      });
      expect(((await res.json()) as { error: unknown }).error).toEqual({
        code: -32603,
        message: "Internal error",
      });
      expect(lines).toHaveLength(1);
      const line = JSON.parse(lines[0]!);
      expect(line).toMatchObject({
        level: 50,
        module: "rpc",
        method: "eth_getBlockByHash",
        msg: "rpc method failed",
      });
      expect(line.err.message).toBe("store exploded");
      expect(line.err.stack).toMatch(/store exploded\n\s+at /);
      expect(line.reqId).toMatch(/^req-/);
      expect(line.id).toBe(`${"i".repeat(64)}…`);
      expect(lines[0]!).not.toContain("abababab");
      expect(lines[0]!.length).toBeLessThan(3000);
    } finally {
      await own.close();
    }
  });
});
