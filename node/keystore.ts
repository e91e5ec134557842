/**
 * Encrypted node keys: Ethereum keystore v3 files (Web3 Secret Storage: scrypt + AES-128-CTR +
 * keccak MAC), the format geth, Foundry and ethers read. Files are named geth-style
 * `UTC--<iso time>--<address>`, written with mode 0600 into a 0700 directory.
 *
 * Secrets come only from files (password file, private-key file) or a no-echo prompt on a
 * terminal, never from argv or env: those leak into shell history, `ps` and crash reports.
 *
 * For the prover: {@link unlockKeystore} (file + password file or prompt) or {@link loadKeystore}
 * (file + password) give the 32-byte private key.
 *
 * Loading treats the file as input: its size and every KDF and cipher parameter are checked
 * against `KEYSTORE_BOUNDS` (keystoreV3.ts) before anything is derived, and a refusal names the
 * bound (`KEYSTORE_OUT_OF_BOUNDS`). Keys that old geth versions wrote without their leading zero
 * bytes (31 or 30 bytes) are left-padded to 32, as geth reads them.
 * @module
 */
import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { basename, join } from "node:path";
import { getAddress } from "viem";
import { bytesToBigint, bytesToHex, hexToBytes } from "../chain/bytes.ts";
import { RollupError } from "../chain/errors.ts";
import { addressFromPrivateKey, SECP256K1_N } from "../chain/tx/index.ts";
import { opt } from "./config.ts";
import {
  checkKeystoreCrypto,
  decryptKeystoreCrypto,
  encryptKeystoreV3,
  KEYSTORE_BOUNDS,
  KeystoreParamError,
} from "./keystoreV3.ts";

/** geth's "standard" scrypt cost: 2^18 (256 MiB, about 1 s per encrypt or decrypt). */
export const DEFAULT_SCRYPT_N = 2 ** 18;
/** Lowest n accepted: only for tests and throwaway devnet keys. */
export const MIN_SCRYPT_N = 2 ** 10;
/**
 * Highest n accepted, when writing and when loading: 2^18 (256 MiB at r = 8). A keystore is never
 * written with parameters that loading would refuse (node/keystoreV3.ts, KEYSTORE_BOUNDS).
 */
export const MAX_SCRYPT_N = KEYSTORE_BOUNDS.scryptMaxN;
/** Raw (unexpanded) default keystore folder. */
export const DEFAULT_KEYSTORE_DIR = "~/.flops/keystore";

/** Checksummed 0x address. */
export type AddressHex = `0x${string}`;

export type KeystoreErrorCode =
  | "WRONG_PASSWORD"
  | "BAD_KEYSTORE"
  /** KDF or cipher parameters outside KEYSTORE_BOUNDS: refused before deriving anything. */
  | "KEYSTORE_OUT_OF_BOUNDS"
  | "NO_KEYSTORE"
  | "EMPTY_PASSWORD"
  | "PASSWORD_MISMATCH"
  | "NO_TTY"
  | "ABORTED"
  | "BAD_PRIVATE_KEY"
  | "KEY_EXISTS"
  | "UNREADABLE";

export class KeystoreError extends RollupError<{ file?: string }> {
  declare readonly code: KeystoreErrorCode;
  constructor(
    code: KeystoreErrorCode,
    message: string,
    meta: { file?: string } = {},
    options?: { cause?: unknown },
  ) {
    super(code, message, meta, options);
    this.name = "KeystoreError";
  }
}

/** Where warnings go (loose file permissions, weak scrypt n). Default: `warning: ...` on stderr. */
export type Warn = (message: string) => void;
const stderrWarn: Warn = (m) => process.stderr.write(`warning: ${m}\n`);

export interface KeystoreEntry {
  address: AddressHex;
  /** Absolute path of the keystore file. */
  file: string;
}

/** Options for commands that load a node key (the prover, `keys verify`). */
export const KEYSTORE_OPTIONS = {
  keystore: opt.path({
    description: "keystore file of the node key (default: the only key in --keystore-dir)",
    valueName: "<file>",
  }),
  "keystore-dir": opt.path({
    default: DEFAULT_KEYSTORE_DIR,
    description: "folder of keystore files",
    valueName: "<dir>",
  }),
  "password-file": opt.path({
    description: "file holding the keystore password (else prompt on a terminal)",
    valueName: "<file>",
  }),
};

