import { createPublicClient, http } from "viem";
import { createApiServer } from "./server.ts";
import { FakeBackend } from "./testBackend.ts";

const backend = new FakeBackend(); // the node passes its own RpcBackend
const app = await createApiServer({ rpc: { backend } });
const url = await app.listen({ host: "127.0.0.1", port: 0 });
backend.addBlock();

// Generic Ethereum tooling reads the facade...
const client = createPublicClient({ transport: http(url) });
const block = await client.getBlock(); // eth_getBlockByNumber("latest", false)
if (block.number !== 1n) throw new Error(`head is ${block.number}`);

// ...and the flops_* methods are plain JSON-RPC.
const res = await fetch(url, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "flops_sendRawTransaction", params: ["0xff"] }),
});
// A rejected tx: the domain reason is in error.data.
const { error } = (await res.json()) as { error: { code: number; data: { code: string } } };
if (error.code !== -32000 || error.data.code !== "MALFORMED") throw new Error(JSON.stringify(error));

await app.close();
