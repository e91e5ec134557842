/**
 * `flops l1 deploy` against a real Anvil: it deploys the contracts and writes a deployment file
 * that a sequencer node accepts: the node starts on it (the genesis hash pinned, the deployment
 * block found), follows the L1 (blocks get L1 origins) and its batcher posts to the BatchInbox.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPublicClient, type Hex, http, type PublicClient, parseAbi } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, describe, expect, it } from "vitest";
import { readDeployment } from "../../bridge/deployment.ts";
import { bytesToHex, hexToBytes } from "../../chain/bytes.ts";
import { genesisHash, genesisToJson } from "../../chain/genesisDoc.ts";
import { ANVIL_KEYS, type Anvil, startAnvil } from "../../test/helpers/anvil.ts";
import { waitFor } from "../../test/helpers/rpc.ts";
import { runCli } from "../cli.ts";
import type { FlopsNode } from "../createNode.ts";
import { devGenesis } from "../devnet.ts";
import { writeKeystore } from "../keystore.ts";
import { createLogger } from "../logger.ts";
import { startNode } from "./node.ts";

const dir = mkdtempSync(join(tmpdir(), "flops-l1-deploy-"));
let anvil: Anvil | undefined;
let node: FlopsNode | undefined;
/** The first case's `flops l1 deploy` arguments (its Anvil, keystore and genesis), for the second. */
let deployArgs: string[] = [];

