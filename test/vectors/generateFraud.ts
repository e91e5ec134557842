/**
 * Builds test/vectors/fraudVectors.json: the golden vectors of the invalid-compute fraud proof
 * (contracts/test/fraud/*.t.sol) from this TypeScript implementation:
 * - ChaCha20 blocks (RFC 8439 §2.3.2 and A.1, through chain/proof/chacha20.ts, which pins them);
 * - PROTOCOL Appendix C §3.J (C_1[3][5] at n = 64, the positions at n = 64, m = 2, k = 4) and
 *   entries C_j[r][c] at n = 8 … 2048 through chain/proof/prg.ts (both EVM paths: n < 64, n ≥ 64);
 * - RFC 9380 hash_to_curve G1 vectors (J.9.1, DST QUUX-V01-CS02-with-BLS12381G1_XMD:SHA-256_SSWU_RO_:
 *   the RFC's own points for "" and "abc", checked here against @noble/curves, plus noble's for
 *   longer messages), and quicknet rounds with their y coordinates and the EIP-2537 public key;
 * - the tiny-tier fraud cases of fraudCases.ts: a cheating reveal's claim (by
 *   bridge/challenger/invalidComputeProof.ts) and, with the same encoding, an honest reveal's and a
 *   FAILED record's (which must not prove).
 * Written by `npm run gen` (test/helpers/generatedFiles.ts); deterministic.
 */
import { bls12_381 } from "@noble/curves/bls12-381.js";
import {
  claimTuple,
  g2Eip2537,
  type InvalidComputeClaim,
  signatureY,
} from "../../bridge/challenger/invalidComputeProof.ts";
import { beaconRandomness } from "../../chain/beacon/verifyBeaconRound.ts";
import { bytesToHex, concatBytes, hexToBytes } from "../../chain/bytes.ts";
import { outputRoot } from "../../chain/commitment/outputRoot.ts";
import { utf8 } from "../../chain/hash.ts";
import { chacha20Keystream } from "../../chain/proof/chacha20.ts";
import { computeEntry, PrgRowGenerator } from "../../chain/proof/prg.ts";
import { samplePositions } from "../../chain/proof/sample.ts";
import { challengeSeed, sampleSeed } from "../../chain/proof/seeds.ts";
import { encodeChallenge } from "../../chain/wire/challenge.ts";
import { QUICKNET_VECTOR_CHAIN, QUICKNET_VECTORS } from "../helpers/drandQuicknet.ts";
import {
  buildFraudState,
  cheatingClaim,
  FRAUD_L2_CHAIN_ID,
  type FraudCase,
  QUICKNET_PUBLIC_KEY,
  TINY,
} from "./fraudCases.ts";

const KEY_00_1F = Uint8Array.from({ length: 32 }, (_, i) => i);
const RFC9380_DST = "QUUX-V01-CS02-with-BLS12381G1_XMD:SHA-256_SSWU_RO_";
/** RFC 9380 Appendix J.9.1 (BLS12381G1_XMD:SHA-256_SSWU_RO_), the RFC's own expected points. */
const RFC9380_G1: ReadonlyArray<{ msg: string; x: string; y: string }> = [
  {
    msg: "",
    x: "052926add2207b76ca4fa57a8734416c8dc95e24501772c814278700eed6d1e4e8cf62d9c09db0fac349612b759e79a1",
    y: "08ba738453bfed09cb546dbb0783dbb3a5f1f566ed67bb6be0e8c67e2e81a4cc68ee29813bb7994998f3eae0c9c6a265",
  },
  {
    msg: "abc",
    x: "03567bc5ef9c690c2ab2ecdf6a96ef1c139cc0b2f284dca0a9a7943388a49a3aee664ba5379a7655d3c68900be2f6903",
    y: "0b9c15f3fe6e5cf4211f346271d7b01c8f3b28be689c8429c85b67af215533311f0b8dfaaa154fa6b88176c229f2885d",
  },
];

const pad64 = (hex48: string) => `0x${"0".repeat(32)}${hex48}`;

function hashToCurveVectors() {
  const out = [];
  for (const msg of ["", "abc", "abcdef0123456789", `a512_${"a".repeat(512)}`]) {
    const p = bls12_381.G1.hashToCurve(utf8(msg), { DST: RFC9380_DST }).toAffine();
    const x = p.x.toString(16).padStart(96, "0");
    const y = p.y.toString(16).padStart(96, "0");
    const rfc = RFC9380_G1.find((v) => v.msg === msg);
    if (rfc !== undefined && (rfc.x !== x || rfc.y !== y)) {
      throw new Error(`generateFraud: @noble/curves disagrees with RFC 9380 for msg "${msg}"`);
    }
    out.push({
      msg: bytesToHex(utf8(msg)),
      point: `${pad64(x)}${pad64(y).slice(2)}`,
      fromRfc: rfc !== undefined,
    });
  }
  return out;
}

