import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bytesToHex } from "../../chain/bytes.ts";
import { genesisFromJson, genesisHash, genesisToJson } from "../../chain/genesisDoc.ts";
import {
  productionParams,
  QUICKNET,
  TIER_DEVNET,
  TIER_GPU_16K,
  TIER_SMALL,
  TIER_TINY,
  tierWork,
} from "../../chain/params.ts";
import { runFlops } from "../../test/helpers/cli.ts";
import { spawnFlops } from "../../test/helpers/nodeProcess.ts";
import { rpcResult } from "../../test/helpers/rpc.ts";
import { DEV_CHAIN_ID_MAX, DEV_CHAIN_ID_MIN } from "../devnet.ts";

const dir = mkdtempSync(join(tmpdir(), "flops-genesis-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const WARNING = /WARNING: this genesis uses a LOCAL DEV BEACON/;

/**
 * Runs `flops <args>` to the end in this process (node/cli.ts runCli); `output` is stdout then
 * stderr.
 */
async function run(args: string[]): Promise<{ code: number; output: string }> {
  const r = await runFlops(args);
  return { code: r.code, output: r.stdout + r.stderr };
}

/**
 * The real binary in a child process, to the end. Waits for "close", not "exit": output can still
 * be in the pipes when the process has exited.
 */
function spawnRun(args: string[]): Promise<{ code: number | null; output: string }> {
  const proc = spawnFlops(args);
  return new Promise((res) => proc.child.on("close", (code) => res({ code, output: proc.output() })));
}

describe("flops genesis", () => {
  // The first three cases run together (each with its context's expect): the two real-binary
  // processes start side by side (seconds of tsx loading each) instead of one after the other.
  it.concurrent("smoke, the real binary: a production genesis by default: only production tiers, 1 h epochs, the given chain id, no warning", async ({
    expect,
  }) => {
    const gen = await spawnRun(["genesis", "--chain-id", "4242"]);
    expect(gen.code).toBe(0);
    const hash = gen.output.match(/genesis hash (0x[0-9a-f]{64})/)![1];
    const doc = genesisFromJson(gen.output.slice(gen.output.indexOf("{"), gen.output.lastIndexOf("}") + 1));
    expect(bytesToHex(genesisHash(doc))).toBe(hash);
    expect(doc.params.l2ChainId).toBe(4242n);
    expect(doc.params.beacon).toEqual(QUICKNET);
    const testIds = [TIER_TINY.id, TIER_SMALL.id, TIER_DEVNET.id];
    for (const t of doc.params.tiers) {
      expect(testIds).not.toContain(t.id);
      expect(t.k).toBeGreaterThanOrEqual(64);
    }
    expect(doc.params.epochMs).toBe(3_600_000n);
    expect(doc.params.minLiveWork).toBe(tierWork(TIER_GPU_16K));
    expect(gen.output).not.toMatch(WARNING);
  }, 30_000);

  it.concurrent("error: a non-dev genesis needs an explicit --chain-id, never a devnet or a reserved one", async ({
    expect,
  }) => {
    const [none, devRange, mainnet] = await Promise.all([
      run(["genesis"]),
      run(["genesis", "--chain-id", String(DEV_CHAIN_ID_MIN + 5n)]),
      run(["genesis", "--chain-id", "1"]),
    ]);
    expect(none.code).toBe(2);
    expect(none.output).toMatch(/--chain-id is required/);
    expect(devRange.code).toBe(2);
    expect(devRange.output).toMatch(/is in the devnet range/);
    expect(mainnet.code).toBe(1);
    expect(mainnet.output).toMatch(/genesis: params\.l2ChainId must not be 1 \(Ethereum mainnet\)/);
    expect(mainnet.output).not.toMatch(/"version"/);
  }, 30_000);

  it.concurrent("dev beacon: warns loudly, writes a fresh key (0600) beside the document; a node (the real binary: its smoke test) runs it with --beacon.key", async ({
    expect,
  }) => {
    const file = join(dir, "genesis.json");
    const gen = await run(["genesis", "--beacon", "dev", "--chain-id", "4242", "--out", file]);
    expect(gen.code).toBe(0);
    expect(gen.output).toMatch(WARNING);
    expect(gen.output).toContain(`${file}.beacon.key`);
    const m = gen.output.match(/genesis hash (0x[0-9a-f]{64})/)!;
    const doc = genesisFromJson(readFileSync(file, "utf8"));
    expect(bytesToHex(genesisHash(doc))).toBe(m[1]);
    expect(doc.params.l2ChainId).toBe(4242n);
    expect(doc.params.beacon.publicKey).not.toEqual(QUICKNET.publicKey);
    expect(statSync(`${file}.beacon.key`).mode & 0o777).toBe(0o600);

    const again = run(["genesis", "--chain-id", "4242", "--out", file]);
    const node = spawnFlops([
      "node",
      "--genesis",
      file,
      "--beacon.key",
      `${file}.beacon.key`,
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
      expect((await again).code).toBe(1); // never overwrites a genesis
    } finally {
      node.child.kill("SIGTERM");
      expect((await node.exited).code).toBe(0);
    }
  }, 60_000);

  it("dev: two devnet genesis documents get their own chain ids (dev range) and beacon keys", async () => {
    const files = [join(dir, "a.json"), join(dir, "b.json")];
    const gens = await Promise.all(files.map((file) => run(["genesis", "--dev", "--out", file])));
    const docs = files.map((file, i) => {
      expect(gens[i]!.code).toBe(0);
      expect(gens[i]!.output).toMatch(WARNING);
      return {
        doc: genesisFromJson(readFileSync(file, "utf8")),
        key: readFileSync(`${file}.beacon.key`, "utf8"),
      };
    });
    const [a, b] = docs as [(typeof docs)[0], (typeof docs)[0]];
    for (const { doc } of docs) {
      expect(doc.params.l2ChainId >= DEV_CHAIN_ID_MIN && doc.params.l2ChainId <= DEV_CHAIN_ID_MAX).toBe(true);
      expect(doc.params.epochMs).toBe(30_000n);
    }
    expect(a.doc.params.l2ChainId).not.toBe(b.doc.params.l2ChainId);
    expect(a.doc.params.beacon.publicKey).not.toEqual(b.doc.params.beacon.publicKey);
    expect(a.key).not.toBe(b.key);
  }, 30_000);

  it("error: flops node --genesis refuses a bad document, naming the field, and exits non-zero", async () => {
    const good = JSON.parse(
      genesisToJson({ params: productionParams(QUICKNET, 4242n), timestamp: 1_700_000_000_000n, alloc: [] }),
    );
    good.params.tiers[1].n = 48;
    const file = join(dir, "bad.json");
    writeFileSync(file, JSON.stringify(good));
    // Before validation existed the node started (here: the command returned 0 with it running).
    const { code, output } = await run([
      "node",
      "--genesis",
      file,
      "--datadir",
      join(dir, "bad"),
      "--rpc.port",
      "0",
    ]);
    expect(code).toBe(1);
    expect(output).toContain("genesis: params.tiers[1].n must be a power of two in [8, 2^17), got 48");
  }, 30_000);
});
