/**
 * The embedded L1's native ecrecover agrees with ethereumjs's pure-JS one on every input shape
 * its two callers hand it (tx sender recovery: v 0/1, 27/28, EIP-155; the ECRECOVER precompile:
 * any 32-byte r, s, high s included), throwing exactly where it throws; and the embedded L1 runs
 * on it (its Common carries it, the precompile answers through it).
 */
import { createCustomCommon, Hardfork, Mainnet } from "@ethereumjs/common";
import { createFeeMarket1559Tx } from "@ethereumjs/tx";
import { bytesToHex, hexToBytes, ecrecover as jsEcrecover } from "@ethereumjs/util";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { encodeAbiParameters } from "viem";
import { afterAll, describe, expect, it } from "vitest";
import { keccak256 } from "../../chain/hash.ts";
import { SIG_BACKEND } from "../../chain/tx/index.ts";
import { DEV_PRIVATE_KEYS } from "./devAccounts.ts";
import { createEmbeddedL1 } from "./embeddedL1.ts";
import { L1Chain } from "./l1Chain.ts";
import { nativeEcrecover } from "./l1Crypto.ts";

const native = SIG_BACKEND === "native";
const N = secp256k1.Point.CURVE().n;
/** The smallest r with r + n an x-coordinate on the curve: recovery ids 2/3 work there. */
const rPlusN = (() => {
  for (let r = 1n; ; r++) {
    try {
      secp256k1.Point.fromHex(`02${(r + N).toString(16).padStart(64, "0")}`);
      return r;
    } catch {}
  }
})();
const common = createCustomCommon({ chainId: 31337 }, Mainnet, { hardfork: Hardfork.Prague });

function be32(x: bigint): Uint8Array {
  return hexToBytes(`0x${x.toString(16).padStart(64, "0")}`);
}

/** Both implementations' answer: the key, or "throws". */
function both(msg: Uint8Array, v: bigint, r: Uint8Array, s: Uint8Array, chainId?: bigint): [string, string] {
  const run = (f: typeof jsEcrecover) => {
    try {
      return bytesToHex(f(msg, v, r, s, chainId));
    } catch {
      return "throws";
    }
  };
  return [run(nativeEcrecover), run(jsEcrecover)];
}

describe.skipIf(!native)("nativeEcrecover (libsecp256k1) against ethereumjs's ecrecover", () => {
  const sigs = Array.from({ length: 16 }, (_, i) => {
    const key = keccak256(new TextEncoder().encode(`l1Crypto/${i}`));
    const msg = keccak256(new TextEncoder().encode(`msg/${i}`));
    const sig = secp256k1.sign(msg, key, { prehash: false, format: "recovered" });
    // noble's recovered format: recovery byte first, then r ‖ s.
    return {
      msg,
      rec: BigInt(sig[0]!),
      r: sig.slice(1, 33),
      s: sig.slice(33, 65),
      pub: secp256k1.getPublicKey(key, false),
    };
  });

  it("recovers the signer for v = 0/1, 27/28 and EIP-155 v, as ethereumjs does", () => {
    for (const { msg, rec, r, s, pub } of sigs) {
      const want = bytesToHex(pub.subarray(1));
      for (const [v, chainId] of [
        [rec, undefined],
        [rec + 27n, undefined],
        [rec + 31337n * 2n + 35n, 31337n],
      ] as const) {
        expect(both(msg, v, r, s, chainId)).toEqual([want, want]);
      }
    }
  });

  it("agrees on high s, short r/s, and on every input that does not recover", () => {
    const { msg, rec, r, s } = sigs[0]!;
    const sBig = BigInt(bytesToHex(s));
    const cases: Array<[bigint, Uint8Array, Uint8Array, bigint?]> = [
      [rec + 27n, r, be32(N - sBig)], // high s: recovers (some key)
      [rec + 27n, r.subarray(r.findIndex((b) => b !== 0)), s], // r without leading zeros
      [29n, r, s], // no recovery id
      // Recovery ids 2 and 3 (x = r + n) would recover a key for this r in libsecp256k1: v 29/30
      // must still be refused, as ethereumjs refuses them.
      [29n, be32(rPlusN), s],
      [30n, be32(rPlusN), s],
      [2n, r, s],
      [rec + 27n, new Uint8Array(32), s], // r = 0
      [rec + 27n, r, new Uint8Array(32)], // s = 0
      [rec + 27n, be32(N), s], // r = n
      [rec + 27n, r, be32(N + 1n)], // s > n
      [rec + 27n, be32(2n ** 256n - 1n), s], // r past the field
      [rec + 27n, be32(5n), s], // 5 is no x-coordinate on the curve
      [rec + 1n * 2n + 35n, r, s, 7n], // EIP-155 v of another chain id
    ];
    for (const [v, rr, ss, chainId] of cases) {
      const [a, b] = both(msg, v, rr, ss, chainId);
      expect(a, `v ${v} r ${bytesToHex(rr)} s ${bytesToHex(ss)}`).toBe(b);
    }
    // At least one of each: the cases cover recovery and refusal.
    const answers = cases.map(([v, rr, ss, c]) => both(msg, v, rr, ss, c)[0]);
    expect(answers.filter((a) => a === "throws").length).toBeGreaterThan(4);
    expect(answers.filter((a) => a !== "throws").length).toBeGreaterThan(1);
  });

  it("the L1's Common carries it (every tx decoded there, the VM's precompile)", async () => {
    const chain = await L1Chain.create({
      chainId: 31337n,
      gasLimit: 30_000_000n,
      genesisBaseFee: 10n ** 9n,
      genesisTimestamp: 1_800_000_000n,
      coinbase: "0x0000000000000000000000000000000000000000",
      accounts: [],
    });
    expect(chain.common.customCrypto.ecrecover).toBe(nativeEcrecover);
  });
});

