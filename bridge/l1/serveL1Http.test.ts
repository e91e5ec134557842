/**
 * The HTTP face of the embedded L1: single calls, batches (each call its own answer), parse
 * errors, invalid requests, and the body and batch caps. viem over this server is covered by
 * conformance.test.ts.
 */
import { afterAll, describe, expect, it } from "vitest";
import { createEmbeddedL1 } from "./embeddedL1.ts";
import { serveL1Http } from "./serveL1Http.ts";

describe("serveL1Http", async () => {
  const l1 = await createEmbeddedL1({ blockTimeMs: 0 });
  const server = await serveL1Http(l1, { port: 0, bodyLimit: 4096, maxBatch: 3 });
  afterAll(async () => {
    await server.close();
    await l1.close();
  });
  const post = async (body: string, type = "application/json") => {
    const res = await fetch(server.url, { method: "POST", headers: { "content-type": type }, body });
    return { status: res.status, json: (await res.json()) as unknown };
  };

  it("answers a call and a batch, each call on its own", async () => {
    expect((await post(JSON.stringify({ jsonrpc: "2.0", id: 7, method: "eth_chainId" }))).json).toEqual({
      jsonrpc: "2.0",
      id: 7,
      result: "0x7a69",
    });
    const batch = await post(
      JSON.stringify([
        { jsonrpc: "2.0", id: 1, method: "eth_blockNumber" },
        { jsonrpc: "2.0", id: "b", method: "nope_nothing" },
        { jsonrpc: "2.0", id: 3, method: "eth_getBalance", params: ["0x12"] },
      ]),
    );
    expect(batch.json).toEqual([
      { jsonrpc: "2.0", id: 1, result: "0x0" },
      { jsonrpc: "2.0", id: "b", error: { code: -32601, message: "Method not found" } },
      { jsonrpc: "2.0", id: 3, error: { code: -32602, message: "address: invalid address 0x12" } },
    ]);
  });

  it("answers bad JSON, bad requests, big batches and big bodies with errors", async () => {
    expect((await post("{nope")).json).toMatchObject({ id: null, error: { code: -32700 } });
    expect((await post("42")).json).toMatchObject({ id: null, error: { code: -32600 } });
    expect((await post(JSON.stringify({ id: {}, method: "eth_chainId" }))).json).toMatchObject({
      error: { code: -32600 },
    });
    expect((await post("[]")).json).toMatchObject({ error: { code: -32600 } });
    const four = JSON.stringify(
      Array.from({ length: 4 }, (_, id) => ({ jsonrpc: "2.0", id, method: "eth_chainId" })),
    );
    expect((await post(four)).json).toMatchObject({ error: { code: -32005 } });
    const big = await post(
      JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: ["x".repeat(5000)] }),
    );
    expect(big.status).toBe(413);
  });
});
