/**
 * The operator's BLS keystore: the BN254 secret key of bridge/operators/bn254Bls.ts in an
 * EIP-2335 container (version 4: `crypto.kdf` scrypt or pbkdf2, `crypto.checksum` sha256,
 * `crypto.cipher` aes-128-ctr; `pubkey`, `path`, `uuid`, `description`).
 *
 * EIP-2335 is written for BLS12-381 keys; here the same container holds a BN254 key (the curve the
 * EVM's precompiles and OperatorRegistry use). So `pubkey` is the G1 key compressed (33 bytes,
 * noble's SEC1-style form), `pubkeyG2` (our addition) the G2 key compressed (65 bytes), and `path`
 * is "" (no EIP-2334 derivation tree exists for BN254). Both keys are recomputed from the decrypted
 * secret at load: a file whose public keys were swapped is refused, not trusted.
 *
 * The KDF parameters come from the file, so they are bounded before any derivation by the same
 * checks as the secp256k1 keystores (node/keystoreV3.ts KEYSTORE_BOUNDS).
 * @module
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  randomBytes,
  randomUUID,
  timingSafeEqual,
} from "node:crypto";
import { readFileSync } from "node:fs";
import { bn254 } from "@noble/curves/bn254.js";
import { type BlsKeyPair, keyPairFromSecret } from "../bridge/operators/bn254Bls.ts";
import { KeystoreError } from "./keystore.ts";
import {
  checkPbkdf2,
  checkScrypt,
  deriveKey,
  KEYSTORE_BOUNDS,
  KeystoreParamError,
  type Pbkdf2Params,
  type ScryptParams,
} from "./keystoreV3.ts";

/** The file as written (EIP-2335 version 4, plus `pubkeyG2`). */
export interface BlsKeystoreJson {
  crypto: {
    kdf: { function: "scrypt" | "pbkdf2"; params: Record<string, unknown>; message: "" };
    checksum: { function: "sha256"; params: Record<string, never>; message: string };
    cipher: { function: "aes-128-ctr"; params: { iv: string }; message: string };
  };
  description: string;
  pubkey: string;
  pubkeyG2: string;
  path: "";
  uuid: string;
  version: 4;
}

/** scrypt n written by default (EIP-2335's test vector and geth's standard: 2^18). */
export const BLS_DEFAULT_SCRYPT_N = 2 ** 18;

const hexOf = (b: Uint8Array) => Buffer.from(b).toString("hex");

/**
 * EIP-2335's password processing: NFKD, then the C0 and C1 control codes and DEL removed, so the
 * same typed password unlocks the file on any platform.
 */
export function processBlsPassword(password: string): Buffer {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  const cleaned = password.normalize("NFKD").replace(/[\u0000-\u001f\u007f-\u009f]/g, "");
  if (cleaned === "") throw new KeystoreError("EMPTY_PASSWORD", "the BLS keystore password is empty");
  return Buffer.from(cleaned, "utf8");
}

function checksum(dk: Uint8Array, cipherMessage: Uint8Array): Buffer {
  return createHash("sha256").update(dk.subarray(16, 32)).update(cipherMessage).digest();
}

function secretBytes(sk: bigint): Buffer {
  return Buffer.from(sk.toString(16).padStart(64, "0"), "hex");
}

/** The public keys as the file names them (compressed hex, no 0x, as EIP-2335's `pubkey`). */
export function blsPubkeys(k: BlsKeyPair): { pubkey: string; pubkeyG2: string } {
  return { pubkey: k.pubkeyG1.toHex(true), pubkeyG2: k.pubkeyG2.toHex(true) };
}

/** A fresh key pair from the OS's randomness (sk uniform below r: 64 random bytes reduced). */
export function randomBlsKeyPair(): BlsKeyPair {
  const wide = BigInt(`0x${randomBytes(64).toString("hex")}`);
  return keyPairFromSecret((wide % (bn254.fields.Fr.ORDER - 1n)) + 1n);
}

/** Encrypts `key` (scrypt n, r = 8, p = 1; fresh salt and IV). */
export async function encryptBlsKeystore(
  key: BlsKeyPair,
  password: string,
  o: { scryptN?: number; description?: string } = {},
): Promise<BlsKeystoreJson> {
  const salt = randomBytes(32);
  const iv = randomBytes(16);
  const params = { dklen: 32, n: o.scryptN ?? BLS_DEFAULT_SCRYPT_N, r: 8, p: 1 };
  const kdf = checkScrypt(params, salt);
  const dk = await deriveKey(kdf, processBlsPassword(password));
  const c = createCipheriv("aes-128-ctr", dk.subarray(0, 16), iv);
  const message = Buffer.concat([c.update(secretBytes(key.secretKey)), c.final()]);
  return {
    crypto: {
      kdf: { function: "scrypt", params: { ...params, salt: hexOf(salt) }, message: "" },
      checksum: { function: "sha256", params: {}, message: hexOf(checksum(dk, message)) },
      cipher: { function: "aes-128-ctr", params: { iv: hexOf(iv) }, message: hexOf(message) },
    },
    description: o.description ?? "flops operator BLS key (BN254 in an EIP-2335 container)",
    ...blsPubkeys(key),
    path: "",
    uuid: randomUUID(),
    version: 4,
  };
}

