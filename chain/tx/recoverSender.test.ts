import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesToHex, equalBytes, hexToBytes } from "../bytes.ts";
import { TX_ERROR } from "../errors.ts";
import {
  addressFromPrivateKey,
  isBackendAvailable,
  recoverAddress,
  recoverSender,
  SECP256K1_HALF_N,
  SECP256K1_N,
  SIG_BACKEND,
  signatureDefect,
  signBodyBytes,
  signingHash,
} from "./index.ts";

const N = BigInt(bytesToHex(SECP256K1_N));
const KEY = hexToBytes("0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318");
const BODY = hexToBytes("0x0801100a1a020800");
const SIG = signBodyBytes(BODY, KEY);
const SIGNER = addressFromPrivateKey(KEY);

const u256 = (x: bigint) => hexToBytes(x.toString(16).padStart(64, "0"));
const withSig = (signature: Uint8Array) => ({ bodyBytes: BODY, signature });
function patched(r: bigint | undefined, s: bigint | undefined, v: number | undefined): Uint8Array {
  const sig = SIG.slice();
  if (r !== undefined) sig.set(u256(r), 0);
  if (s !== undefined) sig.set(u256(s), 32);
  if (v !== undefined) sig[64] = v;
  return sig;
}
function expectBad(signature: Uint8Array, detail?: RegExp): void {
  const r = recoverSender(withSig(signature));
  expect(r.ok).toBe(false);
  if (r.ok) return;
  expect(r.error).toBe(TX_ERROR.BAD_SIGNATURE);
  if (detail) expect(r.detail).toMatch(detail);
}

describe("backend", () => {
  it("uses the native addon on this machine (linux-x64 prebuild)", () => {
    expect(SIG_BACKEND).toBe("native");
    expect(isBackendAvailable("native")).toBe(true);
    expect(isBackendAvailable("noble")).toBe(true);
  });
});

describe("recoverSender rejections", () => {
  it("accepts the genuine signature", () => {
    const r = recoverSender(withSig(SIG));
    expect(r.ok && equalBytes(r.value, SIGNER)).toBe(true);
  });

  it("the constants are n and ⌊n/2⌋", () => {
    expect(BigInt(bytesToHex(SECP256K1_HALF_N))).toBe(N >> 1n);
  });

  it("rejects high s: the malleated twin (r, n − s, v ^ 1) of a valid signature", async () => {
    const s = BigInt(bytesToHex(SIG.subarray(32, 64)));
    const twin = patched(undefined, N - s, SIG[64]! ^ 1);
    // The twin is a mathematically valid signature by the same key (noble agrees without the low-s
    // rule), which is exactly why it must be refused: it would give one payload a second tx id.
    const { secp256k1 } = await import("@noble/curves/secp256k1.js");
    const pub = secp256k1.Signature.fromBytes(twin.subarray(0, 64), "compact")
      .addRecoveryBit(twin[64]!)
      .recoverPublicKey(signingHash(BODY))
      .toBytes(false);
    expect(bytesToHex(pub)).toBe(bytesToHex(secp256k1.getPublicKey(KEY, false)));
    expectBad(twin, /high/);
    expectBad(patched(undefined, (N >> 1n) + 1n, undefined), /high/);
    expectBad(patched(undefined, N - 1n, undefined), /high/);
  });

  it("accepts s = ⌊n/2⌋ as a static matter (boundary is inclusive)", () => {
    expect(signatureDefect(patched(undefined, N >> 1n, undefined))).toBeUndefined();
  });

  it("rejects v = 27, 28, 2, 3, 255", () => {
    for (const v of [27, 28, 2, 3, 255]) expectBad(patched(undefined, undefined, v), /v must be 0 or 1/);
    // Ethereum's 27/28 for the genuine signature is still refused, not normalised.
    expectBad(patched(undefined, undefined, SIG[64]! + 27));
  });

  it("rejects wrong lengths", () => {
    for (const len of [0, 64, 66, 130]) {
      const sig = new Uint8Array(len);
      sig.set(SIG.subarray(0, Math.min(len, 65)));
      expectBad(sig, /65 bytes/);
    }
  });

  it("rejects r or s zero or out of range", () => {
    expectBad(patched(0n, undefined, undefined), /r is zero/);
    expectBad(patched(N, undefined, undefined), /r is not below/);
    expectBad(patched((1n << 256n) - 1n, undefined, undefined), /r is not below/);
    expectBad(patched(undefined, 0n, undefined), /s is zero/);
  });

  it("rejects an r that is no x-coordinate on the curve (recovery fails)", () => {
    // x = 5: 5^3 + 7 = 132 is not a square mod p, so no point has this x.
    for (const backend of ["native", "noble"] as const) {
      const r = recoverAddress(signingHash(BODY), patched(5n, undefined, undefined), backend);
      expect(r.ok ? "ok" : r.error).toBe(TX_ERROR.BAD_SIGNATURE);
    }
  });
});

describe("native and noble agree", () => {
  const sigArb = fc.tuple(
    fc.uint8Array({ minLength: 32, maxLength: 32 }),
    fc.oneof(fc.uint8Array({ minLength: 65, maxLength: 65 }), fc.constant(SIG)),
    fc.integer({ min: 0, max: 1 }),
    fc.boolean(),
  );
  it("on genuine signatures over random digests", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.bigInt({ min: 1n, max: N - 1n }),
        (digest, k) => {
          const bodySig = signBodyBytes(digest, u256(k));
          const hash = signingHash(digest);
          const a = recoverAddress(hash, bodySig, "native");
          const b = recoverAddress(hash, bodySig, "noble");
          expect(a.ok && b.ok && equalBytes(a.value, b.value)).toBe(true);
        },
      ),
      { numRuns: 30 },
    );
  });

  it("on random and mangled signatures (same address or both fail)", () => {
    fc.assert(
      fc.property(sigArb, ([digest, base, v, lowS]) => {
        const sig = base.slice();
        sig[64] = v;
        // Half the runs force s low so most reach the curve code rather than the static checks.
        if (lowS) sig[32] = sig[32]! & 0x7f;
        const a = recoverAddress(digest, sig, "native");
        const b = recoverAddress(digest, sig, "noble");
        expect(a.ok).toBe(b.ok);
        if (a.ok && b.ok) expect(bytesToHex(a.value)).toBe(bytesToHex(b.value));
      }),
      { numRuns: 200 },
    );
  });
});
