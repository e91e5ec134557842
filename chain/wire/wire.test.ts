import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { WIRE_CODECS, type WireCodec } from "../../test/helpers/wireArbitraries.ts";
import { bytesToHex } from "../bytes.ts";
import { DecodeError } from "../errors.ts";
import { keccak256 } from "../hash.ts";
import type { SignedTx } from "../types.ts";

const RUNS = 300;

/** Decodes and reports the outcome; anything thrown that is not a DecodeError fails the test. */
function tryDecode(c: WireCodec<unknown>, bytes: Uint8Array): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: c.decode(bytes) };
  } catch (e) {
    if (!(e instanceof DecodeError)) throw new Error(`${c.name}: threw ${String(e)} on ${bytesToHex(bytes)}`);
    return { ok: false };
  }
}

/** Domain view for comparisons: a SignedTx's hash and raw are checked separately. */
function comparable(name: string, value: unknown): unknown {
  if (name !== "Tx") return value;
  const tx = value as SignedTx;
  return { body: tx.body, bodyBytes: tx.bodyBytes, signature: tx.signature };
}

describe.each(WIRE_CODECS.map((c) => [c.name, c] as const))("%s", (name, c) => {
  it("round-trips arbitrary values, and re-encoding gives the same bytes", () => {
    fc.assert(
      fc.property(c.arb, (value) => {
        const bytes = c.encode(value);
        expect(bytes.constructor).toBe(Uint8Array);
        const decoded = c.decode(bytes);
        expect(comparable(name, decoded)).toEqual(comparable(name, value));
        expect(bytesToHex(c.encode(decoded))).toBe(bytesToHex(bytes));
        if (name === "Tx") {
          const tx = decoded as SignedTx;
          expect(bytesToHex(tx.raw)).toBe(bytesToHex(bytes));
          expect(bytesToHex(tx.hash)).toBe(bytesToHex(keccak256(bytes)));
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("accepts bytes only if they are exactly the encoding of what they decode to (random garbage)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const r = tryDecode(c, bytes);
        if (r.ok) expect(bytesToHex(c.encode(r.value))).toBe(bytesToHex(bytes));
      }),
      { numRuns: RUNS * 3 },
    );
  });

  it("accepts a mutated encoding only if it is canonical (flips, inserts, deletes, truncations, suffixes)", () => {
    const mutation = fc.oneof(
      fc.record({ op: fc.constant("flip" as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
      fc.record({ op: fc.constant("insert" as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ op: fc.constant("delete" as const), at: fc.nat() }),
      fc.record({ op: fc.constant("truncate" as const), at: fc.nat() }),
      fc.record({
        op: fc.constant("append" as const),
        suffix: fc.uint8Array({ minLength: 1, maxLength: 8 }),
      }),
    );
    fc.assert(
      fc.property(c.arb, fc.array(mutation, { minLength: 1, maxLength: 3 }), (value, mutations) => {
        let bytes = c.encode(value);
        for (const m of mutations) bytes = mutate(bytes, m);
        const r = tryDecode(c, bytes);
        if (r.ok) expect(bytesToHex(c.encode(r.value))).toBe(bytesToHex(bytes));
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it("rejects any unknown field appended to a valid encoding", () => {
    const knownIds = new Set(c.type.fieldsArray.map((f) => f.id));
    const unknownField = fc
      .record({
        id: fc.integer({ min: 1, max: 5000 }),
        wireType: fc.constantFrom(0, 1, 2, 5),
        payload: fc.nat(),
      })
      .filter((f) => !knownIds.has(f.id));
    fc.assert(
      fc.property(c.arb, unknownField, (value, f) => {
        const bytes = concat(c.encode(value), rawField(f.id, f.wireType, f.payload));
        expect(tryDecode(c, bytes).ok).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });

  it("rejects top-level fields swapped, duplicated, or with a padded tag, and explicit defaults", () => {
    fc.assert(
      fc.property(c.arb, fc.nat(), (value, pick) => {
        const bytes = c.encode(value);
        const fields = splitFields(bytes);
        expect(bytesToHex(concat(...fields.map((f) => f.bytes)))).toBe(bytesToHex(bytes));
        for (const bad of nonCanonicalVariants(c, fields, pick)) expect(tryDecode(c, bad).ok).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });

  it("accepts Node Buffers and returns plain Uint8Arrays", () => {
    fc.assert(
      fc.property(c.arb, (value) => {
        const bytes = c.encode(value);
        const decoded = c.decode(Buffer.from(bytes));
        expect(comparable(name, decoded)).toEqual(comparable(name, value));
        for (const b of allBytes(decoded)) expect(b.constructor).toBe(Uint8Array);
      }),
      { numRuns: 50 },
    );
  });
});

type Mutation =
  | { op: "flip"; at: number; xor: number }
  | { op: "insert"; at: number; byte: number }
  | { op: "delete"; at: number }
  | { op: "truncate"; at: number }
  | { op: "append"; suffix: Uint8Array };

function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  const n = bytes.length;
  switch (m.op) {
    case "flip": {
      if (n === 0) return bytes;
      const out = bytes.slice();
      out[m.at % n]! ^= m.xor;
      return out;
    }
    case "insert": {
      const at = m.at % (n + 1);
      return concat(bytes.subarray(0, at), Uint8Array.of(m.byte), bytes.subarray(at));
    }
    case "delete": {
      if (n === 0) return bytes;
      const at = m.at % n;
      return concat(bytes.subarray(0, at), bytes.subarray(at + 1));
    }
    case "truncate":
      return bytes.subarray(0, m.at % (n + 1));
    case "append":
      return concat(bytes, m.suffix);
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function varint(v: number): number[] {
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/** One well-formed field: a tag and a payload of the wire type's shape. */
function rawField(id: number, wireType: number, payload: number): Uint8Array {
  const tag = varint(id * 8 + wireType);
  switch (wireType) {
    case 0:
      return Uint8Array.from([...tag, ...varint(payload)]);
    case 1:
      return Uint8Array.from([...tag, 1, 2, 3, 4, 5, 6, 7, 8]);
    case 2: {
      const len = payload % 5;
      return Uint8Array.from([...tag, len, ...new Array<number>(len).fill(7)]);
    }
    default:
      return Uint8Array.from([...tag, 1, 2, 3, 4]);
  }
}

/** Every Uint8Array reachable in a decoded value. */
function allBytes(v: unknown, out: Uint8Array[] = []): Uint8Array[] {
  if (v instanceof Uint8Array) out.push(v);
  else if (Array.isArray(v)) for (const x of v) allBytes(x, out);
  else if (v !== null && typeof v === "object") for (const x of Object.values(v)) allBytes(x, out);
  return out;
}

interface RawField {
  id: number;
  wireType: number;
  /** The whole field: tag, (length,) payload. */
  bytes: Uint8Array;
  tagLength: number;
}

function readVarint(b: Uint8Array, pos: number): [value: number, next: number] {
  let v = 0;
  let mul = 1;
  for (;;) {
    const byte = b[pos++]!;
    v += (byte & 0x7f) * mul;
    mul *= 128;
    if (byte < 0x80) return [v, pos];
  }
}

/** The top-level fields of a (valid) encoding. */
function splitFields(b: Uint8Array): RawField[] {
  const out: RawField[] = [];
  let pos = 0;
  while (pos < b.length) {
    const start = pos;
    const [tag, afterTag] = readVarint(b, pos);
    const wireType = tag & 7;
    pos = afterTag;
    if (wireType === 0) pos = readVarint(b, pos)[1];
    else if (wireType === 2) {
      const [len, afterLen] = readVarint(b, pos);
      pos = afterLen + len;
    } else throw new Error(`unexpected wire type ${wireType}`);
    out.push({
      id: Math.floor(tag / 8),
      wireType,
      bytes: b.subarray(start, pos),
      tagLength: afterTag - start,
    });
  }
  return out;
}

/** Encodings of the same value (or of nothing valid) that are not canonical. */
function nonCanonicalVariants(c: WireCodec<unknown>, fields: RawField[], pick: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  const parts = fields.map((f) => f.bytes);
  const repeated = new Set(c.type.fieldsArray.filter((f) => f.repeated).map((f) => f.id));
  if (fields.length > 0) {
    const i = pick % fields.length;
    const f = fields[i]!;
    // Duplicated (a repeated field's entry may legitimately repeat).
    if (!repeated.has(f.id)) out.push(concat(...parts.slice(0, i + 1), f.bytes, ...parts.slice(i + 1)));
    // The tag as a non-minimal varint: set the continuation bit of its last byte, add a 0x00.
    const padded = concat(
      f.bytes.subarray(0, f.tagLength - 1),
      Uint8Array.of(f.bytes[f.tagLength - 1]! | 0x80, 0),
      f.bytes.subarray(f.tagLength),
    );
    out.push(concat(...parts.slice(0, i), padded, ...parts.slice(i + 1)));
    // Swapped with the next field of another number.
    const g = fields[i + 1];
    if (g !== undefined && g.id !== f.id)
      out.push(concat(...parts.slice(0, i), g.bytes, f.bytes, ...parts.slice(i + 2)));
  }
  // Every absent implicit-presence scalar written explicitly with its default, in field order.
  const present = new Set(fields.map((f) => f.id));
  for (const field of c.type.fieldsArray) {
    const implicit =
      !field.repeated && field.partOf === null && field.resolvedType?.constructor.name !== "Type";
    if (!implicit || present.has(field.id)) continue;
    const wireType = field.type === "bytes" || field.type === "string" ? 2 : 0;
    const explicitDefault = Uint8Array.from([...varint(field.id * 8 + wireType), 0]);
    const at = fields.findIndex((f) => f.id > field.id);
    const cut = at === -1 ? fields.length : at;
    out.push(concat(...parts.slice(0, cut), explicitDefault, ...parts.slice(cut)));
  }
  return out;
}
