import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bytesToHex } from "../../chain/bytes.ts";
import { genesisFromJson, genesisHash } from "../../chain/genesisDoc.ts";
import { spawnFlops } from "../../test/helpers/nodeProcess.ts";
import { rpcResult } from "../../test/helpers/rpc.ts";

const dir = mkdtempSync(join(tmpdir(), "flops-genesis-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("flops genesis", () => {
  it("default: writes a document whose printed hash is its genesis hash; a node starts from it", async () => {
    const file = join(dir, "genesis.json");
    const gen = spawnFlops(["genesis", "--beacon", "dev", "--chain-id", "4242", "--out", file]);
    const m = await gen.waitForOutput(/genesis hash (0x[0-9a-f]{64})/, 20_000);
    expect((await gen.exited).code).toBe(0);
    const doc = genesisFromJson(readFileSync(file, "utf8"));
    expect(bytesToHex(genesisHash(doc))).toBe(m[1]);
    expect(doc.params.l2ChainId).toBe(4242n);

    const again = spawnFlops(["genesis", "--out", file]);
    expect((await again.exited).code).toBe(1);

    const node = spawnFlops([
      "node",
      "--genesis",
      file,
      "--datadir",
      join(dir, "node"),
      "--rpc.port",
      "0",
      "--log.level",
      "warn",
    ]);
    try {
      const url = (await node.waitForOutput(/JSON-RPC: (http:\/\/\S+)/, 30_000))[1]!;
      expect(await rpcResult(url, "eth_chainId")).toBe("0x1092");
    } finally {
      node.child.kill("SIGTERM");
      expect((await node.exited).code).toBe(0);
    }
  }, 60_000);
});
