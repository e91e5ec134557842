/**
 * Invalid-compute fraud cases at the tiny tier (n = 16, m = 2, k = 8), built with the chain's own
 * code from real quicknet rounds: the product is computed in full, one entry is changed, and the
 * committed root is the tree over the changed product, so the multiproof opens the root and only
 * step 5 of the reveal check fails. The entry to change is searched for until the sample positions
 * (which depend on the root) draw it. An honest reveal of another challenge sits in the same state,
 * and a FAILED record with the cheating openings. Deterministic: used by generateFraud.ts (the forge
 * vectors), bridge/challenger/invalidComputeProof.test.ts and the gas bench.
 * @module
 */

import {
  buildInvalidComputeProof,
  g2Eip2537,
  type InvalidComputeClaim,
  type OutputPreimage,
} from "../../bridge/challenger/invalidComputeProof.ts";
import { beaconRandomness } from "../../chain/beacon/verifyBeaconRound.ts";
import { bytesToHex, concatBytes, hexToBytes, u64ToBytes } from "../../chain/bytes.ts";
import { sha256 } from "../../chain/hash.ts";
import { MemoryKv } from "../../chain/kv.ts";
import { TILE_BYTES, tileCount } from "../../chain/proof/geometry.ts";
import { buildOpenings, openingsDigest } from "../../chain/proof/openings.ts";
import { prgMatrix, TAG_A, TAG_B } from "../../chain/proof/prg.ts";
import { samplePositions } from "../../chain/proof/sample.ts";
import { challengeSeed, sampleSeed } from "../../chain/proof/seeds.ts";
import { buildTileTree, leafHash, type TileTree } from "../../chain/proof/tileTree.ts";
import { encodeSmtProof, SparseMerkleTree } from "../../chain/smt/index.ts";
import { NS, smtKey } from "../../chain/state/keys.ts";
import type { Challenge } from "../../chain/types.ts";
import { encodeChallenge } from "../../chain/wire/challenge.ts";
import { QUICKNET_VECTOR_CHAIN, quicknetVector } from "../helpers/drandQuicknet.ts";

export const FRAUD_L2_CHAIN_ID = 0xf10b5n;
export const TINY = { id: 100, n: 16, m: 2, k: 8 } as const;
export const QUICKNET_PUBLIC_KEY = QUICKNET_VECTOR_CHAIN.publicKey;

/**
 * What InvalidComputeProof is pinned to for these vectors (createDevFraud's `verifier`): their L2
 * chain id, the quicknet vectors' beacon in the EIP-2537 encoding, and `tiers` (default TINY).
 */
export function fraudVerifierPins(
  tiers: ReadonlyArray<{ id: number; n: number; m: number; k: number }> = [TINY],
) {
  return {
    l2ChainId: FRAUD_L2_CHAIN_ID,
    beaconPublicKey: bytesToHex(g2Eip2537(hexToBytes(QUICKNET_VECTOR_CHAIN.publicKey))) as `0x${string}`,
    beaconGenesisTime: BigInt(QUICKNET_VECTOR_CHAIN.genesisTime),
    beaconPeriod: BigInt(QUICKNET_VECTOR_CHAIN.period),
    tiers,
  };
}

export interface FraudCase {
  record: Challenge;
  tiles: Uint8Array;
  proof: Uint8Array;
  /** The entry index (in m·n²) that was changed; undefined for an honest reveal. */
  changedEntry?: number;
}

export interface FraudState {
  cheating: FraudCase;
  honest: FraudCase;
  failed: FraudCase;
  /** The cheating openings under a record whose root they do not open (never PASSED for real). */
  unopened: FraudCase;
  preimage: OutputPreimage;
  proofs: { cheating: Uint8Array; honest: Uint8Array; failed: Uint8Array; unopened: Uint8Array };
}

/** All tiles of C_0 … C_{m−1} in tile order (256 bytes each, i32le row-major). */
export function productTiles(seed: Uint8Array, n: number, m: number): Uint8Array {
  const count = tileCount({ n, m });
  const out = new Uint8Array(count * TILE_BYTES);
  const dv = new DataView(out.buffer);
  for (let j = 0; j < m; j++) {
    const a = prgMatrix(seed, TAG_A, j, n);
    const bt = prgMatrix(seed, TAG_B, j, n);
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < n; c++) {
        let s = 0;
        for (let x = 0; x < n; x++) s += a[r * n + x]! * bt[c * n + x]!;
        const side = n / 8;
        const tile = j * side * side + Math.floor(r / 8) * side + Math.floor(c / 8);
        dv.setInt32(tile * TILE_BYTES + ((r % 8) * 8 + (c % 8)) * 4, s, true);
      }
    }
  }
  return out;
}

