/**
 * Loader of test/vectors/drandQuicknet.json: real quicknet rounds (sources listed in the file).
 * @module
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { hexToBytes } from "../../chain/bytes.ts";

export interface QuicknetVector {
  round: bigint;
  randomness: Uint8Array;
  signature: Uint8Array;
  /** The round as a relay serves it (GET /{chainHash}/public/{round}). */
  json: { round: number; randomness: string; signature: string };
}

interface RawFile {
  chain: { hash: string; publicKey: string; period: number; genesisTime: number };
  rounds: { round: number; randomness: string; signature: string }[];
}

const raw = JSON.parse(
  readFileSync(fileURLToPath(new URL("../vectors/drandQuicknet.json", import.meta.url)), "utf8"),
) as RawFile;

export const QUICKNET_VECTOR_CHAIN = raw.chain;

export const QUICKNET_VECTORS: readonly QuicknetVector[] = raw.rounds.map((r) => ({
  round: BigInt(r.round),
  randomness: hexToBytes(r.randomness),
  signature: hexToBytes(r.signature),
  json: { round: r.round, randomness: r.randomness, signature: r.signature },
}));

export function quicknetVector(round: number): QuicknetVector {
  const v = QUICKNET_VECTORS.find((x) => x.round === BigInt(round));
  if (v === undefined) throw new Error(`no quicknet vector for round ${round}`);
  return v;
}
