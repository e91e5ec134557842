/**
 * Gas of the invalid-compute fraud proof (PROTOCOL §6.2): `InvalidComputeProof.verifyInvalidCompute`
 * deployed on the embedded L1 (the real VM, Prague, EIP-2537 precompiles), eth_estimateGas of a
 * transaction sending a claim that proves (21,000 + calldata + execution). Issue 10's bound: one L1
 * transaction, i.e. at most EIP-7825's cap of 16,777,216 gas; the ceiling is that cap and
 * ratio = gas / cap (the share of the cap used; it must stay below 1).
 *
 * - `fraud_proof_gas_tiny`: the real cheating reveal of test/vectors/fraudCases.ts (the full product
 *   computed, one entry changed, the root over the changed product).
 * - `fraud_proof_gas_devnet`, `_gpu16k`, `_gpu32k`: a product cannot be computed here (n = 32768 is
 *   281 T ops), so the claim is synthetic with the right sizes: the node "committed" a product whose
 *   every tile is the same 256 bytes (pseudo-random, so calldata costs as much as real tiles), so the
 *   tree's level h is one hash repeated and its root takes `depth` hashes. Everything downstream is
 *   real: the record (PASSED, real quicknet rounds, its SMT proof), the seed, the k positions drawn
 *   from that root, the opened set, a canonical multiproof of the tier's depth whose size follows
 *   from the positions exactly as for any tree, and the full n-long dot product of the failing
 *   sample (the constant tile is wrong there, as the TypeScript check confirms). The EVM work does
 *   not depend on the values: the same code runs for a real reveal of the same tier.
 *
 * - `fraud_slash_tx_gas_devnet`: the whole slashing transaction at the devnet tier,
 *   FraudProofs.proveInvalidCompute (receipt gasUsed) on a dev fraud deployment
 *   (bridge/operators/devFraud.ts): 4 operators, 3 signed the output, so the verifier's work plus 3
 *   slashOperator + clearBurnOrRedistributableShares calls, the invalidation, the Portal's verdict
 *   and the two payout transfers; same synthetic devnet claim, same cap.
 *
 * Run alone: `node --import tsx bench/fraudProofGas.ts [--json]`; bench/run.ts runs it as
 * "fraudProofGas".
 * @module
 */
