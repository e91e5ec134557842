/**
 * The HTTP server's timeouts and connection caps on a real socket (issue 7 item 6): raw TCP
 * clients that send slowly or not at all, and many connections from one address. Loopback
 * addresses other than 127.0.0.1 stand in for other clients.
 */
import { request } from "node:http";
import { connect, type Socket } from "node:net";
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { type ConnectionLimits, resolveConnectionLimits } from "./connectionLimits.ts";
import { createApiServer } from "./server.ts";
import { FakeBackend } from "./testBackend.ts";

let apps: FastifyInstance[] = [];
let sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets) s.destroy();
  sockets = [];
  await Promise.all(apps.map((a) => a.close()));
  apps = [];
});

async function serve(connections: Partial<ConnectionLimits>): Promise<number> {
  const app = await createApiServer({ rpc: { backend: new FakeBackend() }, connections });
  apps.push(app);
  await app.listen({ host: "127.0.0.1", port: 0 });
  return (app.server.address() as { port: number }).port;
}

interface RawClient {
  socket: Socket;
  /** Everything received so far. */
  received: () => string;
  /** Resolves with ms since connect when the server closes the connection. */
  closed: Promise<number>;
}

async function rawClient(port: number, localAddress = "127.0.0.1"): Promise<RawClient> {
  const started = Date.now();
  const socket = connect({ port, host: "127.0.0.1", localAddress });
  sockets.push(socket);
  let data = "";
  socket.on("data", (d) => {
    data += d.toString();
  });
  socket.on("error", () => {});
  const closed = new Promise<number>((resolve) => socket.on("close", () => resolve(Date.now() - started)));
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  return { socket, received: () => data, closed };
}

/** Resolves "open" if the connection is still open after `ms`, else "closed". */
function stillOpenAfter(c: RawClient, ms: number): Promise<"open" | "closed"> {
  return Promise.race([
    c.closed.then(() => "closed" as const),
    new Promise<"open">((resolve) => setTimeout(() => resolve("open"), ms)),
  ]);
}

/** eth_chainId over a fresh connection from `localAddress`. */
function chainId(port: number, localAddress = "127.0.0.1"): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        localAddress,
        method: "POST",
        path: "/",
        headers: { "content-type": "application/json", connection: "close" },
      },
      (res) => {
        let body = "";
        res.on("data", (d) => {
          body += d;
        });
        res.on("end", () => resolve(JSON.parse(body).result));
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId" }));
  });
}

const HEAD = "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n";

describe("timeouts", () => {
  it("a body sent a byte at a time is cut off at requestTimeoutMs with 408; others are served meanwhile", async () => {
    const port = await serve({ requestTimeoutMs: 600 });
    const slow = await rawClient(port);
    slow.socket.write(`${HEAD}[`);
    const drip = setInterval(() => slow.socket.write(" "), 50);
    try {
      expect(await chainId(port)).toBe("0xf10b5");
      expect(await stillOpenAfter(slow, 2500)).toBe("closed");
      expect(await slow.closed).toBeLessThan(1500);
      expect(slow.received()).toMatch(/^HTTP\/1\.1 408 /);
    } finally {
      clearInterval(drip);
    }
  });

  it("headers sent slowly are cut off at headersTimeoutMs", async () => {
    const port = await serve({ headersTimeoutMs: 300, requestTimeoutMs: 10_000 });
    const slow = await rawClient(port);
    slow.socket.write("POST / HTTP/1.1\r\nHost: x\r\n");
    const drip = setInterval(() => slow.socket.write("X-A: b\r\n"), 50);
    try {
      expect(await stillOpenAfter(slow, 2000)).toBe("closed");
      expect(await slow.closed).toBeLessThan(1000);
    } finally {
      clearInterval(drip);
    }
  });

  it("a connection that sends nothing is closed after idleTimeoutMs", async () => {
    const port = await serve({ idleTimeoutMs: 300 });
    const idle = await rawClient(port);
    expect(await stillOpenAfter(idle, 2000)).toBe("closed");
    expect(await idle.closed).toBeGreaterThanOrEqual(250);
  });

  it("an idle keep-alive connection is closed after keepAliveTimeoutMs", async () => {
    const port = await serve({ keepAliveTimeoutMs: 200 });
    const c = await rawClient(port);
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId" });
    c.socket.write(
      `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    expect(await stillOpenAfter(c, 2000)).toBe("closed");
    expect(c.received()).toContain('"result":"0xf10b5"');
  });
});

describe("connection caps", () => {
  it("one address cannot hold more than maxConnectionsPerIp; other addresses still connect", async () => {
    const port = await serve({ maxConnectionsPerIp: 3 });
    const held = [await rawClient(port), await rawClient(port), await rawClient(port)];
    const over = await rawClient(port);
    expect(await stillOpenAfter(over, 1000)).toBe("closed");
    expect(over.received()).toBe("");
    for (const c of held) expect(await stillOpenAfter(c, 0)).toBe("open");
    // Another client is not affected.
    expect(await chainId(port, "127.0.0.2")).toBe("0xf10b5");
    // A slot frees when one of them closes.
    held[0]!.socket.destroy();
    await held[0]!.closed;
    await new Promise((r) => setTimeout(r, 50));
    expect(await chainId(port)).toBe("0xf10b5");
  });

  it("maxConnections caps everyone together", async () => {
    const port = await serve({ maxConnections: 3, maxConnectionsPerIp: 2 });
    const held = [
      await rawClient(port, "127.0.0.1"),
      await rawClient(port, "127.0.0.2"),
      await rawClient(port, "127.0.0.3"),
    ];
    const over = await rawClient(port, "127.0.0.4");
    expect(await stillOpenAfter(over, 1000)).toBe("closed");
    for (const c of held) expect(await stillOpenAfter(c, 0)).toBe("open");
  });

  it("limits that cannot work are refused", () => {
    expect(() => resolveConnectionLimits({ headersTimeoutMs: 5000, requestTimeoutMs: 1000 })).toThrow(
      /headersTimeoutMs \(5000\) must be ≤ requestTimeoutMs \(1000\)/,
    );
    expect(() => resolveConnectionLimits({ maxConnections: 10, maxConnectionsPerIp: 20 })).toThrow(
      RangeError,
    );
    expect(() => resolveConnectionLimits({ idleTimeoutMs: 0 })).toThrow(RangeError);
    // A short request timeout brings the default headers timeout down with it.
    expect(resolveConnectionLimits({ requestTimeoutMs: 2000 }).headersTimeoutMs).toBe(2000);
  });
});
