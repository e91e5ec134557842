/**
 * The load process of the node benchmarks: a plain script, forked by bench/nodeKit.ts, so the load
 * never shares the node's event loop. It gets its config over IPC, runs one bounded load (in count
 * AND time), sends back one report, and exits by itself.
 *
 * Modes:
 * - "ingest": each line of `file` is `<txHash> <JSON-RPC request body>`; bodies are sent once each,
 *   one per HTTP request, over `concurrency` keep-alive connections with one request in flight on
 *   each (raw sockets and pre-built request bytes: see rawLane),
 *   until `durationMs` passed or the lines ran out. Submit time = when the request was issued.
 *   Inclusion time = when the newHeads notification (WebSocket /ws) of the block holding the tx
 *   arrived (the block's tx hashes come from eth_getBlockByNumber); without a WebSocket client it
 *   polls eth_blockNumber every 10 ms. After the window it waits (at most `drainMs`) for every
 *   accepted tx to be included. With `inclusion: false` (the empty-route ceiling, bench/emptyRoute.ts)
 *   nothing is watched: any JSON-RPC result counts as accepted, and the rate is accepted per second
 *   over the window after `warmupMs`.
 * - "read": each line of `file` is a request body; they are sent round-robin over `concurrency`
 *   keep-alive connections (raw sockets, one request at a time per connection: the cheapest
 *   client, so the server is what is measured) for `durationMs` or `maxRequests`.
 */

import { readFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { rawLane, rawPost, takeResponse } from "./rawHttp.mjs";

const now = () => performance.now();

process.on("message", (m) => {
  if (m?.type !== "config") return;
  const c = m.config;
  const job = c.mode === "ingest" ? ingest(c) : read(c);
  job.then(
    (report) => process.send({ type: "report", report }, () => process.exit(0)),
    (e) => process.send({ type: "error", error: String(e?.stack ?? e) }, () => process.exit(1)),
  );
});

function cpuSeconds(start) {
  const u = process.cpuUsage(start);
  return (u.user + u.system) / 1e6;
}

function perSecondBuckets(times, t0, seconds) {
  const n = Math.max(1, Math.floor(seconds));
  const b = new Array(n).fill(0);
  for (const t of times) {
    const i = Math.floor((t - t0) / 1000);
    if (i >= 0 && i < n) b[i]++;
  }
  return b;
}

function pct(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

// ------------------------------------------------------------------------------------------
// ingest
// ------------------------------------------------------------------------------------------

function post(agent, url, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: "POST",
        agent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        const chunks = [];
        res.on("data", (d) => chunks.push(d));
        res.on("end", () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString() }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    // Bounded: a request the node never answers fails instead of holding its lane forever.
    req.setTimeout(30_000, () => req.destroy(new Error("request timed out (30 s)")));
    req.end(body);
  });
}

async function rpc(agent, url, method, params) {
  const r = await post(agent, url, JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }));
  const j = JSON.parse(r.text);
  if (j.error) throw new Error(`${method}: ${j.error.message}`);
  return j.result;
}

