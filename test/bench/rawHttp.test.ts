/**
 * The load process's raw HTTP/1.1 client (bench/rawHttp.mjs) against a real node:http server:
 * Content-Length and chunked bodies, responses split across packets, a server that closes the
 * connection, and one that never answers.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
// @ts-expect-error: plain ESM JavaScript without types (the load process has no TS loader)
import { rawLane, rawPost, takeResponse } from "../../bench/rawHttp.mjs";

type Lane = { send(bytes: Buffer): Promise<{ status: number; text: string }>; close(): void };

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function serve(handler: http.RequestListener): Promise<URL> {
  const s = http.createServer(handler);
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  return new URL(`http://127.0.0.1:${(s.address() as AddressInfo).port}/`);
}

/** Echoes the request body back, upper-cased, as `mode` says. */
function echo(mode: "length" | "chunked" | "close"): http.RequestListener {
  return (req, res) => {
    let body = "";
    req.on("data", (d) => {
      body += d;
    });
    req.on("end", () => {
      const out = body.toUpperCase();
      if (mode === "length") {
        res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(out) });
        res.end(out);
      } else if (mode === "chunked") {
        // No length: node sends it chunked, here in two chunks.
        res.writeHead(201, { "content-type": "application/json" });
        res.write(out.slice(0, 3));
        res.end(out.slice(3));
      } else {
        res.writeHead(200, { connection: "close", "content-length": Buffer.byteLength(out) });
        res.end(out);
      }
    });
  };
}

describe("rawHttp", () => {
  it("sends keep-alive requests one at a time and reads Content-Length bodies", async () => {
    const url = await serve(echo("length"));
    const lane: Lane = rawLane(url);
    for (let i = 0; i < 50; i++) {
      const r = await lane.send(rawPost(url.host, `{"n":"abc${i}"}`));
      expect(r).toEqual({ status: 200, text: `{"N":"ABC${i}"}` });
    }
    lane.close();
  });

  it("reads chunked bodies", async () => {
    const url = await serve(echo("chunked"));
    const lane: Lane = rawLane(url);
    expect(await lane.send(rawPost(url.host, '{"x":"chunky"}'))).toEqual({
      status: 201,
      text: '{"X":"CHUNKY"}',
    });
    expect(await lane.send(rawPost(url.host, '{"x":"again"}'))).toEqual({
      status: 201,
      text: '{"X":"AGAIN"}',
    });
    lane.close();
  });

  it("reopens a connection the server closed", async () => {
    const url = await serve(echo("close"));
    const lane: Lane = rawLane(url);
    expect((await lane.send(rawPost(url.host, "a"))).text).toBe("A");
    // Let the close arrive, then the next request opens a new connection.
    await new Promise((r) => setTimeout(r, 50));
    expect((await lane.send(rawPost(url.host, "b"))).text).toBe("B");
    lane.close();
  });

  it("fails the request a connection drops mid-response", async () => {
    const url = await serve((req) => req.socket.destroy());
    const lane: Lane = rawLane(url);
    await expect(lane.send(rawPost(url.host, "x"))).rejects.toThrow(/closed|ECONNRESET/);
    lane.close();
  });

  it("splits responses only when complete", () => {
    const full = Buffer.from("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhelloHTTP/1.1");
    expect(takeResponse(full.subarray(0, 30))).toBeUndefined();
    const r = takeResponse(full);
    expect(r.status).toBe(200);
    expect(r.body).toBe("hello");
    expect(r.rest.toString()).toBe("HTTP/1.1");
    const chunked = Buffer.from(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
    );
    expect(takeResponse(chunked.subarray(0, chunked.length - 2))).toBeUndefined();
    expect(takeResponse(chunked).body).toBe("abcde");
    expect(() =>
      takeResponse(Buffer.from("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n")),
    ).toThrow(/chunk size/);
  });
});
