/**
 * How the indexer stores its records: JSON, with bigint and Uint8Array values tagged by a control
 * character no stored string starts with (record strings are kinds, statuses and error codes), so
 * a record round-trips to the same domain values (bigint, Uint8Array) the explorer port carries.
 *   bigint      -> "\u0001" + decimal
 *   Uint8Array  -> "\u0002" + lower-case hex
 * JSON rather than a binary layout: these records are a few per block (blocks, challenges,
 * epochs, undo records), many small shapes that grow fields. Tx rows, 5,000 a block at the
 * sequencer's cap, are binary (indexer/txChunks.ts): as JSON they were most of the indexer's time.
 * @module
 */
import { bytesToHex, hexToBytes } from "../chain/bytes.ts";

const BIG = "\u0001";
const BYTES = "\u0002";
const enc = new TextEncoder();
const dec = new TextDecoder();

function replacer(this: Record<string, unknown>, k: string, v: unknown): unknown {
  if (typeof v === "bigint") return BIG + v.toString();
  // The holder's own value: a Node Buffer (protobufjs decodes bytes as one) has already been
  // turned into {type, data} by its toJSON before a replacer sees it.
  const own = k === "" ? v : this[k];
  if (own instanceof Uint8Array) return BYTES + bytesToHex(own).slice(2);
  return v;
}

function reviver(_k: string, v: unknown): unknown {
  if (typeof v !== "string" || v.length === 0) return v;
  const c = v.charCodeAt(0);
  if (c === 1) return BigInt(v.slice(1));
  if (c === 2) return hexToBytes(v.slice(1));
  return v;
}

export function encodeRecord(value: unknown): Uint8Array {
  return enc.encode(JSON.stringify(value, replacer));
}

export function decodeRecord<T>(bytes: Uint8Array): T {
  return JSON.parse(dec.decode(bytes), reviver) as T;
}
