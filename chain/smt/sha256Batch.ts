/**
 * Batch sha256 of 65-byte messages (SMT node preimages) for the tree's update: a multi-buffer
 * WebAssembly SIMD kernel (sha256BatchWat.ts) hashing four messages per pass.
 *
 * Why not node:crypto here: `crypto.hash` costs ~1.1 µs per 65-byte call, almost all of it call
 * overhead, and allocates a Buffer per digest; the tree hashes ~7 nodes per key update. The kernel
 * takes ~0.2 µs per message and allocates nothing. Where WebAssembly SIMD is missing, the same
 * interface falls back to node:crypto. Proof verification (smtProof.ts) keeps node:crypto, and the
 * tests check every tree root against it.
 *
 * Usage: write message i into `kernel.mem` at `slotOffset(i)` (65 bytes), call `kernel.hash(n)`
 * (n <= MAX_SLOTS), read digest i from the first 32 bytes of slot i.
 * @module
 */
import { hash as oneShotHash } from "node:crypto";
import { instantiateWasm } from "../wasmInstance.ts";
import { SHA256_BATCH_WASM_BASE64 } from "./sha256BatchWasm.ts";
import { MAX_SLOTS, SLOT_BYTES, SLOTS_OFFSET } from "./sha256BatchWat.ts";

export { MAX_SLOTS };

export interface Sha256SlotKernel {
  /** "wasm": the SIMD kernel; "node": node:crypto, one call per slot. */
  readonly kind: "wasm" | "node";
  /** The slot memory: write messages at slotOffset(i), read digests there. */
  readonly mem: Uint8Array;
  /** Hashes slots 0..n-1 in place (n <= MAX_SLOTS): digest i replaces bytes 0..31 of slot i. */
  hash(n: number): void;
}

/**
 * A kernel with the padding of every slot in place. Without `kind`, the WebAssembly one when this
 * runtime can compile it, else node:crypto.
 */
export function createSha256SlotKernel(kind?: "wasm" | "node"): Sha256SlotKernel {
  const k = (kind !== "node" ? wasmKernel() : undefined) ?? (kind === "wasm" ? undefined : nodeKernel());
  if (k === undefined) throw new Error("sha256Batch: WebAssembly SIMD kernel unavailable");
  // Constant sha256 padding of a 65-byte message: 0x80, zeros, then the bit length 520 (0x0208).
  for (let i = 0; i < MAX_SLOTS; i++) {
    const off = slotOffset(i);
    k.mem[off + 65] = 0x80;
    k.mem[off + 126] = 0x02;
    k.mem[off + 127] = 0x08;
  }
  return k;
}

/** Byte offset of slot i in a kernel's memory. */
export function slotOffset(i: number): number {
  return SLOTS_OFFSET + i * SLOT_BYTES;
}

function wasmKernel(): Sha256SlotKernel | undefined {
  const exports = instantiateWasm(SHA256_BATCH_WASM_BASE64);
  if (exports === undefined) return undefined;
  const run = exports.hash as (n: number) => void;
  // The memory never grows, so this view stays attached.
  const mem = new Uint8Array((exports.memory as { buffer: ArrayBuffer }).buffer);
  return {
    kind: "wasm",
    mem,
    hash(n: number): void {
      if (n > MAX_SLOTS) throw new RangeError(`sha256 kernel: ${n} > ${MAX_SLOTS} slots`);
      run(n);
    },
  };
}

function nodeKernel(): Sha256SlotKernel {
  const mem = new Uint8Array(SLOTS_OFFSET + MAX_SLOTS * SLOT_BYTES);
  return {
    kind: "node",
    mem,
    hash(n: number): void {
      if (n > MAX_SLOTS) throw new RangeError(`sha256 kernel: ${n} > ${MAX_SLOTS} slots`);
      for (let i = 0; i < n; i++) {
        const off = slotOffset(i);
        mem.set(oneShotHash("sha256", mem.subarray(off, off + 65), "buffer") as unknown as Uint8Array, off);
      }
    },
  };
}

/** The process-wide kernel the tree uses (synchronous callers only, so one is enough). */
export const sha256Slots: Sha256SlotKernel = createSha256SlotKernel();
