/**
 * Parameter validators. Each is built once at module load (regexes included) and returns the
 * domain value (bigint, Uint8Array) or the INVALID sentinel, so validation costs no exception and
 * no allocation on the happy path. The `expected` text is what -32602 messages show.
 *
 * Input encodings follow EIP-1474: quantities are 0x-hex without leading zeros ("0x0", "0x1a"),
 * data is 0x-hex with an even number of digits.
 * @module
 */
import type { BlockTag } from "../ports.ts";

export const INVALID: unique symbol = Symbol("invalid param");
export type Invalid = typeof INVALID;

export interface Param<T> {
  readonly name: string;
  /** For messages: "a 32-byte 0x-hex string". */
  readonly expected: string;
  /** Optional params take `fallback` when absent or null. */
  readonly optional: boolean;
  readonly fallback: T | undefined;
  parse(value: unknown): T | Invalid;
}

function param<T>(name: string, expected: string, parse: (value: unknown) => T | Invalid): Param<T> {
  return { name, expected, optional: false, fallback: undefined, parse };
}

/** The same param, optional with a default. */
export function optional<T>(p: Param<T>, fallback: T): Param<T> {
  return { ...p, optional: true, fallback };
}

const HASH32_RE = /^0x[0-9a-fA-F]{64}$/;
const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;
const DATA_RE = /^0x(?:[0-9a-fA-F]{2})*$/;
// u64 at most: 16 hex digits. EIP-1474: no leading zeros.
const QUANTITY_U64_RE = /^0x(?:0|[1-9a-fA-F][0-9a-fA-F]{0,15})$/;

/** 0x-hex → bytes. Node's hex decoder is native; the regex above has already checked the digits. */
function decodeHex(hex: string): Uint8Array {
  const buf = Buffer.from(hex.slice(2), "hex");
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

export function hash32(name: string): Param<Uint8Array> {
  return param(name, "a 32-byte 0x-hex string (0x + 64 hex digits)", (v) =>
    typeof v === "string" && HASH32_RE.test(v) ? decodeHex(v) : INVALID,
  );
}

export function address(name: string): Param<Uint8Array> {
  return param(name, "a 20-byte 0x-hex address (0x + 40 hex digits)", (v) =>
    typeof v === "string" && ADDRESS_RE.test(v) ? decodeHex(v) : INVALID,
  );
}

/** 0x-hex bytes, non-empty. (The body limit bounds the length.) */
export function data(name: string): Param<Uint8Array> {
  return param(name, "non-empty 0x-hex bytes (an even number of hex digits)", (v) =>
    typeof v === "string" && v.length > 2 && DATA_RE.test(v) ? decodeHex(v) : INVALID,
  );
}

/** A u64 quantity. */
export function quantity(name: string): Param<bigint> {
  return param(name, "a 0x-hex quantity without leading zeros, at most 64 bits (e.g. 0x1a)", (v) =>
    typeof v === "string" && QUANTITY_U64_RE.test(v) ? BigInt(v) : INVALID,
  );
}

const BLOCK_TAGS: ReadonlySet<string> = new Set<BlockTag>([
  "latest",
  "earliest",
  "pending",
  "safe",
  "finalized",
]);

/** A block number (quantity) or tag. */
export function blockTag(name: string): Param<bigint | BlockTag> {
  return param(
    name,
    'a block number (0x-hex quantity without leading zeros) or one of "latest", "earliest", "pending", "safe", "finalized"',
    (v) => {
      if (typeof v !== "string") return INVALID;
      if (BLOCK_TAGS.has(v)) return v as BlockTag;
      return QUANTITY_U64_RE.test(v) ? BigInt(v) : INVALID;
    },
  );
}

export function bool(name: string): Param<boolean> {
  return param(name, "a boolean", (v) => (typeof v === "boolean" ? v : INVALID));
}

/** One of a fixed set of strings. */
export function oneOf<const T extends string>(name: string, values: readonly T[]): Param<T> {
  const set: ReadonlySet<string> = new Set(values);
  return param(name, `one of ${values.map((s) => JSON.stringify(s)).join(", ")}`, (v) =>
    typeof v === "string" && set.has(v) ? (v as T) : INVALID,
  );
}

/** A string of 1..maxLength characters. */
export function shortString(name: string, maxLength: number): Param<string> {
  return param(name, `a string of 1 to ${maxLength} characters`, (v) =>
    typeof v === "string" && v.length > 0 && v.length <= maxLength ? v : INVALID,
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
export function pageOpts(name: string): Param<PageOpts> {
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
  );
}
