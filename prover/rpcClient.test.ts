import { mkdtempSync, rmSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createApiServer } from "../api/server.ts";
import { bytesToHex } from "../chain/bytes.ts";
import { keccak256, utf8 } from "../chain/hash.ts";
import { TIER_TINY } from "../chain/params.ts";
import { FakeProverChain, rpcBackendOver } from "../test/helpers/fakeProverChain.ts";
import { TestAccount, TestChain } from "../test/helpers/testChain.ts";
import { createJsEngine } from "./engine/jsEngine.ts";
import { errorText, isTransientError, JsonRpcError, RpcTransportError } from "./errors.ts";
import { createProver } from "./proverClient.ts";
import { createRpcClient } from "./rpcClient.ts";

const FAST_BACKOFF = { initialMs: 1, maxMs: 5, jitter: 0 };

/** A port nothing listens on: bound, then released. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A canned JSON-RPC server: `answer` gets each request and returns [status, body, headers?, delayMs?]. */
type Answer = (
  req: { method: string; params: unknown[]; id: unknown },
  n: number,
) => [number, unknown, Record<string, string>?, number?];

let canned: FastifyInstance;
let cannedUrl: string;
let answer: Answer;
let requests: Array<{ method: string; params: unknown[] }> = [];

beforeAll(async () => {
  canned = Fastify();
  canned.post("/", async (request, reply) => {
    const body = request.body as { method: string; params: unknown[]; id: unknown };
    requests.push({ method: body.method, params: body.params });
    const [status, payload, headers, delayMs] = answer(body, requests.length);
    if (delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (headers) reply.headers(headers);
    reply.code(status).header("content-type", "application/json");
    return typeof payload === "string" ? payload : JSON.stringify(payload);
  });
  cannedUrl = await canned.listen({ host: "127.0.0.1", port: 0 });
});
afterAll(async () => {
  await canned.close();
});
afterEach(() => {
  requests = [];
});

const ok = (id: unknown, result: unknown): [number, unknown] => [200, { jsonrpc: "2.0", id, result }];

describe("createRpcClient against canned answers", () => {
  it("parses a result into domain values and sends the right request", async () => {
    answer = (req) =>
      ok(req.id, {
        address: `0x${"ab".repeat(20)}`,
        nonce: "0x3",
        pendingNonce: "0x5",
        credits: "0xde0b6b3a7640000",
      });
    const client = createRpcClient({ url: cannedUrl });
    const account = await client.getAccount(new Uint8Array(20).fill(0xab));
    expect(account).toEqual({ nonce: 3n, pendingNonce: 5n, credits: 10n ** 18n });
    expect(requests).toEqual([{ method: "flops_getAccount", params: [`0x${"ab".repeat(20)}`] }]);
  });

  it("surfaces a JSON-RPC error as JsonRpcError with code, message and data.code", async () => {
    answer = (req) => [
      200,
      {
        jsonrpc: "2.0",
        id: req.id,
        error: { code: -32602, message: "Invalid params: id", data: { code: "X", param: "id" } },
      },
    ];
    const client = createRpcClient({ url: cannedUrl });
    const err = await client.getChallenge(1n).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JsonRpcError);
    expect(err).toMatchObject({ rpcCode: -32602, message: "Invalid params: id", domainCode: "X" });
    expect((err as JsonRpcError).meta.data).toEqual({ code: "X", param: "id" });
    expect(isTransientError(err)).toBe(false);
    expect(requests).toHaveLength(1);
  });

  it("returns a rejected submission as a value with the domain code", async () => {
    answer = (req) => [
      200,
      {
        jsonrpc: "2.0",
        id: req.id,
        error: {
          code: -32003,
          message: "nonce too low (already used): next nonce is 4, got 2",
          data: { code: "NONCE_TOO_LOW", message: "next nonce is 4, got 2" },
        },
      },
    ];
    const client = createRpcClient({ url: cannedUrl });
    expect(await client.sendRawTransaction(Uint8Array.of(1, 2))).toEqual({
      ok: false,
      code: "NONCE_TOO_LOW",
      message: "next nonce is 4, got 2",
    });
    expect(requests[0]).toEqual({ method: "flops_sendRawTransaction", params: ["0x0102"] });
    answer = (req) => ok(req.id, `0x${"11".repeat(32)}`);
    expect(await client.sendRawTransaction(Uint8Array.of(1, 2))).toEqual({
      ok: true,
      hash: new Uint8Array(32).fill(0x11),
    });
  });

  it("retries after HTTP 429 (honouring retry-after) and then succeeds", async () => {
    answer = (req, n) =>
      n === 1
        ? [
            429,
            { jsonrpc: "2.0", id: req.id, error: { code: -32005, message: "Rate limit exceeded" } },
            { "retry-after": "0" },
          ]
        : ok(req.id, "0x2a");
    const client = createRpcClient({ url: cannedUrl, backoff: FAST_BACKOFF });
    expect(await client.blockNumber()).toBe(42n);
    expect(requests.map((r) => r.method)).toEqual(["eth_blockNumber", "eth_blockNumber"]);
  });

  it("caps a node's retry-after at maxRetryAfterMs (a node cannot park the prover)", async () => {
    answer = (req, n) =>
      n === 1
        ? [
            429,
            { jsonrpc: "2.0", id: req.id, error: { code: -32005, message: "slow down" } },
            { "retry-after": "3600" },
          ]
        : ok(req.id, "0x2a");
    const client = createRpcClient({ url: cannedUrl, backoff: FAST_BACKOFF, maxRetryAfterMs: 50 });
    const started = Date.now();
    expect(await client.blockNumber()).toBe(42n);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(requests).toHaveLength(2);
  });

  it("answers a temporary refusal (-32005 MEMPOOL_FULL) at once, without resending the tx", async () => {
    answer = (req) => [
      200,
      {
        jsonrpc: "2.0",
        id: req.id,
        error: {
          code: -32005,
          message: "mempool is full",
          data: { code: "MEMPOOL_FULL", message: "mempool is full" },
        },
      },
    ];
    const client = createRpcClient({ url: cannedUrl, backoff: FAST_BACKOFF });
    expect(await client.sendRawTransaction(Uint8Array.of(1))).toEqual({
      ok: false,
      code: "MEMPOOL_FULL",
      message: "mempool is full",
    });
    expect(requests).toHaveLength(1);
  });

  it("gives up after the retries on 5xx with a transient RpcTransportError", async () => {
    answer = () => [503, "upstream down"];
    const client = createRpcClient({ url: cannedUrl, retries: 2, backoff: FAST_BACKOFF });
    const err = await client.blockNumber().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcTransportError);
    expect(err).toMatchObject({ meta: { status: 503, transient: true } });
    expect(requests).toHaveLength(3);
  });

  it("times out a hanging request and retries it", async () => {
    // The first answer comes after the client's timeout.
    answer = (req, n) => [200, { jsonrpc: "2.0", id: req.id, result: "0x1" }, {}, n === 1 ? 1000 : 0];
    const client = createRpcClient({ url: cannedUrl, timeoutMs: 100, backoff: FAST_BACKOFF });
    expect(await client.blockNumber()).toBe(1n);
    expect(requests.length).toBeGreaterThanOrEqual(2);
  });

  it("reports an unreachable node as transient, and a non-JSON body or a refused port as not", async () => {
    const port = await closedPort();
    const down = createRpcClient({ url: `http://127.0.0.1:${port}`, retries: 0 });
    const err = await down.blockNumber().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcTransportError);
    expect((err as Error).message).toBe(`eth_blockNumber: node at http://127.0.0.1:${port} unreachable`);
    expect(errorText(err)).toMatch(/ECONNREFUSED/);
    expect(isTransientError(err)).toBe(true);

    // Port 1 is one of the Fetch standard's "bad ports": never retried.
    const bad = await createRpcClient({ url: "http://127.0.0.1:1" })
      .blockNumber()
      .catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: "RPC_TRANSPORT", meta: { transient: false } });
    expect((bad as Error).message).toMatch(/fetch refuses to connect to that port/);

    answer = () => [200, "<html>proxy</html>"];
    const html = await createRpcClient({ url: cannedUrl })
      .blockNumber()
      .catch((e: unknown) => e);
    expect(html).toMatchObject({ code: "RPC_TRANSPORT", meta: { transient: false } });
  });

  it("stops waiting as soon as its signal aborts", async () => {
    answer = () => [503, "down"];
    const ac = new AbortController();
    const client = createRpcClient({
      url: cannedUrl,
      retries: 100,
      backoff: { initialMs: 1000 },
      signal: ac.signal,
    });
    const pending = client.blockNumber().catch((e: unknown) => e);
    setTimeout(() => ac.abort(), 50);
    const err = await pending;
    expect((err as Error).name).toBe("AbortError");
  });
});

