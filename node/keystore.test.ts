import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { PassThrough } from "node:stream";
import * as OxKeystore from "ox/Keystore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytesToHex, hexToBytes } from "../chain/bytes.ts";
import {
  addressOf,
  DEFAULT_SCRYPT_N,
  findKeystore,
  KeystoreError,
  listKeystores,
  loadKeystore,
  MAX_SCRYPT_N,
  type PromptIO,
  parsePrivateKey,
  promptSecret,
  readPasswordFile,
  readPrivateKeyFile,
  SCRYPT_OPTIONS,
  unlockKeystore,
  unlockNodeKey,
  writeKeystore,
} from "./keystore.ts";
import { encryptKeystoreV3, KeystoreParamError } from "./keystoreV3.ts";

// Low scrypt cost keeps the suite fast; the default (2^18) is exercised by the spec vector below.
const N = 1024;
const KEY1 = hexToBytes("0x0000000000000000000000000000000000000000000000000000000000000001");
const ADDR1 = "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf";
const KEY2 = hexToBytes("0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318");

let root: string;
let n = 0;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "flops-keystore-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));
/** A fresh folder path (not yet created) per test. */
const fresh = (): string => join(root, `d${n++}`);

function collect(): { warn: (m: string) => void; warnings: string[] } {
  const warnings: string[] = [];
  return { warn: (m) => warnings.push(m), warnings };
}

async function expectCode(
  p: Promise<unknown> | (() => unknown),
  code: string,
  message?: RegExp,
): Promise<void> {
  let err: unknown;
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(KeystoreError);
  expect((err as KeystoreError).code).toBe(code);
  if (message) expect((err as KeystoreError).message).toMatch(message);
}