/** `--scrypt-n` for commands that write keystores. */
export const SCRYPT_OPTIONS = {
  "scrypt-n": opt.int({
    default: DEFAULT_SCRYPT_N,
    min: MIN_SCRYPT_N,
    max: MAX_SCRYPT_N,
    check: (n) => (isPowerOfTwo(n) ? undefined : "a power of two"),
    description: `scrypt cost n of new keystores; below ${DEFAULT_SCRYPT_N} is INSECURE (tests, devnets only)`,
  }),
};

const CURVE_ORDER = bytesToBigint(SECP256K1_N);

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

// ---------------------------------------------------------------------------------------------
// Permissions

/** A warning when a secret file or folder is open to group/others (POSIX only), else undefined. */
export function permissionWarning(path: string, kind: "file" | "dir" = "file"): string | undefined {
  if (process.platform === "win32") return undefined;
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) === 0) return undefined;
  const want = kind === "dir" ? "700" : "600";
  return `${path} is accessible by group/others (mode ${mode.toString(8).padStart(4, "0")}); run: chmod ${want} ${path}`;
}

/** Creates the keystore folder (mode 0700, parents too) or warns if an existing one is open. */
export function ensureKeystoreDir(dir: string, warn: Warn = stderrWarn): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new KeystoreError("UNREADABLE", `cannot create keystore folder ${dir}: ${errText(e)}`, {
      file: dir,
    });
  }
  const w = permissionWarning(dir, "dir");
  if (w) warn(w);
}

function errText(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));
}

function readSecretFile(file: string, what: string, warn: Warn): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new KeystoreError("UNREADABLE", `cannot read ${what} ${file}: ${errText(e)}`, { file });
  }
  const w = permissionWarning(file);
  if (w) warn(w);
  return text;
}

/**
 * A keystore file's text, refused unread when larger than KEYSTORE_BOUNDS.maxFileBytes (real ones
 * are ~500 bytes; anything in the keystore folder gets read by `listKeystores`).
 */
function readKeystoreText(file: string): string {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (e) {
    throw new KeystoreError("UNREADABLE", `cannot read keystore ${file}: ${errText(e)}`, { file });
  }
  try {
    const size = fstatSync(fd).size;
    const max = KEYSTORE_BOUNDS.maxFileBytes;
    if (size > max) {
      throw new KeystoreError(
        "KEYSTORE_OUT_OF_BOUNDS",
        `keystore ${file} is ${size} bytes, above the bound of ${max} bytes for a keystore file`,
        { file },
      );
    }
    return readFileSync(fd, "utf8");
  } finally {
    closeSync(fd);
  }
}

// ---------------------------------------------------------------------------------------------
// Secrets from files

/**
 * The password in a password file: its content without the trailing line break(s), so
 * `echo secret > pw` works. An empty password is refused: it would encrypt the key with nothing.
 */
export function readPasswordFile(file: string, warn: Warn = stderrWarn): string {
  const password = readSecretFile(file, "password file", warn).replace(/[\r\n]+$/, "");
  if (password === "") throw new KeystoreError("EMPTY_PASSWORD", `password file ${file} is empty`, { file });
  return password;
}

/** Parses a hex private key (with or without 0x, surrounding whitespace ignored): 32 bytes, 0 < k < n. */
export function parsePrivateKey(text: string, origin = "private key"): Uint8Array {
  const hex = text.trim().replace(/^0x/i, "");
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new KeystoreError(
      "BAD_PRIVATE_KEY",
      `${origin} must be 32 bytes of hex (64 hex digits, optional 0x)`,
    );
  }
  const k = BigInt(`0x${hex}`);
  if (k === 0n || k >= CURVE_ORDER)
    throw new KeystoreError("BAD_PRIVATE_KEY", `${origin} is not a valid secp256k1 key`);
  return hexToBytes(`0x${hex}`);
}