import { pathToFileURL } from "node:url";
import { type Chain, createWalletClient, custom, type Hex, keccak256, stringToHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import {
  buildInvalidComputeProof,
  claimTuple,
  encodeInvalidComputeCall,
  type InvalidComputeClaim,
} from "../bridge/challenger/invalidComputeProof.ts";
import { createEmbeddedL1 } from "../bridge/l1/embeddedL1.ts";
import { createDevFraud } from "../bridge/operators/devFraud.ts";
import { calldataFloorGas } from "../bridge/txManager/txFees.ts";
import { beaconRandomness } from "../chain/beacon/verifyBeaconRound.ts";
import { bytesToHex, hexToBytes, u64ToBytes } from "../chain/bytes.ts";
import { sha256 } from "../chain/hash.ts";
import { MemoryKv } from "../chain/kv.ts";
import { PRODUCTION_TIERS, TIER_DEVNET, type Tier } from "../chain/params.ts";
import { type ProofTier, TILE_BYTES, treeDepth } from "../chain/proof/geometry.ts";
import { openingsDigest } from "../chain/proof/openings.ts";
import { openedTiles, samplePositions } from "../chain/proof/sample.ts";
import { challengeSeed, sampleSeed } from "../chain/proof/seeds.ts";
import { leafHash, nodeHash } from "../chain/proof/tileTree.ts";
import { encodeSmtProof, SparseMerkleTree } from "../chain/smt/index.ts";
import { NS, smtKey } from "../chain/state/keys.ts";
import type { Challenge } from "../chain/types.ts";
import { encodeChallenge } from "../chain/wire/challenge.ts";
import { quicknetVector } from "../test/helpers/drandQuicknet.ts";
import { deployFraudVerifier } from "../test/helpers/fraudVerifierL1.ts";
import {
  buildFraudState,
  cheatingClaim,
  FRAUD_L2_CHAIN_ID,
  fraudVerifierPins,
  TINY,
} from "../test/vectors/fraudCases.ts";
import type { BenchOpts, BenchResult } from "./types.ts";

/** EIP-7825: the most gas one transaction may use. */
const TX_GAS_CAP = 16_777_216;

/** The canonical multiproof walk (chain/proof/tileTree.ts) over a tree whose level h is `levels[h]` everywhere. */
function constantTreeMultiproof(opened: readonly number[], levels: readonly Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let known = opened.slice();
  for (let h = 0; h + 1 < levels.length; h++) {
    const next: number[] = [];
    for (let t = 0; t < known.length; t++) {
      const i = known[t]!;
      if (i % 2 === 0 && known[t + 1] === i + 1) t++;
      else parts.push(levels[h]!);
      next.push(Math.floor(i / 2));
    }
    known = next;
  }
  const out = new Uint8Array(parts.length * 32);
  parts.forEach((p, i) => {
    out.set(p, i * 32);
  });
  return out;
}

/** A PASSED record at `tier` whose constant-tile reveal is wrong, proven in a small state tree. */
export function syntheticClaim(tier: Tier): InvalidComputeClaim {
  const id = 1000n + BigInt(tier.id);
  const node = new Uint8Array(20).fill(0xaa);
  const r1 = quicknetVector(1);
  const r2 = quicknetVector(2);
  const seed = challengeSeed(FRAUD_L2_CHAIN_ID, id, node, beaconRandomness(r1.signature));
  const tile = new Uint8Array(TILE_BYTES);
  for (let i = 0; i < TILE_BYTES; i += 32) tile.set(sha256(u64ToBytes(BigInt(i))), i);
  const depth = treeDepth(tier);
  const levels = [leafHash(tile)];
  for (let h = 0; h < depth; h++) levels.push(nodeHash(levels[h]!, levels[h]!));
  const root = levels[depth]!;
  const positions = samplePositions(tier, sampleSeed(seed, root, beaconRandomness(r2.signature)));
  const opened = openedTiles(positions);
  const tiles = new Uint8Array(opened.length * TILE_BYTES);
  for (let i = 0; i < opened.length; i++) tiles.set(tile, i * TILE_BYTES);
  const proof = constantTreeMultiproof(opened, levels);
  const record: Challenge = {
    id,
    node,
    tier: tier.id,
    status: "PASSED",
    t0: 1_000n,
    r1: r1.round,
    r1Signature: r1.signature,
    activeAt: 5_000n,
    tc: 6_000n,
    root,
    r2: r2.round,
    r2Signature: r2.signature,
    deadline: 30_000n,
    openingsDigest: openingsDigest(tiles, proof),
    credits: 10n ** 18n,
    settledAt: 12n,
  };
  const key = smtKey(NS.CHALLENGE, u64ToBytes(id));
  const tree = new SparseMerkleTree(new MemoryKv());
  tree.update([
    { key, valueHash: sha256(encodeChallenge(record)) },
    // A state of 10,000 other keys: a record proof about as deep as a live chain's.
    ...Array.from({ length: 10_000 }, (_, i) => ({
      key: sha256(u64ToBytes(BigInt(i))),
      valueHash: sha256(key),
    })),
  ]);
  const built = buildInvalidComputeProof({
    l2ChainId: FRAUD_L2_CHAIN_ID,
    tier: tier as ProofTier,
    record,
    recordProof: encodeSmtProof(tree.prove(key)),
    preimage: {
      stateRoot: tree.root,
      withdrawalsRoot: sha256(Uint8Array.of(1)),
      l2BlockHash: sha256(Uint8Array.of(2)),
    },
    tiles,
    proof,
  });
  if (!built.ok)
    throw new Error(`fraudProofGas: synthetic ${tier.name} claim does not prove: ${built.reason}`);
  return built.claim;
}

function result(
  name: string,
  gas: bigint,
  claim: InvalidComputeClaim,
  tier: Pick<Tier, "n" | "m" | "k">,
  what: string,
): BenchResult {
  const data = hexToBytes(encodeInvalidComputeCall(claim));
  return {
    name,
    value: Number(gas),
    unit: "gas",
    // Not ceilingFields: it rounds the ceiling to 4 digits, and the cap is an exact protocol figure.
    ceiling: TX_GAS_CAP,
    ceilingName: "EIP-7825 per-transaction gas cap (ratio = gas / cap, must be < 1)",
    ratio: Number((Number(gas) / TX_GAS_CAP).toFixed(3)),
    n: tier.n,
    m: tier.m,
    k: tier.k,
    calldataBytes: data.length,
    calldataFloorGas: Number(calldataFloorGas(data)),
    tilesBytes: claim.tiles.length,
    multiproofBytes: claim.proof.length,
    sampleIndex: claim.sampleIndex,
    what,
  };
}

/**
 * gasUsed of FraudProofs.proveInvalidCompute with `claim` on a fresh dev fraud deployment where
 * 3 of 4 operators signed the claim's output.
 */
async function slashTxGas(claim: InvalidComputeClaim, tier: Tier): Promise<bigint> {
  const key = (tag: string, i = 0): Hex => keccak256(stringToHex(`flops/bench/fraud-slash/${tag}/${i}`));
  const operatorKeys = [0, 1, 2, 3].map((i) => key("op", i));
  const l1 = await createEmbeddedL1({
    blockTimeMs: 0,
    gasLimit: 60_000_000n,
    accounts: [key("deployer"), key("avs"), key("watcher"), ...operatorKeys],
  });
  try {
    const f = await createDevFraud(l1, {
      deployerKey: key("deployer"),
      avsKey: key("avs"),
      operatorKeys,
      l2ChainId: 1_042_000n,
      windowBlocks: 20,
      treasury: "0x00000000000000000000000000000000007ea5e7",
      verifier: fraudVerifierPins([{ id: tier.id, n: tier.n, m: tier.m, k: tier.k }]),
    });
    await f.join(0, 4);
    const root = bytesToHex(claim.outputRoot) as Hex;
    const posted = await f.proposeAttested(1n, [0, 1, 2, 3], new Set([0, 1, 2]), root);
    if (posted.receipt.status !== "success") throw new Error("fraudProofGas: the output was refused");
    const watcher = privateKeyToAccount(key("watcher"));
    const wallet = createWalletClient({ chain: foundry as Chain, transport: custom(l1), account: watcher });
    const hash = await wallet.writeContract({
      address: f.fraudProofs,
      abi: f.fraudAbis.fraudProofs,
      functionName: "proveInvalidCompute",
      args: [0n, f.signersOf(posted.receipt), claimTuple(claim)],
      gas: BigInt(TX_GAS_CAP),
    } as never);
    await l1.mine();
    const receipt = await f.pub.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error("fraudProofGas: the slashing tx reverted");
    return receipt.gasUsed;
  } finally {
    await l1.close();
  }
}

export async function run(_opts: BenchOpts): Promise<BenchResult[]> {
  const l1 = await deployFraudVerifier(FRAUD_L2_CHAIN_ID);
  try {
    const out: BenchResult[] = [];
    const state = buildFraudState();
    const tiny = { claim: cheatingClaim(state) };
    out.push(
      result(
        "fraud_proof_gas_tiny",
        await l1.estimateGas(tiny.claim),
        tiny.claim,
        TINY,
        "real cheating reveal",
      ),
    );
    for (const [name, tier] of [
      ["fraud_proof_gas_devnet", TIER_DEVNET],
      ["fraud_proof_gas_gpu16k", PRODUCTION_TIERS.find((t) => t.id === 16)!],
      ["fraud_proof_gas_gpu32k", PRODUCTION_TIERS.find((t) => t.id === 32)!],
    ] as const) {
      const claim = syntheticClaim(tier);
      const check = await l1.call(claim);
      if (!check.ok) throw new Error(`fraudProofGas: ${name} is refused on L1: ${check.error}`);
      out.push(
        result(name, await l1.estimateGas(claim), claim, tier, "synthetic claim with the tier's sizes"),
      );
      if (tier === TIER_DEVNET) {
        out.push(
          result(
            "fraud_slash_tx_gas_devnet",
            await slashTxGas(claim, tier),
            claim,
            tier,
            "whole FraudProofs.proveInvalidCompute tx: verify + slash 3 signers + invalidate + verdict + payout",
          ),
        );
      }
    }
    return out;
  } finally {
    await l1.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  for (const r of await run({ quick: process.argv.includes("--quick") })) {
    process.stdout.write(
      process.argv.includes("--json")
        ? `${JSON.stringify(r)}\n`
        : `${r.name} ${r.value} ${r.unit} ratio ${r.ratio}\n`,
    );
  }
}
