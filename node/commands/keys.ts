/**
 * `flops keys new | import | list | verify`: node keys as encrypted keystore v3 files.
 *
 * Secrets are read from files (`--password-file`, `--private-key-file`) or typed at a no-echo
 * prompt on a terminal; there is deliberately no flag or env var that takes a secret itself.
 * Results go to stdout (`--json` for scripts), warnings and hints to stderr.
 * Exit codes: 0 ok, 1 failure (wrong password, key exists, unreadable file), 2 usage error.
 * @module
 */

import { secp256k1 } from "@noble/curves/secp256k1.js";
import type { Command } from "commander";
import { declareOptions, opt, usageError } from "../config.ts";
import {
  addressOf,
  canPrompt,
  DEFAULT_SCRYPT_N,
  findKeystore,
  KEYSTORE_OPTIONS,
  type KeystoreEntry,
  listKeystores,
  loadKeystore,
  parsePrivateKey,
  promptNewPassword,
  promptSecret,
  readPasswordFile,
  readPrivateKeyFile,
  SCRYPT_OPTIONS,
  writeKeystore,
} from "../keystore.ts";
import { type CliIO, processIO, promptIO, warnTo } from "./io.ts";

const WRITE_OPTIONS = {
  "keystore-dir": KEYSTORE_OPTIONS["keystore-dir"],
  "password-file": KEYSTORE_OPTIONS["password-file"],
  ...SCRYPT_OPTIONS,
};

const NO_PASSWORD = "no password: pass --password-file FILE (or run on a terminal to be prompted)";

export function registerKeysCommand(program: Command, io: CliIO = processIO()): void {
  const warn = warnTo(io);
  const prompt = promptIO(io);
  const keys = program.command("keys").description("Manage node keys (encrypted keystore v3 files)");

  const create = keys
    .command("new")
    .description("Create a random node key and write it encrypted to the keystore folder")
    .option("--json", "print {address, file} as JSON");
  const readCreate = declareOptions(create, WRITE_OPTIONS);
  create.action(async (flags: { json?: boolean }) => {
    const cfg = readCreate();
    const password = await newPassword(io, create, cfg["password-file"]);
    // A uniformly random valid secret key (CSPRNG, rejection of out-of-range scalars).
    const privateKey = secp256k1.utils.randomSecretKey();
    const entry = await writeWithWarning(io, privateKey, password, cfg["keystore-dir"], cfg["scrypt-n"]);
    printEntry(io, entry, flags.json === true);
  });

  const imp = keys
    .command("import")
    .description(
      "Encrypt an existing private key (hex in a file, or typed at a prompt) into the keystore folder",
    )
    .option("--json", "print {address, file} as JSON");
  const readImport = declareOptions(imp, {
    "private-key-file": opt.path({
      description: "file holding the private key as hex (else prompt on a terminal)",
      valueName: "<file>",
    }),
    ...WRITE_OPTIONS,
  });
  imp.action(async (flags: { json?: boolean }) => {
    const cfg = readImport();
    let privateKey: Uint8Array;
    const keyFile = cfg["private-key-file"];
    if (keyFile !== undefined) privateKey = readPrivateKeyFile(keyFile, warn);
    else if (canPrompt(prompt))
      privateKey = parsePrivateKey(await promptSecret("Private key (hex): ", prompt));
    else
      throw usageError(
        imp,
        "no private key: pass --private-key-file FILE (or run on a terminal to be prompted)",
      );
    const password = await newPassword(io, imp, cfg["password-file"]);
    const entry = await writeWithWarning(io, privateKey, password, cfg["keystore-dir"], cfg["scrypt-n"]);
    printEntry(io, entry, flags.json === true);
  });

  const list = keys
    .command("list")
    .description("List the keys in the keystore folder (address and file; no password needed)")
    .option("--json", "print [{address, file}] as JSON");
  const readList = declareOptions(list, { "keystore-dir": KEYSTORE_OPTIONS["keystore-dir"] });
  list.action((flags: { json?: boolean }) => {
    const dir = readList()["keystore-dir"];
    const entries = listKeystores(dir, warn);
    if (flags.json === true) {
      io.stdout.write(`${JSON.stringify(entries)}\n`);
      return;
    }
    if (entries.length === 0) io.stderr.write(`no keys in ${dir}\n`);
    for (const e of entries) io.stdout.write(`${e.address}  ${e.file}\n`);
  });

  const verify = keys
    .command("verify")
    .description("Decrypt a keystore to check its password; prints the key's address")
    .option("--json", "print {address, file} as JSON");
  const readVerify = declareOptions(verify, KEYSTORE_OPTIONS);
  verify.action(async (flags: { json?: boolean }) => {
    const cfg = readVerify();
    const file = findKeystore({ file: cfg.keystore, dir: cfg["keystore-dir"], warn });
    let password: string;
    if (cfg["password-file"] !== undefined) password = readPasswordFile(cfg["password-file"], warn);
    else if (canPrompt(prompt)) password = await promptSecret(`Password for ${file}: `, prompt);
    else throw usageError(verify, NO_PASSWORD);
    const privateKey = await loadKeystore(file, password, warn);
    printEntry(io, { address: addressOf(privateKey), file }, flags.json === true, false);
  });
}

async function newPassword(io: CliIO, cmd: Command, passwordFile: string | undefined): Promise<string> {
  if (passwordFile !== undefined) return readPasswordFile(passwordFile, warnTo(io));
  if (canPrompt(promptIO(io))) return promptNewPassword(promptIO(io));
  throw usageError(cmd, NO_PASSWORD);
}

async function writeWithWarning(
  io: CliIO,
  privateKey: Uint8Array,
  password: string,
  dir: string,
  scryptN: number,
): Promise<KeystoreEntry> {
  if (scryptN < DEFAULT_SCRYPT_N) {
    io.stderr.write(
      `warning: scrypt n=${scryptN} is below ${DEFAULT_SCRYPT_N}: this keystore is INSECURE (tests and devnets only)\n`,
    );
  }
  return writeKeystore(privateKey, password, { dir, scryptN, warn: warnTo(io) });
}

function printEntry(io: CliIO, entry: KeystoreEntry, json: boolean, created = true): void {
  if (json) {
    io.stdout.write(`${JSON.stringify(entry)}\n`);
    return;
  }
  io.stdout.write(`address:  ${entry.address}\nkeystore: ${entry.file}\n`);
  if (created) {
    io.stderr.write(
      "Back up the keystore file and its password: the key cannot be recovered without both.\n",
    );
  }
}
