/**
 * Worker entry of the signature pool (sequencer/sigPool.ts). Plain ESM JavaScript so it starts
 * without a TypeScript loader.
 *
 * Request  (main → worker): { id, buf, count }, buf transferred, `count` records of 97 bytes:
 *   digest (32) ‖ r (32) ‖ s (32) ‖ v (1)
 * Response (worker → main): { id, buf }, buf transferred, `count` records of 21 bytes:
 *   status (1: 1 = recovered, 0 = failed) ‖ address (20, zero when failed)
 * The main thread computes the digests (one definition of the signing hash, chain/tx) and has
 * already applied the static signature checks; the worker still refuses high s, since libsecp256k1
 * recovery accepts it and the cost of checking is nothing.
 * On start it posts { type: "ready", backend } ("native" | "noble").
 */
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { parentPort, workerData } from "node:worker_threads";
import { keccak_256 } from "@noble/hashes/sha3.js";

// Record sizes; sigPool.ts has the same two constants.
const REQUEST_RECORD = 97;
const RESPONSE_RECORD = 21;

// ⌊n/2⌋ of secp256k1, big-endian.
const HALF_N = Uint8Array.from(
  "7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0".match(/../g).map((h) => parseInt(h, 16)),
);

function isHighS(buf, offset) {
  for (let i = 0; i < 32; i++) {
    const d = buf[offset + i] - HALF_N[i];
    if (d !== 0) return d > 0;
  }
  return false;
}

const wanted = workerData?.backend ?? "auto";

// Load `secp256k1/bindings` directly: the package's main entry silently falls back to elliptic.
function loadNative() {
  try {
    return createRequire(import.meta.url)("secp256k1/bindings");
  } catch (error) {
    if (wanted === "native")
      throw new Error("sigWorker: native secp256k1 addon did not load", { cause: error });
    return undefined;
  }
}

const native = wanted === "noble" ? undefined : loadNative();

// keccak256 of the public key, through the `keccak` addon's raw sponge where it loads (≈ 2 µs, noble
// ≈ 10 µs); the same loading as chain/hash.ts, which this plain-JS worker cannot import.
function loadKeccak() {
  try {
    const pkg = createRequire(import.meta.url).resolve("keccak/package.json");
    const state = new (createRequire(pkg)("node-gyp-build")(dirname(pkg)))();
    return (data) => {
      state.initialize(1088, 512);
      state.absorb(data);
      return state.squeeze(32);
    };
  } catch {
    return keccak_256;
  }
}
const keccak256 = loadKeccak();
const noble = native ? undefined : (await import("@noble/curves/secp256k1.js")).secp256k1;
const backend = native ? "native" : "noble";

/** 65-byte uncompressed key, or null when nothing recovers (both libraries throw for that). */
function recover(rs, v, digest) {
  try {
    if (native) return native.ecdsaRecover(rs, v, digest, false);
    return noble.Signature.fromBytes(rs, "compact").addRecoveryBit(v).recoverPublicKey(digest).toBytes(false);
  } catch {
    return null;
  }
}

parentPort.on("message", (msg) => {
  const { id, buf, count } = msg;
  const input = new Uint8Array(buf);
  const out = new Uint8Array(count * RESPONSE_RECORD);
  for (let i = 0; i < count; i++) {
    const o = i * REQUEST_RECORD;
    const v = input[o + 96];
    if (v > 1 || isHighS(input, o + 64)) continue;
    const pub = recover(input.subarray(o + 32, o + 96), v, input.subarray(o, o + 32));
    if (pub === null) continue;
    const r = i * RESPONSE_RECORD;
    out[r] = 1;
    out.set(keccak256(pub.subarray(1)).subarray(12), r + 1);
  }
  parentPort.postMessage({ id, buf: out.buffer }, [out.buffer]);
});

parentPort.postMessage({ type: "ready", backend });