export function readPrivateKeyFile(file: string, warn: Warn = stderrWarn): Uint8Array {
  return parsePrivateKey(readSecretFile(file, "private-key file", warn), `private-key file ${file}`);
}

export function addressOf(privateKey: Uint8Array): AddressHex {
  return getAddress(bytesToHex(addressFromPrivateKey(privateKey)));
}

// ---------------------------------------------------------------------------------------------
// Keystore files

export interface WriteKeystoreOpts {
  dir: string;
  /** scrypt cost; default {@link DEFAULT_SCRYPT_N}. Lower values are insecure (tests, devnets). */
  scryptN?: number;
  warn?: Warn;
}

/**
 * Encrypts `privateKey` with `password` into a new keystore file in `dir`. Refuses a key whose
 * address already has a keystore there (a second copy under another password is a trap).
 */
export async function writeKeystore(
  privateKey: Uint8Array,
  password: string,
  opts: WriteKeystoreOpts,
): Promise<KeystoreEntry> {
  if (password === "")
    throw new KeystoreError("EMPTY_PASSWORD", "refusing to encrypt a key with an empty password");
  const n = opts.scryptN ?? DEFAULT_SCRYPT_N;
  if (!isPowerOfTwo(n) || n < MIN_SCRYPT_N || n > MAX_SCRYPT_N) {
    throw new RangeError(`scrypt n must be a power of two in ${MIN_SCRYPT_N}..${MAX_SCRYPT_N}, got ${n}`);
  }
  const warn = opts.warn ?? stderrWarn;
  ensureKeystoreDir(opts.dir, warn);
  const address = addressOf(privateKey);
  const existing = listKeystores(opts.dir, () => {}).find((e) => e.address === address);
  if (existing) {
    throw new KeystoreError("KEY_EXISTS", `a keystore for ${address} already exists: ${existing.file}`, {
      file: existing.file,
    });
  }
  const lower = address.slice(2).toLowerCase();
  // geth's layout: `address` first (not in the v3 spec, but geth, ethers and Foundry write it) and
  // the file name `UTC--<ISO time, ':' as '-'>--<address>`.
  const json = { address: lower, ...(await encryptKeystoreV3(privateKey, password, n)) };
  const file = join(opts.dir, `UTC--${new Date().toISOString().replaceAll(":", "-")}--${lower}`);
  // Write-then-rename so a crash never leaves a truncated keystore under the final name; 'wx'
  // with mode 0600 means the file is never, even briefly, readable by others.
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(json)}\n`, { mode: 0o600, flag: "wx" });
  renameSync(tmp, file);
  return { address, file };
}

interface V3Json {
  version: 3;
  address?: string;
  crypto: unknown;
}

function parseKeystoreJson(text: string, file: string): V3Json {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new KeystoreError("BAD_KEYSTORE", `keystore ${file} is not valid JSON`, { file });
  }
  const j = json as Partial<V3Json> | null;
  if (
    typeof j !== "object" ||
    j === null ||
    j.version !== 3 ||
    typeof j.crypto !== "object" ||
    j.crypto === null
  ) {
    throw new KeystoreError("BAD_KEYSTORE", `${file} is not a keystore v3 file`, { file });
  }
  return j as V3Json;
}

/** The address a keystore claims (its `address` field, else the file name's suffix), unverified. */
function claimedAddress(json: V3Json, file: string): AddressHex | undefined {
  const raw = json.address ?? /--([0-9a-fA-F]{40})$/.exec(basename(file))?.[1];
  if (raw === undefined || !/^(0x)?[0-9a-fA-F]{40}$/.test(raw)) return undefined;
  return getAddress(raw.startsWith("0x") ? raw : `0x${raw}`);
}

/**
 * Decrypts a keystore file and returns the 32-byte private key.
 * Wrong password: `KeystoreError("WRONG_PASSWORD", "wrong password for keystore FILE")`.
 */
export async function loadKeystore(
  file: string,
  password: string,
  warn: Warn = stderrWarn,
): Promise<Uint8Array> {
  const json = parseKeystoreJson(readKeystoreText(file), file);
  const w = permissionWarning(file);
  if (w) warn(w);
  // Every parameter is checked before anything is derived: the file chooses the KDF's cost.
  let crypto: ReturnType<typeof checkKeystoreCrypto>;
  try {
    crypto = checkKeystoreCrypto(json.crypto);
  } catch (e) {
    if (!(e instanceof KeystoreParamError)) throw e;
    const [code, verb] =
      e.kind === "bound"
        ? (["KEYSTORE_OUT_OF_BOUNDS", "refusing keystore"] as const)
        : (["BAD_KEYSTORE", "cannot decrypt keystore"] as const);
    throw new KeystoreError(code, `${verb} ${file}: ${e.message}`, { file });
  }
  let privateKey: Uint8Array | undefined;
  try {
    privateKey = await decryptKeystoreCrypto(crypto, password);
  } catch (e) {
    throw new KeystoreError(
      "BAD_KEYSTORE",
      `cannot decrypt keystore ${file}: ${errText(e)}`,
      { file },
      { cause: e },
    );
  }
  if (privateKey === undefined) {
    throw new KeystoreError("WRONG_PASSWORD", `wrong password for keystore ${file}`, { file });
  }
  const k = bytesToBigint(privateKey);
  if (k === 0n || k >= CURVE_ORDER) {
    throw new KeystoreError("BAD_KEYSTORE", `keystore ${file} does not hold a valid secp256k1 key`, { file });
  }
  // A file whose claimed address differs from its key was tampered with or mislabelled.
  const claimed = claimedAddress(json, file);
  if (json.address !== undefined && claimed !== addressOf(privateKey)) {
    throw new KeystoreError(
      "BAD_KEYSTORE",
      `keystore ${file} holds the key of ${addressOf(privateKey)}, not ${claimed}`,
      {
        file,
      },
    );
  }
  return privateKey;
}

/**
 * The keystores in `dir` (sorted by file name, i.e. by creation time), with the address each
 * claims. Files that are not keystores are skipped (with a warning when named like one); a
 * missing folder is an empty list.
 */
export function listKeystores(dir: string, warn: Warn = stderrWarn): KeystoreEntry[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new KeystoreError("UNREADABLE", `cannot read keystore folder ${dir}: ${errText(e)}`, { file: dir });
  }
  const out: KeystoreEntry[] = [];
  for (const name of names.sort()) {
    const file = join(dir, name);
    if (name.startsWith(".") || name.includes(".tmp-") || !statSync(file).isFile()) continue;
    try {
      const json = parseKeystoreJson(readKeystoreText(file), file);
      const address = claimedAddress(json, file);
      if (address === undefined) throw new KeystoreError("BAD_KEYSTORE", `keystore ${file} names no address`);
      out.push({ address, file });
      // Checked only for actual keystores: other files in the folder are not our business.
      const w = permissionWarning(file);
      if (w) warn(w);
    } catch (e) {
      if (name.startsWith("UTC--")) warn(`skipping ${file}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return out;
}

