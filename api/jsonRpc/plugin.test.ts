/**
 * The JSON-RPC plugin over HTTP, every case on both of its paths: the lean node:http path
 * (leanPost.ts) that a real client reaches, and fastify's route (`app.inject`, and what a
 * `trustProxy` server uses). Each answer must be the same on both.
 */
import { type IncomingHttpHeaders, request } from "node:http";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import pino from "pino";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { MEMPOOL_ERROR, TX_ERROR, TX_ERROR_MESSAGE } from "../../chain/errors.ts";
import { keccak256 } from "../../chain/hash.ts";
import { hex } from "../../rpc/json.ts";
import { createApiServer } from "../server.ts";
import { FakeBackend, fakeAddress, fakeHash, fakeSignedTx } from "../testBackend.ts";
import { EMPTY_UNCLES_HASH } from "./ethBlock.ts";
import { LeanPost } from "./leanPost.ts";
import type { RpcLimits } from "./plugin.ts";

interface Reply {
  status: number;
  headers: Record<string, unknown>;
  body: string;
  // biome-ignore lint/suspicious/noExplicitAny: test responses are inspected loosely
  json: any;
}

let apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.map((a) => a.close()));
  apps = [];
});

async function setup(
  opts: { limits?: Partial<RpcLimits>; async?: boolean; clock?: () => number; logLines?: string[] } = {},
) {
  const backend = new FakeBackend({ async: opts.async ?? false });
  const lines = opts.logLines;
  const logger =
    lines === undefined ? undefined : pino({ level: "error" }, { write: (s: string) => void lines.push(s) });
  const app = await createApiServer({
    rpc: {
      backend,
      limits: { rateLimit: false, ...opts.limits },
      ...(opts.clock === undefined ? {} : { clock: opts.clock }),
    },
    ...(logger === undefined ? {} : { logger }),
  });
  apps.push(app);
  await app.listen({ host: "127.0.0.1", port: 0 });
  return { app, backend };
}

type Transport = "lean" | "inject";
let transport: Transport = "lean";
const leanServe = vi.spyOn(LeanPost.prototype, "serve");

/** POST / on the current transport; `otherClient`: from another address than the other calls. */
async function post(
  app: FastifyInstance,
  payload: unknown,
  opts: { raw?: boolean; contentType?: string | null; otherClient?: boolean } = {},
): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (opts.contentType !== null) headers["content-type"] = opts.contentType ?? "application/json";
  const body = opts.raw ? (payload as string) : JSON.stringify(payload);
  const res =
    transport === "inject"
      ? await app.inject({
          method: "POST",
          url: "/",
          headers,
          payload: body,
          ...(opts.otherClient ? { remoteAddress: "10.0.0.2" } : {}),
        })
      : await overSocket(app, "POST", body, headers, opts.otherClient ? "127.0.0.2" : undefined);
  const resBody = "body" in res ? res.body : "";
  return {
    status: res.statusCode,
    headers: res.headers,
    body: resBody,
    json: resBody === "" ? undefined : JSON.parse(resBody),
  };
}

/** A request on a real socket; with an application/json body it must have taken the lean path. */
function overSocket(
  app: FastifyInstance,
  method: string,
  body: string,
  headers: Record<string, string>,
  localAddress?: string,
): Promise<{ statusCode: number; headers: IncomingHttpHeaders; body: string }> {
  const { port } = app.server.address() as AddressInfo;
  const leanBefore = leanServe.mock.results.filter((r) => r.value === true).length;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method,
        path: "/",
        headers:
          method === "GET" ? headers : { ...headers, "content-length": String(Buffer.byteLength(body)) },
        ...(localAddress === undefined ? {} : { localAddress }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const lean = leanServe.mock.results.filter((r) => r.value === true).length > leanBefore;
          if (method === "POST" && headers["content-type"]?.startsWith("application/json") && !lean)
            reject(new Error("not served by the lean path"));
          resolve({
            statusCode: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          });
        });
      },
    );
    req.on("error", reject);
    req.end(method === "GET" ? undefined : body);
  });
}

const call = (method: string, params: unknown = [], id: unknown = 1) => ({
  jsonrpc: "2.0",
  id,
  method,
  params,
});

