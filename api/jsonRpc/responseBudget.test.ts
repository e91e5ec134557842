/**
 * The response budget on a real socket (issue 7 item 3): large answers are sized before they are
 * built, a batch stops at its budget, a block asked for many times is formatted once, and large
 * answers cost rate-limit tokens. Formatting is counted through the stored block's `senders`,
 * which formatting with full transactions reads once per tx and nothing else reads.
 */
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import type { StoredBlock } from "../ports.ts";
import { createApiServer } from "../server.ts";
import { FakeBackend, fakeAddress, fakeSignedTx } from "../testBackend.ts";
import type { RpcLimits } from "./plugin.ts";

let apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.map((a) => a.close()));
  apps = [];
});

async function serve(limits: Partial<RpcLimits>, backend: FakeBackend): Promise<string> {
  const app = await createApiServer({ rpc: { backend, limits: { rateLimit: false, ...limits } } });
  apps.push(app);
  return app.listen({ host: "127.0.0.1", port: 0 });
}

// biome-ignore lint/suspicious/noExplicitAny: responses are inspected loosely
async function post(url: string, body: unknown): Promise<{ status: number; json: any; length: number }> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text), length: text.length };
}

const getBlock = (n: bigint, fullTx: boolean, id: number) => ({
  jsonrpc: "2.0",
  id,
  method: "eth_getBlockByNumber",
  params: [`0x${n.toString(16)}`, fullTx],
});

/** A block of `count` reveals with `tileBytes` of tiles each; the raw tx holds them, as on chain. */
function revealBlock(backend: FakeBackend, count: number, tileBytes: number): StoredBlock {
  const tiles = new Uint8Array(tileBytes).fill(0xab);
  const raw = new Uint8Array(tileBytes + 120).fill(0xcd);
  const txs = Array.from({ length: count }, (_, i) => {
    const signed = fakeSignedTx(
      { kind: "reveal", challengeId: BigInt(i), tiles, proof: new Uint8Array(32) },
      BigInt(i),
      `reveal-${backend.blocks.length}-${i}`,
    );
    return { tx: { ...signed, raw }, from: fakeAddress(i) };
  });
  return backend.addBlock({ txs });
}

/** How many times `stored` has been formatted with its transactions. */
function fullFormats(stored: StoredBlock): () => number {
  let n = 0;
  const senders = new Proxy(stored.senders, {
    get(target, key, receiver) {
      if (key === "0") n++;
      return Reflect.get(target, key, receiver);
    },
  });
  Object.defineProperty(stored, "senders", { value: senders });
  return () => n;
}

describe("response budget", () => {
  it("a batch of 100 full-tx calls for an 8 MiB block: answered at once, nothing formatted, a clear error each", async () => {
    const backend = new FakeBackend();
    const block = revealBlock(backend, 64, 128 * 1024); // 64 × 128 KiB = 8 MiB of txs
    const formats = fullFormats(block);
    const url = await serve({}, backend); // default limits: 25 MiB per response
    const heapBefore = process.memoryUsage().heapUsed;

    const r = await post(
      url,
      Array.from({ length: 100 }, (_, i) => getBlock(1n, true, i)),
    );
    expect(r.status).toBe(200);
    expect(r.json).toHaveLength(100);
    expect(r.json[0].error.code).toBe(-32005);
    expect(r.json[0].error.message).toMatch(
      /^Response size limit exceeded: this answer is about \d+ bytes and 26214400 of the 26214400-byte limit are left; ask for the block without full transactions and read them with flops_getTransaction$/,
    );
    for (const answer of r.json.slice(1)) expect(answer.error.code).toBe(-32005);
    expect(formats()).toBe(0);
    // Formatting all of them would have taken gigabytes (the crash of issue 7).
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(200 * 1024 * 1024);

    // The same block without full transactions is small, and served; the node is fine.
    const hashes = await post(url, getBlock(1n, false, 1));
    expect(hashes.json.result.transactions).toHaveLength(64);
  });

  for (const async of [false, true]) {
    it(`a batch stops at its budget: a repeated block is formatted once, the rest refused (${async ? "async" : "sync"} backend)`, async () => {
      const backend = new FakeBackend({ async });
      const block = revealBlock(backend, 4, 64 * 1024); // ~1 MiB of JSON with full txs
      const formats = fullFormats(block);
      const url = await serve({ maxResponseBytes: 4 * 1024 * 1024 }, backend);

      const r = await post(
        url,
        Array.from({ length: 100 }, (_, i) => getBlock(1n, true, i)),
      );
      expect(r.status).toBe(200);
      const answered = r.json.filter((a: { result?: unknown }) => a.result !== undefined);
      expect(answered).toHaveLength(3);
      expect(answered[0].result.transactions).toHaveLength(4);
      expect(r.json.slice(3).every((a: { error?: { code: number } }) => a.error?.code === -32005)).toBe(true);
      expect(r.length).toBeLessThan(4 * 1024 * 1024 + 100 * 200);
      // Built once; the other two answers came from the cache, the refused ones were never built.
      expect(formats()).toBe(1);
    });
  }

  it("distinct large blocks: formatting stops at the first that does not fit, and later calls never run", async () => {
    const backend = new FakeBackend();
    const blocks = Array.from({ length: 10 }, () => revealBlock(backend, 4, 64 * 1024));
    const counters = blocks.map(fullFormats);
    let reads = 0;
    const read = backend.getBlockByNumber.bind(backend);
    backend.getBlockByNumber = (n) => {
      reads++;
      return read(n);
    };
    const url = await serve({ maxResponseBytes: Math.floor(2.5 * 1024 * 1024) }, backend);

    const r = await post(
      url,
      blocks.map((b, i) => getBlock(b.block.header.number, true, i)),
    );
    expect(r.json.slice(0, 2).map((a: { result: { number: string } }) => a.result.number)).toEqual([
      "0x1",
      "0x2",
    ]);
    expect(r.json[2].error.message).toMatch(
      /this answer is about \d+ bytes and \d+ of the 2621440-byte limit/,
    );
    expect(r.json[3].error.message).toBe(
      "Response size limit exceeded: the answers of this request passed 2621440 bytes",
    );
    expect(counters.map((c) => c())).toEqual([1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    // Stop early: after the refusal the batch's calls do not even read the store.
    expect(reads).toBe(3);
  });

  it("a large answer costs rate-limit tokens by its size: the client's next call waits", async () => {
    const backend = new FakeBackend();
    revealBlock(backend, 4, 64 * 1024); // ~1 MiB: 16 tokens at 64 KiB each
    const url = await serve(
      { maxBatch: 10, rateLimit: { perSecond: 1, burst: 10, bytesPerToken: 64 * 1024 } },
      backend,
    );
    const big = await post(url, getBlock(1n, true, 1));
    expect(big.json.result.transactions).toHaveLength(4);
    const next = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "eth_chainId" }),
    });
    expect(next.status).toBe(429);
    // 10 − 1 (arrival) − 16 (size): 7 tokens of debt, plus the one the call needs, at 1 per second.
    expect(Number(next.headers.get("retry-after"))).toBeGreaterThanOrEqual(7);
  });
});
