/**
 * The JSON forms of domain values (EIP-1474), both ways:
 * - bigint ↔ quantity: "0x" + minimal hex ("0x0", "0x1a"); never a JS number, so no precision loss.
 * - Uint8Array ↔ data: "0x" + lower-case hex, two digits per byte.
 * - small domain `number`s (counts, tier ids, streak, tx index) ↔ JSON numbers.
 * - absent optional fields ↔ null, so every object of a kind has the same keys.
 * Writing is for the server (and a client's params); reading (`JsonReader`) is for a client, which
 * checks what it is told: every reader throws `RpcResponseError` naming the bad field.
 * @module
 */
import { bytesToHex, type Hex } from "../chain/bytes.ts";
import { RollupError } from "../chain/errors.ts";

export function quantity(n: bigint | number): Hex {
  return `0x${n.toString(16)}`;
}

/** Node's native hex for large payloads (reveal tiles); bytesToHex (no Buffer object) for hashes and addresses. */
export function hex(bytes: Uint8Array): Hex {
  if (bytes.length <= 64) return bytesToHex(bytes);
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex")}`;
}

export const optQuantity = (n: bigint | undefined): Hex | null => (n === undefined ? null : quantity(n));
export const optHex = (b: Uint8Array | undefined): Hex | null => (b === undefined ? null : hex(b));

/** The node answered a JSON-RPC result of the wrong shape (a different or newer node?). */
export class RpcResponseError extends RollupError<{ method: string; path: string }> {
  constructor(method: string, path: string, expected: string) {
    super("RPC_BAD_RESPONSE", `${method}: ${path} is not ${expected}`, { method, path });
    this.name = "RpcResponseError";
  }
}

type Json = Record<string, unknown>;

// Results may carry up to 256-bit quantities (credits), and a client is lenient about leading zeros.
const QUANTITY = /^0x[0-9a-fA-F]{1,64}$/;
const DATA = /^0x(?:[0-9a-fA-F]{2})*$/;

/** Field readers bound to one method's result, so errors say where the bad value was. */
export class JsonReader {
  constructor(readonly method: string) {}

  fail(path: string, expected: string): never {
    throw new RpcResponseError(this.method, path, expected);
  }

  object(v: unknown, path = "result"): Json {
    if (typeof v !== "object" || v === null || Array.isArray(v)) this.fail(path, "an object");
    return v as Json;
  }

  array(v: unknown, path: string): unknown[] {
    if (!Array.isArray(v)) this.fail(path, "an array");
    return v;
  }

  quantity(v: unknown, path: string): bigint {
    if (typeof v !== "string" || !QUANTITY.test(v)) this.fail(path, "a hex quantity");
    return BigInt(v);
  }

  optQuantity(v: unknown, path: string): bigint | undefined {
    return v === null || v === undefined ? undefined : this.quantity(v, path);
  }

  data(v: unknown, path: string, byteLength?: number): Uint8Array {
    if (typeof v !== "string" || !DATA.test(v)) this.fail(path, "hex data");
    const bytes = new Uint8Array(Buffer.from(v.slice(2), "hex"));
    if (byteLength !== undefined && bytes.length !== byteLength) this.fail(path, `${byteLength} bytes`);
    return bytes;
  }

  optData(v: unknown, path: string, byteLength?: number): Uint8Array | undefined {
    return v === null || v === undefined ? undefined : this.data(v, path, byteLength);
  }

  int(v: unknown, path: string): number {
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) this.fail(path, "a non-negative integer");
    return v;
  }

  bool(v: unknown, path: string): boolean {
    if (typeof v !== "boolean") this.fail(path, "a boolean");
    return v;
  }

  string(v: unknown, path: string): string {
    if (typeof v !== "string") this.fail(path, "a string");
    return v;
  }

  optString(v: unknown, path: string): string | undefined {
    return v === null || v === undefined ? undefined : this.string(v, path);
  }

  /** One of a fixed set of strings. */
  oneOf<T extends string>(v: unknown, path: string, values: ReadonlySet<string>, expected: string): T {
    if (typeof v !== "string" || !values.has(v)) this.fail(path, expected);
    return v as T;
  }
}

/**
 * Any plain domain value → JSON-able, by the rules above (the params document, whose shape the
 * chain owns). Throws on a value JSON cannot carry, rather than emitting something lossy.
 */
export function toJsonValue(value: unknown): unknown {
  switch (typeof value) {
    case "bigint":
      if (value < 0n) throw new RangeError("toJsonValue: negative bigint has no quantity form");
      return quantity(value);
    case "string":
    case "boolean":
      return value;
    case "number":
      if (!Number.isFinite(value)) throw new RangeError("toJsonValue: non-finite number");
      return value;
    case "undefined":
      return null;
    case "object": {
      if (value === null) return null;
      if (value instanceof Uint8Array) return hex(value);
      if (Array.isArray(value)) return value.map(toJsonValue);
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = toJsonValue(v);
      return out;
    }
    default:
      throw new TypeError(`toJsonValue: cannot encode a ${typeof value}`);
  }
}
