/**
 * End to end: a real node process serves its genesis document (flops_getGenesis), and a real
 * prover process pinned to another genesis hash refuses to work for it: exit 1, nothing sent.
 * (The pinned, honest path runs in test/e2e/devnet.test.ts: `flops devnet` pins its provers.)
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bytesToHex } from "../../chain/bytes.ts";
import { genesisFromJson, genesisToJson } from "../../chain/genesisDoc.ts";
import { keccak256, utf8 } from "../../chain/hash.ts";
import { writeKeystore } from "../../node/keystore.ts";
import { type Spawned, spawnDevNode, spawnFlops } from "../helpers/nodeProcess.ts";
import { rpcResult } from "../helpers/rpc.ts";
import { TestAccount } from "../helpers/testChain.ts";

const dir = mkdtempSync(join(tmpdir(), "flops-e2e-genesis-"));
const running: Spawned[] = [];

afterAll(() => {
  for (const s of running) s.child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

describe("e2e: the prover pins the genesis", () => {
  it("the node serves its canonical genesis; a prover pinned to another one exits 1", async () => {
    const { url } = await spawnDevNode(join(dir, "node"), {
      blockTimeMs: 200,
      rateLimit: true,
      track: running,
    });

    // The document is canonical, its hash is keccak256 of the exact text, and it is this chain's.
    const served = await rpcResult<{ genesis: string; hash: string }>(url, "flops_getGenesis");
    expect(bytesToHex(keccak256(utf8(served.genesis)))).toBe(served.hash);
    const doc = genesisFromJson(served.genesis);
    expect(genesisToJson(doc)).toBe(served.genesis);
    expect(BigInt(await rpcResult<string>(url, "eth_chainId"))).toBe(doc.params.l2ChainId);

    const account = TestAccount.fromSeed(41, doc.params.l2ChainId);
    const { file } = await writeKeystore(account.privateKey, "pw", { dir: join(dir, "keys"), scryptN: 1024 });
    const passwordFile = join(dir, "password");
    writeFileSync(passwordFile, "pw\n", { mode: 0o600 });
    const wrongPin = `0x${"11".repeat(32)}`;
    const prover = spawnFlops([
      "prover",
      "--rpc",
      url,
      "--keystore",
      file,
      "--password-file",
      passwordFile,
      "--datadir",
      join(dir, "prover"),
      "--genesis-hash",
      wrongPin,
      "--engine",
      "js",
      "--once",
    ]);
    running.push(prover);
    expect((await prover.exited).code).toBe(1);
    expect(prover.output()).toContain(
      `error: the node serves genesis ${served.hash}, not the pinned ${wrongPin} (--genesis-hash)`,
    );
    // Nothing was sent: the key never registered.
    expect(await rpcResult(url, "flops_getNode", [bytesToHex(account.address)])).toBeNull();
  }, 60_000);
});
