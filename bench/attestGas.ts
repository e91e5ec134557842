/**
 * Gas of an attested output (OutputOracle.proposeOutputAttested), from real receipts on the
 * embedded L1, set up by bridge/operators/devQuorum.ts: the EigenLayer stand-in
 * (contracts/eigenlayer) with one operator set over one strategy, N operators each depositing
 * the same stake, registering, allocating all of it and registering a BN254 key in the
 * OperatorRegistry (proof of possession made by bridge/operators/bn254Bls.ts), then outputs signed
 * by all of them and by all but ⌊N/3⌋ (exactly the default 2/3 quorum or more). N = 4, 16, 64
 * (--quick: 4, 16); the operator set grows between sizes, so each size counts every member. The
 * oracle's first output is a warm-up, not measured (it also pays for a zero output count).
 *
 * - attest_verify_gas_<N>_all / _third_absent: the whole tx's gasUsed. Extras: `execution`
 *   (gasUsed − 21,000 − standard calldata cost), `overPlainPropose` (minus the gas of an ordinary
 *   proposer-role proposeOutput on the same L1: what the quorum costs), calldata bytes, and
 *   `precompileFloor` (the precompiles' own price: one 2-pair pairing 113,000, two G1 muls 12,000,
 *   one G1 add per non-signer and 2 for the combination, ~1,349 per modexp try), and
 *   `stakeLookupGas` (the stand-in's getMinimumSlashableStake over all N members alone, estimated:
 *   most of what grows with N).
 * - Ceiling: EIP-7825's per-transaction cap, 16,777,216 gas; ratio = value / cap (the share of one
 *   transaction the check takes; well below 1 is the point).
 *
 * Run alone: `node --import tsx bench/attestGas.ts [--quick] [--json]`; bench/run.ts runs it as "attestGas".
 * @module
 */
import { pathToFileURL } from "node:url";
import { encodeFunctionData, type Hex, keccak256, stringToHex } from "viem";
import { createEmbeddedL1 } from "../bridge/l1/embeddedL1.ts";
import { createDevQuorum } from "../bridge/operators/devQuorum.ts";
import { hexToBytes } from "../chain/bytes.ts";
import type { BenchOpts, BenchResult } from "./types.ts";

const EIP_7825_CAP = 16_777_216;
const WINDOW_BLOCKS = 50;

function standardIntrinsic(data: Uint8Array): bigint {
  let gas = 21_000n;
  for (const b of data) gas += b === 0 ? 4n : 16n;
  return gas;
}

const seeded = (tag: string, i: number): Hex => keccak256(stringToHex(`flops/bench/attest/${tag}/${i}`));

export async function run(opts: BenchOpts): Promise<BenchResult[]> {
  const sizes = opts.quick ? [4, 16] : [4, 16, 64];
  const maxOps = sizes[sizes.length - 1]!;
  const operatorKeys = Array.from({ length: maxOps }, (_, i) => seeded("l1key", i));
  const deployerKey = seeded("deployer", 0);
  const avsKey = seeded("avs", 0);
  const l1 = await createEmbeddedL1({ blockTimeMs: 0, accounts: [deployerKey, avsKey, ...operatorKeys] });
  try {
    const q = await createDevQuorum(l1, {
      deployerKey,
      avsKey,
      operatorKeys,
      l2ChainId: 1_042_000n,
      windowBlocks: WINDOW_BLOCKS,
    });
    const { pub } = q;

    // Execution gas of the AllocationManager's stake lookup alone, as the quorum makes it.
    const stakeLookupGas = async () => {
      const members = (await pub.readContract({
        address: q.eigenLayer.AllocationManager,
        abi: q.abis.allocationManager,
        functionName: "getMembers",
        args: [q.operatorSet],
      } as never)) as Hex[];
      const data = encodeFunctionData({
        abi: q.abis.allocationManager,
        functionName: "getMinimumSlashableStake",
        args: [
          q.operatorSet,
          members,
          [q.eigenLayer.StrategyBase],
          Number(await pub.getBlockNumber()) + WINDOW_BLOCKS,
        ],
      } as never);
      const gas = await pub.estimateGas({ to: q.eigenLayer.AllocationManager, data });
      return Number(gas - standardIntrinsic(hexToBytes(data)));
    };

    // The ordinary proposer-role output on the twin oracle (its second, as the attested ones are).
    await q.proposePlain(1n);
    const plainGas = (await q.proposePlain(2n)).gasUsed;

    const results: BenchResult[] = [];
    let joined = 0;
    let l2Block = 0n;
    for (const n of sizes) {
      await q.join(joined, n);
      joined = n;
      const lookup = await stakeLookupGas();
      const all = Array.from({ length: n }, (_, i) => i);
      if (l2Block === 0n) {
        // Not measured: the oracle's first output ever also turns its output count from zero.
        l2Block += 1n;
        const warm = await q.proposeAttested(l2Block, all, new Set(all));
        if (warm.receipt.status !== "success") throw new Error("warm-up attested output reverted");
      }
      const absent = Math.floor(n / 3);
      for (const [tag, signers] of [
        ["all", n],
        ["third_absent", n - absent],
      ] as const) {
        l2Block += 1n;
        const m = await q.proposeAttested(l2Block, all, new Set(all.slice(0, signers)));
        if (m.receipt.status !== "success") throw new Error(`attested output (${n}, ${tag}) reverted`);
        const bytes = hexToBytes(m.input);
        const gasUsed = m.receipt.gasUsed;
        const value = Number(gasUsed);
        const nonSigners = m.attestation.nonSignerKeys.length;
        results.push({
          name: `attest_verify_gas_${n}_${tag}`,
          value,
          unit: "gas",
          // Not ceilingFields: it rounds the ceiling to 4 digits, and this one is an exact constant.
          ceiling: EIP_7825_CAP,
          ceilingName: "EIP-7825 per-tx gas cap (ratio = share of it used)",
          ratio: Number((value / EIP_7825_CAP).toFixed(4)),
          operators: n,
          nonSigners,
          execution: Number(gasUsed - standardIntrinsic(bytes)),
          overPlainPropose: Number(gasUsed - plainGas),
          plainProposeGas: Number(plainGas),
          calldataBytes: bytes.length,
          precompileFloor: 113_000 + 12_000 + 150 * (2 + nonSigners) + 1_349,
          stakeLookupGas: lookup,
        });
      }
    }
    return results;
  } finally {
    await l1.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const quick = process.argv.includes("--quick");
  for (const r of await run({ quick })) {
    process.stdout.write(
      process.argv.includes("--json") ? `${JSON.stringify(r)}\n` : `${r.name} ${r.value} ${r.unit}\n`,
    );
  }
}
