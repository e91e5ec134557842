import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type DevnetVerifierOpts, VERIFIER_DIR, verifierArgs } from "./devnetVerifier.ts";

const OPTS: DevnetVerifierOpts = {
  datadir: "/data/devnet",
  l1Rpc: "http://127.0.0.1:9999",
  rpcAddr: "127.0.0.1",
  rpcPort: 8546,
  rateLimit: 200,
  blockTimeMs: 500,
  logLevel: "warn",
  startTimeoutMs: 1_000,
};

/** The value following `flag` in `args`. */
function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
}

describe("devnet verifier arguments", () => {
  it("default: --mode verifier on <datadir>/verifier with the devnet's genesis, deployment and L1 URL", () => {
    const args = verifierArgs(OPTS);
    expect(args.slice(0, 3)).toEqual(["node", "--mode", "verifier"]);
    // The same folder on every start: a restarted devnet resumes its verifier's chain.
    expect(flag(args, "--datadir")).toBe(join("/data/devnet", VERIFIER_DIR));
    expect(flag(args, "--genesis")).toBe(join("/data/devnet", "genesis.json"));
    expect(flag(args, "--l1.deployment")).toBe(join("/data/devnet", "l1-deployment.json"));
    expect(flag(args, "--l1.rpc")).toBe("http://127.0.0.1:9999");
    expect(flag(args, "--rpc.port")).toBe("8546");
    // Never the devnet's metrics port; logs as JSON lines into its log file.
    expect(flag(args, "--metrics.enabled")).toBe("false");
    expect(flag(args, "--log.format")).toBe("json");
    expect(args).not.toContain("--prune");
  });

  it("behavior: it prunes as the devnet's sequencer does", () => {
    const args = verifierArgs({ ...OPTS, prune: { retention: 64 } });
    expect(flag(args, "--prune")).toBe("true");
    expect(flag(args, "--prune.retention")).toBe("64");
  });

  it("behavior: dev operator i runs --mode operator with its BLS keystore on <datadir>/operator-i", () => {
    const args = verifierArgs({
      ...OPTS,
      operator: { index: 2, blsKeystore: "/k/operator-2.bls.json", passwordFile: "/k/password.txt" },
    });
    expect(args.slice(0, 3)).toEqual(["node", "--mode", "operator"]);
    expect(flag(args, "--bls-keystore")).toBe("/k/operator-2.bls.json");
    expect(flag(args, "--password-file")).toBe("/k/password.txt");
    expect(flag(args, "--datadir")).toBe(join("/data/devnet", "operator-2"));
    expect(flag(args, "--l1.deployment")).toBe(join("/data/devnet", "l1-deployment.json"));
    expect(verifierArgs(OPTS)).not.toContain("--bls-keystore");
  });
});
