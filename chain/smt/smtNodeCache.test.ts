import { describe, expect, it } from "vitest";
import { sha256, utf8 } from "../hash.ts";
import { SmtNodeCache } from "./smtNodeCache.ts";
import { words } from "./wordCopy.ts";

const h = (s: string): Uint8Array => sha256(utf8(s));
const preimage = (tag: number, s: string): Uint8Array => Uint8Array.of(tag, ...h(`${s}/a`), ...h(`${s}/b`));

describe("SmtNodeCache", () => {
  it("finds what was put, at any offset of the caller's buffers, and copies it in", () => {
    const cache = new SmtNodeCache(8);
    const hashBuf = Uint8Array.of(9, 9, 9, ...h("n1"));
    const pre = Uint8Array.of(7, ...preimage(1, "n1"));
    const at = cache.put(hashBuf, 3, pre, 1);
    expect(cache.mem.slice(at, at + 65)).toEqual(pre.slice(1));
    pre.fill(0); // the cache holds a copy
    expect(cache.find(h("n1"), 0)).toBe(at);
    expect(cache.mem.slice(at, at + 65)).toEqual(preimage(1, "n1"));
    expect(cache.find(h("n2"), 0)).toBe(-1);
  });

  it("putWords stores the same entry as put", () => {
    const a = new SmtNodeCache(8);
    const b = new SmtNodeCache(8);
    const rec = words(new Uint8Array(100));
    rec.u8.set(h("n3"), 0);
    rec.u8.set(preimage(0, "n3"), 32);
    a.putWords(rec, 0, 32);
    b.put(h("n3"), 0, preimage(0, "n3"), 0);
    expect(a.mem).toEqual(b.mem);
    expect(a.find(h("n3"), 0)).toBeGreaterThanOrEqual(0);
  });

  it("evicts on a slot collision and never returns another node's preimage", () => {
    const cache = new SmtNodeCache(0); // one slot
    cache.put(h("x"), 0, preimage(1, "x"), 0);
    cache.put(h("y"), 0, preimage(1, "y"), 0);
    expect(cache.find(h("x"), 0)).toBe(-1);
    const at = cache.find(h("y"), 0);
    expect(cache.mem.slice(at, at + 65)).toEqual(preimage(1, "y"));
    cache.clear();
    expect(cache.find(h("y"), 0)).toBe(-1);
  });
});
