import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createApiServer } from "../api/server.ts";
import { FakeProverChain, rpcBackendOver } from "../test/helpers/fakeProverChain.ts";
import { TestAccount, TestChain } from "../test/helpers/testChain.ts";
import { proveOnce } from "./readme.example.ts";

// README examples are executed, so they cannot drift: the ```ts block in README.md must be the
// text of readme.example.ts, and its function is run here against a node's JSON-RPC.
describe("prover README", () => {
  it("its example is readme.example.ts, and it earns credits", async () => {
    const readme = readFileSync(new URL("./README.md", import.meta.url), "utf8");
    const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    const file = readFileSync(new URL("./readme.example.ts", import.meta.url), "utf8");
    expect(block?.trim()).toBe(file.trim());

    const fake = new FakeProverChain(new TestChain());
    const app = await createApiServer({
      rpc: { backend: rpcBackendOver(fake), limits: { rateLimit: false } },
    });
    const url = await app.listen({ host: "127.0.0.1", port: 0 });
    const dataDir = mkdtempSync(join(tmpdir(), "flops-readme-"));
    try {
      const account = TestAccount.fromSeed(9, fake.chain.params.l2ChainId);
      const { credits, multiplierBps } = await proveOnce(url, account.privateKey, dataDir);
      expect(credits).toBeGreaterThan(0n);
      expect(multiplierBps).toBe(10_000n);
    } finally {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
