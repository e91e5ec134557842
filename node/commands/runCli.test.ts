/**
 * node/cli.ts `runCli`: a whole command run inside this process, its streams and environment
 * injected, its exit code returned; nothing of the test's own process is touched.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { bytesToHex } from "../../chain/bytes.ts";
import { runFlops } from "../../test/helpers/cli.ts";
import { quicknetVector } from "../../test/helpers/drandQuicknet.ts";

const dir = mkdtempSync(join(tmpdir(), "flops-runcli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  delete process.env.FLOPS_KEYSTORE_DIR;
  process.exitCode = undefined;
});

describe("runCli", () => {
  it("returns the exit code and leaves process.exitCode alone", async () => {
    const r3 = quicknetVector(3);
    const args = ["beacon", "verify", "--chain", "quicknet", "--round", "4", "--signature"];
    const run = await runFlops([...args, bytesToHex(r3.signature)]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^invalid: signature does not verify for round 4/);
    expect(process.exitCode).toBeUndefined();
  });

  it("reads option env twins from the injected env, never from process.env", async () => {
    const injected = join(dir, "injected");
    process.env.FLOPS_KEYSTORE_DIR = join(dir, "from-process-env");
    const run = await runFlops(["keys", "list"], { env: { FLOPS_KEYSTORE_DIR: injected } });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(`no keys in ${injected}\n`);
  });

  it("writes help and usage errors to the injected streams: 0 and 2", async () => {
    const help = await runFlops(["keys", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: flops keys");
    const usage = await runFlops(["keys", "nope"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("unknown command 'nope'");
  });
});