/** Watches heads; calls onTxs(hashes, arrivalMs) for each new block. Returns stop(). */
async function watchHeads(c, agent, onTxs) {
  let stopped = false;
  let lastSeen = BigInt(await rpc(agent, c.url, "eth_blockNumber", []));
  // Blocks are fetched in order, one at a time; arrival is when we learned of the head.
  let chain = Promise.resolve();
  const seen = (number, at) => {
    chain = chain.then(async () => {
      while (lastSeen < number && !stopped) {
        lastSeen++;
        const b = await rpc(agent, c.url, "eth_getBlockByNumber", [`0x${lastSeen.toString(16)}`, false]);
        onTxs(b.transactions, at);
      }
    });
  };
  let WebSocket;
  try {
    WebSocket = (await import("ws")).default;
  } catch {
    WebSocket = undefined;
  }
  if (WebSocket) {
    const ws = new WebSocket(c.wsUrl);
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    const subscribed = new Promise((resolve) => {
      ws.on("message", (data) => {
        const at = now();
        const msg = JSON.parse(data.toString());
        if (msg.id === 1) resolve(msg.result);
        else if (msg.method === "eth_subscription") seen(BigInt(msg.params.result.number), at);
      });
    });
    ws.send(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_subscribe", params: ["newHeads"] }));
    await subscribed;
    return {
      how: "websocket newHeads",
      async stop() {
        stopped = true;
        ws.close();
        await chain;
      },
    };
  }
  const timer = setInterval(() => {
    rpc(agent, c.url, "eth_blockNumber", []).then(
      (n) => seen(BigInt(n), now()),
      () => {},
    );
  }, 10);
  return {
    how: "polling eth_blockNumber every 10 ms",
    async stop() {
      stopped = true;
      clearInterval(timer);
      await chain;
    },
  };
}

/** Accepted requests completed in [from, to], per second. */
function windowRate(doneAt, accepted, sent, from, to) {
  let n = 0;
  for (let i = 0; i < sent; i++) if (accepted[i] && doneAt[i] >= from) n++;
  return to > from ? n / ((to - from) / 1000) : 0;
}

async function ingest(c) {
  const lines = readFileSync(c.file, "utf8").split("\n").filter(Boolean);
  const hashes = lines.map((l) => l.slice(0, 66));
  const host = new URL(c.url).host;
  const requests = lines.map((l) => rawPost(host, l.slice(67)));
  const index = new Map(hashes.map((h, i) => [h, i]));
  const submitAt = new Float64Array(lines.length);
  const doneAt = new Float64Array(lines.length);
  const includedAt = new Float64Array(lines.length);
  const accepted = new Uint8Array(lines.length);
  const agent = new http.Agent({ keepAlive: true, maxSockets: c.concurrency + 4 });
  const url = c.url;

  let included = 0;
  let lastInclusion = 0;
  const tracking = c.inclusion !== false;
  const heads = tracking
    ? await watchHeads(c, agent, (txs, at) => {
        for (const h of txs) {
          const i = index.get(h);
          if (i === undefined || includedAt[i] !== 0) continue;
          includedAt[i] = at;
          included++;
          lastInclusion = at;
        }
      })
    : undefined;

  const cpu0 = process.cpuUsage();
  let next = 0;
  let ok = 0;
  let rejected = 0;
  let errors = 0;
  let firstError;
  const rejectCodes = {};
  const t0 = now();
  // Untracked runs (the ceiling) may warm up first: the window's rate counts only what completes after.
  const warmupMs = tracking ? 0 : (c.warmupMs ?? 0);
  const deadline = t0 + warmupMs + c.durationMs;
  const lanes = [];
  async function lane() {
    const conn = rawLane(new URL(url));
    lanes.push(conn);
    while (next < requests.length && now() < deadline) {
      const i = next++;
      submitAt[i] = now();
      try {
        const r = await conn.send(requests[i]);
        doneAt[i] = now();
        const j = JSON.parse(r.text);
        if (tracking ? j.result === hashes[i] : j.result !== undefined) {
          accepted[i] = 1;
          ok++;
        } else {
          rejected++;
          const code = j.error
            ? `${j.error.code} ${String(j.error.message).slice(0, 60)}`
            : `http ${r.status}`;
          rejectCodes[code] = (rejectCodes[code] ?? 0) + 1;
          firstError ??= r.text.slice(0, 300);
        }
      } catch (e) {
        doneAt[i] = now();
        errors++;
        firstError ??= String(e);
      }
    }
  }
  await Promise.all(Array.from({ length: c.concurrency }, lane));
  const tEnd = now();
  for (const l of lanes) l.close();
  const sent = next;
  // Drain: wait for every accepted tx to show up in a block.
  const drainUntil = now() + c.drainMs;
  while (tracking && included < ok && now() < drainUntil) await new Promise((r) => setTimeout(r, 20));
  await heads?.stop();
  agent.destroy();

  const lat = [];
  for (let i = 0; i < sent; i++) if (accepted[i] && includedAt[i] > 0) lat.push(includedAt[i] - submitAt[i]);
  lat.sort((a, b) => a - b);
  const seconds = (tEnd - t0) / 1000;
  const doneTimes = [];
  for (let i = 0; i < sent; i++) if (accepted[i]) doneTimes.push(doneAt[i]);
  return {
    sent,
    ok,
    rejected,
    errors,
    ...(firstError ? { firstError } : {}),
    rejectCodes,
    seconds,
    included,
    notIncluded: ok - included,
    // Throughput until included: accepted txs over first send → last inclusion.
    rate: !tracking
      ? windowRate(doneAt, accepted, sent, t0 + warmupMs, tEnd)
      : ok === 0
        ? 0
        : included / ((Math.max(lastInclusion, tEnd) - t0) / 1000),
    acceptRate: ok / seconds,
    p50: pct(lat, 50),
    p99: pct(lat, 99),
    max: lat.length ? lat[lat.length - 1] : null,
    perSecond: perSecondBuckets(doneTimes, t0, seconds),
    inclusionVia: heads?.how ?? "not tracked",
    cpuSeconds: cpuSeconds(cpu0),
  };
}

// ------------------------------------------------------------------------------------------
// read
// ------------------------------------------------------------------------------------------

async function read(c) {
  const bodies = readFileSync(c.file, "utf8").split("\n").filter(Boolean);
  const u = new URL(c.url);
  const reqs = bodies.map((b) => rawPost(u.host, b));
  const warmupMs = c.warmupMs ?? 0;
  let next = 0;
  let ok = 0;
  let bad = 0;
  let errors = 0;
  let firstError;
  let sent = 0;
  const times = [];
  const lat = [];
  let t0 = 0;
  let deadline = 0;
  let measuring = false;
  const cpu0 = process.cpuUsage();

  function conn() {
    return new Promise((resolve) => {
      const s = net.connect({ host: u.hostname, port: Number(u.port), noDelay: true });
      let buf = Buffer.alloc(0);
      let sentAt = 0;
      const send = () => {
        const t = now();
        if (t >= deadline || sent >= c.maxRequests) {
          s.end();
          resolve();
          return;
        }
        sent++;
        sentAt = t;
        s.write(reqs[next++ % reqs.length]);
      };
      s.on("connect", send);
      s.on("data", (d) => {
        buf = buf.length ? Buffer.concat([buf, d]) : d;
        for (;;) {
          const r = takeResponse(buf);
          if (!r) return;
          buf = r.rest;
          const body = r.body;
          const t = now();
          if (r.status === 200 && body.includes('"result":{')) {
            if (measuring) {
              ok++;
              times.push(t);
              lat.push(t - sentAt);
            }
          } else {
            bad++;
            firstError ??= `HTTP ${r.status} ${body.slice(0, 200)}`;
          }
          send();
        }
      });
      s.on("error", (e) => {
        errors++;
        firstError ??= String(e);
        resolve();
      });
      s.on("close", resolve);
    });
  }
  // Warm-up then the timed window, on the same connections.
  deadline = now() + warmupMs + c.durationMs;
  setTimeout(() => {
    measuring = true;
    t0 = now();
  }, warmupMs);
  await Promise.all(Array.from({ length: c.concurrency }, conn));
  const seconds = (now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return {
    sent,
    ok,
    rejected: bad,
    errors,
    ...(firstError ? { firstError } : {}),
    seconds,
    rate: ok / seconds,
    p50: pct(lat, 50),
    p99: pct(lat, 99),
    max: lat.length ? lat[lat.length - 1] : null,
    perSecond: perSecondBuckets(times, t0, seconds),
    cpuSeconds: cpuSeconds(cpu0),
  };
}
