/**
 * `deployContracts(walletClient, publicClient, artifacts, args)`: deploys contracts from their
 * compiled artifacts (`contracts/out/<Contract>.json`: {abi, bytecode}) in order, each step's
 * constructor arguments computed from the addresses deployed before it, and waits for every
 * receipt (addresses come back checksummed). Works on any L1 viem can reach (the embedded L1, Anvil, a testnet). It deploys one
 * contract at a time so each nonce is the next, and fails on the first reverted deployment.
 * Writing the deployment file (bridge/deployment.ts) is the caller's next step.
 * @module
 */
import {
  type Abi,
  type Account,
  type Chain,
  getAddress,
  type Hex,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { RollupError } from "../../chain/errors.ts";

export interface ContractArtifact {
  abi: Abi;
  bytecode: Hex;
}

export interface DeployStep {
  /** The name the address is kept under (usually the contract's). */
  name: string;
  /** Which artifact to deploy. */
  artifact: string;
  /** Constructor arguments, given the addresses deployed so far. */
  args?: (deployed: Readonly<Record<string, Hex>>) => readonly unknown[];
}

export interface DeployArgs {
  steps: readonly DeployStep[];
  /** Called after each deployment is sent (the devnet mines here; a real L1 mines by itself). */
  afterSend?: (txHash: Hex) => Promise<void>;
  /** Confirmations to wait for per deployment. Default 1. */
  confirmations?: number;
}

export interface DeployResult {
  addresses: Record<string, Hex>;
  /** The block of the first deployment (derivation starts there) and its hash. */
  deployBlock: bigint;
  deployBlockHash: Hex;
  txHashes: Record<string, Hex>;
}

export async function deployContracts(
  wallet: WalletClient<Transport, Chain, Account>,
  publicClient: PublicClient,
  artifacts: Readonly<Record<string, ContractArtifact>>,
  args: DeployArgs,
): Promise<DeployResult> {
  const addresses: Record<string, Hex> = {};
  const txHashes: Record<string, Hex> = {};
  let first: { number: bigint; hash: Hex } | undefined;
  for (const step of args.steps) {
    const artifact = artifacts[step.artifact];
    if (artifact === undefined) throw new RollupError("DEPLOY_FAILED", `no artifact named ${step.artifact}`);
    if (step.name in addresses) throw new RollupError("DEPLOY_FAILED", `${step.name} is deployed twice`);
    const hash = await wallet.deployContract({
      abi: artifact.abi,
      bytecode: artifact.bytecode,
      args: (step.args?.(addresses) ?? []) as unknown[],
    } as Parameters<typeof wallet.deployContract>[0]);
    await args.afterSend?.(hash);
    const receipt = await publicClient.waitForTransactionReceipt({
      hash,
      confirmations: args.confirmations ?? 1,
    });
    if (receipt.status !== "success" || receipt.contractAddress == null) {
      throw new RollupError("DEPLOY_FAILED", `deploying ${step.name} reverted (tx ${hash})`, {
        txHash: hash,
      });
    }
    addresses[step.name] = getAddress(receipt.contractAddress);
    txHashes[step.name] = hash;
    first ??= { number: receipt.blockNumber, hash: receipt.blockHash };
  }
  if (first === undefined) throw new RollupError("DEPLOY_FAILED", "nothing to deploy");
  return { addresses, deployBlock: first.number, deployBlockHash: first.hash, txHashes };
}
