/**
 * Gas of the credits bridge's L1 calls, from real receipts on the embedded L1 (the real contracts,
 * the real VM): a withdrawals tree of 100,000 leaves (10,000 with --quick) built with the chain's
 * own SMT, its output posted to the OutputOracle, then one withdrawal proven and finalized.
 *
 * - prove_withdrawal_gas: Portal.proveWithdrawal, the whole tx's gasUsed (21,000 + calldata +
 *   execution; `execution` = gasUsed − 21,000 − the standard calldata cost). Issue 9's target
 *   (≤ 80,000) is for `execution`; `target` records it.
 * - finalize_withdrawal_gas: Portal.finalizeWithdrawal (a receiver without a balance yet).
 *
 * Ceiling of each: the EIP-7623 floor of the same tx (21,000 + 10 gas per calldata token), the
 * least any tx carrying those bytes can pay; ratio = ceiling / value (1 = nothing but the floor).
 *
 * Run alone: `node --import tsx bench/bridgeGas.ts [--quick] [--json]`; bench/run.ts runs it as "bridgeGas".
 * @module
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  type Chain,
  createPublicClient,
  createWalletClient,
  custom,
  encodeFunctionData,
  type Hex,
  type PublicClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { type ContractArtifact, deployContracts } from "../bridge/l1/deployContracts.ts";
import { DEV_PRIVATE_KEYS } from "../bridge/l1/devAccounts.ts";
import { createEmbeddedL1 } from "../bridge/l1/embeddedL1.ts";
import { calldataFloorGas } from "../bridge/txManager/txFees.ts";
import { ORACLE_ABI, PORTAL_ABI } from "../bridge/withdrawals/bridgeAbi.ts";
import { bytesToHex, hexToBytes } from "../chain/bytes.ts";
import { outputRoot } from "../chain/commitment/outputRoot.ts";
import { withdrawalKey, withdrawalLeaf } from "../chain/commitment/withdrawalLeaf.ts";
import { MemoryKv } from "../chain/kv.ts";
import { encodeSmtProof, SparseMerkleTree } from "../chain/smt/index.ts";
import type { Withdrawal } from "../chain/types.ts";
import { ceilingFields } from "./ceiling.ts";
import type { BenchOpts, BenchResult } from "./types.ts";

const OUT = join(import.meta.dirname, "../contracts/out");
const TARGET_PROVE_EXECUTION_GAS = 80_000;

async function artifact(name: string): Promise<ContractArtifact> {
  const j = JSON.parse(await readFile(join(OUT, `${name}.json`), "utf8")) as ContractArtifact;
  return { abi: j.abi, bytecode: j.bytecode };
}

/** 21,000 + 4 gas per zero byte + 16 per other byte: the pre-Prague intrinsic cost of the calldata. */
function standardIntrinsic(data: Uint8Array): bigint {
  let gas = 21_000n;
  for (const b of data) gas += b === 0 ? 4n : 16n;
  return gas;
}

function gasResult(name: string, gasUsed: bigint, data: Hex, extra: Record<string, unknown>): BenchResult {
  const bytes = hexToBytes(data);
  const floor = calldataFloorGas(bytes);
  return {
    name,
    value: Number(gasUsed),
    unit: "gas",
    ...ceilingFields(
      Number(gasUsed),
      Number(floor),
      "EIP-7623 calldata floor of the same tx (21,000 + 10/token)",
      "time",
    ),
    execution: Number(gasUsed - standardIntrinsic(bytes)),
    calldataBytes: bytes.length,
    ...extra,
  };
}

