/**
 * The load process's HTTP/1.1 client (bench/loadgen.mjs): pre-built keep-alive POST requests
 * written on raw sockets, one request in flight per connection. Plain ESM JavaScript, as the load
 * process starts without a TypeScript loader.
 */
import net from "node:net";

/** A keep-alive HTTP/1.1 POST request, pre-built once: the timed loop only writes bytes. */
export function rawPost(host, body) {
  return Buffer.from(
    `POST / HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

const CRLF2 = Buffer.from("\r\n\r\n");

/**
 * Splits complete HTTP/1.1 responses off `buf`: { status, body, rest } or undefined when more
 * bytes are needed. Content-Length and chunked bodies (hyper, Anvil's server, may send either).
 */
export function takeResponse(buf) {
  const he = buf.indexOf(CRLF2);
  if (he < 0) return undefined;
  const head = buf.toString("latin1", 0, he);
  const status = Number(head.slice(9, 12));
  const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (m) {
    const end = he + 4 + Number(m[1]);
    if (buf.length < end) return undefined;
    return { status, body: buf.toString("utf8", he + 4, end), rest: buf.subarray(end) };
  }
  if (!/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
    return { status, body: "", rest: buf.subarray(he + 4) };
  }
  const parts = [];
  let at = he + 4;
  for (;;) {
    const le = buf.indexOf("\r\n", at);
    if (le < 0) return undefined;
    const size = Number.parseInt(buf.toString("latin1", at, le), 16);
    if (!Number.isFinite(size)) throw new Error("bad chunk size in response");
    if (buf.length < le + 2 + size + 2) return undefined;
    if (size === 0) return { status, body: parts.join(""), rest: buf.subarray(le + 4) };
    parts.push(buf.toString("utf8", le + 2, le + 2 + size));
    at = le + 2 + size + 2;
  }
}

/**
 * One keep-alive connection that carries one request at a time (a lane). `send(bytes)` resolves
 * with { status, text }. A connection the server closes is reopened for the next request; the
 * request it held fails. A raw socket rather than http.request: the load process then costs a
 * fraction of the server it measures (http.Agent spent ~70 µs of CPU per request here), so the
 * figure is the server's, and the same client drives both sides of the peer harness.
 */
export function rawLane(u) {
  let socket;
  let buf = Buffer.alloc(0);
  let waiting;
  let timer;
  const fail = (e) => {
    const w = waiting;
    waiting = undefined;
    clearTimeout(timer);
    socket?.destroy();
    socket = undefined;
    buf = Buffer.alloc(0);
    w?.reject(e);
  };
  const open = () => {
    const s = net.connect({ host: u.hostname, port: Number(u.port), noDelay: true });
    s.on("data", (d) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      let r;
      try {
        r = takeResponse(buf);
      } catch (e) {
        fail(e);
        return;
      }
      if (!r) return;
      buf = r.rest;
      const w = waiting;
      waiting = undefined;
      clearTimeout(timer);
      w?.resolve({ status: r.status, text: r.body });
    });
    s.on("error", (e) => fail(e));
    s.on("close", () => {
      if (socket === s) socket = undefined;
      if (waiting) fail(new Error("connection closed by the server"));
    });
    socket = s;
  };
  return {
    send(bytes) {
      return new Promise((resolve, reject) => {
        if (!socket) open();
        waiting = { resolve, reject };
        // Bounded: a request the node never answers fails instead of holding its lane forever.
        timer = setTimeout(() => fail(new Error("request timed out (30 s)")), 30_000);
        socket.write(bytes);
      });
    },
    close() {
      clearTimeout(timer);
      socket?.destroy();
    },
  };
}