afterAll(async () => {
  await node?.stop();
  await anvil?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function sink(): { stream: NodeJS.WritableStream; text: () => string } {
  let text = "";
  const stream = {
    write(s: string) {
      text += s;
      return true;
    },
  } as unknown as NodeJS.WritableStream;
  return { stream, text: () => text };
}

describe("flops l1 deploy", () => {
  it("deploys to Anvil and writes a deployment file a sequencer follows and posts batches to", async () => {
    anvil = await startAnvil({ blockTimeS: 1 });
    const genesis = devGenesis({ now: BigInt(Date.now()), epochSeconds: 30 });
    const genesisFile = join(dir, "genesis.json");
    writeFileSync(genesisFile, genesisToJson(genesis));
    const keys = join(dir, "keys");
    const ks = await writeKeystore(hexToBytes(ANVIL_KEYS[0]), "pw", {
      dir: keys,
      scryptN: 1024,
      warn: () => {},
    });
    const pwFile = join(dir, "pw.txt");
    writeFileSync(pwFile, "pw", { mode: 0o600 });
    const batcher = privateKeyToAccount(ANVIL_KEYS[1] as Hex);
    const out = join(dir, "deployment.json");
    const args = [
      "l1",
      "deploy",
      "--l1.rpc",
      anvil.url,
      "--keystore",
      ks.file,
      "--password-file",
      pwFile,
      "--genesis",
      genesisFile,
      "--batcher",
      batcher.address,
      "--out",
      out,
    ];
    deployArgs = args;
    // The default challenge window (7 days) outlives the devnet genesis's records (10 min): refused
    // before anything is sent (PROTOCOL §3 "Record expiry").
    const refused = sink();
    expect(await runCli(args, { stdout: sink().stream, stderr: refused.stream, env: {} })).not.toBe(0);
    expect(refused.text()).toMatch(/--challenge-window: the genesis's recordTtlMs 600000 ms is below/);
    expect(existsSync(out)).toBe(false);
    const stdout = sink();
    const stderr = sink();
    const code = await runCli([...args, "--challenge-window", "60"], {
      stdout: stdout.stream,
      stderr: stderr.stream,
      env: {},
    });
    expect(code, stderr.text()).toBe(0);
    expect(stdout.text()).toMatch(/deployed at L1 block \d+ \(chain 31337\)/);
    const d = await readDeployment(out);
    expect(d.genesisHash).toBe(bytesToHex(genesisHash(genesis)));
    expect(d.l1ChainId).toBe(31337);

    const client = createPublicClient({ transport: http(anvil.url) }) as PublicClient;
    node = await startNode({
      datadir: join(dir, "node"),
      genesis,
      genesisInitOnly: false,
      cfg: {
        "rpc.addr": "127.0.0.1",
        "rpc.port": 0,
        "rpc.rate-limit": 0,
        "block-time-ms": 250,
        "metrics.enabled": false,
        "metrics.addr": "127.0.0.1",
        "metrics.port": 0,
        "l1.confirmations": 1,
        "batcher.confirmations": 1,
      },
      beaconUrls: [],
      log: createLogger({ level: "warn", destination: 2 }),
      l1: { client, deployment: d, batcher },
    });
    const n = node;
    await waitFor(async () => (n.batcher?.lastPosted?.last ?? 0n) >= 3n, 30_000, "a batch posted to Anvil");
    const head = n.core.head.header;
    expect(head.l1Origin.number).toBeGreaterThanOrEqual(BigInt(d.deployBlock) - 1n);
    expect(head.l1Origin.hash.some((b) => b !== 0)).toBe(true);
  }, 90_000);

  it("--operators: the operator stack on the new oracle and Portal; bad slashing timing is refused before anything is sent", async () => {
    const out = join(dir, "with-operators.json");
    const args = [
      ...deployArgs.slice(0, -1),
      out,
      "--challenge-window",
      "60",
      "--operators",
      "--l1-block-time",
      "1",
    ];
    const client = createPublicClient({ transport: http(anvil!.url) }) as PublicClient;
    const deployer = privateKeyToAccount(ANVIL_KEYS[0] as Hex).address;
    const nonce = await client.getTransactionCount({ address: deployer });
    // 2 × 30 s of availability fills the 60 s window: refused, nothing sent, no file.
    const refused = sink();
    expect(
      await runCli([...args, "--availability-window", "30"], {
        stdout: sink().stream,
        stderr: refused.stream,
        env: {},
      }),
    ).not.toBe(0);
    expect(refused.text()).toMatch(
      /slashing timing: 2 × availabilityWindow \(30 s\) must be above 0 and below challengeWindow/,
    );
    const tooLate = sink();
    expect(
      await runCli([...args, "--deallocation-delay", "100"], {
        stdout: sink().stream,
        stderr: tooLate.stream,
        env: {},
      }),
    ).not.toBe(0);
    expect(tooLate.text()).toMatch(/must be below DEALLOCATION_DELAY \(100\)/);
    expect(await client.getTransactionCount({ address: deployer })).toBe(nonce);
    expect(existsSync(out)).toBe(false);

    const stdout = sink();
    const stderr = sink();
    expect(await runCli(args, { stdout: stdout.stream, stderr: stderr.stream, env: {} }), stderr.text()).toBe(
      0,
    );
    expect(stdout.text()).toMatch(/operator stack: OperatorRegistry 0x[0-9a-fA-F]{40}, FraudProofs 0x/);
    const d = await readDeployment(out);
    expect(d.fraudProofs).toBeDefined();
    expect(d.operatorRegistry).toBeDefined();
    expect(d.eigenLayer).toBeDefined();
    // FraudProofs is wired to this deployment's oracle, which is attested over its registry.
    const abi = parseAbi([
      "function oracle() view returns (address)",
      "function portal() view returns (address)",
      "function attestationConfig() view returns ((address registry, uint64 l2ChainId, uint32 windowBlocks, uint16 quorumNumerator, uint16 quorumDenominator))",
    ]);
    expect(await client.readContract({ address: d.fraudProofs!, abi, functionName: "oracle" })).toBe(
      d.contracts.OutputOracle,
    );
    expect(await client.readContract({ address: d.fraudProofs!, abi, functionName: "portal" })).toBe(
      d.contracts.Portal,
    );
    const cfg = await client.readContract({
      address: d.contracts.OutputOracle,
      abi,
      functionName: "attestationConfig",
    });
    expect(cfg.registry).toBe(d.operatorRegistry);
    // Default windowBlocks: the 60 s window in 1 s blocks, +25%.
    expect(cfg.windowBlocks).toBe(75);
  }, 90_000);
});