/**
 * Picks the keystore file: `file` when given; else the one in `dir` for `address`; else the only
 * key in `dir`. Zero or several candidates is an error telling the operator what to pass.
 */
export function findKeystore(o: {
  file?: string | undefined;
  dir: string;
  address?: string | undefined;
  /** Where warnings about the folder go (default: the process's stderr; the CLI passes its own). */
  warn?: Warn;
}): string {
  if (o.file !== undefined) return o.file;
  const entries = listKeystores(o.dir, o.warn);
  if (o.address !== undefined) {
    const want = o.address.toLowerCase();
    const hit = entries.find((e) => e.address.toLowerCase() === want);
    if (!hit)
      throw new KeystoreError("NO_KEYSTORE", `no keystore for ${o.address} in ${o.dir}`, { file: o.dir });
    return hit.file;
  }
  if (entries.length === 1) return entries[0]!.file;
  if (entries.length === 0) {
    throw new KeystoreError("NO_KEYSTORE", `no keystore in ${o.dir}: create one with 'flops keys new'`, {
      file: o.dir,
    });
  }
  throw new KeystoreError("NO_KEYSTORE", `${entries.length} keystores in ${o.dir}: pass --keystore FILE`, {
    file: o.dir,
  });
}

// ---------------------------------------------------------------------------------------------
// Prompt

