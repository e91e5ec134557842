/**
 * Readers for the L1 node's JSON answers, field by field: an L1 RPC (a provider, a public node, a
 * misbehaving proxy) is hostile input. Every reader checks the type, the hex form and the exact
 * byte length, and fails with an {@link L1SourceError} of kind "critical" naming the field; no
 * attacker-sized value is echoed whole (showValue caps it).
 * @module
 */
import { hexToBytes } from "../../chain/bytes.ts";
import { RollupError, showValue } from "../../chain/errors.ts";

/**
 * How the driver treats a failure (ARCHITECTURE "Errors"): temporary = retry later (network, a
 * block not there yet); reset = the L1 answers do not fit together (a reorg while we read): re-read
 * from a safe point; critical = the node answers something no Ethereum node would: stop deriving.
 */
export type L1ErrorKind = "temporary" | "reset" | "critical";

export class L1SourceError extends RollupError<{ kind: L1ErrorKind }> {
  constructor(kind: L1ErrorKind, message: string, options?: { cause?: unknown }) {
    super("L1_SOURCE", `L1: ${message}`, { kind }, options);
    this.name = "L1SourceError";
  }
  get kind(): L1ErrorKind {
    return this.meta.kind;
  }
}

const QUANTITY = /^0x(0|[1-9a-f][0-9a-f]*)$/i;
const DATA = /^0x([0-9a-f]{2})*$/i;
/** A quantity wider than this is not an L1 block number, time, index or uint256. */
const MAX_QUANTITY_HEX_DIGITS = 64;

export function garbage(what: string, value: unknown): L1SourceError {
  const shown = typeof value === "string" ? showValue(value) : typeof value;
  return new L1SourceError("critical", `malformed answer: ${what} is ${shown}`);
}

export function asObject(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw garbage(what, v);
  return v as Record<string, unknown>;
}

export function asArray(v: unknown, what: string, maxItems: number): unknown[] {
  if (!Array.isArray(v)) throw garbage(what, v);
  if (v.length > maxItems)
    throw new L1SourceError("critical", `malformed answer: ${what} has ${v.length} items (max ${maxItems})`);
  return v;
}

export function quantity(v: unknown, what: string): bigint {
  if (typeof v !== "string" || v.length > 2 + MAX_QUANTITY_HEX_DIGITS || !QUANTITY.test(v))
    throw garbage(what, v);
  return BigInt(v);
}

/** 0x-hex bytes; `length`: exactly that many; `maxBytes`: at most that many. */
export function data(v: unknown, what: string, o: { length?: number; maxBytes?: number } = {}): Uint8Array {
  if (typeof v !== "string") throw garbage(what, v);
  const max = o.length ?? o.maxBytes;
  if (max !== undefined && v.length > 2 + 2 * max) throw garbage(what, v);
  if (!DATA.test(v)) throw garbage(what, v);
  const bytes = hexToBytes(v);
  if (o.length !== undefined && bytes.length !== o.length) throw garbage(what, v);
  return bytes;
}

export function hash32(v: unknown, what: string): Uint8Array {
  return data(v, what, { length: 32 });
}

/** An address, or null (contract creation) where `nullable`. Lower-case hex. */
export function address(v: unknown, what: string): string {
  if (typeof v !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(v)) throw garbage(what, v);
  return v.toLowerCase();
}
