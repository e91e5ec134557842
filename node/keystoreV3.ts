/**
 * The `crypto` section of a keystore v3 file (Web3 Secret Storage): its parameters checked against
 * fixed bounds, then the key derived, the MAC checked and the key decrypted.
 *
 * The KDF parameters are read from the file, so they are input: a file with scrypt n = 2^23 costs
 * 20 s and 1.2 GiB per unlock, pbkdf2 with c = 2^31 runs for hours. Every parameter is therefore
 * checked *before* deriving, and a refusal names the bound it broke. The bounds admit what geth,
 * ethers, Foundry and this node write (geth's "standard" scrypt n = 2^18, r = 8, p = 1; the spec's
 * n = 2^18, r = 1, p = 8; pbkdf2 c = 2^18), and nothing costlier.
 *
 * The derivation runs in Node's crypto on the libuv thread pool, so an unlock never blocks the
 * event loop; the one case OpenSSL refuses (below) runs in @noble/hashes, which yields to it.
 *
 * Writing: the key is derived here (the same bounded, off-thread derivation), and ox's maintained
 * Keystore module (viem's) lays out the cipher, MAC and JSON. Not ox's own derivation: it runs on
 * the event loop, and its toKeyAsync/scryptAsync ignore r and p (0.14.67), so it misreads geth's
 * r = 8, p = 1 files.
 * @module
 */
import { createDecipheriv, pbkdf2, randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { scryptAsync } from "@noble/hashes/scrypt.js";
import { type Keystore as OxKeystore, encrypt as oxEncrypt } from "ox/Keystore";
import { keccak256 } from "../chain/hash.ts";

/** Bounds on a keystore's KDF and cipher parameters, checked before any derivation. */
export const KEYSTORE_BOUNDS = {
  /** Size of a keystore file: real ones are ~500 bytes. */
  maxFileBytes: 64 * 1024,
  /** scrypt n: a power of two, at most geth's "standard" 2^18. */
  scryptMaxN: 2 ** 18,
  scryptMaxR: 32,
  scryptMaxP: 16,
  /** scrypt's memory, 128·n·r bytes: 256 MiB (n = 2^18, r = 8). */
  scryptMaxMemoryBytes: 256 * 1024 * 1024,
  /** scrypt's time is proportional to n·r·p: 2^21 is geth's standard (2^18·8·1), about 1 s. */
  scryptMaxCost: 2 ** 21,
  /** pbkdf2 iterations (geth's pbkdf2 files use 2^18). */
  pbkdf2MaxC: 2 ** 20,
  maxSaltBytes: 128,
  /** dklen: 16 bytes of AES key, 16 of MAC key. */
  dklen: 32,
  ivBytes: 16,
  macBytes: 32,
  /** A secp256k1 key is 32 bytes; old geth wrote it without its leading zero bytes (31, 30). */
  maxCiphertextBytes: 32,
} as const;

export type ScryptParams = { kdf: "scrypt"; n: number; r: number; p: number; salt: Uint8Array };
export type Pbkdf2Params = { kdf: "pbkdf2"; c: number; salt: Uint8Array };

/** A checked `crypto` section: every field within {@link KEYSTORE_BOUNDS}. */
export interface KeystoreCrypto {
  kdf: ScryptParams | Pbkdf2Params;
  iv: Uint8Array;
  ciphertext: Uint8Array;
  mac: Uint8Array;
}

/** Why a `crypto` section was refused: `bound` = a parameter out of bounds, else malformed. */
export class KeystoreParamError extends Error {
  constructor(
    readonly kind: "bound" | "malformed",
    message: string,
  ) {
    super(message);
    this.name = "KeystoreParamError";
  }
}

const bound = (m: string) => new KeystoreParamError("bound", m);
const malformed = (m: string) => new KeystoreParamError("malformed", m);

/** "2^18" for powers of two, else the decimal (only ever called on bounded, finite numbers). */
function pow2(n: number): string {
  const log = Math.log2(n);
  return Number.isInteger(log) && log > 4 ? `2^${log}` : String(n);
}

function record(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw malformed(`${what} is not an object`);
  return v as Record<string, unknown>;
}

/** A positive safe integer; the value itself is printed only when it is one (never a long string). */
function positiveInt(v: unknown, what: string): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1)
    throw malformed(`${what} is not a positive integer`);
  return v;
}