async function result(app: FastifyInstance, method: string, params: unknown = []) {
  const r = await post(app, call(method, params));
  expect(r.status).toBe(200);
  expect(r.json.error).toBeUndefined();
  return r.json.result;
}

/** After every error path: the server still answers a plain call. */
async function stillServes(app: FastifyInstance) {
  const r = await post(app, call("eth_chainId", [], 99));
  expect(r.status).toBe(200);
  expect(r.json).toEqual({ jsonrpc: "2.0", id: 99, result: "0xf10b5" });
}

describe.each(["lean", "inject"] as const)("over %s", (kind) => {
  beforeAll(() => {
    transport = kind;
  });

  describe("facade methods", () => {
    it("eth_chainId, net_version, web3_clientVersion, eth_blockNumber", async () => {
      const { app, backend } = await setup();
      expect(await result(app, "eth_chainId")).toBe("0xf10b5");
      expect(await result(app, "net_version")).toBe("987317");
      expect(await result(app, "web3_clientVersion")).toBe("flops/test");
      expect(await result(app, "eth_blockNumber")).toBe("0x0");
      backend.addBlock();
      backend.addBlock();
      expect(await result(app, "eth_blockNumber")).toBe("0x2");
    });

    it("eth_getBlockByNumber: Ethereum-shaped header, seconds timestamp, tags, hashes", async () => {
      const { app, backend } = await setup();
      const from = fakeAddress(1);
      const tx = fakeSignedTx({ kind: "register" }, 0n);
      backend.addBlock();
      const b2 = backend.addBlock({
        systemTxs: [{ kind: "beacon", round: 42n, signature: new Uint8Array(48).fill(7) }],
        txs: [{ tx, from }],
      });
      const block = await result(app, "eth_getBlockByNumber", ["latest", false]);
      expect(block).toMatchObject({
        number: "0x2",
        hash: hex(b2.hash),
        parentHash: hex(backend.blocks[1]!.hash),
        timestamp: `0x${((1_700_000_000_500n + 1200n) / 1000n).toString(16)}`,
        timestampMs: `0x${(1_700_000_000_500n + 1200n).toString(16)}`,
        transactionsRoot: hex(b2.block.header.txRoot),
        stateRoot: hex(b2.block.header.stateRoot),
        receiptsRoot: hex(b2.block.header.receiptsRoot),
        miner: `0x${"00".repeat(20)}`,
        gasLimit: "0x0",
        gasUsed: "0x0",
        baseFeePerGas: "0x0",
        difficulty: "0x0",
        nonce: "0x0000000000000000",
        sha3Uncles: EMPTY_UNCLES_HASH,
        logsBloom: `0x${"00".repeat(256)}`,
        extraData: "0x",
        uncles: [],
        transactions: [hex(b2.receipts[0]!.txHash), hex(tx.hash)],
      });
      expect(await result(app, "eth_getBlockByNumber", ["0x1"])).toMatchObject({ number: "0x1" });
      expect(await result(app, "eth_getBlockByNumber", ["earliest", false])).toMatchObject({ number: "0x0" });
      expect(await result(app, "eth_getBlockByNumber", ["pending", false])).toMatchObject({ number: "0x2" });
      expect(await result(app, "eth_getBlockByNumber", ["finalized", false])).toMatchObject({
        number: "0x0",
      });
      expect(await result(app, "eth_getBlockByNumber", ["0x9", false])).toBeNull();
      // Same answer twice (the second from the cache).
      const again = await post(app, call("eth_getBlockByNumber", ["latest", false]));
      expect(again.json.result).toEqual(block);
    });

    it("eth_getBlockByNumber fullTx: system txs first, then signed txs with from/r/s/v", async () => {
      const { app, backend } = await setup();
      const from = fakeAddress(3);
      const tx = fakeSignedTx({ kind: "commit", challengeId: 5n, root: fakeHash("root") }, 4n);
      const b = backend.addBlock({
        systemTxs: [{ kind: "deposit", depositId: 9n, to: from, amount: 10n ** 18n, l1BlockNumber: 77n }],
        txs: [{ tx, from }],
      });
      const block = await result(app, "eth_getBlockByNumber", ["0x1", true]);
      expect(block.transactions).toHaveLength(2);
      expect(block.transactions[0]).toMatchObject({
        hash: hex(b.receipts[0]!.txHash),
        transactionIndex: "0x0",
        blockHash: hex(b.hash),
        blockNumber: "0x1",
        from: `0x${"00".repeat(20)}`,
        flops: {
          kind: "deposit",
          depositId: "0x9",
          to: hex(from),
          amount: "0xde0b6b3a7640000",
          l1BlockNumber: "0x4d",
        },
      });
      expect(block.transactions[1]).toMatchObject({
        hash: hex(tx.hash),
        transactionIndex: "0x1",
        from: hex(from),
        to: null,
        nonce: "0x4",
        input: hex(tx.raw),
        chainId: "0xf10b5",
        r: hex(tx.signature.subarray(0, 32)),
        s: hex(tx.signature.subarray(32, 64)),
        v: "0x1",
        flops: { kind: "commit", challengeId: "0x5", root: hex(fakeHash("root")) },
      });
    });

    it("eth_getBlockByHash, eth_syncing", async () => {
      const { app, backend } = await setup();
      const b = backend.addBlock();
      expect(await result(app, "eth_getBlockByHash", [hex(b.hash), false])).toMatchObject({ number: "0x1" });
      expect(await result(app, "eth_getBlockByHash", [hex(fakeHash("nope"))])).toBeNull();
      expect(await result(app, "eth_syncing")).toBe(false);
      backend.catchingUp = { startingBlock: 0n, highestBlock: 50n };
      expect(await result(app, "eth_syncing")).toEqual({
        startingBlock: "0x0",
        currentBlock: "0x1",
        highestBlock: "0x32",
      });
    });
  });

  describe("flops methods", () => {
    it("flops_sendRawTransaction: hash on success, domain reasons on rejection", async () => {
      const { app, backend } = await setup();
      const raw = new Uint8Array([1, 2, 3]);
      expect(await result(app, "flops_sendRawTransaction", ["0x010203"])).toBe(hex(keccak256(raw)));
      expect(backend.submitted.at(-1)).toEqual(raw);

      // Malformed bytes (the chain could not decode them): -32000 invalid input.
      let r = await post(app, call("flops_sendRawTransaction", ["0xff00"]));
      expect(r.json.error).toEqual({
        code: -32000,
        message: TX_ERROR_MESSAGE.MALFORMED,
        data: { code: "MALFORMED", message: TX_ERROR_MESSAGE.MALFORMED },
      });

      backend.submit = () => ({ ok: false, code: TX_ERROR.NONCE_TOO_LOW, message: "nonce 3 < next nonce 5" });
      r = await post(app, call("flops_sendRawTransaction", ["0x01"]));
      expect(r.json.error).toEqual({
        code: -32003,
        message: `${TX_ERROR_MESSAGE.NONCE_TOO_LOW}: nonce 3 < next nonce 5`,
        data: { code: "NONCE_TOO_LOW", message: "nonce 3 < next nonce 5" },
      });

      backend.submit = async () => ({
        ok: false,
        code: MEMPOOL_ERROR.MEMPOOL_FULL,
        message: "mempool is full",
      });
      r = await post(app, call("flops_sendRawTransaction", ["0x01"]));
      expect(r.json.error).toMatchObject({ code: -32005, data: { code: "MEMPOOL_FULL" } });

      backend.submit = () => ({ ok: false, code: "SOMETHING_NEW" as never, message: "a newer backend code" });
      r = await post(app, call("flops_sendRawTransaction", ["0x01"]));
      expect(r.json.error).toMatchObject({ code: -32003, data: { code: "SOMETHING_NEW" } });

      // Not hex at all: invalid params, the backend never sees it.
      const before = backend.submitted.length;
      r = await post(app, call("flops_sendRawTransaction", ["0x0g"]));
      expect(r.json.error.code).toBe(-32602);
      expect(backend.submitted.length).toBe(before);
      await stillServes(app);
    });

    it("flops_getTransaction / flops_getTransactionReceipt", async () => {
      const { app, backend } = await setup();
      const from = fakeAddress(2);
      const tx = fakeSignedTx({ kind: "transfer", to: fakeAddress(9), amount: 5n }, 1n);
      const b = backend.addBlock({
        systemTxs: [{ kind: "revoke", challengeId: 3n, l1BlockNumber: 12n }],
        txs: [{ tx, from, receipt: { status: "failed", error: "INSUFFICIENT_CREDITS" } }],
      });
      expect(await result(app, "flops_getTransaction", [hex(tx.hash)])).toEqual({
        hash: hex(tx.hash),
        system: false,
        from: hex(from),
        chainId: "0xf10b5",
        nonce: "0x1",
        action: { kind: "transfer", to: hex(fakeAddress(9)), amount: "0x5" },
        signature: hex(tx.signature),
        raw: hex(tx.raw),
        blockHash: hex(b.hash),
        blockNumber: "0x1",
        transactionIndex: 1,
      });
      expect(await result(app, "flops_getTransaction", [hex(b.receipts[0]!.txHash)])).toMatchObject({
        system: true,
        from: null,
        action: { kind: "revoke", challengeId: "0x3", l1BlockNumber: "0xc" },
        transactionIndex: 0,
      });
      expect(await result(app, "flops_getTransactionReceipt", [hex(tx.hash)])).toEqual({
        transactionHash: hex(tx.hash),
        status: "failed",
        error: "INSUFFICIENT_CREDITS",
        challengeId: null,
        credits: null,
        blockHash: hex(b.hash),
        blockNumber: "0x1",
        transactionIndex: 1,
      });
      expect(await result(app, "flops_getTransaction", [hex(fakeHash("unknown"))])).toBeNull();
      expect(await result(app, "flops_getTransactionReceipt", [hex(fakeHash("unknown"))])).toBeNull();
    });

    it("flops_getAccount, flops_getNode, flops_listNodes, flops_getChallenge", async () => {
      const { app, backend } = await setup();
      const a = fakeAddress(1);
      backend.setAccount(a, { nonce: 3n, credits: 2n ** 70n });
      expect(await result(app, "flops_getAccount", [hex(a)])).toEqual({
        address: hex(a),
        nonce: "0x3",
        pendingNonce: "0x3",
        credits: "0x400000000000000000",
      });
      expect(await result(app, "flops_getAccount", [hex(fakeAddress(200))])).toMatchObject({
        nonce: "0x0",
        credits: "0x0",
      });

      for (let i = 1; i <= 5; i++) backend.addNode(fakeAddress(i));
      const node = await result(app, "flops_getNode", [hex(fakeAddress(1))]);
      expect(node).toMatchObject({
        address: hex(fakeAddress(1)),
        credits: "0x3635c9adc5dea00000",
        multiplierBps: "0x32c8",
        streak: 3,
        passed: 5,
        failed: 1,
        expired: 2,
        provenThroughput: "0x75bcd15",
        lastLiveEpoch: "0x7",
      });
      expect(await result(app, "flops_getNode", [hex(fakeAddress(77))])).toBeNull();

      const page1 = await result(app, "flops_listNodes", [{ limit: 2 }]);
      expect(page1.nodes.map((n: { address: string }) => n.address)).toEqual([
        hex(fakeAddress(1)),
        hex(fakeAddress(2)),
      ]);
      expect(typeof page1.nextCursor).toBe("string");
      const page2 = await result(app, "flops_listNodes", [{ limit: 10, cursor: page1.nextCursor }]);
      expect(page2.nodes).toHaveLength(3);
      expect(page2.nextCursor).toBeNull();
      expect((await result(app, "flops_listNodes")).nodes).toHaveLength(5);

      backend.challenges.set(7n, {
        id: 7n,
        node: fakeAddress(1),
        tier: 100,
        status: "COMMITTED",
        t0: 1000n,
        r1: 55n,
        activeAt: 4000n,
        tc: 6000n,
        root: fakeHash("r"),
        deadline: 9000n,
      });
      expect(await result(app, "flops_getChallenge", ["0x7"])).toEqual({
        id: "0x7",
        node: hex(fakeAddress(1)),
        tier: 100,
        status: "COMMITTED",
        expiredFrom: null,
        t0: "0x3e8",
        r1: "0x37",
        r1Signature: null,
        activeAt: "0xfa0",
        tc: "0x1770",
        root: hex(fakeHash("r")),
        r2: null,
        r2Signature: null,
        deadline: "0x2328",
        openingsDigest: null,
        credits: null,
        settledAt: null,
      });
      expect(await result(app, "flops_getChallenge", ["0x8"])).toBeNull();
    });

    it("flops_syncStatus and flops_getParams (bigints as quantities, bytes as hex)", async () => {
      const { app, backend } = await setup();
      backend.addBlock();
      const s = await result(app, "flops_syncStatus");
      expect(s).toMatchObject({
        unsafeL2: { number: "0x1", hash: hex(backend.head.hash) },
        safeL2: { number: "0x0" },
        finalizedL2: { number: "0x0" },
        currentL1: null,
        headL1: { number: "0xc8" },
        syncing: false,
      });
      const p = await result(app, "flops_getParams");
      expect(p.l2ChainId).toBe("0xf10b5");
      expect(p.maxTxBytes).toBe(128 * 1024);
      expect(p.beacon.publicKey).toMatch(/^0x83cf0f28/);
      expect(p.tiers[0]).toMatchObject({ id: 1, n: 2048, commitWindowMs: "0x7530" });
    });

    it("params by name (JSON-RPC 2.0 named params)", async () => {
      const { app } = await setup();
      expect(await result(app, "eth_getBlockByNumber", { block: "latest", fullTx: false })).toMatchObject({
        number: "0x0",
      });
      const r = await post(app, call("eth_getBlockByNumber", { blok: "latest" }));
      expect(r.json.error).toMatchObject({
        code: -32602,
        message: 'invalid params: eth_getBlockByNumber has no param "blok"',
      });
    });

    it("async backends answer the same", async () => {
      const { app, backend } = await setup({ async: true });
      backend.addBlock();
      expect(await result(app, "eth_blockNumber")).toBe("0x1");
      expect(await result(app, "eth_getBlockByNumber", ["latest", false])).toMatchObject({ number: "0x1" });
      const batch = await post(app, [
        call("eth_blockNumber", [], 1),
        call("eth_chainId", [], 2),
        call("nope", [], 3),
      ]);
      expect(batch.json.map((r: { id: number }) => r.id)).toEqual([1, 2, 3]);
      expect(batch.json[2].error.code).toBe(-32601);
    });
  });

  describe("protocol errors (each followed by a successful call)", () => {
    it("parse error -32700: malformed JSON, empty body", async () => {
      const { app } = await setup();
      for (const raw of ['{"jsonrpc":"2.0",', "", "nul", "[1,]"]) {
        const r = await post(app, raw, { raw: true });
        expect(r.status).toBe(200);
        expect(r.json).toEqual({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error" } });
        await stillServes(app);
      }
    });

    it("invalid request -32600: jsonrpc ≠ 2.0, bad method, bad id, not an object", async () => {
      const { app } = await setup();
      let r = await post(app, { jsonrpc: "1.0", id: 4, method: "eth_chainId" });
      expect(r.json).toEqual({
        jsonrpc: "2.0",
        id: 4,
        error: { code: -32600, message: 'Invalid request: jsonrpc must be "2.0"' },
      });
      r = await post(app, { id: 5, method: "eth_chainId" });
      expect(r.json.error.code).toBe(-32600);
      r = await post(app, { jsonrpc: "2.0", id: 6, method: 12 });
      expect(r.json).toMatchObject({
        id: 6,
        error: { code: -32600, message: "Invalid request: method must be a string" },
      });
      r = await post(app, { jsonrpc: "2.0", id: 6 });
      expect(r.json.error.code).toBe(-32600);
      r = await post(app, { jsonrpc: "2.0", id: { a: 1 }, method: "eth_chainId" });
      expect(r.json).toMatchObject({ id: null, error: { code: -32600 } });
      r = await post(app, 42);
      expect(r.json).toMatchObject({ id: null, error: { code: -32600 } });
      // An invalid request without an id is not a notification: it is still answered.
      r = await post(app, { jsonrpc: "1.0", method: "eth_chainId" });
      expect(r.json).toMatchObject({ id: null, error: { code: -32600 } });
      // id null and string ids are ordinary requests.
      expect((await post(app, call("eth_chainId", [], null))).json).toEqual({
        jsonrpc: "2.0",
        id: null,
        result: "0xf10b5",
      });
      expect((await post(app, call("eth_chainId", [], 'a"b'))).json.id).toBe('a"b');
      await stillServes(app);
    });

    it("batches: empty → one -32600, over the limit → one -32600 naming it, mixed items answered in order", async () => {
      const { app } = await setup({ limits: { maxBatch: 6, rateLimit: false } });
      let r = await post(app, []);
      expect(r.json).toEqual({
        jsonrpc: "2.0",
        id: null,
        error: { code: -32600, message: "Invalid request: empty batch" },
      });
      await stillServes(app);

      r = await post(
        app,
        Array.from({ length: 7 }, (_, i) => call("eth_chainId", [], i)),
      );
      expect(Array.isArray(r.json)).toBe(false);
      expect(r.json).toEqual({
        jsonrpc: "2.0",
        id: null,
        error: { code: -32600, message: "Batch too large: at most 6 requests per batch", data: { limit: 6 } },
      });
      await stillServes(app);

      r = await post(app, [
        call("eth_chainId", [], 1),
        { jsonrpc: "2.0", method: "eth_chainId" }, // notification: no entry
        1, // not a request
        call("eth_getBlockByNumber", [7], 2),
        call("no_such_method", [], 3),
        call("eth_call", [], 4),
      ]);
      expect(r.json).toEqual([
        { jsonrpc: "2.0", id: 1, result: "0xf10b5" },
        {
          jsonrpc: "2.0",
          id: null,
          error: { code: -32600, message: "Invalid request: expected a request object" },
        },
        {
          jsonrpc: "2.0",
          id: 2,
          error: {
            code: -32602,
            message:
              'invalid params: invalid param 0 "block": expected a block number (0x-hex quantity without leading zeros) or one of "latest", "earliest", "pending", "safe", "finalized"',
            data: expect.objectContaining({ param: "block", index: 0 }),
          },
        },
        { jsonrpc: "2.0", id: 3, error: { code: -32601, message: "Method not found: no_such_method" } },
        {
          jsonrpc: "2.0",
          id: 4,
          error: { code: -32004, message: "Method not supported: eth_call", data: { method: "eth_call" } },
        },
      ]);
      // Nested batches are not requests.
      r = await post(app, [[call("eth_chainId")]]);
      expect(r.json).toEqual([
        { jsonrpc: "2.0", id: null, error: expect.objectContaining({ code: -32600 }) },
      ]);
      await stillServes(app);
    });

    it("notifications get no response (204), even when they fail", async () => {
      const { app } = await setup();
      let r = await post(app, { jsonrpc: "2.0", method: "eth_chainId" });
      expect(r.status).toBe(204);
      expect(r.body).toBe("");
      r = await post(app, [
        { jsonrpc: "2.0", method: "eth_blockNumber" },
        { jsonrpc: "2.0", method: "no_such_method" },
        { jsonrpc: "2.0", method: "eth_getBlockByHash", params: ["0x1"] },
      ]);
      expect(r.status).toBe(204);
      await stillServes(app);
    });

    it("invalid params -32602: type, missing, too many, name and expectation in the message", async () => {
      const { app } = await setup();
      const cases: [string, unknown, string][] = [
        ["eth_getBlockByHash", [123], 'invalid param 0 "blockHash": expected a 32-byte 0x-hex string'],
        ["eth_getBlockByHash", ["0x1234"], 'invalid param 0 "blockHash"'],
        ["eth_getBlockByNumber", ["latest", "yes"], 'invalid param 1 "fullTx": expected a boolean'],
        ["eth_getBlockByNumber", ["0x01"], "without leading zeros"],
        ["eth_getBlockByNumber", [], 'missing param 0 "block"'],
        ["flops_getAccount", ["0xabc"], 'invalid param 0 "address": expected a 20-byte 0x-hex address'],
        ["flops_getChallenge", [7], 'invalid param 0 "id": expected a 0x-hex quantity'],
        ["flops_getChallenge", [`0x1${"0".repeat(16)}`], "at most 64 bits"],
        ["flops_sendRawTransaction", ["0x123"], 'invalid param 0 "tx": expected non-empty 0x-hex bytes'],
        ["flops_sendRawTransaction", ["0x"], 'invalid param 0 "tx"'],
        ["flops_listNodes", [{ limit: 0 }], 'invalid param 0 "page"'],
        ["flops_listNodes", [{ limit: 101 }], "integer 1..100"],
        ["flops_listNodes", [{ limt: 5 }], 'invalid param 0 "page"'],
        ["eth_chainId", [1], "eth_chainId takes no params"],
        [
          "eth_getBlockByHash",
          [hex(fakeHash("x")), false, 3],
          "too many params, eth_getBlockByHash takes at most 2",
        ],
        ["eth_blockNumber", "latest", "params must be an array or an object"],
        ["eth_subscribe", ["logs"], 'invalid param 0 "subscription": expected one of "newHeads"'],
      ];
      for (const [method, params, message] of cases) {
        const r = await post(app, call(method, params));
        expect(r.status, method).toBe(200);
        expect(r.json.error.code, `${method} ${JSON.stringify(params)}`).toBe(-32602);
        expect(r.json.error.message).toContain(message);
      }
      await stillServes(app);
    });

    it("unknown method -32601; known-but-unsupported eth_* -32004; eth_subscribe over HTTP -32004", async () => {
      const { app } = await setup();
      let r = await post(app, call("eth_foo"));
      expect(r.json.error).toEqual({ code: -32601, message: "Method not found: eth_foo" });
      r = await post(app, call("x".repeat(1000)));
      expect(r.json.error.message.length).toBeLessThan(100);
      for (const m of [
        "eth_call",
        "eth_getBalance",
        "eth_estimateGas",
        "eth_gasPrice",
        "eth_getLogs",
        "eth_accounts",
      ]) {
        r = await post(app, call(m, [{ to: "0x00" }, "latest"]));
        expect(r.json.error.code, m).toBe(-32004);
      }
      r = await post(app, call("eth_sendRawTransaction", ["0x01"]));
      expect(r.json.error.message).toBe(
        "Method not supported: eth_sendRawTransaction (use flops_sendRawTransaction)",
      );
      r = await post(app, call("eth_subscribe", ["newHeads"]));
      expect(r.json.error.code).toBe(-32004);
      await stillServes(app);
    });

    it("internal error -32603: logged with the method, nothing leaked", async () => {
      const logLines: string[] = [];
      const { app, backend } = await setup({ logLines });
      backend.getChallenge = () => {
        throw new Error("db exploded at /secret/path");
      };
      let r = await post(app, call("flops_getChallenge", ["0x1"]));
      expect(r.json).toEqual({ jsonrpc: "2.0", id: 1, error: { code: -32603, message: "Internal error" } });
      expect(r.body).not.toContain("secret");
      backend.getNode = async () => {
        throw new Error("async failure");
      };
      r = await post(app, call("flops_getNode", [hex(fakeAddress(1))]));
      expect(r.json.error).toEqual({ code: -32603, message: "Internal error" });
      // A handler result JSON cannot carry (a bigint) is an internal error too, not a crash.
      backend.getAccount = () => ({ nonce: 1n, credits: 1n, extra: 5n }) as never;
      backend.clientVersion = () => 5n as never;
      r = await post(app, call("web3_clientVersion"));
      expect(r.json.error.code).toBe(-32603);
      expect(logLines.length).toBe(3);
      expect(JSON.parse(logLines[0]!)).toMatchObject({
        module: "rpc",
        method: "flops_getChallenge",
        msg: "rpc method failed",
      });
      await stillServes(app);
    });

    it("batch responses past maxResponseBytes become -32005", async () => {
      const { app } = await setup({ limits: { maxResponseBytes: 2500, rateLimit: false } });
      const r = await post(
        app,
        Array.from({ length: 4 }, (_, i) => call("eth_getBlockByNumber", ["latest", false], i)),
      );
      expect(r.json).toHaveLength(4);
      expect(r.json[0].result.number).toBe("0x0");
      expect(r.json[3]).toEqual({
        jsonrpc: "2.0",
        id: 3,
        error: {
          code: -32005,
          message: "Response size limit exceeded: the answers of this request passed 2500 bytes",
          data: { limit: 2500 },
        },
      });
    });
  });

  describe("HTTP limits", () => {
    it("body over the limit → 413 with a JSON-RPC error body", async () => {
      const { app } = await setup({ limits: { bodyLimit: 1000, rateLimit: false } });
      const big = call("flops_sendRawTransaction", [`0x${"ab".repeat(600)}`]);
      const r = await post(app, big);
      expect(r.status).toBe(413);
      expect(r.json).toEqual({
        jsonrpc: "2.0",
        id: null,
        error: { code: -32005, message: "Request body too large: limit is 1000 bytes" },
      });
      await stillServes(app);
    });

    it("content type must be JSON → 415", async () => {
      const { app } = await setup();
      for (const contentType of ["text/plain", "application/x-www-form-urlencoded", null]) {
        const r = await post(app, call("eth_chainId"), { contentType });
        expect(r.status, String(contentType)).toBe(415);
        expect(r.json).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: -32600 } });
      }
      const ok = await post(app, call("eth_chainId"), { contentType: "application/json; charset=utf-8" });
      expect(ok.json.result).toBe("0xf10b5");
      await stillServes(app);
    });

    it("rate limit: 429 + retry-after, a token on arrival, batches count per call, per IP, refills", async () => {
      let now = 0;
      const { app } = await setup({
        limits: { maxBatch: 5, rateLimit: { perSecond: 2, burst: 5 } },
        clock: () => now,
      });
      // A batch of 4 takes 4 of 5 tokens (one on arrival, three once parsed).
      let r = await post(
        app,
        Array.from({ length: 4 }, (_, i) => call("eth_chainId", [], i)),
      );
      expect(r.status).toBe(200);
      // A batch of 2: its arrival token is the last one; its second call no longer fits: 429.
      r = await post(app, [call("eth_chainId", [], 1), call("eth_chainId", [], 2)]);
      expect(r.status).toBe(429);
      expect(r.headers["retry-after"]).toBe("1");
      expect(r.json).toEqual({
        jsonrpc: "2.0",
        id: null,
        error: { code: -32005, message: "Rate limit exceeded: retry after 1 s" },
      });
      // The refused batch still paid its arrival: the bucket is empty, even a single call waits.
      r = await post(app, call("eth_chainId"));
      expect(r.status).toBe(429);
      // Another IP has its own bucket.
      expect((await post(app, call("eth_chainId"), { otherClient: true })).status).toBe(200);
      // Tokens flow back in: 2 per second.
      now += 1000;
      expect((await post(app, [call("eth_chainId", [], 1), call("eth_chainId", [], 2)])).status).toBe(200);
      expect((await post(app, call("eth_chainId"))).status).toBe(429);
      now += 10_000;
      // A batch refused whole costs one call: its answer explains why instead of a 429 forever.
      r = await post(
        app,
        Array.from({ length: 50 }, (_, i) => call("eth_chainId", [], i)),
      );
      expect(r.status).toBe(200);
      expect(r.json.error.message).toBe("Batch too large: at most 5 requests per batch");
      await stillServes(app);
    });

    it("limits that cannot work are refused at startup", async () => {
      const backend = new FakeBackend();
      await expect(
        createApiServer({
          rpc: { backend, limits: { maxBatch: 100, rateLimit: { perSecond: 10, burst: 50 } } },
        }),
      ).rejects.toThrow(/burst \(50\) must be ≥ maxBatch \(100\)/);
    });

    it("GET / is not an RPC endpoint", async () => {
      const { app } = await setup();
      const r =
        transport === "inject"
          ? await app.inject({ method: "GET", url: "/" })
          : await overSocket(app, "GET", "", {});
      expect(r.statusCode).toBe(404);
      await stillServes(app);
    });
  });
});

describe("encapsulation", () => {
  it("its parser and hooks stay inside: a sibling plugin keeps fastify's defaults; a prefix moves the routes", async () => {
    const { default: Fastify } = await import("fastify");
    const { rpcPlugin } = await import("./plugin.ts");
    const app = Fastify();
    apps.push(app);
    await app.register(rpcPlugin, {
      prefix: "/rpc",
      backend: new FakeBackend(),
      limits: { rateLimit: { perSecond: 1, burst: 100 } },
    });
    app.post("/echo", async (req) => ({ got: req.body }));
    const rpc = await app.inject({ method: "POST", url: "/rpc", payload: call("eth_chainId") });
    expect(rpc.json()).toMatchObject({ result: "0xf10b5" });
    const echo = await app.inject({
      method: "POST",
      url: "/echo",
      headers: { "content-type": "text/plain" },
      payload: "hi",
    });
    expect(echo.json()).toEqual({ got: "hi" });
    // The rate limit hook does not apply outside the plugin either.
    for (let i = 0; i < 150; i++) {
      expect((await app.inject({ method: "POST", url: "/echo", payload: { a: 1 } })).statusCode).toBe(200);
    }
  });
});
