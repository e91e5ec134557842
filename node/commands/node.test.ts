/**
 * `flops node`'s proposer flags, through the in-process CLI: each misuse is refused with a message
 * naming the flag before anything starts (a usage error: exit 2), wherever the value came from
 * (flag, env, config file); one key for both the batcher and the proposer is refused before any
 * L1 call. The proposing itself is test/integration/verifierProposer.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeDeployment } from "../../bridge/deployment.ts";
import { runFlops } from "../../test/helpers/cli.ts";
import { writeKeystore } from "../keystore.ts";

const dir = mkdtempSync(join(tmpdir(), "flops-node-cmd-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const L1 = ["--l1.rpc", "http://127.0.0.1:1", "--l1.deployment"];
let deployment: string;
let keystore: string;
let password: string;

beforeAll(async () => {
  deployment = join(dir, "l1-deployment.json");
  const address = `0x${"11".repeat(20)}` as const;
  await writeDeployment(deployment, {
    version: 1,
    l1ChainId: 31337,
    genesisHash: `0x${"22".repeat(32)}`,
    deployBlock: 1,
    deployBlockHash: `0x${"33".repeat(32)}`,
    contracts: { BatchInbox: address, OutputOracle: address, Portal: address, FlopsCredit: address },
  });
  password = join(dir, "password");
  writeFileSync(password, "pw", { mode: 0o600 });
  const entry = await writeKeystore(new Uint8Array(32).fill(7), "pw", {
    dir: join(dir, "keys"),
    scryptN: 1024,
    warn: () => {},
  });
  keystore = entry.file;
});

/** A `flops node` run that must stop at its checks: a datadir of its own, RPC on a free port. */
const node = (args: string[], env: Record<string, string> = {}) =>
  runFlops(["node", "--datadir", join(dir, "data"), "--rpc.port", "0", ...args], { env });

describe("flops node: proposer flags", () => {
  it("a proposer option without --proposer.keystore is a usage error, from a flag, env or file", async () => {
    const flag = await node(["--proposer.interval", "5"]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("--proposer.interval needs --proposer.keystore FILE");
    const env = await node([], { FLOPS_PROPOSER_HEAD: "finalized" });
    expect(env.code).toBe(2);
    expect(env.stderr).toContain("--proposer.head needs --proposer.keystore FILE");
    const config = join(dir, "config.json");
    writeFileSync(config, JSON.stringify({ proposer: { "password-file": password } }));
    const file = await node(["--config", config]);
    expect(file.code).toBe(2);
    expect(file.stderr).toContain("--proposer.password-file needs --proposer.keystore FILE");
  });

  it("bad values are refused naming their source", async () => {
    const zero = await node(["--proposer.interval", "0"]);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain('invalid value "0" for --proposer.interval: expected a positive integer');
    const config = join(dir, "config-head.json");
    writeFileSync(config, JSON.stringify({ proposer: { head: "latest" } }));
    const head = await node(["--config", config]);
    expect(head.code).toBe(2);
    expect(head.stderr).toMatch(/key "proposer.head" in config file .*: expected one of safe, finalized/);
  });

  it("a proposer key needs an L1; lag-blocks is a sequencer's, head a verifier's", async () => {
    const noL1 = await node(["--proposer.keystore", keystore]);
    expect(noL1.code).toBe(2);
    expect(noL1.stderr).toContain("--proposer.keystore needs --l1.rpc URL and --l1.deployment FILE");
    const key = ["--proposer.keystore", keystore, "--proposer.password-file", password];
    const seqHead = await node([...key, ...L1, deployment, "--proposer.head", "finalized"]);
    expect(seqHead.code).toBe(2);
    expect(seqHead.stderr).toContain("--proposer.head is a verifier's (--mode verifier)");
    const verLag = await node([
      "--mode",
      "verifier",
      "--genesis",
      join(dir, "absent-genesis.json"),
      ...key,
      ...L1,
      deployment,
      "--proposer.lag-blocks",
      "3",
    ]);
    expect(verLag.code).toBe(2);
    expect(verLag.stderr).toContain("--proposer.lag-blocks is a sequencer's");
  });

  it("one key for the batcher and the proposer is refused before any L1 call", async () => {
    const r = await node([
      ...L1,
      deployment,
      "--batcher.keystore",
      keystore,
      "--batcher.password-file",
      password,
      "--proposer.keystore",
      keystore,
      "--proposer.password-file",
      password,
      "--dev",
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /--batcher\.keystore and --proposer\.keystore hold the same key \(0x[0-9a-fA-F]{40}\)/,
    );
  });
});
