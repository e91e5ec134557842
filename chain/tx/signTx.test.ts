import fc from "fast-check";
import {
  bytesToHex as viemBytesToHex,
  keccak256 as viemKeccak256,
  recoverAddress as viemRecoverAddress,
} from "viem";
import { privateKeyToAddress, sign as viemSign } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { bytesToHex, concatBytes, equalBytes, hexToBytes } from "../bytes.ts";
import { keccak256 } from "../hash.ts";
import type { Action, TxBody } from "../types.ts";
import { decodeSignedTx, encodeTxBody } from "../wire/index.ts";
import {
  addressFromPrivateKey,
  addressFromPublicKey,
  recoverSender,
  SECP256K1_N,
  signBodyBytes,
  signingHash,
  signTx,
  TX_SIGNING_DOMAIN,
} from "./index.ts";

const N = BigInt(bytesToHex(SECP256K1_N));

/** Valid secp256k1 private keys: 32 bytes in [1, n). */
const privateKeyArb = fc
  .bigInt({ min: 1n, max: N - 1n })
  .map((k) => hexToBytes(k.toString(16).padStart(64, "0")));

const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  fc.constant<Action>({ kind: "register" }),
  fc.integer({ min: 0, max: 15 }).map((tier): Action => ({ kind: "challenge", tier })),
  fc.record({ challengeId: u64, root: bytes(32) }).map((a): Action => ({ kind: "commit", ...a })),
  fc
    .record({
      challengeId: u64,
      tiles: fc.integer({ min: 0, max: 3 }).chain((k) => bytes(256 * k)),
      proof: fc.integer({ min: 0, max: 4 }).chain((k) => bytes(32 * k)),
    })
    .map((a): Action => ({ kind: "reveal", ...a })),
  fc
    .record({ to: bytes(20), amount: fc.bigInt({ min: 1n, max: (1n << 128n) - 1n }) })
    .map((a): Action => ({ kind: "transfer", ...a })),
  fc
    .record({ to: bytes(20), amount: fc.bigInt({ min: 1n, max: (1n << 128n) - 1n }) })
    .map((a): Action => ({ kind: "withdraw", ...a })),
);
const bodyArb: fc.Arbitrary<TxBody> = fc.record({
  chainId: fc.bigInt({ min: 1n, max: (1n << 63n) - 1n }),
  nonce: u64,
  action: actionArb,
});

const KEY1 = hexToBytes("0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318");

describe("signingHash", () => {
  it("is keccak256(utf8('flops/tx/v0') ‖ bodyBytes), checked against viem", () => {
    const body = hexToBytes("0x0801100a1a020800");
    const expected = viemKeccak256(concatBytes(new TextEncoder().encode("flops/tx/v0"), body));
    expect(TX_SIGNING_DOMAIN).toBe("flops/tx/v0");
    expect(bytesToHex(signingHash(body))).toBe(expected);
    // Golden values: changing the domain or the layout must break this test on purpose.
    expect(expected).toBe("0x1d8902fbd1a074dc26cb1fda9d842f71060fcb1a03d390f748b649ab3488b8ff");
    expect(bytesToHex(signingHash(new Uint8Array(0)))).toBe(
      "0x921aff9db46a461c3b4c416ec9f0225ef3901b8d2aefd1d2dbfe62227c6c5bea",
    );
  });
});

describe("signBodyBytes", () => {
  it("produces r ‖ s ‖ v with v ∈ {0,1}, matching viem's signature over the same digest", async () => {
    const bodyBytes = hexToBytes("0x0801100a1a020800");
    const sig = signBodyBytes(bodyBytes, KEY1);
    expect(sig.length).toBe(65);
    const ref = await viemSign({
      hash: viemBytesToHex(signingHash(bodyBytes)),
      privateKey: bytesToHex(KEY1),
      to: "object",
    });
    expect(bytesToHex(sig.subarray(0, 32))).toBe(ref.r);
    expect(bytesToHex(sig.subarray(32, 64))).toBe(ref.s);
    expect(sig[64]).toBe(ref.yParity);
    // viem recovers the same signer from our bytes (it reads v = 0/1 as yParity).
    const viaViem = await viemRecoverAddress({
      hash: viemBytesToHex(signingHash(bodyBytes)),
      signature: bytesToHex(sig),
    });
    expect(viaViem.toLowerCase()).toBe(privateKeyToAddress(bytesToHex(KEY1)).toLowerCase());
  });

  it("is deterministic (RFC 6979)", () => {
    const b = hexToBytes("0xdeadbeef");
    expect(equalBytes(signBodyBytes(b, KEY1), signBodyBytes(b, KEY1))).toBe(true);
  });
});