/** Hex bytes (0x optional), length checked on the text before decoding. */
function hexField(v: unknown, what: string, min: number, max: number, exactly?: string): Uint8Array {
  if (typeof v !== "string") throw malformed(`${what} is not a hex string`);
  const hex = v.startsWith("0x") || v.startsWith("0X") ? v.slice(2) : v;
  const want = exactly ?? (min === max ? `${min} bytes` : `${min}..${max} bytes`);
  if (hex.length % 2 !== 0 || hex.length < 2 * min || hex.length > 2 * max) {
    // The length is printed, never the text: it may be huge (bounded here only by the file size).
    throw bound(`${what} must be ${want}, got ${hex.length / 2} bytes`);
  }
  if (!/^[0-9a-fA-F]*$/.test(hex)) throw malformed(`${what} is not hex`);
  return Uint8Array.from(Buffer.from(hex, "hex"));
}

export function checkScrypt(p: Record<string, unknown>, salt: Uint8Array): ScryptParams {
  const B = KEYSTORE_BOUNDS;
  const n = positiveInt(p.n, "scrypt n");
  const r = positiveInt(p.r, "scrypt r");
  const par = positiveInt(p.p, "scrypt p");
  if (n > B.scryptMaxN) throw bound(`scrypt n = ${pow2(n)} is above the bound n ≤ ${pow2(B.scryptMaxN)}`);
  if (n < 2 || (n & (n - 1)) !== 0) throw bound(`scrypt n = ${n} is not a power of two ≥ 2`);
  if (r > B.scryptMaxR) throw bound(`scrypt r = ${r} is above the bound r ≤ ${B.scryptMaxR}`);
  if (par > B.scryptMaxP) throw bound(`scrypt p = ${par} is above the bound p ≤ ${B.scryptMaxP}`);
  const memory = 128 * n * r;
  if (memory > B.scryptMaxMemoryBytes) {
    throw bound(
      `scrypt memory 128·n·r = ${memory / 2 ** 20} MiB is above the bound ${B.scryptMaxMemoryBytes / 2 ** 20} MiB`,
    );
  }
  if (n * r * par > B.scryptMaxCost) {
    throw bound(`scrypt cost n·r·p = ${pow2(n * r * par)} is above the bound ${pow2(B.scryptMaxCost)}`);
  }
  return { kdf: "scrypt", n, r, p: par, salt };
}

export function checkPbkdf2(p: Record<string, unknown>, salt: Uint8Array): Pbkdf2Params {
  if (p.prf !== "hmac-sha256") throw bound("pbkdf2 prf must be hmac-sha256");
  const c = positiveInt(p.c, "pbkdf2 c");
  const max = KEYSTORE_BOUNDS.pbkdf2MaxC;
  if (c > max) throw bound(`pbkdf2 c = ${pow2(c)} is above the bound c ≤ ${pow2(max)}`);
  return { kdf: "pbkdf2", c, salt };
}

/**
 * Checks a keystore's `crypto` object against {@link KEYSTORE_BOUNDS}. Throws a
 * {@link KeystoreParamError} naming the field and, for a parameter out of bounds, the bound.
 */
export function checkKeystoreCrypto(crypto: unknown): KeystoreCrypto {
  const B = KEYSTORE_BOUNDS;
  const c = record(crypto, "crypto");
  if (c.cipher !== "aes-128-ctr") throw bound("cipher must be aes-128-ctr");
  const iv = hexField(record(c.cipherparams, "cipherparams").iv, "cipherparams.iv", B.ivBytes, B.ivBytes);
  const ciphertext = hexField(c.ciphertext, "ciphertext", 1, B.maxCiphertextBytes, "at most 32 bytes");
  const mac = hexField(c.mac, "mac", B.macBytes, B.macBytes);
  const params = record(c.kdfparams, "kdfparams");
  if (params.dklen !== B.dklen) throw bound(`kdfparams.dklen must be ${B.dklen}`);
  const salt = hexField(params.salt, "kdfparams.salt", 0, B.maxSaltBytes);
  let kdf: ScryptParams | Pbkdf2Params;
  if (c.kdf === "scrypt") kdf = checkScrypt(params, salt);
  else if (c.kdf === "pbkdf2") kdf = checkPbkdf2(params, salt);
  else throw bound("kdf must be scrypt or pbkdf2");
  return { kdf, iv, ciphertext, mac };
}

