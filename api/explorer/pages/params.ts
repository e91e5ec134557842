/**
 * Parsing of the pages' URL parameters: ids, hashes, addresses and page queries. Anything that
 * does not parse is a `PageError` 400 with a sentence saying what was expected; the value itself
 * is echoed only through the escaping page renderer, cut to a readable length.
 * @module
 */
import { hexToBytes } from "../../../chain/bytes.ts";
import type { Address, Hash32 } from "../../../chain/types.ts";
import { MAX_PAGE_LIMIT, type PageQuery } from "../ports.ts";

/** An error a page answers with its own status and a readable page (errorPage.ts). */
export class PageError extends Error {
  override readonly name = "PageError";
  constructor(
    readonly status: 400 | 404 | 429 | 500,
    readonly title: string,
    message: string,
  ) {
    super(message);
  }
}

/** Rows per list page unless `?limit=` says otherwise. */
export const DEFAULT_PAGE_ROWS = 25;
/** A cursor is the reader's opaque key (a few numbers): anything longer is not one of ours. */
export const MAX_CURSOR_CHARS = 200;

const UINT_RE = /^(0|[1-9][0-9]{0,19})$/;
const HASH_RE = /^0x[0-9a-fA-F]{64}$/;
const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;

/** A decimal id (block number, challenge id, batch index), ≤ 20 digits and < 2^64. */
export function parseUint(text: string, what: string): bigint {
  if (UINT_RE.test(text)) {
    const n = BigInt(text);
    if (n < 2n ** 64n) return n;
  }
  throw new PageError(400, `Invalid ${what}`, `A ${what} is a decimal number below 2^64; got "${text}".`);
}

export function parseHash(text: string, what = "hash"): Hash32 {
  if (!HASH_RE.test(text))
    throw new PageError(400, `Invalid ${what}`, `A ${what} is 0x and 64 hex digits; got "${text}".`);
  return hexToBytes(text);
}

export function parseAddress(text: string): Address {
  if (!ADDRESS_RE.test(text))
    throw new PageError(400, "Invalid address", `An address is 0x and 40 hex digits; got "${text}".`);
  return hexToBytes(text);
}

/** A block id: its number or its hash. */
export function parseBlockId(text: string): bigint | Hash32 {
  if (text.startsWith("0x")) return parseHash(text, "block hash");
  return parseUint(text, "block number");
}

/** `?limit=&cursor=` (names may be prefixed when a page has two lists: `wlimit`, `wcursor`). */
export function parsePageQuery(
  query: Record<string, unknown>,
  prefix = "",
  defaultRows = DEFAULT_PAGE_ROWS,
): PageQuery {
  const limitText = query[`${prefix}limit`];
  const cursor = query[`${prefix}cursor`];
  let limit = defaultRows;
  if (limitText !== undefined) {
    if (
      typeof limitText !== "string" ||
      !/^[0-9]{1,3}$/.test(limitText) ||
      +limitText < 1 ||
      +limitText > MAX_PAGE_LIMIT
    )
      throw new PageError(400, "Invalid page size", `limit is a number from 1 to ${MAX_PAGE_LIMIT}.`);
    limit = +limitText;
  }
  if (cursor === undefined || cursor === "") return { limit };
  if (typeof cursor !== "string" || cursor.length > MAX_CURSOR_CHARS)
    throw new PageError(
      400,
      "Invalid cursor",
      "That page cursor is not one this explorer made: start from the first page.",
    );
  return { limit, cursor };
}