describe("response size", () => {
  it("refuses an answer above maxResponseBytes, streamed or declared, and aborts it (not transient)", async () => {
    const body = JSON.stringify({ jsonrpc: "2.0", id: 1, result: { genesis: "x".repeat(100_000) } });
    for (const headers of [{}, { "content-length": String(body.length) }]) {
      let signal: AbortSignal | undefined;
      const fetch = (async (_url: string, init: RequestInit) => {
        signal = init.signal ?? undefined;
        return new Response(body, { status: 200, headers });
      }) as typeof globalThis.fetch;
      const client = createRpcClient({ url: "http://node", maxResponseBytes: 64 * 1024 }, { fetch });
      const err = await client.genesis().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RpcTransportError);
      expect((err as Error).message).toBe(
        "flops_getGenesis: node at http://node answered more than 65536 bytes",
      );
      expect(isTransientError(err)).toBe(false);
      // The request was aborted, so the connection is closed rather than left to the node.
      expect(signal?.aborted).toBe(true);
    }
  });
});

describe("the prover over the real JSON-RPC server", () => {
  it("completes a challenge through HTTP, with every shape parsed from the server's JSON", async () => {
    const chain = new TestChain();
    const fake = new FakeProverChain(chain);
    const app = await createApiServer({
      rpc: { backend: rpcBackendOver(fake), limits: { rateLimit: false } },
    });
    const url = await app.listen({ host: "127.0.0.1", port: 0 });
    const dataDir = mkdtempSync(join(tmpdir(), "flops-prover-rpc-"));
    try {
      const client = createRpcClient({ url });
      expect(await client.params()).toEqual(chain.params);
      // flops_getGenesis: the exact canonical text, and its keccak256 beside it.
      expect(await client.genesis()).toBe(fake.genesisJson());
      expect(await client.call("flops_getGenesis")).toEqual({
        genesis: fake.genesisJson(),
        hash: bytesToHex(keccak256(utf8(fake.genesisJson()))),
      });
      const account = TestAccount.fromSeed(3, chain.params.l2ChainId);
      const prover = createProver(
        {
          privateKey: account.privateKey,
          dataDir,
          tier: TIER_TINY.name,
          maxChallenges: 1,
          pollIntervalMs: 1,
        },
        { chain: client, engine: createJsEngine() },
      );
      const errors: string[] = [];
      prover.onEvent((e) => {
        if (e.type === "error") errors.push(e.message);
      });
      const summary = await prover.run();
      expect(errors).toEqual([]);
      expect(summary).toMatchObject({ passed: 1, challenges: 1 });
      expect(summary.credits).toBeGreaterThan(0n);

      const node = await client.getNode(account.address);
      expect(node).toEqual(fake.nodeInfo(account.address));
      const challenge = await client.getChallenge(1n);
      expect(challenge).toEqual(chain.core.readState().getChallenge(1n));
      expect(await client.getChallenge(99n)).toBeUndefined();
      expect(await client.head()).toEqual({
        number: chain.core.head.header.number,
        timestampMs: chain.core.head.header.timestamp,
      });
      const sync = await client.syncStatus();
      expect(sync).toMatchObject({ syncing: false, currentL1: undefined, headL1: undefined });
    } finally {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
