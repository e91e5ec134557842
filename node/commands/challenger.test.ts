/**
 * `flops challenger`'s refusals, through the CLI in process: each is a clear message and a
 * non-zero exit before anything starts (the run itself: test/integration/challenger.test.ts and
 * the devnet's challenger child in test/e2e/devnet.test.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { formatDeployment } from "../../bridge/deployment.ts";
import { bytesToHex } from "../../chain/bytes.ts";
import { genesisHash, genesisToJson } from "../../chain/genesisDoc.ts";
import { runCli } from "../cli.ts";
import { devGenesis } from "../devnet.ts";
import { writeKeystore } from "../keystore.ts";

const dir = mkdtempSync(join(tmpdir(), "flops-challenger-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[]): Promise<{ code: number; err: string }> {
  let err = "";
  const sink = (f: (s: string) => void) =>
    ({
      write: (s: string) => {
        f(s);
        return true;
      },
    }) as unknown as NodeJS.WritableStream;
  const code = await runCli(args, {
    stdout: sink(() => {}),
    stderr: sink((s) => {
      err += s;
    }),
    env: {},
  });
  return { code, err };
}

describe("flops challenger", () => {
  it("refuses a missing L1, key or a bad operator list with a message and a non-zero exit", async () => {
    const noL1 = await cli(["challenger", "--datadir", join(dir, "a")]);
    expect(noL1.code).not.toBe(0);
    expect(noL1.err).toMatch(/needs --l1\.rpc URL and --l1\.deployment FILE/);
    const l1 = ["--l1.rpc", "http://127.0.0.1:1", "--l1.deployment", join(dir, "d.json")];
    const noKey = await cli(["challenger", "--datadir", join(dir, "b"), ...l1]);
    expect(noKey.code).not.toBe(0);
    expect(noKey.err).toMatch(/needs --keystore FILE/);
    const badUrls = await cli([
      "challenger",
      ...l1,
      "--keystore",
      join(dir, "k.json"),
      "--operator-rpcs",
      "ftp://x",
    ]);
    expect(badUrls.code).not.toBe(0);
    expect(badUrls.err).toMatch(/--operator-rpcs: ftp:\/\/x is not an http\(s\) URL/);
  });

  it("refuses a deployment without FraudProofs", async () => {
    const genesis = devGenesis({ now: BigInt(Date.now()), epochSeconds: 30 });
    writeFileSync(join(dir, "genesis.json"), genesisToJson(genesis));
    const file = join(dir, "plain.json");
    writeFileSync(
      file,
      formatDeployment({
        version: 1,
        l1ChainId: 31337,
        genesisHash: bytesToHex(genesisHash(genesis)) as `0x${string}`,
        deployBlock: 1,
        deployBlockHash: `0x${"22".repeat(32)}`,
        contracts: {
          BatchInbox: `0x${"01".repeat(20)}`,
          OutputOracle: `0x${"02".repeat(20)}`,
          Portal: `0x${"03".repeat(20)}`,
          FlopsCredit: `0x${"04".repeat(20)}`,
        },
      }),
    );
    writeFileSync(join(dir, "pw"), "challenger-test");
    const key = await writeKeystore(new Uint8Array(32).fill(7), "challenger-test", {
      dir: join(dir, "keys"),
      scryptN: 1024,
      warn: () => {},
    });
    const r = await cli([
      "challenger",
      "--datadir",
      join(dir, "c"),
      "--genesis",
      join(dir, "genesis.json"),
      "--rpc.port",
      "0",
      "--l1.rpc",
      "http://127.0.0.1:1",
      "--l1.deployment",
      file,
      "--keystore",
      key.file,
      "--password-file",
      join(dir, "pw"),
    ]);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/needs a deployment file with a fraudProofs entry/);
  });
});
