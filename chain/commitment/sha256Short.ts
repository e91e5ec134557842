/**
 * Batch sha256 of short messages (at most 55 bytes with their prefix: one padded block), for the
 * roots a block commits to over its txs and receipts: thousands of 33-byte leaves and ~40-byte
 * receipts per block. A multi-buffer WebAssembly SIMD kernel (sha256ShortWat.ts) hashes four
 * blocks per pass, ~0.15 µs per message against ~1.1 µs for a node:crypto call (almost all of it
 * call overhead). Where WebAssembly SIMD is missing, the same interface falls back to node:crypto;
 * a longer message always takes node:crypto.
 * @module
 */
import { createHash, hash as oneShotHash } from "node:crypto";
import { instantiateWasm } from "../wasmInstance.ts";
import { SHA256_SHORT_WASM_BASE64 } from "./sha256ShortWasm.ts";
import { MAX_SLOTS, SLOT_BYTES, SLOTS_OFFSET } from "./sha256ShortWat.ts";

/** Longest message (prefix included) that fits one block with its padding. */
export const SHORT_MAX_BYTES = 55;
/** `prefix` value meaning: no prefix byte. */
export const NO_PREFIX = -1;

export interface Sha256ShortKernel {
  /** "wasm": the SIMD kernel; "node": node:crypto, one call per slot. */
  readonly kind: "wasm" | "node";
  /** The slot memory: a padded block at SLOTS_OFFSET + 64·i; its digest replaces bytes 0..31. */
  readonly mem: Uint8Array;
  /** Hashes slots 0..n-1 in place (n <= MAX_SLOTS). */
  hash(n: number): void;
}

/** Without `kind`, the WebAssembly kernel when this runtime can compile it, else node:crypto. */
export function createSha256ShortKernel(kind?: "wasm" | "node"): Sha256ShortKernel {
  const k = (kind !== "node" ? wasmKernel() : undefined) ?? (kind === "wasm" ? undefined : nodeKernel());
  if (k === undefined) throw new Error("sha256Short: WebAssembly SIMD kernel unavailable");
  return k;
}

function wasmKernel(): Sha256ShortKernel | undefined {
  const exports = instantiateWasm(SHA256_SHORT_WASM_BASE64);
  if (exports === undefined) return undefined;
  const run = exports.hash as (n: number) => void;
  // The memory never grows, so this view stays attached.
  const mem = new Uint8Array((exports.memory as { buffer: ArrayBuffer }).buffer);
  return { kind: "wasm", mem, hash: (n) => run(checkCount(n)) };
}

function nodeKernel(): Sha256ShortKernel {
  const mem = new Uint8Array(SLOTS_OFFSET + MAX_SLOTS * SLOT_BYTES);
  return {
    kind: "node",
    mem,
    hash(n: number): void {
      checkCount(n);
      for (let i = 0; i < n; i++) {
        const off = SLOTS_OFFSET + i * SLOT_BYTES;
        // The message length is in the padding: the block's last two bytes hold its bit length.
        const len = ((mem[off + 62]! << 8) | mem[off + 63]!) >> 3;
        mem.set(oneShotHash("sha256", mem.subarray(off, off + len), "buffer") as unknown as Uint8Array, off);
      }
    },
  };
}

function checkCount(n: number): number {
  if (n > MAX_SLOTS) throw new RangeError(`sha256Short kernel: ${n} > ${MAX_SLOTS} slots`);
  return n;
}

/** The process-wide kernel (synchronous callers only, so one is enough). */
export const sha256Short: Sha256ShortKernel = createSha256ShortKernel();

/**
 * out[32i .. 32i+32) = sha256(prefix ‖ messages[i]) for every i (`prefix` a byte, or NO_PREFIX).
 */
export function sha256Each(messages: readonly Uint8Array[], prefix: number, out: Uint8Array): void {
  const pre = prefix === NO_PREFIX ? 0 : 1;
  const n = messages.length;
  for (let first = 0; first < n; first += MAX_SLOTS) {
    const count = Math.min(MAX_SLOTS, n - first);
    let slots = 0;
    for (let i = first; i < first + count; i++) {
      const m = messages[i]!;
      if (pre + m.length > SHORT_MAX_BYTES) continue;
      const off = SLOTS_OFFSET + slots++ * SLOT_BYTES;
      const mem = sha256Short.mem;
      if (pre) mem[off] = prefix;
      mem.set(m, off + pre);
      pad(mem, off, pre + m.length);
    }
    sha256Short.hash(slots);
    slots = 0;
    for (let i = first; i < first + count; i++) {
      const m = messages[i]!;
      if (pre + m.length > SHORT_MAX_BYTES) out.set(sha256Long(prefix, m), 32 * i);
      else copyDigest(SLOTS_OFFSET + slots++ * SLOT_BYTES, out, 32 * i);
    }
  }
}

/**
 * The same over the n 32-byte items back to back in `items`, with a one-byte prefix; `out` may be
 * `items` itself (each batch is read into the slots before its digests are written back).
 */
export function sha256EachItem(items: Uint8Array, n: number, prefix: number, out: Uint8Array): void {
  const mem = sha256Short.mem;
  for (let first = 0; first < n; first += MAX_SLOTS) {
    const count = Math.min(MAX_SLOTS, n - first);
    for (let s = 0; s < count; s++) {
      const off = SLOTS_OFFSET + s * SLOT_BYTES;
      const from = 32 * (first + s);
      mem[off] = prefix;
      // A byte loop, not subarray + set: a subarray view costs more than copying 32 bytes.
      for (let b = 0; b < 32; b++) mem[off + 1 + b] = items[from + b]!;
      pad(mem, off, 33);
    }
    sha256Short.hash(count);
    for (let s = 0; s < count; s++) copyDigest(SLOTS_OFFSET + s * SLOT_BYTES, out, 32 * (first + s));
  }
}

/** sha256 padding of a `len`-byte message in the block at `off`: 0x80, zeros, bit length. */
function pad(mem: Uint8Array, off: number, len: number): void {
  mem[off + len] = 0x80;
  mem.fill(0, off + len + 1, off + 62);
  mem[off + 62] = len >> 5; // (8·len) >> 8
  mem[off + 63] = (len << 3) & 0xff;
}

function copyDigest(off: number, out: Uint8Array, to: number): void {
  const mem = sha256Short.mem;
  for (let b = 0; b < 32; b++) out[to + b] = mem[off + b]!;
}

function sha256Long(prefix: number, m: Uint8Array): Uint8Array {
  // The one-shot call where it can, no Hash object per message (state records longer than a
  // block, such as challenges, come here).
  if (prefix === NO_PREFIX) return oneShotHash("sha256", m, "buffer") as unknown as Uint8Array;
  const h = createHash("sha256");
  if (prefix !== NO_PREFIX) h.update(Uint8Array.of(prefix));
  return h.update(m).digest();
}
