/**
 * Worker entry of the signature pool (sequencer/sigPool.ts, whose header describes the ring).
 * Plain ESM JavaScript so it starts without a TypeScript loader.
 *
 * workerData: { backend, sab, ringRecords, layout }: the ring's SharedArrayBuffer and its layout
 * (defined once, in sigPool.ts). Request record at ring position p (sequence number & mask):
 *   digest (32) ‖ r (32) ‖ s (32) ‖ v (1)
 * Response record at the same position:
 *   status (1: 1 = recovered, 0 = failed) ‖ address (20)
 * The worker takes records up to the published reqTail, answers each in order and publishes its
 * respTail after each; once it has caught up with reqTail (or every quarter ring in a long pass),
 * if the main thread armed the ring, it clears the flag and posts `null` (the signal: the main
 * thread then reads every response published). With nothing to do it sets
 * `sleeping` and waits on reqTail (Atomics.wait), so an idle worker costs nothing and a busy one
 * needs no wake-up.
 * The main thread computes the digests (one definition of the signing hash, chain/tx) and has
 * already applied the static signature checks; the worker still refuses high s, since libsecp256k1
 * recovery accepts it and the cost of checking is nothing.
 * On start it posts { type: "ready", backend } ("native" | "noble"), then serves the ring until
 * terminated.
 */

import { readlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { getPriority, setPriority } from "node:os";
import { dirname } from "node:path";
import { parentPort, workerData } from "node:worker_threads";
import { keccak_256 } from "@noble/hashes/sha3.js";

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

const { sab, ringRecords, layout } = workerData;
const { requestRecord, responseRecord } = layout;
const ctl = new Int32Array(sab, 0, layout.controlBytes / 4);
const req = new Uint8Array(sab, layout.controlBytes, ringRecords * requestRecord);
const resp = new Uint8Array(
  sab,
  layout.controlBytes + ringRecords * requestRecord,
  ringRecords * responseRecord,
);
const mask = ringRecords - 1;

/** Answers the request at ring position `at` in its response slot. */
function answer(at) {
  const o = at * requestRecord;
  const r = at * responseRecord;
  const v = req[o + 96];
  const pub =
    v > 1 || isHighS(req, o + 64) ? null : recover(req.subarray(o + 32, o + 96), v, req.subarray(o, o + 32));
  if (pub === null) {
    resp[r] = 0;
    return;
  }
  resp[r] = 1;
  resp.set(keccak256(pub.subarray(1)).subarray(12), r + 1);
}

// Below the main thread's priority by `nice` (see sigPool.ts): a worker woken for a record must
// not take the core from the main thread. Linux nice values are per thread; elsewhere (no
// /proc/thread-self) the worker keeps the process's priority.
if (workerData.nice > 0) {
  try {
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    setPriority(tid, Math.min(19, getPriority(tid) + workerData.nice));
  } catch {
    // not Linux, or not permitted: the process's priority
  }
}

parentPort.postMessage({ type: "ready", backend });

/**
 * Answers between signals at most: 16 native recoveries are ~1 ms, so a worker that never catches
 * up under steady load (new records keep arriving) still hands results back within ~1 ms, and a
 * long pass lets the main thread refill the ring meanwhile. (A quarter ring, 256 records ≈ 15 ms,
 * made a single worker's callers wait for the batch behind theirs.)
 */
const signalEvery = Math.max(1, Math.min(16, ringRecords >> 2));
let head = 0;
let sinceSignal = 0;
for (;;) {
  let tail = Atomics.load(ctl, layout.reqTail);
  if (tail === head) {
    // Flag first, then wait only while the tail is still `head` (checked atomically by wait): a
    // tail published before the flag was seen is caught by that check, one after it is notified.
    Atomics.store(ctl, layout.sleeping, 1);
    Atomics.wait(ctl, layout.reqTail, head);
    Atomics.store(ctl, layout.sleeping, 0);
    continue;
  }
  while (head !== tail) {
    answer(head & mask);
    head = (head + 1) | 0;
    sinceSignal++;
    Atomics.store(ctl, layout.respTail, head);
    if (head === tail) tail = Atomics.load(ctl, layout.reqTail);
    // Signal once caught up (or every `signalEvery`), not per record: the main thread reads
    // everything published so far in one go.
    if ((head === tail || sinceSignal >= signalEvery) && Atomics.exchange(ctl, layout.armed, 0) === 1) {
      sinceSignal = 0;
      parentPort.postMessage(null);
    }
  }
}
