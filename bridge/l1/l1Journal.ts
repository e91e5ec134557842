/**
 * `L1Journal`: the embedded L1's persistence, an fsynced append-only file `<dir>/blocks.log` of
 * each block's inputs. Blocks are not stored: on start the L1 replays the records through the same
 * VM and gets the same blocks, hashes and receipts back (every input of a block is recorded; the
 * rest is derived from its parent). The L2 chain's batches live on this L1, so a devnet restart
 * must come back to the same L1.
 *
 * File layout: records back to back, each
 *   u32be payloadLength ‖ u32be crc32(payload) ‖ payload
 * payload = RLP of one of
 *   [0x00, configDigest(32), genesisTimestamp]            the first record: which L1 this is
 *   [0x01, number, timestamp, extraData, [rawTx, ...]]    a block, its txs in block order
 *   [0x02, headNumber]                                    blocks above headNumber are gone (evm_revert, reorg)
 *
 * A crash can leave the last record torn (short, or its checksum wrong): it is dropped and the
 * file cut back to the last whole record (the block it held was never acknowledged as durable).
 * A bad record with more data after it is corruption, and opening fails with a clear error.
 * @module
 */
import { mkdir, open, readFile } from "node:fs/promises";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { RLP } from "@ethereumjs/rlp";
import { bigIntToUnpaddedBytes, bytesToBigInt } from "@ethereumjs/util";
import { RollupError } from "../../chain/errors.ts";

/** Largest record read or written: a 30M-gas block of calldata is ~3 MiB under EIP-7623. */
export const MAX_JOURNAL_RECORD_BYTES = 16 * 1024 * 1024;

const HEADER_BYTES = 8;
const KIND_GENESIS = 0;
const KIND_BLOCK = 1;
const KIND_REWIND = 2;

export type L1JournalRecord =
  | { kind: "genesis"; configDigest: Uint8Array; timestamp: bigint }
  | { kind: "block"; number: bigint; timestamp: bigint; extraData: Uint8Array; txs: Uint8Array[] }
  | { kind: "rewind"; head: bigint };

export function encodeJournalRecord(record: L1JournalRecord): Uint8Array {
  let fields: Parameters<typeof RLP.encode>[0];
  switch (record.kind) {
    case "genesis":
      fields = [Uint8Array.of(KIND_GENESIS), record.configDigest, bigIntToUnpaddedBytes(record.timestamp)];
      break;
    case "block":
      fields = [
        Uint8Array.of(KIND_BLOCK),
        bigIntToUnpaddedBytes(record.number),
        bigIntToUnpaddedBytes(record.timestamp),
        record.extraData,
        record.txs,
      ];
      break;
    case "rewind":
      fields = [Uint8Array.of(KIND_REWIND), bigIntToUnpaddedBytes(record.head)];
      break;
  }
  const payload = RLP.encode(fields);
  if (payload.length > MAX_JOURNAL_RECORD_BYTES) {
    throw new RollupError("L1_JOURNAL_RECORD_TOO_LARGE", `journal record of ${payload.length} bytes`);
  }
  const out = new Uint8Array(HEADER_BYTES + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, payload.length);
  view.setUint32(4, crc32(payload));
  out.set(payload, HEADER_BYTES);
  return out;
}

function bytesField(value: unknown, what: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new Error(`${what} is not a byte string`);
  return value;
}

function decodePayload(payload: Uint8Array): L1JournalRecord {
  const decoded = RLP.decode(payload);
  if (!Array.isArray(decoded) || decoded.length < 2) throw new Error("record is not an RLP list");
  const kind = bytesField(decoded[0], "kind");
  if (kind.length !== 1) throw new Error("bad record kind");
  if (kind[0] === KIND_GENESIS && decoded.length === 3) {
    const configDigest = bytesField(decoded[1], "config digest");
    if (configDigest.length !== 32) throw new Error("config digest is not 32 bytes");
    return { kind: "genesis", configDigest, timestamp: bytesToBigInt(bytesField(decoded[2], "timestamp")) };
  }
  if (kind[0] === KIND_BLOCK && decoded.length === 5) {
    const txs = decoded[4];
    if (!Array.isArray(txs)) throw new Error("block txs are not a list");
    return {
      kind: "block",
      number: bytesToBigInt(bytesField(decoded[1], "number")),
      timestamp: bytesToBigInt(bytesField(decoded[2], "timestamp")),
      extraData: bytesField(decoded[3], "extraData"),
      txs: txs.map((tx) => bytesField(tx, "tx")),
    };
  }
  if (kind[0] === KIND_REWIND && decoded.length === 2) {
    return { kind: "rewind", head: bytesToBigInt(bytesField(decoded[1], "head")) };
  }
  throw new Error(`unknown record kind ${kind[0]}`);
}

/**
 * Parses a journal file's bytes: the whole records and the byte length they span (`validBytes`;
 * anything after it is a torn tail). Throws on a bad record that is not the last one.
 */
export function parseJournal(bytes: Uint8Array): { records: L1JournalRecord[]; validBytes: number } {
  const records: L1JournalRecord[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  while (offset < bytes.length) {
    if (bytes.length - offset < HEADER_BYTES) break; // torn header
    const length = view.getUint32(offset);
    const sum = view.getUint32(offset + 4);
    const end = offset + HEADER_BYTES + length;
    if (length > MAX_JOURNAL_RECORD_BYTES) {
      throw new RollupError("L1_JOURNAL_CORRUPT", `journal record at byte ${offset} claims ${length} bytes`);
    }
    if (end > bytes.length) break; // torn payload
    const payload = bytes.subarray(offset + HEADER_BYTES, end);
    let record: L1JournalRecord | undefined;
    let why = "checksum mismatch";
    if (crc32(payload) === sum) {
      try {
        record = decodePayload(payload);
      } catch (e) {
        why = (e as Error).message;
      }
    }
    if (record === undefined) {
      if (end === bytes.length) break; // the last record, half written: torn
      throw new RollupError("L1_JOURNAL_CORRUPT", `journal record at byte ${offset} is bad (${why})`);
    }
    records.push(record);
    offset = end;
  }
  return { records, validBytes: offset };
}

export class L1Journal {
  readonly path: string;
  private handle: import("node:fs/promises").FileHandle;

  private constructor(path: string, handle: import("node:fs/promises").FileHandle) {
    this.path = path;
    this.handle = handle;
  }

  /** Opens (or creates) `<dir>/blocks.log`, cuts off a torn tail, and returns the records in it. */
  static async open(dir: string): Promise<{ journal: L1Journal; records: L1JournalRecord[] }> {
    await mkdir(dir, { recursive: true });
    const path = join(dir, "blocks.log");
    let bytes: Uint8Array = new Uint8Array(0);
    try {
      const buf = await readFile(path);
      bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength); // records as plain Uint8Arrays
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
    const { records, validBytes } = parseJournal(bytes);
    if (validBytes < bytes.length) {
      const fix = await open(path, "r+");
      try {
        await fix.truncate(validBytes);
        await fix.datasync();
      } finally {
        await fix.close();
      }
    }
    const handle = await open(path, "a");
    return { journal: new L1Journal(path, handle), records };
  }

  /** Appends one record and waits for it to reach the disk (fdatasync). */
  async append(record: L1JournalRecord): Promise<void> {
    await this.handle.write(encodeJournalRecord(record));
    await this.handle.datasync();
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