describe("writeKeystore / loadKeystore", () => {
  it("round-trips a key; file 0600 in a 0700 folder, geth-style name, scrypt n as asked", async () => {
    const dir = fresh();
    const { warn, warnings } = collect();
    const entry = await writeKeystore(KEY1, "correct horse", { dir, scryptN: N, warn });
    expect(entry.address).toBe(ADDR1);
    expect(basename(entry.file)).toMatch(
      /^UTC--\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z--7e5f4552091a69125d5dfcb7b8c2659029395bdf$/,
    );
    expect(statSync(entry.file).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const json = JSON.parse(readFileSync(entry.file, "utf8"));
    expect(json).toMatchObject({ version: 3, crypto: { kdf: "scrypt", kdfparams: { n: N, r: 8, p: 1 } } });
    expect(JSON.stringify(json)).not.toContain(bytesToHex(KEY1).slice(2));
    expect(await loadKeystore(entry.file, "correct horse", warn)).toEqual(KEY1);
    expect(warnings).toEqual([]);
  });

  it("interop: a written keystore opens with ox's own decrypt; geth's layout (address, uuid id, fresh salt and iv)", async () => {
    const dir = fresh();
    const { file } = await writeKeystore(KEY2, "pw", { dir, scryptN: N });
    const json = JSON.parse(readFileSync(file, "utf8"));
    expect(Object.keys(json)[0]).toBe("address");
    expect(json.address).toBe(addressOf(KEY2).slice(2).toLowerCase());
    expect(json.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(json.crypto).toMatchObject({ cipher: "aes-128-ctr", kdfparams: { dklen: 32 } });
    expect(json.crypto.kdfparams.salt).toMatch(/^[0-9a-f]{64}$/);
    expect(json.crypto.cipherparams.iv).toMatch(/^[0-9a-f]{32}$/);
    // An independent reader: ox derives with @noble/hashes, we derive with node:crypto. (Its
    // toKeyAsync ignores the file's r and p, 0.14.67, which is why derivation stays ours.)
    const key = OxKeystore.toKey(json, { password: "pw" });
    expect(OxKeystore.decrypt(json, key)).toBe(bytesToHex(KEY2));
    // Two writes of the same key differ (fresh salt and iv).
    const other = await encryptKeystoreV3(KEY2, "pw", N);
    expect(other.crypto.kdfparams.salt).not.toBe(json.crypto.kdfparams.salt);
    expect(other.crypto.ciphertext).not.toBe(json.crypto.ciphertext);
  });

  it("the writer applies the loader's bounds before deriving", async () => {
    await expect(encryptKeystoreV3(KEY1, "pw", 2 ** 19)).rejects.toThrow(KeystoreParamError);
    await expect(encryptKeystoreV3(KEY1, "pw", 1000)).rejects.toThrow(/power of two/);
    await expect(encryptKeystoreV3(KEY1.subarray(1), "pw", N)).rejects.toThrow(RangeError);
  });

  it("wrong password: WRONG_PASSWORD with the file named", async () => {
    const dir = fresh();
    const { file } = await writeKeystore(KEY2, "right", { dir, scryptN: N });
    await expectCode(
      loadKeystore(file, "wrong"),
      "WRONG_PASSWORD",
      new RegExp(`^wrong password for keystore ${file}$`),
    );
  });

  it("refuses a second keystore for the same address and an empty password", async () => {
    const dir = fresh();
    await writeKeystore(KEY1, "pw", { dir, scryptN: N });
    await expectCode(writeKeystore(KEY1, "other", { dir, scryptN: N }), "KEY_EXISTS", /already exists/);
    await expectCode(writeKeystore(KEY2, "", { dir, scryptN: N }), "EMPTY_PASSWORD");
  });

  it("rejects an out-of-range or non-power-of-two scrypt n", async () => {
    await expect(writeKeystore(KEY1, "pw", { dir: fresh(), scryptN: 1000 })).rejects.toThrow(RangeError);
    await expect(writeKeystore(KEY1, "pw", { dir: fresh(), scryptN: 512 })).rejects.toThrow(RangeError);
  });

  it("warns about a group/world-readable keystore and folder", async () => {
    const dir = fresh();
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    const { warn, warnings } = collect();
    const { file } = await writeKeystore(KEY1, "pw", { dir, scryptN: N, warn });
    expect(warnings.join("\n")).toMatch(/accessible by group\/others \(mode 0755\); run: chmod 700/);
    chmodSync(file, 0o644);
    warnings.length = 0;
    await loadKeystore(file, "pw", warn);
    expect(warnings).toEqual([`${file} is accessible by group/others (mode 0644); run: chmod 600 ${file}`]);
  });

  it("rejects non-keystores and a keystore whose address does not match its key", async () => {
    const dir = fresh();
    mkdirSync(dir, { mode: 0o700 });
    const junk = join(dir, "junk.json");
    writeFileSync(junk, "not json", { mode: 0o600 });
    await expectCode(loadKeystore(junk, "pw"), "BAD_KEYSTORE", /not valid JSON/);
    writeFileSync(junk, JSON.stringify({ version: 1 }), { mode: 0o600 });
    await expectCode(loadKeystore(junk, "pw"), "BAD_KEYSTORE", /not a keystore v3 file/);
    const { file } = await writeKeystore(KEY1, "pw", { dir, scryptN: N });
    const json = JSON.parse(readFileSync(file, "utf8"));
    json.address = "1111111111111111111111111111111111111111";
    writeFileSync(file, JSON.stringify(json));
    await expectCode(loadKeystore(file, "pw"), "BAD_KEYSTORE", /holds the key of 0x7E5F.*not 0x1111/);
    await expectCode(loadKeystore(join(dir, "nope"), "pw"), "UNREADABLE", /ENOENT/);
  });

  it("opens the Web3 Secret Storage spec's scrypt test vector (interop with geth/ethers)", async () => {
    const dir = fresh();
    mkdirSync(dir, { mode: 0o700 });
    const file = join(dir, "vector.json");
    writeFileSync(
      file,
      JSON.stringify({
        crypto: {
          cipher: "aes-128-ctr",
          cipherparams: { iv: "83dbcc02d8ccb40e466191a123791e0e" },
          ciphertext: "d172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c",
          kdf: "scrypt",
          kdfparams: {
            dklen: 32,
            n: 262144,
            r: 1,
            p: 8,
            salt: "ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19",
          },
          mac: "2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097",
        },
        id: "3198bc9c-6672-5ab3-d995-4942343ae5b6",
        version: 3,
      }),
      { mode: 0o600 },
    );
    const key = await loadKeystore(file, "testpassword");
    expect(bytesToHex(key)).toBe("0x7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d");
  });

  it("defaults to scrypt n = 2^18", () => {
    expect(DEFAULT_SCRYPT_N).toBe(262144);
    expect(SCRYPT_OPTIONS["scrypt-n"].default).toBe(262144);
  });
});

/** geth's accounts/keystore/testdata/v3_test_vector.json: keys old geth wrote without leading zero bytes. */
const GETH_SHORT_KEYS = [
  {
    name: "31_byte_key",
    iv: "e0c41130a323adc1446fc82f724bca2f",
    ciphertext: "9517cd5bdbe69076f9bf5057248c6c050141e970efa36ce53692d5d59a3984",
    salt: "711f816911c92d649fb4c84b047915679933555030b3552c1212609b38208c63",
    mac: "d5e116151c6aa71470e67a7d42c9620c75c4d23229847dcc127794f0732b0db5",
    key: "0x00fa7b3db73dc7dfdf8c5fbdb796d741e4488628c41fc4febd9160a866ba0f35",
    address: "0xd1E64E5480bFaf733Ba7D48712DEcb8227797a4e",
  },
  {
    name: "30_byte_key",
    iv: "3ca92af36ad7c2cd92454c59cea5ef00",
    ciphertext: "108b7d34f3442fc26ab1ab90ca91476ba6bfa8c00975a49ef9051dc675aa",
    salt: "d0769e608fb86cda848065642a9c6fa046845c928175662b8e356c77f914cd3b",
    mac: "75d0e6759f7b3cefa319c3be41680ab6beea7d8328653474bd06706d4cc67420",
    key: "0x000081c29e8142bb6a81bef5a92bda7a8328a5c85bb2f9542e76f9b0f94fc018",
    address: "0x31e9D1e6D844bd3a536800Ef8d8Be6A9975Db509",
  },
];

/** A scrypt keystore with the given kdfparams (and optionally other crypto fields) written to a file. */
function craftKeystore(
  kdfparams: Record<string, unknown>,
  crypto: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
): string {
  const dir = fresh();
  mkdirSync(dir, { mode: 0o700 });
  const file = join(dir, "crafted.json");
  const json = {
    version: 3,
    id: "3198bc9c-6672-5ab3-d995-4942343ae5b6",
    crypto: {
      cipher: "aes-128-ctr",
      cipherparams: { iv: "83dbcc02d8ccb40e466191a123791e0e" },
      ciphertext: "d172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c",
      kdf: "scrypt",
      kdfparams: { dklen: 32, salt: "ab".repeat(32), ...kdfparams },
      mac: "2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097",
      ...crypto,
    },
    ...extra,
  };
  writeFileSync(file, JSON.stringify(json), { mode: 0o600 });
  return file;
}

describe("loadKeystore: KDF bounds and old geth keys", () => {
  // Each of these would derive for seconds to hours, or allocate GiBs, if it were not refused
  // first: a short test timeout makes a regression fail fast instead of hanging the suite.
  const FAST = 5_000;

  it("refuses scrypt n = 2^23 before deriving, naming the bound", { timeout: FAST }, async () => {
    const file = craftKeystore({ n: 2 ** 23, r: 8, p: 1 });
    await expectCode(
      loadKeystore(file, "pw"),
      "KEYSTORE_OUT_OF_BOUNDS",
      new RegExp(`^refusing keystore ${file}: scrypt n = 2\\^23 is above the bound n ≤ 2\\^18$`),
    );
  });

  it("refuses pbkdf2 c = 2^31 before deriving, naming the bound", { timeout: FAST }, async () => {
    const file = craftKeystore({ c: 2 ** 31, prf: "hmac-sha256" }, { kdf: "pbkdf2" });
    await expectCode(
      loadKeystore(file, "pw"),
      "KEYSTORE_OUT_OF_BOUNDS",
      /pbkdf2 c = 2\^31 is above the bound c ≤ 2\^20$/,
    );
  });

  it("refuses every other parameter out of bounds, each naming its bound", { timeout: FAST }, async () => {
    const cases: Array<[Record<string, unknown>, Record<string, unknown>, RegExp]> = [
      [{ n: 1000, r: 8, p: 1 }, {}, /scrypt n = 1000 is not a power of two/],
      [{ n: 2 ** 10, r: 64, p: 1 }, {}, /scrypt r = 64 is above the bound r ≤ 32/],
      [{ n: 2 ** 10, r: 8, p: 1000 }, {}, /scrypt p = 1000 is above the bound p ≤ 16/],
      [{ n: 2 ** 18, r: 16, p: 1 }, {}, /scrypt memory 128·n·r = 512 MiB is above the bound 256 MiB/],
      [{ n: 2 ** 18, r: 8, p: 4 }, {}, /scrypt cost n·r·p = 2\^23 is above the bound 2\^21/],
      [{ n: 2 ** 10, r: 8, p: 1, dklen: 4096 }, {}, /kdfparams.dklen must be 32/],
      [{ n: 2 ** 10, r: 8, p: 1, salt: "00".repeat(4096) }, {}, /salt must be 0..128 bytes, got 4096 bytes/],
      [{ n: 2 ** 10, r: 8, p: 1 }, { ciphertext: "00".repeat(33) }, /ciphertext must be at most 32 bytes/],
      [{ n: 2 ** 10, r: 8, p: 1 }, { cipherparams: { iv: "00".repeat(12) } }, /iv must be 16 bytes/],
      [{ n: 2 ** 10, r: 8, p: 1 }, { cipher: "aes-256-cbc" }, /cipher must be aes-128-ctr/],
      [{ c: 2 ** 10, prf: "hmac-sha512" }, { kdf: "pbkdf2" }, /pbkdf2 prf must be hmac-sha256/],
      [{}, { kdf: "argon2" }, /kdf must be scrypt or pbkdf2/],
    ];
    for (const [kdfparams, crypto, message] of cases) {
      await expectCode(
        loadKeystore(craftKeystore(kdfparams, crypto), "pw"),
        "KEYSTORE_OUT_OF_BOUNDS",
        message,
      );
    }
    // Malformed (not a bound): a parameter that is not a number at all.
    await expectCode(
      loadKeystore(craftKeystore({ n: "262144", r: 8, p: 1 }), "pw"),
      "BAD_KEYSTORE",
      /scrypt n is not a positive integer/,
    );
  });

  it("refuses a keystore file above 64 KiB unread", async () => {
    const file = craftKeystore({ n: 2 ** 10, r: 8, p: 1 }, {}, { padding: "x".repeat(70_000) });
    await expectCode(
      loadKeystore(file, "pw"),
      "KEYSTORE_OUT_OF_BOUNDS",
      /bytes, above the bound of 65536 bytes/,
    );
  });

  it.each(GETH_SHORT_KEYS)("opens geth's $name vector: the key left-padded to 32 bytes", async (v) => {
    const file = craftKeystore(
      { n: 2, r: 8, p: 1, salt: v.salt },
      { cipherparams: { iv: v.iv }, ciphertext: v.ciphertext, mac: v.mac },
    );
    const key = await loadKeystore(file, "foo");
    expect(key).toHaveLength(32);
    expect(bytesToHex(key)).toBe(v.key);
    expect(addressOf(key)).toBe(v.address);
    // The address check holds for the padded key too.
    const withAddress = JSON.parse(readFileSync(file, "utf8"));
    withAddress.address = v.address.slice(2).toLowerCase();
    writeFileSync(file, JSON.stringify(withAddress));
    expect(addressOf(await loadKeystore(file, "foo"))).toBe(v.address);
    await expectCode(loadKeystore(file, "bar"), "WRONG_PASSWORD");
  });

  it("opens the spec's pbkdf2 vector (c = 2^18, within the bound)", async () => {
    const file = craftKeystore(
      {
        c: 262144,
        prf: "hmac-sha256",
        salt: "ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd",
      },
      {
        kdf: "pbkdf2",
        cipherparams: { iv: "6087dab2f9fdbbfaddc31a909735c1e6" },
        ciphertext: "5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46",
        mac: "517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2",
      },
    );
    const key = await loadKeystore(file, "testpassword");
    expect(bytesToHex(key)).toBe("0x7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d");
  });

  it("never writes a keystore it would refuse to load: writing caps n at the load bound", async () => {
    expect(MAX_SCRYPT_N).toBe(2 ** 18);
    await expect(writeKeystore(KEY1, "pw", { dir: fresh(), scryptN: 2 ** 19 })).rejects.toThrow(RangeError);
  });
});

describe("listKeystores / findKeystore", () => {
  it("lists keystores sorted by name, skips other files, warns on broken UTC-- files", async () => {
    const dir = fresh();
    const a = await writeKeystore(KEY1, "pw", { dir, scryptN: N });
    const b = await writeKeystore(KEY2, "pw", { dir, scryptN: N });
    writeFileSync(join(dir, "README"), "hello");
    writeFileSync(join(dir, "UTC--broken--x"), "{", { mode: 0o600 });
    const { warn, warnings } = collect();
    expect(listKeystores(dir, warn)).toEqual([a, b].sort((x, y) => x.file.localeCompare(y.file)));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/skipping .*UTC--broken--x/);
    expect(listKeystores(join(dir, "missing"))).toEqual([]);
  });

  it("picks the only key, a key by address, or says what to pass", async () => {
    const dir = fresh();
    await expectCode(() => findKeystore({ dir }), "NO_KEYSTORE", /no keystore in .*flops keys new/);
    const a = await writeKeystore(KEY1, "pw", { dir, scryptN: N });
    expect(findKeystore({ dir })).toBe(a.file);
    const b = await writeKeystore(KEY2, "pw", { dir, scryptN: N });
    await expectCode(() => findKeystore({ dir }), "NO_KEYSTORE", /2 keystores in .*pass --keystore FILE/);
    expect(findKeystore({ dir, address: b.address.toLowerCase() })).toBe(b.file);
    expect(findKeystore({ dir, file: "/x/y" })).toBe("/x/y");
    await expectCode(() => findKeystore({ dir, address: `0x${"22".repeat(20)}` }), "NO_KEYSTORE");
  });
});

describe("secrets from files", () => {
  it("password file: trailing newlines stripped, empty refused, loose mode warned", () => {
    const dir = fresh();
    mkdirSync(dir, { mode: 0o700 });
    const f = join(dir, "pw");
    writeFileSync(f, "s3cret pass\r\n", { mode: 0o600 });
    const { warn, warnings } = collect();
    expect(readPasswordFile(f, warn)).toBe("s3cret pass");
    expect(warnings).toEqual([]);
    writeFileSync(f, "\n");
    expect(() => readPasswordFile(f, warn)).toThrow(`password file ${f} is empty`);
    writeFileSync(f, "x");
    chmodSync(f, 0o640);
    readPasswordFile(f, warn);
    expect(warnings).toEqual([`${f} is accessible by group/others (mode 0640); run: chmod 600 ${f}`]);
  });

  it("private keys: hex with or without 0x, whitespace ok; wrong length, zero and >= n refused", () => {
    expect(parsePrivateKey(`  ${bytesToHex(KEY2)}\n`)).toEqual(KEY2);
    expect(parsePrivateKey(bytesToHex(KEY2).slice(2))).toEqual(KEY2);
    expect(() => parsePrivateKey("0x1234")).toThrow(/32 bytes of hex/);
    expect(() => parsePrivateKey("zz".repeat(32))).toThrow(/32 bytes of hex/);
    expect(() => parsePrivateKey("00".repeat(32))).toThrow(/not a valid secp256k1 key/);
    expect(() => parsePrivateKey(`0x${"ff".repeat(32)}`)).toThrow(/not a valid secp256k1 key/);
    const dir = fresh();
    mkdirSync(dir, { mode: 0o700 });
    const f = join(dir, "key");
    writeFileSync(f, bytesToHex(KEY1), { mode: 0o600 });
    expect(readPrivateKeyFile(f)).toEqual(KEY1);
    expect(addressOf(KEY1)).toBe(ADDR1);
  });

  it("unlockKeystore: password file -> key and address", async () => {
    const dir = fresh();
    const { file } = await writeKeystore(KEY2, "pw", { dir, scryptN: N });
    const pw = join(dir, "pw");
    writeFileSync(pw, "pw\n", { mode: 0o600 });
    const r = await unlockKeystore({ file, passwordFile: pw });
    expect(r.privateKey).toEqual(KEY2);
    expect(r.address).toBe(addressOf(KEY2));
    expect(await unlockNodeKey({ keystore: undefined, "keystore-dir": dir, "password-file": pw })).toEqual({
      privateKey: KEY2,
      address: addressOf(KEY2),
      file,
    });
    // No password file and no terminal: refuse rather than hang.
    const io = fakeTty(false);
    await expectCode(unlockKeystore({ file, io: io.io }), "NO_TTY", /pass --password-file FILE/);
  });
});

function fakeTty(isTTY = true): { io: PromptIO; input: PassThrough; out: () => string; raw: boolean[] } {
  const input = new PassThrough() as PassThrough & { isTTY?: boolean; setRawMode?: (m: boolean) => void };
  const raw: boolean[] = [];
  input.isTTY = isTTY;
  input.setRawMode = (m) => {
    raw.push(m);
  };
  let written = "";
  const output = new PassThrough();
  output.on("data", (d) => {
    written += String(d);
  });
  return { io: { input, output }, input, out: () => written, raw };
}

describe("promptSecret", () => {
  it("reads a line in raw mode without echo; backspace edits; raw mode restored", async () => {
    const t = fakeTty();
    const p = promptSecret("Password: ", t.io);
    t.input.write("ab\u007fc");
    t.input.write("\u001b[A"); // an arrow key: ignored
    t.input.write("d\r");
    expect(await p).toBe("acd");
    expect(t.raw).toEqual([true, false]);
    expect(t.out()).toBe("Password: \n");
  });

  it("Ctrl-C aborts; no terminal is refused", async () => {
    const t = fakeTty();
    const p = promptSecret("Password: ", t.io);
    t.input.write("x\u0003");
    await expectCode(p, "ABORTED");
    expect(t.raw).toEqual([true, false]);
    await expectCode(promptSecret("Password: ", fakeTty(false).io), "NO_TTY");
  });
});