export function deriveKey(kdf: ScryptParams | Pbkdf2Params, password: Uint8Array): Promise<Buffer> {
  const dklen = KEYSTORE_BOUNDS.dklen;
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, key: Buffer) => (err ? reject(err) : resolve(key));
    if (kdf.kdf === "pbkdf2") {
      pbkdf2(password, kdf.salt, kdf.c, dklen, "sha256", done);
      return;
    }
    // OpenSSL enforces RFC 7914's n < 2^(16·r), which the Web3 spec's own vector (n = 2^18, r = 1)
    // breaks: those go to the pure-JS scrypt (the same bounds hold, so the same cost).
    if (kdf.r * 16 <= 30 && kdf.n >= 2 ** (kdf.r * 16)) {
      scryptAsync(password, kdf.salt, { N: kdf.n, r: kdf.r, p: kdf.p, dkLen: dklen, maxmem: 2 ** 30 }).then(
        (key) => resolve(Buffer.from(key)),
        reject,
      );
      return;
    }
    // OpenSSL counts the work buffers (128·r·(n + 2)) and the p blocks (128·r·p) against maxmem;
    // the bounds above keep the sum a little over 256 MiB at most.
    const maxmem = 128 * kdf.r * (kdf.n + kdf.p + 2) + 1024 * 1024;
    scrypt(password, kdf.salt, dklen, { N: kdf.n, r: kdf.r, p: kdf.p, maxmem }, done);
  });
}

/** geth's "standard" scrypt shape (r = 8, p = 1): what every wallet reads. */
const WRITE_SCRYPT_R = 8;
const WRITE_SCRYPT_P = 1;

/**
 * Encrypts a 32-byte private key into a keystore v3 `crypto` section (scrypt n, r = 8, p = 1, fresh
 * 32-byte salt and 16-byte IV), plus `id` and `version`. The parameters are checked against the
 * loader's bounds first: nothing is written that loading would refuse.
 */
export async function encryptKeystoreV3(
  privateKey: Uint8Array,
  password: string,
  scryptN: number,
): Promise<OxKeystore> {
  if (privateKey.length !== 32) throw new RangeError(`a private key is 32 bytes, got ${privateKey.length}`);
  const salt = randomBytes(32);
  const iv = randomBytes(KEYSTORE_BOUNDS.ivBytes);
  const kdfparams = { dklen: KEYSTORE_BOUNDS.dklen, n: scryptN, r: WRITE_SCRYPT_R, p: WRITE_SCRYPT_P };
  // The same checks as loading: a bad n is refused here, not discovered at the next unlock.
  const kdf = checkScrypt(kdfparams, salt);
  const dk = await deriveKey(kdf, Buffer.from(password, "utf8"));
  return oxEncrypt(privateKey, `0x${dk.toString("hex")}`, {
    kdf: "scrypt",
    kdfparams: { ...kdfparams, salt: salt.toString("hex") },
    iv,
  });
}

/**
 * Derives the key from `password`, checks the MAC and decrypts: the private key, left-padded to
 * 32 bytes. Undefined when the MAC does not match (a wrong password, or a corrupted file).
 */
export async function decryptKeystoreCrypto(
  c: KeystoreCrypto,
  password: string,
): Promise<Uint8Array | undefined> {
  const dk = await deriveKey(c.kdf, Buffer.from(password, "utf8"));
  const mac = keccak256(Buffer.concat([dk.subarray(16, 32), c.ciphertext]));
  if (!timingSafeEqual(mac, c.mac)) return undefined;
  const decipher = createDecipheriv("aes-128-ctr", dk.subarray(0, 16), c.iv);
  const plain = Buffer.concat([decipher.update(c.ciphertext), decipher.final()]);
  const key = new Uint8Array(32);
  key.set(plain, 32 - plain.length);
  return key;
}
