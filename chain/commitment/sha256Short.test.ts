import { hash, randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  createSha256ShortKernel,
  NO_PREFIX,
  SHORT_MAX_BYTES,
  sha256Each,
  sha256EachItem,
  sha256Short,
} from "./sha256Short.ts";
import { MAX_SLOTS } from "./sha256ShortWat.ts";

const nodeSha = (m: Uint8Array): Uint8Array =>
  new Uint8Array(hash("sha256", m, "buffer") as unknown as Buffer);
const withPrefix = (p: number, m: Uint8Array): Uint8Array => (p === NO_PREFIX ? m : Uint8Array.of(p, ...m));
const digests = (out: Uint8Array): Uint8Array[] =>
  Array.from({ length: out.length / 32 }, (_, i) => out.slice(32 * i, 32 * i + 32));

describe("sha256Short", () => {
  it("uses the WebAssembly kernel on this runtime and refuses more than MAX_SLOTS", () => {
    expect(sha256Short.kind).toBe("wasm");
    expect(() => sha256Short.hash(MAX_SLOTS + 1)).toThrow(RangeError);
  });

  it("matches node:crypto at every message length, kernel and fallback, across batch edges", () => {
    const node = createSha256ShortKernel("node");
    for (const n of [1, 3, 5, MAX_SLOTS, 2 * MAX_SLOTS + 3]) {
      const messages = Array.from({ length: n }, (_, i) => new Uint8Array(randomBytes(i % 90)));
      for (const prefix of [NO_PREFIX, 0x00]) {
        const want = messages.map((m) => nodeSha(withPrefix(prefix, m)));
        const out = new Uint8Array(32 * n);
        sha256Each(messages, prefix, out);
        expect(digests(out)).toEqual(want);
      }
    }
    // The fallback kernel reads each message's length back from its padding.
    for (let len = 0; len <= SHORT_MAX_BYTES; len++) {
      const m = new Uint8Array(randomBytes(len));
      node.mem.set(m, 1024);
      node.mem[1024 + len] = 0x80;
      node.mem.fill(0, 1024 + len + 1, 1024 + 62);
      node.mem[1024 + 62] = (8 * len) >> 8;
      node.mem[1024 + 63] = (8 * len) & 0xff;
      node.hash(1);
      expect(node.mem.slice(1024, 1056)).toEqual(nodeSha(m));
    }
  });

  it("hashes 32-byte items in place", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 600 }), (items) => {
        const flat = new Uint8Array(32 * items.length);
        for (const [i, it] of items.entries()) flat.set(it, 32 * i);
        sha256EachItem(flat, items.length, 0x00, flat);
        expect(digests(flat)).toEqual(items.map((it) => nodeSha(Uint8Array.of(0, ...it))));
      }),
      { numRuns: 20 },
    );
  });
});
