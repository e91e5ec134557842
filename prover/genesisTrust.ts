/**
 * Which chain the prover works for: the genesis document the node serves, accepted only if its
 * hash is the one the operator pinned (`--genesis-hash`, `--genesis FILE`), or, with no pin, the
 * one this data dir recorded the first time (trust on first use). Everything the prover takes
 * from the genesis then rests on that hash, not on the node's word: the chain id it signs for,
 * the beacon key it verifies rounds with (beaconCheck.ts), the tiers and windows.
 *
 * The hash is keccak256 of the canonical JSON text (chain/genesisDoc.ts), the one L1 contracts pin.
 * The served text must be canonical: a document that parses but re-serializes differently would
 * hash differently from the same document written by the node, so it is refused.
 * @module
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { join } from "node:path";
import { bytesToHex, equalBytes } from "../chain/bytes.ts";
import { type GenesisDoc, genesisFromJson, genesisToJson } from "../chain/genesisDoc.ts";
import { keccak256, utf8 } from "../chain/hash.ts";
import type { Hash32 } from "../chain/types.ts";
import { ProverError } from "./errors.ts";

/** How the genesis hash came to be trusted. */
export type GenesisTrust =
  /** It equals the operator's pin. */
  | "pinned"
  /** It equals the hash this data dir recorded on an earlier run. */
  | "recorded"
  /** No pin and no record: trusted now, and recorded for every later run. */
  | "first-use";

export interface TrustedGenesis {
  doc: GenesisDoc;
  hash: Hash32;
  trust: GenesisTrust;
  /** The record file (written on first use, and whenever a pin is given). */
  recordFile: string;
}

const RECORD_VERSION = 1;

/** `<dataDir>/prover-genesis.json`: the genesis hash every prover sharing the data dir works for. */
export function genesisRecordPath(dataDir: string): string {
  return join(dataDir, "prover-genesis.json");
}

/** Parses a served genesis text and hashes it. Throws `BAD_GENESIS` if it is invalid or not canonical. */
export function parseServedGenesis(text: string): { doc: GenesisDoc; hash: Hash32 } {
  let doc: GenesisDoc;
  try {
    doc = genesisFromJson(text);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    // The reason is the parser's own (bounded, naming a field); the text itself is never echoed.
    throw new ProverError("BAD_GENESIS", `the node serves an invalid genesis document: ${why.slice(0, 200)}`);
  }
  if (genesisToJson(doc) !== text) {
    throw new ProverError("BAD_GENESIS", "the node serves a genesis document that is not in canonical form");
  }
  return { doc, hash: keccak256(utf8(text)) };
}

function readRecord(file: string): Hash32 | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new ProverError("BAD_STATE_FILE", `cannot read ${file}: ${(e as Error).message}`);
  }
  let json: { version?: unknown; genesisHash?: unknown } | undefined;
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    json = undefined;
  }
  const hash = json?.genesisHash;
  if (json?.version !== RECORD_VERSION || typeof hash !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(hash)) {
    // Never guess: a damaged record must not silently become "trust whatever comes next".
    throw new ProverError(
      "BAD_STATE_FILE",
      `${file} is not a genesis record; delete it to trust the node's genesis again, or pass --genesis-hash`,
    );
  }
  return Uint8Array.from(Buffer.from(hash.slice(2), "hex"));
}

function writeRecord(file: string, dataDir: string, hash: Hash32, doc: GenesisDoc): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const body = `${JSON.stringify({
    version: RECORD_VERSION,
    genesisHash: bytesToHex(hash),
    chainId: doc.params.l2ChainId.toString(),
  })}\n`;
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, "w", 0o600);
  try {
    writeSync(fd, body);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/**
 * Checks the served genesis `text` against `pin` (when given) or the data dir's record, and
 * records it on first use (a pin is recorded too, so a later run without it keeps to the same
 * chain). Throws `GENESIS_MISMATCH` naming both hashes, or `BAD_GENESIS`.
 */
export function trustGenesis(text: string, o: { pin?: Hash32 | undefined; dataDir: string }): TrustedGenesis {
  const { doc, hash } = parseServedGenesis(text);
  const recordFile = genesisRecordPath(o.dataDir);
  if (o.pin !== undefined) {
    if (!equalBytes(hash, o.pin)) {
      throw new ProverError(
        "GENESIS_MISMATCH",
        `the node serves genesis ${bytesToHex(hash)}, not the pinned ${bytesToHex(o.pin)} (--genesis-hash): it runs another chain`,
        { served: bytesToHex(hash), expected: bytesToHex(o.pin) },
      );
    }
    const recorded = readRecordOrNone(recordFile);
    if (recorded === undefined || !equalBytes(recorded, hash)) writeRecord(recordFile, o.dataDir, hash, doc);
    return { doc, hash, trust: "pinned", recordFile };
  }
  const recorded = readRecord(recordFile);
  if (recorded === undefined) {
    writeRecord(recordFile, o.dataDir, hash, doc);
    return { doc, hash, trust: "first-use", recordFile };
  }
  if (!equalBytes(recorded, hash)) {
    throw new ProverError(
      "GENESIS_MISMATCH",
      `the node serves genesis ${bytesToHex(hash)}, not ${bytesToHex(recorded)} recorded in ${recordFile} on first use: ` +
        "it runs another chain. If the chain was really replaced, pass --genesis-hash or delete that file",
      { served: bytesToHex(hash), expected: bytesToHex(recorded) },
    );
  }
  return { doc, hash, trust: "recorded", recordFile };
}

/** A pin overrides the record, so a damaged record is simply rewritten then. */
function readRecordOrNone(file: string): Hash32 | undefined {
  try {
    return readRecord(file);
  } catch {
    return undefined;
  }
}