describe("addresses", () => {
  it("addressFromPrivateKey equals viem's privateKeyToAddress", () => {
    fc.assert(
      fc.property(privateKeyArb, (sk) => {
        expect(bytesToHex(addressFromPrivateKey(sk))).toBe(privateKeyToAddress(bytesToHex(sk)).toLowerCase());
      }),
      { numRuns: 50 },
    );
  });

  it("addressFromPublicKey accepts compressed and uncompressed keys and rejects other lengths", async () => {
    const { secp256k1 } = await import("@noble/curves/secp256k1.js");
    const expected = bytesToHex(addressFromPrivateKey(KEY1));
    expect(bytesToHex(addressFromPublicKey(secp256k1.getPublicKey(KEY1, true)))).toBe(expected);
    expect(bytesToHex(addressFromPublicKey(secp256k1.getPublicKey(KEY1, false)))).toBe(expected);
    expect(() => addressFromPublicKey(new Uint8Array(64))).toThrow(RangeError);
    const offCurve = secp256k1.getPublicKey(KEY1, false);
    offCurve[64]! ^= 1;
    expect(() => addressFromPublicKey(offCurve)).toThrow();
  });
});

describe("signTx / recoverSender round trip", () => {
  it("recovers the signer's address (= viem's) for random keys and bodies", () => {
    fc.assert(
      fc.property(privateKeyArb, bodyArb, (sk, body) => {
        const tx = signTx(body, sk);
        const r = recoverSender(tx);
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        expect(bytesToHex(r.value)).toBe(privateKeyToAddress(bytesToHex(sk)).toLowerCase());
        expect(equalBytes(tx.hash, keccak256(tx.raw))).toBe(true);
        // The wire round trip keeps the exact bytes the signature covers.
        const decoded = decodeSignedTx(tx.raw);
        expect(equalBytes(decoded.bodyBytes, tx.bodyBytes)).toBe(true);
        expect(equalBytes(decoded.signature, tx.signature)).toBe(true);
        const again = recoverSender(decoded);
        expect(again.ok && equalBytes(again.value, r.value)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it("a flipped body byte recovers another address (so the sender check fails)", () => {
    fc.assert(
      fc.property(
        privateKeyArb,
        bodyArb,
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (sk, body, at, mask) => {
          const tx = signTx(body, sk);
          const bodyBytes = tx.bodyBytes.slice();
          const i = at % bodyBytes.length;
          bodyBytes[i]! ^= mask;
          const r = recoverSender({ bodyBytes, signature: tx.signature });
          // Either nothing recovers, or some unrelated key does: never the signer.
          if (r.ok) expect(equalBytes(r.value, addressFromPrivateKey(sk))).toBe(false);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("a signature for one chain id does not recover the signer for another", () => {
    const body: TxBody = { chainId: 901n, nonce: 0n, action: { kind: "register" } };
    const tx = signTx(body, KEY1);
    const other = signTx({ ...body, chainId: 902n }, KEY1);
    const r = recoverSender({ bodyBytes: other.bodyBytes, signature: tx.signature });
    expect(r.ok && equalBytes(r.value, addressFromPrivateKey(KEY1))).toBe(false);
  });
});

// The vector printed in PROTOCOL_SECTION.md. The key is the widely published web3.js example key,
// whose address 0x2c7536E3605D9C16a7a3D7b1898e529396a65c23 is known independently of this code.
describe("protocol test vector", () => {
  const V = {
    body: {
      chainId: 901n,
      nonce: 7n,
      action: { kind: "transfer", to: hexToBytes(`0x${"11".repeat(20)}`), amount: 10n ** 18n },
    } as TxBody,
    bodyBytes: "0x08850710073a200a14111111111111111111111111111111111111111112080de0b6b3a7640000",
    signingHash: "0x805fc2e76e46aa21866155bd30ac2e96ae69ba4334f4b32c6c91dbbb021de443",
    signature:
      "0xb860c181366ddc659108e3b8c49c9d5d83ea9c4e15228cc43ecb5cbad7db0fc70476a730ffd6a8bcc4d575905da5d7051f10bd2c2deef1d5aa89d062646dec9801",
    sender: "0x2c7536e3605d9c16a7a3d7b1898e529396a65c23",
  };

  it("signing hash, signature and sender", () => {
    const bodyBytes = hexToBytes(V.bodyBytes);
    expect(bytesToHex(signingHash(bodyBytes))).toBe(V.signingHash);
    expect(bytesToHex(signBodyBytes(bodyBytes, KEY1))).toBe(V.signature);
    const r = recoverSender({ bodyBytes, signature: hexToBytes(V.signature) });
    expect(r.ok && bytesToHex(r.value)).toBe(V.sender);
  });

  it("the body bytes are chain/wire's encoding of the body (a wire change must update the doc)", () => {
    expect(bytesToHex(encodeTxBody(V.body))).toBe(V.bodyBytes);
  });
});
