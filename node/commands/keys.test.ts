/**
 * `flops keys` as an operator runs it: exit codes, stdout/stderr, and what lands on disk. The
 * cases run the CLI in this process (node/cli.ts runCli); one runs the real binary in a child
 * process, as a smoke test of the real exit code and streams.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runFlops, spawnFlopsRun } from "../../test/helpers/cli.ts";

// Low scrypt cost for speed; the CLI warns that it is insecure.
const LOW_N = ["--scrypt-n", "1024"];
const KEY = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
const KEY_ADDRESS = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23";

let tmp: string;
let home: string;
let pw: string;
let wrongPw: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "flops-keys-cli-"));
  home = join(tmp, "home");
  mkdirSync(home);
  pw = join(tmp, "password");
  writeFileSync(pw, "correct horse battery staple\n", { mode: 0o600 });
  wrongPw = join(tmp, "wrong-password");
  writeFileSync(wrongPw, "nope\n", { mode: 0o600 });
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs `flops ...args` with stdin a pipe (not a terminal) and a clean FLOPS_* environment. */
const flops = (args: string[], env: Record<string, string> = {}) =>
  runFlops(args, { env: { HOME: home, ...env } });

describe("flops keys", () => {
  it("new -> list --json -> verify: exit 0, 0600 file, address round trip", async () => {
    const ks = join(tmp, "ks1");
    const created = await flops([
      "keys",
      "new",
      "--keystore-dir",
      ks,
      "--password-file",
      pw,
      ...LOW_N,
      "--json",
    ]);
    expect(created.stderr).toMatch(/scrypt n=1024 is below 262144: this keystore is INSECURE/);
    expect(created.code).toBe(0);
    const entry = JSON.parse(created.stdout) as { address: string; file: string };
    expect(entry.address).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(entry.file.startsWith(join(ks, "UTC--"))).toBe(true);
    expect(statSync(entry.file).mode & 0o777).toBe(0o600);
    expect(statSync(ks).mode & 0o777).toBe(0o700);

    const listed = await flops(["keys", "list", "--keystore-dir", ks, "--json"]);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([entry]);

    const human = await flops(["keys", "list", "--keystore-dir", ks]);
    expect(human.stdout).toBe(`${entry.address}  ${entry.file}\n`);

    const verified = await flops([
      "keys",
      "verify",
      "--keystore",
      entry.file,
      "--password-file",
      pw,
      "--json",
    ]);
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout)).toEqual(entry);
  });

  it("smoke, the real binary: a wrong password exits 1 with a clear message", async () => {
    const ks = join(tmp, "ks2");
    const created = await flops([
      "keys",
      "new",
      "--keystore-dir",
      ks,
      "--password-file",
      pw,
      ...LOW_N,
      "--json",
    ]);
    const { file } = JSON.parse(created.stdout) as { file: string };
    // The keystore is found from the folder (its only key), the folder from the env var.
    const r = await spawnFlopsRun(["keys", "verify", "--password-file", wrongPw], {
      env: { HOME: home, FLOPS_KEYSTORE_DIR: ks },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: wrong password for keystore ${file}`);
    expect(r.stdout).toBe("");
  });

  it("import from a private-key file; a second import of the same key fails with exit 1", async () => {
    const ks = join(tmp, "ks3");
    const keyFile = join(tmp, "key.hex");
    writeFileSync(keyFile, `${KEY}\n`, { mode: 0o600 });
    // Keystore folder and scrypt n from a config file this time.
    const config = join(tmp, "flops.json");
    writeFileSync(config, JSON.stringify({ "keystore-dir": ks, "scrypt-n": 1024 }));
    const args = ["keys", "import", "--private-key-file", keyFile, "--password-file", pw, "--config", config];
    const r = await flops([...args, "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ address: KEY_ADDRESS });
    const again = await flops(args);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(new RegExp(`error: a keystore for ${KEY_ADDRESS} already exists`));
    expect(readdirSync(ks)).toHaveLength(1);
  });

  it("usage errors exit 2: no password source, a secret on argv, a bad option value", async () => {
    const ks = join(tmp, "ks4");
    const noPw = await flops(["keys", "new", "--keystore-dir", ks, ...LOW_N]);
    expect(noPw.code).toBe(2);
    expect(noPw.stderr).toContain("no password: pass --password-file FILE");
    const argvSecret = await flops(["keys", "new", "--keystore-dir", ks, "--password", "hunter2"]);
    expect(argvSecret.code).toBe(2);
    expect(argvSecret.stderr).toContain("unknown option '--password'");
    const badN = await flops(["keys", "new", "--keystore-dir", ks, "--password-file", pw], {
      FLOPS_SCRYPT_N: "1000",
    });
    expect(badN.code).toBe(2);
    expect(badN.stderr).toContain('invalid value "1000" for env FLOPS_SCRYPT_N');
    // Nothing was written by any of these.
    expect((await flops(["keys", "list", "--keystore-dir", ks, "--json"])).stdout).toBe("[]\n");
  });

  it("refuses a keystore whose KDF parameters are out of bounds: exit 1, the bound named", async () => {
    const ks = join(tmp, "ks6");
    mkdirSync(ks, { mode: 0o700 });
    const file = join(ks, "UTC--2024-01-01T00-00-00.000Z--2c7536e3605d9c16a7a3d7b1898e529396a65c23");
    // scrypt n = 2^23: 20 s and 1.2 GiB per unlock if it were derived.
    writeFileSync(
      file,
      JSON.stringify({
        version: 3,
        address: "2c7536e3605d9c16a7a3d7b1898e529396a65c23",
        crypto: {
          cipher: "aes-128-ctr",
          cipherparams: { iv: "83dbcc02d8ccb40e466191a123791e0e" },
          ciphertext: "d172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c",
          kdf: "scrypt",
          kdfparams: { dklen: 32, n: 2 ** 23, r: 8, p: 1, salt: "ab".repeat(32) },
          mac: "2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097",
        },
      }),
      { mode: 0o600 },
    );
    const r = await flops(["keys", "verify", "--keystore-dir", ks, "--password-file", pw]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `error: refusing keystore ${file}: scrypt n = 2^23 is above the bound n ≤ 2^18`,
    );
    expect(r.stdout).toBe("");
    // Nor does `keys new` write what loading would refuse.
    const tooCostly = await flops([
      "keys",
      "new",
      "--keystore-dir",
      ks,
      "--password-file",
      pw,
      "--scrypt-n",
      "524288",
    ]);
    expect(tooCostly.code).toBe(2);
    expect(tooCostly.stderr).toContain("expected an integer in 1024..262144");
  });

  it("refuses an empty password file (exit 1) and warns about a readable one", async () => {
    const ks = join(tmp, "ks5");
    const empty = join(tmp, "empty");
    writeFileSync(empty, "\n", { mode: 0o600 });
    const r = await flops(["keys", "new", "--keystore-dir", ks, "--password-file", empty, ...LOW_N]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: password file ${empty} is empty`);
    const loose = join(tmp, "loose");
    writeFileSync(loose, "pw\n", { mode: 0o644 });
    const w = await flops(["keys", "new", "--keystore-dir", ks, "--password-file", loose, ...LOW_N]);
    expect(w.code).toBe(0);
    expect(w.stderr).toContain(`warning: ${loose} is accessible by group/others (mode 0644)`);
  });
});