export async function run(opts: BenchOpts): Promise<BenchResult[]> {
  const leaves = opts.quick ? 10_000 : 100_000;
  const l1 = await createEmbeddedL1({ blockTimeMs: 0 });
  try {
    const transport = custom(l1, { retryCount: 0 });
    const pub = createPublicClient({
      chain: foundry as Chain,
      transport,
      pollingInterval: 10,
    }) as PublicClient;
    const admin = privateKeyToAccount(DEV_PRIVATE_KEYS[0]!);
    const wallet = createWalletClient({ chain: foundry as Chain, transport, account: admin });
    const mined = async (hash: Hex) => {
      await l1.mine();
      const r = await pub.waitForTransactionReceipt({ hash });
      if (r.status !== "success") throw new Error(`bench tx ${hash} reverted`);
      return r;
    };
    const a = admin.address;
    const genesisHash: Hex = `0x${"42".repeat(32)}`;
    const d = await deployContracts(
      wallet,
      pub,
      { OutputOracle: await artifact("OutputOracle"), Portal: await artifact("Portal") },
      {
        steps: [
          { name: "OutputOracle", artifact: "OutputOracle", args: () => [a, a, a, genesisHash, 1n] },
          {
            name: "Portal",
            artifact: "Portal",
            args: (x) => [a, a, x.OutputOracle, genesisHash, 131_072n, 3600, 10n ** 30n],
          },
        ],
        afterSend: async () => {
          await l1.mine();
        },
      },
    );
    const oracle = d.addresses.OutputOracle!;
    const portal = d.addresses.Portal!;

    // The withdrawals tree of a chain that has made `leaves` withdrawals, as chain/state builds it.
    const wOf = (i: number): Withdrawal => {
      // A receiver of its own per withdrawal: each is paid into a new balance.
      const to = new Uint8Array(20).fill(0xee);
      new DataView(to.buffer).setUint32(16, i);
      return {
        index: BigInt(i),
        from: new Uint8Array(20).fill((i % 250) + 1),
        to,
        amount: BigInt(i + 1) * 10n ** 15n,
        l2BlockNumber: BigInt(1 + Math.floor(i / 100)),
      };
    };
    const tree = new SparseMerkleTree(new MemoryKv(), undefined, { prefix: 0x03 });
    const root = tree.update(
      Array.from({ length: leaves }, (_, i) => ({
        key: withdrawalKey(BigInt(i)),
        valueHash: withdrawalLeaf(wOf(i)),
      })),
    );
    const stateRoot = new Uint8Array(32).fill(0x5a);
    const l2BlockHash = new Uint8Array(32).fill(0xb1);
    const latest = await pub.getBlock({ blockTag: "latest" });
    await mined(
      await wallet.writeContract({
        address: oracle,
        abi: ORACLE_ABI,
        functionName: "proposeOutput",
        args: [
          bytesToHex(outputRoot(stateRoot, root, l2BlockHash)),
          BigInt(leaves),
          latest.hash,
          latest.number,
        ],
      }),
    );
    const preimage = {
      stateRoot: bytesToHex(stateRoot),
      withdrawalsRoot: bytesToHex(root),
      l2BlockHash: bytesToHex(l2BlockHash),
    };
    const calls = (w: Withdrawal) => {
      const wArg = {
        index: w.index,
        from: bytesToHex(w.from),
        to: bytesToHex(w.to),
        amount: w.amount,
        l2BlockNumber: w.l2BlockNumber,
      };
      const proof = encodeSmtProof(tree.prove(withdrawalKey(w.index)));
      return {
        proof,
        prove: encodeFunctionData({
          abi: PORTAL_ABI,
          functionName: "proveWithdrawal",
          args: [0n, preimage, wArg, bytesToHex(proof)],
        }),
        finalize: encodeFunctionData({ abi: PORTAL_ABI, functionName: "finalizeWithdrawal", args: [wArg] }),
      };
    };
    // The first finalization ever also pays for the token's supply, the rate limit's bucket and a
    // fresh word of the paid-bits map; the figure is the next one (as almost every later one is),
    // to a receiver without a balance yet. The first one is kept as `firstEver`.
    const first = calls(wOf((leaves >> 1) - 1));
    const next = calls(wOf(leaves >> 1));
    const send = (data: Hex) => wallet.sendTransaction({ to: portal, data }).then(mined);
    await send(first.prove);
    const proved = await send(next.prove);
    // Past the 1 s challenge window.
    await l1.request({ method: "evm_increaseTime", params: [5] });
    await l1.mine();
    const firstFinalized = await send(first.finalize);
    const finalized = await send(next.finalize);
    const proveData = next.prove;
    const finalizeData = next.finalize;
    const proof = next.proof;

    const prove = gasResult("prove_withdrawal_gas", proved.gasUsed, proveData, {
      target: TARGET_PROVE_EXECUTION_GAS,
      targetOf: "execution",
      proofBytes: proof.length,
      leaves,
    });
    return [
      prove,
      gasResult("finalize_withdrawal_gas", finalized.gasUsed, finalizeData, {
        receiver: "new balance",
        firstEver: Number(firstFinalized.gasUsed),
      }),
    ];
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
