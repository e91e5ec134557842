/**
 * The secret key of a local (dev) beacon, and where it lives (SECURITY.md §8).
 *
 * Whoever holds a beacon's secret key can compute every future round, hence every challenge's
 * seed and sample positions. Devnets used to share one key derived from a public seed, so anyone
 * could do that on any devnet. Now each devnet draws a fresh random key and keeps it in its
 * datadir (`<datadir>/beacon.key`, mode 0600), so a resumed devnet keeps signing its own chain's
 * rounds; `flops genesis --beacon dev` writes the key it drew next to the genesis document.
 *
 * File format: the 32-byte big-endian scalar as 0x-hex on one line.
 * @module
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  assertBeaconSecretKey,
  BEACON_KEY_ENTROPY_BYTES,
  BEACON_SECRET_KEY_BYTES,
  beaconSecretKeyFromEntropy,
} from "../chain/beacon/index.ts";
import { bytesToHex, hexToBytes } from "../chain/bytes.ts";
import { RollupError } from "../chain/errors.ts";

/** The devnet beacon key's file inside a datadir. */
export const DEV_BEACON_KEY_FILE = "beacon.key";

/** A fresh, uniformly random beacon secret key. */
export function newBeaconSecretKey(): Uint8Array {
  return beaconSecretKeyFromEntropy(randomBytes(BEACON_KEY_ENTROPY_BYTES));
}

/** Writes `key` to a new file (never overwrites one), readable by its owner only. */
export function writeBeaconKeyFile(file: string, key: Uint8Array): void {
  assertBeaconSecretKey(key);
  writeFileSync(file, `${bytesToHex(key)}\n`, { flag: "wx", mode: 0o600 });
}

/** Reads and checks a beacon key file; throws a RollupError (BEACON_KEY_INVALID) naming it. */
export function readBeaconKeyFile(file: string): Uint8Array {
  let text: string;
  try {
    // A key file is one line; refuse to read anything large.
    if (statSync(file).size > 256) throw new Error("file is larger than a beacon key file");
    text = readFileSync(file, "utf8").trim();
  } catch (e) {
    throw new RollupError("BEACON_KEY_INVALID", `beacon key file ${file}: ${(e as Error).message}`, { file });
  }
  const hex = text.startsWith("0x") ? text : `0x${text}`;
  if (!/^0x[0-9a-fA-F]+$/.test(hex) || hex.length !== 2 + 2 * BEACON_SECRET_KEY_BYTES) {
    throw new RollupError(
      "BEACON_KEY_INVALID",
      `beacon key file ${file}: expected ${BEACON_SECRET_KEY_BYTES} bytes of hex`,
      { file },
    );
  }
  const key = hexToBytes(hex);
  try {
    assertBeaconSecretKey(key);
  } catch (e) {
    throw new RollupError("BEACON_KEY_INVALID", `beacon key file ${file}: ${(e as Error).message}`, { file });
  }
  return key;
}

/**
 * The devnet beacon key of `datadir`: read from `<datadir>/beacon.key`, or drawn fresh and
 * written there when the datadir has none (a new devnet).
 */
export function loadOrCreateDevBeaconKey(datadir: string): {
  key: Uint8Array;
  file: string;
  created: boolean;
} {
  const file = join(datadir, DEV_BEACON_KEY_FILE);
  if (existsSync(file)) return { key: readBeaconKeyFile(file), file, created: false };
  mkdirSync(datadir, { recursive: true });
  const key = newBeaconSecretKey();
  writeBeaconKeyFile(file, key);
  return { key, file, created: true };
}

/**
 * The local-beacon keys a node may sign with, for a chain whose beacon is not quicknet: `keyFile`
 * (`--beacon.key`; must exist) and the datadir's `beacon.key` (if there is one).
 */
export function devBeaconKeys(datadir: string, keyFile?: string): Uint8Array[] {
  const keys = keyFile === undefined ? [] : [readBeaconKeyFile(keyFile)];
  const inDatadir = join(datadir, DEV_BEACON_KEY_FILE);
  if (existsSync(inDatadir)) keys.push(readBeaconKeyFile(inDatadir));
  return keys;
}
