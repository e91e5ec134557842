/**
 * Parameter codecs: one per kind of positional param. The server validates and decodes what a
 * client sent (`parse`: hostile input, so every check is bounded and returns the INVALID sentinel
 * rather than throwing, no exception and no allocation on the happy path); the client encodes
 * its domain values (`encode`). Each is built once at module load, regexes included. `expected`
 * is the text of a -32602 message.
 *
 * Encodings follow EIP-1474: quantities are 0x-hex without leading zeros ("0x0", "0x1a"), data is
 * 0x-hex with an even number of digits.
 * @module
 */
import type { Hex } from "../chain/bytes.ts";
import { hex, quantity as quantityHex } from "./json.ts";

export const INVALID: unique symbol = Symbol("invalid param");
export type Invalid = typeof INVALID;

/**
 * `T`: the domain value; `W`: its JSON form (the typed RPC schema's parameter type); `O`: whether
 * a client may leave it out.
 */
export interface Param<T, W = unknown, O extends boolean = boolean> {
  readonly name: string;
  /** For messages: "a 32-byte 0x-hex string". */
  readonly expected: string;
  /** Optional params take `fallback` when absent or null. */
  readonly optional: O;
  readonly fallback: T | undefined;
  /** Server side: the JSON value a client sent → the domain value, or INVALID. */
  parse(value: unknown): T | Invalid;
  /** Client side: the domain value → its JSON form. */
  encode(value: T): W;
}

function param<T, W>(
  name: string,
  expected: string,
  parse: (value: unknown) => T | Invalid,
  encode: (value: T) => W,
): Param<T, W, false> {
  return { name, expected, optional: false, fallback: undefined, parse, encode };
}

/** The same param, optional with a default. */
export function optional<T, W>(p: Param<T, W, false>, fallback: T): Param<T, W, true> {
  return { ...p, optional: true, fallback };
}

const HASH32_RE = /^0x[0-9a-fA-F]{64}$/;
const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;
const DATA_RE = /^0x(?:[0-9a-fA-F]{2})*$/;
// u64 at most: 16 hex digits. EIP-1474: no leading zeros.
const QUANTITY_U64_RE = /^0x(?:0|[1-9a-fA-F][0-9a-fA-F]{0,15})$/;

/** 0x-hex → bytes. Node's hex decoder is native; the regex has already checked the digits. */
function decodeHex(text: string): Uint8Array {
  const buf = Buffer.from(text.slice(2), "hex");
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

export function hash32(name: string): Param<Uint8Array, Hex, false> {
  return param(
    name,
    "a 32-byte 0x-hex string (0x + 64 hex digits)",
    (v) => (typeof v === "string" && HASH32_RE.test(v) ? decodeHex(v) : INVALID),
    hex,
  );
}

export function address(name: string): Param<Uint8Array, Hex, false> {
  return param(
    name,
    "a 20-byte 0x-hex address (0x + 40 hex digits)",
    (v) => (typeof v === "string" && ADDRESS_RE.test(v) ? decodeHex(v) : INVALID),
    hex,
  );
}

/** 0x-hex bytes, non-empty. (The server's body limit bounds the length.) */
export function data(name: string): Param<Uint8Array, Hex, false> {
  return param(
    name,
    "non-empty 0x-hex bytes (an even number of hex digits)",
    (v) => (typeof v === "string" && v.length > 2 && DATA_RE.test(v) ? decodeHex(v) : INVALID),
    hex,
  );
}

/** A u64 quantity. */
export function quantity(name: string): Param<bigint, Hex, false> {
  return param(
    name,
    "a 0x-hex quantity without leading zeros, at most 64 bits (e.g. 0x1a)",
    (v) => (typeof v === "string" && QUANTITY_U64_RE.test(v) ? BigInt(v) : INVALID),
    quantityHex,
  );
}

/**
 * Named blocks: `latest` = the unsafe head, `safe` = derived from L1 data, `finalized` = derived
 * from finalized L1 data, `earliest` = genesis. There is no pending block: `pending` = `latest`.
 */
export type BlockTag = "latest" | "earliest" | "pending" | "safe" | "finalized";

const BLOCK_TAGS: ReadonlySet<string> = new Set<BlockTag>([
  "latest",
  "earliest",
  "pending",
  "safe",
  "finalized",
]);

/** A block number (quantity) or tag. */
export function blockTag(name: string): Param<bigint | BlockTag, Hex | BlockTag, false> {
  return param(
    name,
    'a block number (0x-hex quantity without leading zeros) or one of "latest", "earliest", "pending", "safe", "finalized"',
    (v) => {
      if (typeof v !== "string") return INVALID;
      if (BLOCK_TAGS.has(v)) return v as BlockTag;
      return QUANTITY_U64_RE.test(v) ? BigInt(v) : INVALID;
    },
    (v) => (typeof v === "bigint" ? quantityHex(v) : v),
  );
}

export function bool(name: string): Param<boolean, boolean, false> {
  return param(
    name,
    "a boolean",
    (v) => (typeof v === "boolean" ? v : INVALID),
    (v) => v,
  );
}

/** One of a fixed set of strings. */
export function oneOf<const T extends string>(name: string, values: readonly T[]): Param<T, T, false> {
  const set: ReadonlySet<string> = new Set(values);
  return param(
    name,
    `one of ${values.map((s) => JSON.stringify(s)).join(", ")}`,
    (v) => (typeof v === "string" && set.has(v) ? (v as T) : INVALID),
    (v) => v,
  );
}

/** A string of 1..maxLength characters. */
export function shortString(name: string, maxLength: number): Param<string, string, false> {
  return param(
    name,
    `a string of 1 to ${maxLength} characters`,
    (v) => (typeof v === "string" && v.length > 0 && v.length <= maxLength ? v : INVALID),
    (v) => v,
  );
}

/** Any JSON object, unchecked: for a param that is accepted and ignored (eth_subscribe's filter). */
export function anyObject(name: string): Param<object, object, false> {
  return param(
    name,
    "an object",
    (v) => (typeof v === "object" && v !== null ? v : INVALID),
    (v) => v,
  );
}

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 50;
const MAX_CURSOR_LENGTH = 256;

export interface PageOpts {
  limit: number;
  cursor?: string;
}

/** `{limit?: 1..100, cursor?: string}`; unknown keys are refused so typos do not pass silently. */
export function pageOpts(name: string): Param<PageOpts, PageOpts, false> {
  return param(
    name,
    `an object {limit?: integer 1..${MAX_PAGE_SIZE}, cursor?: string from a previous page's nextCursor}`,
    (v) => {
      if (typeof v !== "object" || v === null || Array.isArray(v)) return INVALID;
      const o = v as Record<string, unknown>;
      let n = 0;
      const limit = o.limit ?? DEFAULT_PAGE_SIZE;
      if (o.limit !== undefined) n++;
      if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
        return INVALID;
      }
      const cursor = o.cursor;
      if (cursor !== undefined) n++;
      if (Object.keys(o).length !== n) return INVALID;
      if (cursor === undefined || cursor === null) return { limit };
      if (typeof cursor !== "string" || cursor.length > MAX_CURSOR_LENGTH) return INVALID;
      return { limit, cursor };
    },
    (v) => (v.cursor === undefined ? { limit: v.limit } : { limit: v.limit, cursor: v.cursor }),
  );
}
