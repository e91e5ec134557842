/**
 * The InvalidComputeProof verifier (contracts/out/InvalidComputeProof.json) deployed on an embedded
 * L1 (the real VM, Prague: EIP-2537 precompiles), pinned to the quicknet public key and the tiers of
 * chain/params.ts, with helpers to call it and estimate its gas. For the challenger's tests and
 * bench/fraudProofGas.ts.
 * @module
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  type Chain,
  createPublicClient,
  createWalletClient,
  custom,
  decodeErrorResult,
  decodeFunctionResult,
  type Hex,
  type PublicClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import {
  encodeInvalidComputeCall,
  g2Eip2537,
  INVALID_COMPUTE_ABI,
  type InvalidComputeClaim,
} from "../../bridge/challenger/invalidComputeProof.ts";
import { type ContractArtifact, deployContracts } from "../../bridge/l1/deployContracts.ts";
import { DEV_PRIVATE_KEYS } from "../../bridge/l1/devAccounts.ts";
import { createEmbeddedL1, type EmbeddedL1 } from "../../bridge/l1/embeddedL1.ts";
import { bytesToHex, hexToBytes } from "../../chain/bytes.ts";
import { PRODUCTION_TIERS, TIER_DEVNET, TIER_SMALL, TIER_TINY } from "../../chain/params.ts";
import { QUICKNET_VECTOR_CHAIN } from "./drandQuicknet.ts";

const ARTIFACT = join(import.meta.dirname, "../../contracts/out/InvalidComputeProof.json");

export interface FraudVerifierL1 {
  l1: EmbeddedL1;
  address: Hex;
  /** eth_call: the (recordKey, node) the verifier returns, or the custom error's name and args. */
  call(
    claim: InvalidComputeClaim,
  ): Promise<{ ok: true; recordKey: Hex; node: Hex } | { ok: false; error: string }>;
  /** eth_estimateGas of a transaction sending the claim (21,000 + calldata + execution). */
  estimateGas(claim: InvalidComputeClaim): Promise<bigint>;
  close(): Promise<void>;
}

export async function deployFraudVerifier(l2ChainId: bigint): Promise<FraudVerifierL1> {
  const l1 = await createEmbeddedL1({ blockTimeMs: 0, gasLimit: 60_000_000n });
  try {
    const transport = custom(l1, { retryCount: 0 });
    const pub = createPublicClient({
      chain: foundry as Chain,
      transport,
      pollingInterval: 10,
    }) as PublicClient;
    const account = privateKeyToAccount(DEV_PRIVATE_KEYS[0]!);
    const wallet = createWalletClient({ chain: foundry as Chain, transport, account });
    const art = JSON.parse(readFileSync(ARTIFACT, "utf8")) as ContractArtifact;
    const tiers = [TIER_TINY, TIER_SMALL, TIER_DEVNET, ...PRODUCTION_TIERS].map((t) => ({
      id: t.id,
      n: t.n,
      m: t.m,
      k: t.k,
    }));
    const d = await deployContracts(
      wallet,
      pub,
      { InvalidComputeProof: art },
      {
        steps: [
          {
            name: "InvalidComputeProof",
            artifact: "InvalidComputeProof",
            args: () => [
              l2ChainId,
              bytesToHex(g2Eip2537(hexToBytes(QUICKNET_VECTOR_CHAIN.publicKey))),
              BigInt(QUICKNET_VECTOR_CHAIN.genesisTime),
              BigInt(QUICKNET_VECTOR_CHAIN.period),
              tiers,
            ],
          },
        ],
        afterSend: async () => {
          await l1.mine();
        },
      },
    );
    const address = d.addresses.InvalidComputeProof!;
    const errorAbi = art.abi;
    return {
      l1,
      address,
      async call(claim) {
        try {
          const data = (await l1.request({
            method: "eth_call",
            params: [{ to: address, data: encodeInvalidComputeCall(claim), gas: "0x3000000" }, "latest"],
          })) as Hex;
          const [recordKey, node] = decodeFunctionResult({
            abi: INVALID_COMPUTE_ABI,
            functionName: "verifyInvalidCompute",
            data,
          });
          return { ok: true, recordKey, node: node.toLowerCase() as Hex };
        } catch (e) {
          const revert = (e as { data?: unknown }).data;
          if (typeof revert !== "string" || revert === "0x") return { ok: false, error: String(e) };
          const decoded = decodeErrorResult({ abi: errorAbi, data: revert as Hex });
          return { ok: false, error: `${decoded.errorName}(${(decoded.args ?? []).join(",")})` };
        }
      },
      async estimateGas(claim) {
        const gas = (await l1.request({
          method: "eth_estimateGas",
          params: [{ from: account.address, to: address, data: encodeInvalidComputeCall(claim) }],
        })) as Hex;
        return BigInt(gas);
      },
      close: () => l1.close(),
    };
  } catch (e) {
    await l1.close();
    throw e;
  }
}