describe("the embedded L1 on it", () => {
  const l1Promise = createEmbeddedL1({ blockTimeMs: 0 });
  afterAll(async () => (await l1Promise).close());

  it("the ECRECOVER precompile answers the signer's address, and nothing for a bad signature", async () => {
    const l1 = await l1Promise;
    const key = keccak256(new TextEncoder().encode("l1Crypto/precompile"));
    const msg = keccak256(new TextEncoder().encode("hello"));
    const sig = secp256k1.sign(msg, key, { prehash: false, format: "recovered" });
    const address = bytesToHex(keccak256(secp256k1.getPublicKey(key, false).subarray(1)).subarray(12));
    const call = (v: bigint, r: Uint8Array) =>
      l1.request({
        method: "eth_call",
        params: [
          {
            to: "0x0000000000000000000000000000000000000001",
            data: encodeAbiParameters(
              [{ type: "bytes32" }, { type: "uint256" }, { type: "bytes32" }, { type: "bytes32" }],
              [bytesToHex(msg), v, bytesToHex(r), bytesToHex(sig.slice(33, 65))],
            ),
          },
          "latest",
        ],
      });
    const good = (await call(BigInt(sig[0]!) + 27n, sig.slice(1, 33))) as string;
    expect(`0x${good.slice(-40)}`).toBe(address);
    expect(await call(BigInt(sig[0]!) + 27n, new Uint8Array(32))).toBe("0x");
  });

  it("a signed transfer's sender is recovered: it lands and pays from the signer", async () => {
    const l1 = await l1Promise;
    const tx = createFeeMarket1559Tx(
      {
        chainId: 31337n,
        nonce: 0n,
        to: "0x000000000000000000000000000000000000dEaD",
        value: 5n,
        gasLimit: 21_000n,
        maxFeePerGas: 10n ** 11n,
        maxPriorityFeePerGas: 10n ** 9n,
      },
      { common },
    ).sign(hexToBytes(DEV_PRIVATE_KEYS[3]!));
    const hash = await l1.request({ method: "eth_sendRawTransaction", params: [bytesToHex(tx.serialize())] });
    await l1.mine();
    const got = (await l1.request({ method: "eth_getTransactionByHash", params: [hash] })) as {
      from: string;
    };
    expect(got.from.toLowerCase()).toBe(tx.getSenderAddress().toString());
  });
});