function entryVectors() {
  const seed = KEY_00_1F;
  const cases: Array<[number, number, number, number]> = [
    [64, 1, 3, 5],
    [8, 0, 7, 1],
    [16, 1, 3, 15],
    [32, 0, 31, 0],
    [128, 2, 100, 3],
    [2048, 3, 2047, 1234],
  ];
  return cases.map(([n, j, r, c]) => ({
    n,
    j,
    r,
    c,
    value: computeEntry(new PrgRowGenerator(seed, n), j, r, c),
  }));
}

function claimJson(c: InvalidComputeClaim) {
  const t = claimTuple(c);
  return { ...t, sampleIndex: t.sampleIndex.toString() };
}

/** A claim for any record (the builder refuses non-fraud; the contract must refuse these). */
function rawClaim(
  fc: FraudCase,
  recordProof: Uint8Array,
  preimage: InvalidComputeClaim["preimage"],
  sampleIndex: number,
): InvalidComputeClaim {
  return {
    outputRoot: outputRoot(preimage.stateRoot, preimage.withdrawalsRoot, preimage.l2BlockHash),
    preimage,
    record: encodeChallenge(fc.record),
    recordProof,
    beaconY: concatBytes(signatureY(fc.record.r1Signature!), signatureY(fc.record.r2Signature!)),
    tiles: fc.tiles,
    proof: fc.proof,
    sampleIndex,
  };
}

function failingSamples(record: FraudCase["record"], changed: number): number[] {
  const seed = challengeSeed(
    FRAUD_L2_CHAIN_ID,
    record.id,
    record.node,
    beaconRandomness(record.r1Signature!),
  );
  const positions = samplePositions(
    TINY,
    sampleSeed(seed, record.root!, beaconRandomness(record.r2Signature!)),
  );
  return positions.flatMap((p, s) => (p.tile * 64 + p.row * 8 + p.col === changed ? [s] : []));
}

export function buildFraudVectors() {
  const state = buildFraudState();
  const built = { claim: cheatingClaim(state) };
  const positions = samplePositions(
    { n: 64, m: 2, k: 4 },
    sampleSeed(
      hexToBytes("e27379f94f93f4c9527e6a797932826193eb174b1e28452ff41247b777a8786e"),
      new Uint8Array(32).fill(1),
      new Uint8Array(32).fill(2),
    ),
  );
  return {
    description:
      "Golden vectors of the invalid-compute fraud proof (PROTOCOL §6.2), written by test/vectors/generateFraud.ts",
    chacha: [
      {
        what: "RFC 8439 §2.3.2",
        key: bytesToHex(KEY_00_1F),
        nonce: "0x000000090000004a00000000",
        counter: 1,
        block: bytesToHex(chacha20Keystream(KEY_00_1F, hexToBytes("000000090000004a00000000"), 1, 64)),
      },
      {
        what: "RFC 8439 A.1 #2",
        key: bytesToHex(new Uint8Array(32)),
        nonce: "0x000000000000000000000000",
        counter: 1,
        block: bytesToHex(chacha20Keystream(new Uint8Array(32), new Uint8Array(12), 1, 64)),
      },
    ],
    entrySeed: bytesToHex(KEY_00_1F),
    entries: entryVectors(),
    positions: {
      sampleSeed: bytesToHex(
        sampleSeed(
          hexToBytes("e27379f94f93f4c9527e6a797932826193eb174b1e28452ff41247b777a8786e"),
          new Uint8Array(32).fill(1),
          new Uint8Array(32).fill(2),
        ),
      ),
      n: 64,
      m: 2,
      k: 4,
      entries: positions.map((p) => p.tile * 64 + p.row * 8 + p.col),
    },
    hashToCurve: { dst: bytesToHex(utf8(RFC9380_DST)), cases: hashToCurveVectors() },
    beacon: {
      publicKey: bytesToHex(g2Eip2537(hexToBytes(QUICKNET_PUBLIC_KEY))),
      genesisTime: QUICKNET_VECTOR_CHAIN.genesisTime,
      period: QUICKNET_VECTOR_CHAIN.period,
      rounds: QUICKNET_VECTORS.slice(0, 3).map((v) => ({
        round: Number(v.round),
        signature: bytesToHex(v.signature),
        y: bytesToHex(signatureY(v.signature)),
      })),
    },
    tier: TINY,
    l2ChainId: FRAUD_L2_CHAIN_ID.toString(),
    changedEntry: state.cheating.changedEntry,
    /** Samples of the cheating reveal that draw the changed entry (each one proves). */
    failingSamples: failingSamples(state.cheating.record, state.cheating.changedEntry!),
    cheating: claimJson(built.claim),
    honest: claimJson(rawClaim(state.honest, state.proofs.honest, state.preimage, 0)),
    failed: claimJson(rawClaim(state.failed, state.proofs.failed, state.preimage, built.claim.sampleIndex)),
    unopened: claimJson(rawClaim(state.unopened, state.proofs.unopened, state.preimage, 0)),
  };
}