function treeOf(tiles: Uint8Array): TileTree {
  const count = tiles.length / TILE_BYTES;
  const leaves = new Uint8Array(count * 32);
  for (let t = 0; t < count; t++)
    leaves.set(leafHash(tiles.subarray(t * TILE_BYTES, (t + 1) * TILE_BYTES)), t * 32);
  return buildTileTree(leaves);
}

function makeRecord(
  id: bigint,
  status: Challenge["status"],
  root: Uint8Array,
  digest: Uint8Array,
): Challenge {
  const r1 = quicknetVector(1);
  const r2 = quicknetVector(2);
  return {
    id,
    node: new Uint8Array(20).fill(0xaa),
    tier: TINY.id,
    status,
    t0: 1_000n,
    r1: r1.round,
    r1Signature: r1.signature,
    activeAt: 5_000n,
    tc: 6_000n,
    root,
    r2: r2.round,
    r2Signature: r2.signature,
    deadline: 30_000n,
    openingsDigest: digest,
    credits: 1234n,
    settledAt: 12n,
  };
}

/** The reveal of `tiles` for challenge `id`, and its record; `cheat` changes one sampled entry. */
function buildCase(id: bigint, status: Challenge["status"], cheat: boolean): FraudCase {
  const node = new Uint8Array(20).fill(0xaa);
  const seed = challengeSeed(FRAUD_L2_CHAIN_ID, id, node, beaconRandomness(quicknetVector(1).signature));
  const r2 = beaconRandomness(quicknetVector(2).signature);
  const honest = productTiles(seed, TINY.n, TINY.m);
  const entries = TINY.m * TINY.n * TINY.n;
  for (let e = 0; e < (cheat ? entries : 1); e++) {
    const tiles = honest.slice();
    if (cheat) {
      const off = (e >> 6) * TILE_BYTES + (e & 63) * 4;
      const dv = new DataView(tiles.buffer);
      dv.setInt32(off, dv.getInt32(off, true) + 1, true);
    }
    const tree = treeOf(tiles);
    const positions = samplePositions(TINY, sampleSeed(seed, tree.root, r2));
    const hit = positions.some((p) => p.tile * 64 + p.row * 8 + p.col === e);
    if (cheat && !hit) continue;
    const { tiles: opened, proof } = buildOpenings(tree, positions, (t) =>
      tiles.subarray(t * TILE_BYTES, (t + 1) * TILE_BYTES),
    );
    const record = makeRecord(id, status, tree.root, openingsDigest(opened, proof));
    return cheat ? { record, tiles: opened, proof, changedEntry: e } : { record, tiles: opened, proof };
  }
  throw new Error("fraudCases: no changed entry was ever sampled");
}

/** The three cases in one state tree (with some other keys), and the output preimage over it. */
export function buildFraudState(): FraudState {
  const cheating = buildCase(7n, "PASSED", true);
  const honest = buildCase(8n, "PASSED", false);
  const failed = { ...cheating, record: { ...cheating.record, id: 9n, status: "FAILED" as const } };
  const unopened = {
    ...cheating,
    record: { ...cheating.record, id: 10n, root: sha256(Uint8Array.of(0x99)) },
  };
  const keyOf = (id: bigint) => smtKey(NS.CHALLENGE, u64ToBytes(id));
  const tree = new SparseMerkleTree(new MemoryKv());
  const changes = [cheating, honest, failed, unopened].map((c) => ({
    key: keyOf(c.record.id),
    valueHash: sha256(encodeChallenge(c.record)),
  }));
  for (let i = 0; i < 40; i++) {
    changes.push({
      key: sha256(concatBytes(u64ToBytes(BigInt(i)), Uint8Array.of(1))),
      valueHash: sha256(u64ToBytes(BigInt(i))),
    });
  }
  tree.update(changes);
  const prove = (id: bigint) => encodeSmtProof(tree.prove(keyOf(id)));
  return {
    cheating,
    honest,
    failed,
    unopened,
    preimage: {
      stateRoot: tree.root,
      withdrawalsRoot: sha256(Uint8Array.of(0x77)),
      l2BlockHash: sha256(Uint8Array.of(0x42)),
    },
    proofs: { cheating: prove(7n), honest: prove(8n), failed: prove(9n), unopened: prove(10n) },
  };
}

/** The fraud proof of `state`'s cheating record (its PASSED reveal with one wrong entry). */
export function cheatingClaim(state: FraudState = buildFraudState()): InvalidComputeClaim {
  const built = buildInvalidComputeProof({
    l2ChainId: FRAUD_L2_CHAIN_ID,
    tier: TINY,
    record: state.cheating.record,
    recordProof: state.proofs.cheating,
    preimage: state.preimage,
    tiles: state.cheating.tiles,
    proof: state.cheating.proof,
  });
  if (!built.ok) throw new Error(`fraudCases: the cheating case does not prove: ${built.reason}`);
  return built.claim;
}
