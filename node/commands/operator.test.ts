/**
 * `flops operator` through the CLI against the embedded L1 (a real EVM, served over HTTP): the
 * EigenLayer stand-in with three operators in the set (bridge/operators/devQuorum.ts); a fourth
 * with stake deposited joins with `flops operator register` (EigenLayer operator, operator set,
 * allocation, BLS key with its proof of possession), shows in `status` with its stake and the
 * attested outputs it signed and missed, and leaves with `deregister`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Chain, createWalletClient, custom, type Hex, keccak256, stringToHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { afterAll, describe, expect, it } from "vitest";
import { formatDeployment, type L1Deployment } from "../../bridge/deployment.ts";
import { readEigenLayerArtifacts } from "../../bridge/l1/deployEigenLayer.ts";
import { createEmbeddedL1 } from "../../bridge/l1/embeddedL1.ts";
import { serveL1Http } from "../../bridge/l1/serveL1Http.ts";
import { keyHash } from "../../bridge/operators/bn254Bls.ts";
import { createDevQuorum } from "../../bridge/operators/devQuorum.ts";
import { hexToBytes } from "../../chain/bytes.ts";
import { loadBlsKeystore } from "../blsKeystore.ts";
import { runCli } from "../cli.ts";
import { writeKeystore } from "../keystore.ts";
import { parseAttestRpcs } from "./node.ts";

const key = (tag: string, i = 0): Hex => keccak256(stringToHex(`flops/test/operator-cli/${tag}/${i}`));
const OPS = [0, 1, 2, 3].map((i) => key("op", i));
const WAD = 10n ** 18n;
const dir = mkdtempSync(join(tmpdir(), "flops-operator-cli-"));

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

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = sink();
  const err = sink();
  const code = await runCli(args, { stdout: out.stream, stderr: err.stream, env: {} });
  return { code, out: out.text(), err: err.text() };
}

describe("flops operator", async () => {
  const l1 = await createEmbeddedL1({ blockTimeMs: 200, accounts: [key("deployer"), key("avs"), ...OPS] });
  const http = await serveL1Http(l1, { port: 0 });
  afterAll(async () => {
    await http.close();
    await l1.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const q = await createDevQuorum(l1, {
    deployerKey: key("deployer"),
    avsKey: key("avs"),
    operatorKeys: OPS,
    l2ChainId: 77n,
    windowBlocks: 5,
  });
  await q.join(0, 3);
  const pw = join(dir, "pw");
  writeFileSync(pw, "operator-pw", { mode: 0o600 });
  const deployment: L1Deployment = {
    version: 1,
    l1ChainId: 31337,
    genesisHash: `0x${"11".repeat(32)}`,
    deployBlock: 0,
    deployBlockHash: `0x${"22".repeat(32)}`,
    contracts: { BatchInbox: q.oracle, OutputOracle: q.oracle, Portal: q.oracle, FlopsCredit: q.oracle },
    eigenLayer: {
      DelegationManager: q.eigenLayer.DelegationManager,
      AllocationManager: q.eigenLayer.AllocationManager,
    },
    operatorRegistry: q.registry,
  };
  const deploymentFile = join(dir, "deployment.json");
  writeFileSync(deploymentFile, formatDeployment(deployment));
  const l1Args = ["--l1.rpc", http.url, "--l1.deployment", deploymentFile];
  const op3 = privateKeyToAccount(OPS[3]!);
  const blsFile = join(dir, "bls.json");
  let l1Keystore = "";

  it("keygen writes an EIP-2335 keystore that decrypts, and never overwrites one", async () => {
    const r = await cli([
      "operator",
      "keygen",
      "--out",
      blsFile,
      "--password-file",
      pw,
      "--scrypt-n",
      "1024",
    ]);
    expect(r.code, r.err).toBe(0);
    const k = await loadBlsKeystore(blsFile, "operator-pw");
    expect(r.out).toContain(`key hash:    ${keyHash(k.pubkeyG1)}`);
    expect(JSON.parse(readFileSync(blsFile, "utf8")).version).toBe(4);
    const again = await cli([
      "operator",
      "keygen",
      "--out",
      blsFile,
      "--password-file",
      pw,
      "--scrypt-n",
      "1024",
    ]);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/exists: not overwriting/);
  });

  it("register: a staked address becomes an operator in the set with its BLS key; a rerun skips every step", async () => {
    // Stake first (EigenLayer's, not this command's): tokens, approve, deposit.
    const el = await readEigenLayerArtifacts();
    const deployer = createWalletClient({
      chain: foundry as Chain,
      transport: custom(l1),
      account: privateKeyToAccount(key("deployer")),
    });
    const me = createWalletClient({ chain: foundry as Chain, transport: custom(l1), account: op3 });
    const wait = async (hash: Hex) =>
      expect((await q.pub.waitForTransactionReceipt({ hash })).status).toBe("success");
    const e = q.eigenLayer;
    await wait(
      await deployer.writeContract({
        address: e.DevStakeToken,
        abi: el.DevStakeToken.abi,
        functionName: "transfer",
        args: [op3.address, 500n * WAD],
      } as never),
    );
    await wait(
      await me.writeContract({
        address: e.DevStakeToken,
        abi: el.DevStakeToken.abi,
        functionName: "approve",
        args: [e.StrategyManager, 500n * WAD],
      } as never),
    );
    await wait(
      await me.writeContract({
        address: e.StrategyManager,
        abi: el.StrategyManager.abi,
        functionName: "depositIntoStrategy",
        args: [e.StrategyBase, e.DevStakeToken, 500n * WAD],
      } as never),
    );

    const ks = await writeKeystore(hexToBytes(OPS[3]!), "operator-pw", {
      dir: join(dir, "keys"),
      scryptN: 1024,
      warn: () => {},
    });
    l1Keystore = ks.file;
    const args = [
      "operator",
      "register",
      ...l1Args,
      "--keystore",
      ks.file,
      "--password-file",
      pw,
      "--bls-keystore",
      blsFile,
      "--bls-password-file",
      pw,
    ];
    const r = await cli(args);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/EigenLayer operator registration: done/);
    expect(r.out).toMatch(/joining operator set .*: done/);
    expect(r.out).toMatch(/allocating 1000000000000000000 \(WAD\) of 1 strategies: done/);
    expect(r.out).toMatch(/registering BLS key 0x[0-9a-f]{64}: done/);
    const again = await cli(args);
    expect(again.code, again.err).toBe(0);
    expect(again.out).not.toMatch(/: done/);
    expect(again.out).toMatch(/registered already/);
    await l1.mine(2); // the allocation takes effect
  }, 60_000);

  it("status: stake, key, and the attested outputs it signed and missed", async () => {
    // Output 0 signed by 0, 1 and the new operator; output 1 without it (3 of 3.5 k stake).
    const k = await loadBlsKeystore(blsFile, "operator-pw");
    // The dev quorum signs with its own keys; the CLI-made key is operator 3's: sign with it too.
    const bls = q.bls as unknown as Array<typeof k>;
    bls[3] = k;
    expect((await q.proposeAttested(1n, [0, 1, 2, 3], new Set([0, 1, 3]))).receipt.status).toBe("success");
    expect((await q.proposeAttested(2n, [0, 1, 2, 3], new Set([0, 1, 2]))).receipt.status).toBe("success");
    const r = await cli(["operator", "status", ...l1Args, "--address", op3.address, "--json"]);
    expect(r.code, r.err).toBe(0);
    const s = JSON.parse(r.out) as Record<string, unknown>;
    expect(s).toMatchObject({
      eigenLayerOperator: true,
      member: true,
      allocatedStake: (500n * WAD).toString(),
      slashableStake: (500n * WAD).toString(),
      keyHash: keyHash(k.pubkeyG1),
      signed: ["0"],
      missed: ["1"],
      slashings: [],
    });
    const text = await cli(["operator", "status", ...l1Args, "--address", op3.address]);
    expect(text.out).toMatch(/attested outputs: {3}1 signed, 1 missed \(1\)/);
  }, 60_000);

  it("deregister: out of the registry and the set; status says so", async () => {
    const r = await cli([
      "operator",
      "deregister",
      ...l1Args,
      "--keystore",
      l1Keystore,
      "--password-file",
      pw,
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/deregistering BLS key 0x[0-9a-f]{64}: done/);
    expect(r.out).toMatch(/leaving operator set .*: done/);
    const s = JSON.parse(
      (await cli(["operator", "status", ...l1Args, "--address", op3.address, "--json"])).out,
    );
    expect(s.member).toBe(false);
    expect(s.keyHash).toBeUndefined();
    expect(s.signed).toEqual([]);
  }, 60_000);

  it("refuses a deployment file without operator entries, and a bad address, with a clear error", async () => {
    const plain = join(dir, "plain.json");
    const { eigenLayer: _e, operatorRegistry: _r, ...rest } = deployment;
    writeFileSync(plain, formatDeployment(rest));
    const r = await cli([
      "operator",
      "status",
      "--l1.rpc",
      http.url,
      "--l1.deployment",
      plain,
      "--address",
      op3.address,
    ]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/needs its eigenLayer and operatorRegistry entries/);
    const bad = await cli(["operator", "status", ...l1Args, "--address", "0x12"]);
    expect(bad.code).toBe(2);
  });

  it("flops node --mode operator: needs --bls-keystore, which only it takes, and unlocks it first", async () => {
    const base = ["node", "--datadir", join(dir, "op-node"), ...l1Args];
    const none = await cli([...base, "--mode", "operator"]);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/--mode operator needs --bls-keystore FILE/);
    const stray = await cli([...base, "--bls-keystore", blsFile]);
    expect(stray.code).toBe(2);
    expect(stray.err).toMatch(/--bls-keystore and --password-file are for --mode operator/);
    const wrong = join(dir, "wrong-pw");
    writeFileSync(wrong, "not-it", { mode: 0o600 });
    const locked = await cli([
      ...base,
      "--mode",
      "operator",
      "--bls-keystore",
      blsFile,
      "--password-file",
      wrong,
    ]);
    expect(locked.code).toBe(1);
    expect(locked.err).toMatch(/wrong password for BLS keystore/);
  });

  it("--proposer.attest-rpcs: http(s) URLs, with a proposer key; a sequencer also needs its batcher", async () => {
    expect(parseAttestRpcs("http://a:1, https://b")).toEqual(["http://a:1", "https://b"]);
    expect(parseAttestRpcs("ftp://a")).toMatch(/not an http\(s\) URL/);
    expect(parseAttestRpcs(" , ")).toMatch(/at least one URL/);
    const base = [
      "node",
      "--datadir",
      join(dir, "seq-node"),
      ...l1Args,
      "--proposer.attest-rpcs",
      "http://127.0.0.1:1",
    ];
    const keyless = await cli(base);
    expect(keyless.code).toBe(2);
    expect(keyless.err).toMatch(/--proposer.attest-rpcs needs --proposer.keystore/);
    const batcherless = await cli([...base, "--proposer.keystore", l1Keystore]);
    expect(batcherless.code).toBe(2);
    expect(batcherless.err).toMatch(/needs --batcher.keystore/);
  });
});
