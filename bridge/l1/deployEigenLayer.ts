/**
 * `deployEigenLayer(wallet, publicClient, artifacts, args)`: deploys the EigenLayer stand-in
 * (contracts/eigenlayer, contracts/README.md "EigenLayer stand-in") on an L1 viem can reach, wires
 * its circular references, and creates the devnet's restaking token with a whitelisted strategy
 * over it. Returns the addresses; the deployment file is the caller's to write. Against a real
 * EigenLayer nothing here runs: the deployment file names the real AllocationManager,
 * DelegationManager and strategies instead (same ABI).
 *
 * Order: PermissionController, DelegationManager(pc), AllocationManager(dm, pc, DEALLOCATION_DELAY,
 * ALLOCATION_CONFIGURATION_DELAY), StrategyManager(dm, am, whitelister = deployer),
 * DevStakeToken(name, symbol, deployer, supply), StrategyBase(sm, token); then
 * `dm.wire(am, sm)` and `sm.addStrategiesToDepositWhitelist([strategy])`; with `registrarFor`, an
 * OpenAVSRegistrar(am, avs) last.
 * @module
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Abi, Account, Chain, Hex, PublicClient, Transport, WalletClient } from "viem";
import { RollupError } from "../../chain/errors.ts";
import { type ContractArtifact, deployContracts } from "./deployContracts.ts";

/** The stand-in's deployable contracts (contracts/out/<name>.json). */
export const EIGENLAYER_ARTIFACTS = [
  "PermissionController",
  "DelegationManager",
  "AllocationManager",
  "StrategyManager",
  "DevStakeToken",
  "StrategyBase",
  "OpenAVSRegistrar",
] as const;
export type EigenLayerArtifactName = (typeof EIGENLAYER_ARTIFACTS)[number];

export interface DeployEigenLayerArgs {
  /** Blocks deallocated (and deregistered) stake stays slashable: mainnet 100,800 (14 days of 12 s
   *  blocks); a few on the devnet. */
  deallocationDelay: number;
  /** Blocks before a changed allocation delay or slasher applies. */
  allocationConfigurationDelay: number;
  /** The restaking token; its whole supply goes to the deployer. */
  token?: { name: string; symbol: string; supply: bigint };
  /** Deploy an OpenAVSRegistrar (accepts every operator) for this AVS address. */
  registrarFor?: Hex;
  /** Called after each transaction is sent (the devnet mines here). */
  afterSend?: (txHash: Hex) => Promise<void>;
}

export interface EigenLayerDeployment {
  PermissionController: Hex;
  DelegationManager: Hex;
  AllocationManager: Hex;
  StrategyManager: Hex;
  /** The restaking token (ERC-20) and the strategy over it. */
  DevStakeToken: Hex;
  StrategyBase: Hex;
  /** Present when `registrarFor` was given. */
  OpenAVSRegistrar?: Hex;
  deployBlock: bigint;
}

const DEFAULT_TOKEN = { name: "Flops Devnet Stake", symbol: "FSTAKE", supply: 10n ** 27n };

/** Reads the stand-in's artifacts from contracts/out (or `outDir`). */
export async function readEigenLayerArtifacts(
  outDir = join(import.meta.dirname, "../../contracts/out"),
): Promise<Record<EigenLayerArtifactName, ContractArtifact>> {
  const entries = await Promise.all(
    EIGENLAYER_ARTIFACTS.map(async (name) => {
      const json = JSON.parse(await readFile(join(outDir, `${name}.json`), "utf8")) as ContractArtifact;
      return [name, { abi: json.abi, bytecode: json.bytecode }] as const;
    }),
  );
  return Object.fromEntries(entries) as Record<EigenLayerArtifactName, ContractArtifact>;
}

export async function deployEigenLayer(
  wallet: WalletClient<Transport, Chain, Account>,
  publicClient: PublicClient,
  artifacts: Readonly<Record<EigenLayerArtifactName, ContractArtifact>>,
  args: DeployEigenLayerArgs,
): Promise<EigenLayerDeployment> {
  for (const [what, v] of [
    ["deallocationDelay", args.deallocationDelay],
    ["allocationConfigurationDelay", args.allocationConfigurationDelay],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff_ffff) {
      throw new RollupError("DEPLOY_FAILED", `${what} must be a uint32 block count, got ${v}`);
    }
  }
  const deployer = wallet.account.address;
  const token = args.token ?? DEFAULT_TOKEN;
  const result = await deployContracts(wallet, publicClient, artifacts, {
    steps: [
      { name: "PermissionController", artifact: "PermissionController" },
      { name: "DelegationManager", artifact: "DelegationManager", args: (d) => [d.PermissionController] },
      {
        name: "AllocationManager",
        artifact: "AllocationManager",
        args: (d) => [
          d.DelegationManager,
          d.PermissionController,
          args.deallocationDelay,
          args.allocationConfigurationDelay,
        ],
      },
      {
        name: "StrategyManager",
        artifact: "StrategyManager",
        args: (d) => [d.DelegationManager, d.AllocationManager, deployer],
      },
      {
        name: "DevStakeToken",
        artifact: "DevStakeToken",
        args: () => [token.name, token.symbol, deployer, token.supply],
      },
      { name: "StrategyBase", artifact: "StrategyBase", args: (d) => [d.StrategyManager, d.DevStakeToken] },
      ...(args.registrarFor === undefined
        ? []
        : [
            {
              name: "OpenAVSRegistrar",
              artifact: "OpenAVSRegistrar",
              args: (d: Readonly<Record<string, Hex>>) => [d.AllocationManager, args.registrarFor],
            },
          ]),
    ],
    ...(args.afterSend === undefined ? {} : { afterSend: args.afterSend }),
  });
  const a = result.addresses;
  const send = async (address: Hex, abi: Abi, functionName: string, fnArgs: readonly unknown[]) => {
    const hash = await wallet.writeContract({ address, abi, functionName, args: fnArgs } as Parameters<
      typeof wallet.writeContract
    >[0]);
    await args.afterSend?.(hash);
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") {
      throw new RollupError("DEPLOY_FAILED", `${functionName} on ${address} reverted (tx ${hash})`, {
        txHash: hash,
      });
    }
  };
  await send(a.DelegationManager!, artifacts.DelegationManager.abi, "wire", [
    a.AllocationManager,
    a.StrategyManager,
  ]);
  await send(a.StrategyManager!, artifacts.StrategyManager.abi, "addStrategiesToDepositWhitelist", [
    [a.StrategyBase],
  ]);
  return {
    PermissionController: a.PermissionController!,
    DelegationManager: a.DelegationManager!,
    AllocationManager: a.AllocationManager!,
    StrategyManager: a.StrategyManager!,
    DevStakeToken: a.DevStakeToken!,
    StrategyBase: a.StrategyBase!,
    ...(a.OpenAVSRegistrar === undefined ? {} : { OpenAVSRegistrar: a.OpenAVSRegistrar }),
    deployBlock: result.deployBlock,
  };
}