export interface PromptIO {
  input: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  output: NodeJS.WritableStream;
}

/** Reads a line from the terminal without echoing it. Refuses when stdin is not a terminal. */
export function promptSecret(
  prompt: string,
  io: PromptIO = { input: process.stdin, output: process.stderr },
): Promise<string> {
  const { input, output } = io;
  if (input.isTTY !== true || typeof input.setRawMode !== "function") {
    return Promise.reject(new KeystoreError("NO_TTY", "stdin is not a terminal"));
  }
  const setRaw = input.setRawMode.bind(input);
  output.write(prompt);
  setRaw(true);
  input.setEncoding("utf8");
  input.resume();
  return new Promise((resolve, reject) => {
    let value = "";
    const finish = (err?: Error): void => {
      input.off("data", onData);
      setRaw(false);
      input.pause();
      output.write("\n");
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string | Buffer): void => {
      const s = String(chunk);
      // Arrow keys and the like arrive as escape sequences: ignore them whole.
      if (s.startsWith("\u001b")) return;
      for (const ch of s) {
        if (ch === "\r" || ch === "\n") {
          finish();
          return;
        }
        if (ch === "\u0003" || (ch === "\u0004" && value === "")) {
          finish(new KeystoreError("ABORTED", "aborted"));
          return;
        }
        if (ch === "\u0004") {
          finish();
          return;
        }
        if (ch === "\u007f" || ch === "\b") {
          value = [...value].slice(0, -1).join("");
          continue;
        }
        if (ch < " ") continue;
        value += ch;
      }
    };
    input.on("data", onData);
  });
}

/** Asks twice for a new password; refuses empty and mismatching entries. */
export async function promptNewPassword(io?: PromptIO): Promise<string> {
  const a = await promptSecret("New keystore password: ", io);
  if (a === "") throw new KeystoreError("EMPTY_PASSWORD", "empty password");
  const b = await promptSecret("Repeat password: ", io);
  if (a !== b) throw new KeystoreError("PASSWORD_MISMATCH", "passwords do not match");
  return a;
}

/** Whether a prompt is possible (stdin is a terminal). */
export function canPrompt(io?: PromptIO): boolean {
  return (io?.input ?? process.stdin).isTTY === true;
}

/**
 * Decrypts the node key: password from `passwordFile`, else a prompt on a terminal.
 * This is what the prover calls at startup.
 */
export async function unlockKeystore(o: {
  file: string;
  passwordFile?: string | undefined;
  warn?: Warn;
  io?: PromptIO;
}): Promise<{ privateKey: Uint8Array; address: AddressHex }> {
  const warn = o.warn ?? stderrWarn;
  let password: string;
  if (o.passwordFile !== undefined) password = readPasswordFile(o.passwordFile, warn);
  else if (canPrompt(o.io)) password = await promptSecret(`Password for ${o.file}: `, o.io);
  else {
    throw new KeystoreError(
      "NO_TTY",
      `no password for keystore ${o.file}: pass --password-file FILE (or run on a terminal)`,
      {
        file: o.file,
      },
    );
  }
  const privateKey = await loadKeystore(o.file, password, warn);
  return { privateKey, address: addressOf(privateKey) };
}

/**
 * The prover's one call: picks the keystore from the {@link KEYSTORE_OPTIONS} config (`keystore`,
 * else the only key in `keystore-dir`) and unlocks it with `password-file` or a prompt.
 */
export async function unlockNodeKey(
  cfg: { keystore: string | undefined; "keystore-dir": string; "password-file": string | undefined },
  opts: { warn?: Warn; io?: PromptIO } = {},
): Promise<{ privateKey: Uint8Array; address: AddressHex; file: string }> {
  const file = findKeystore({
    file: cfg.keystore,
    dir: cfg["keystore-dir"],
    ...(opts.warn === undefined ? {} : { warn: opts.warn }),
  });
  const unlocked = await unlockKeystore({ file, passwordFile: cfg["password-file"], ...opts });
  return { ...unlocked, file };
}