const bad = (m: string, file?: string) =>
  new KeystoreError("BAD_KEYSTORE", `BLS keystore${file ? ` ${file}` : ""}: ${m}`, file ? { file } : {});

function obj(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw bad(`${what} is not an object`);
  return v as Record<string, unknown>;
}

/** Hex (no 0x, as EIP-2335 writes it; 0x tolerated) of exactly `len` bytes (or up to `max`). */
function hexBytes(v: unknown, what: string, min: number, max = min): Buffer {
  if (typeof v !== "string") throw bad(`${what} is not a hex string`);
  const h = v.startsWith("0x") ? v.slice(2) : v;
  if (h.length % 2 !== 0 || h.length < 2 * min || h.length > 2 * max || !/^[0-9a-fA-F]*$/.test(h))
    throw bad(`${what} must be ${min === max ? min : `${min}..${max}`} bytes of hex`);
  return Buffer.from(h, "hex");
}

/**
 * Checks, derives, verifies the checksum, decrypts: the key pair. Throws KeystoreError
 * WRONG_PASSWORD (checksum mismatch: a wrong password or a tampered file), BAD_KEYSTORE (shape,
 * or public keys that are not the secret's), KEYSTORE_OUT_OF_BOUNDS (a KDF too costly to try).
 */
export async function decryptBlsKeystore(
  json: unknown,
  password: string,
  file?: string,
): Promise<BlsKeyPair> {
  const top = obj(json, "the file");
  if (top.version !== 4) throw bad("version must be 4 (EIP-2335)", file);
  const c = obj(top.crypto, "crypto");
  const kdfSec = obj(c.kdf, "crypto.kdf");
  const cipherSec = obj(c.cipher, "crypto.cipher");
  const sumSec = obj(c.checksum, "crypto.checksum");
  if (sumSec.function !== "sha256") throw bad("crypto.checksum.function must be sha256", file);
  if (cipherSec.function !== "aes-128-ctr") throw bad("crypto.cipher.function must be aes-128-ctr", file);
  const iv = hexBytes(obj(cipherSec.params, "crypto.cipher.params").iv, "cipher iv", 16);
  const message = hexBytes(cipherSec.message, "cipher message", 32);
  const sum = hexBytes(sumSec.message, "checksum message", 32);
  const params = obj(kdfSec.params, "crypto.kdf.params");
  if (params.dklen !== KEYSTORE_BOUNDS.dklen) throw bad(`kdf dklen must be ${KEYSTORE_BOUNDS.dklen}`, file);
  const salt = hexBytes(params.salt, "kdf salt", 0, KEYSTORE_BOUNDS.maxSaltBytes);
  let kdf: ScryptParams | Pbkdf2Params;
  try {
    if (kdfSec.function === "scrypt") kdf = checkScrypt(params, salt);
    else if (kdfSec.function === "pbkdf2") kdf = checkPbkdf2(params, salt);
    else throw bad("crypto.kdf.function must be scrypt or pbkdf2", file);
  } catch (e) {
    if (e instanceof KeystoreParamError)
      throw new KeystoreError(
        e.kind === "bound" ? "KEYSTORE_OUT_OF_BOUNDS" : "BAD_KEYSTORE",
        `BLS keystore${file ? ` ${file}` : ""}: ${e.message}`,
        file ? { file } : {},
      );
    throw e;
  }
  const dk = await deriveKey(kdf, processBlsPassword(password));
  if (!timingSafeEqual(checksum(dk, message), sum))
    throw new KeystoreError(
      "WRONG_PASSWORD",
      `wrong password for BLS keystore${file ? ` ${file}` : ""} (or the file was altered)`,
      file ? { file } : {},
    );
  const d = createDecipheriv("aes-128-ctr", dk.subarray(0, 16), iv);
  const sk = BigInt(`0x${Buffer.concat([d.update(message), d.final()]).toString("hex")}`);
  let key: BlsKeyPair;
  try {
    key = keyPairFromSecret(sk);
  } catch {
    throw bad("the decrypted secret is not a BN254 key", file);
  }
  // The public keys are what the registry and the aggregator see: they must be this secret's.
  const want = blsPubkeys(key);
  const strip = (v: unknown) => (typeof v === "string" ? v.replace(/^0x/, "").toLowerCase() : v);
  if (strip(top.pubkey) !== want.pubkey || strip(top.pubkeyG2) !== want.pubkeyG2)
    throw bad("pubkey / pubkeyG2 are not the public keys of the secret it holds", file);
  return key;
}

/** Reads and decrypts a BLS keystore file (at most KEYSTORE_BOUNDS.maxFileBytes). */
export async function loadBlsKeystore(file: string, password: string): Promise<BlsKeyPair> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new KeystoreError("NO_KEYSTORE", `cannot read BLS keystore ${file}: ${(e as Error).message}`, {
      file,
    });
  }
  if (text.length > KEYSTORE_BOUNDS.maxFileBytes)
    throw bad(`larger than ${KEYSTORE_BOUNDS.maxFileBytes} bytes`, file);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw bad("not JSON", file);
  }
  return decryptBlsKeystore(json, password, file);
}
