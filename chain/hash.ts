/**
 * The two hash functions of the protocol.
 * - sha256 (node:crypto one-shot, ~1 µs for 64 B): every Merkle structure (state SMT, compute-proof
 *   tile tree), seeds; cheap in the EVM through the 0x02 precompile.
 * - keccak256: Ethereum-facing values only (tx signing hash, addresses, block hash, output root),
 *   where L1 contracts and wallets expect it. Native XKCP (the `keccak` package's addon, ≈ 2 µs
 *   for a 150-byte tx) where it loads, else @noble/hashes (≈ 10 µs): admission hashes every tx
 *   twice on the main thread, so the difference is a tenth of its per-tx budget. Both compute the
 *   same function (hash.test.ts).
 * `node:crypto` hashing and the keccak addon are pure computation, so chain/ may use them
 * (randomness from node:crypto may not).
 * @module
 */
import { createHash, hash as oneShotHash } from "node:crypto";
import { createRequire } from "node:module";
import { keccak_256 } from "@noble/hashes/sha3.js";

const hasOneShot = typeof oneShotHash === "function";

export function sha256(data: Uint8Array): Uint8Array {
  if (hasOneShot) {
    const b = oneShotHash("sha256", data, "buffer") as unknown as Buffer;
    return new Uint8Array(b.buffer, b.byteOffset, 32);
  }
  const b = createHash("sha256").update(data).digest();
  return new Uint8Array(b.buffer, b.byteOffset, 32);
}

/** sha256 over the concatenation of parts, without an intermediate copy. */
export function sha256Parts(...parts: Uint8Array[]): Uint8Array {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  const b = h.digest();
  return new Uint8Array(b.buffer, b.byteOffset, 32);
}

/** The raw sponge of the `keccak` addon (its stream API costs ≈ 6 µs a call; this ≈ 2 µs). */
interface NativeKeccakState {
  initialize(rate: number, capacity: number): void;
  absorb(data: Uint8Array): void;
  /** Pads with the keccak suffix 0x01 on the first squeeze, as keccak256 (not SHA3) wants. */
  squeeze(length: number): Uint8Array;
}

// The addon through node-gyp-build resolved from the `keccak` package itself, as its own
// bindings.js does, but without the stream wrapper around it. Synchronous, so the choice is fixed
// once this module has loaded; any failure (no prebuild for the platform) falls back to noble.
function loadNativeKeccak(): NativeKeccakState | undefined {
  try {
    const pkg = createRequire(import.meta.url).resolve("keccak/package.json");
    const dir = pkg.slice(0, -"package.json".length); // (node:path is not among chain/'s imports)
    const State = createRequire(pkg)("node-gyp-build")(dir) as new () => NativeKeccakState;
    const state = new State();
    state.initialize(1088, 512);
    return state;
  } catch {
    return undefined;
  }
}

const nativeKeccak = loadNativeKeccak();

/** Which keccak256 this process runs. @public for tests and benches. */
export const KECCAK_BACKEND: "native" | "noble" = nativeKeccak ? "native" : "noble";

/** keccak256 through the addon; the one sponge is reset on each call (calls never interleave). */
function keccak256Native(state: NativeKeccakState, data: Uint8Array): Uint8Array {
  state.initialize(1088, 512); // rate 1088 bits, capacity 512: keccak256
  state.absorb(data);
  const b = state.squeeze(32);
  // A plain Uint8Array over the addon's own 32-byte buffer, as every caller expects (not a Buffer).
  return new Uint8Array(b.buffer, b.byteOffset, 32);
}

export function keccak256(data: Uint8Array): Uint8Array {
  return nativeKeccak ? keccak256Native(nativeKeccak, data) : keccak_256(data);
}

const encoder = new TextEncoder();
/** UTF-8 bytes of a domain tag such as "flops/seed/v0". */
export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}
