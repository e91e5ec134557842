/**
 * Deploys the EigenLayer stand-in from its real artifacts (contracts/out) on the embedded L1 and
 * drives the AVS flow through viem: an operator registers and deposits, the AVS creates a
 * redistributing operator set with a separate slasher, the operator registers for it and
 * allocates, the slasher slashes, and the redistribution recipient receives the tokens.
 */
import { createPublicClient, createWalletClient, custom, type Hex, parseEventLogs } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { afterAll, describe, expect, it } from "vitest";
import { deployEigenLayer, readEigenLayerArtifacts } from "./deployEigenLayer.ts";
import { DEV_PRIVATE_KEYS } from "./devAccounts.ts";
import { createEmbeddedL1 } from "./embeddedL1.ts";

const WAD = 10n ** 18n;
const DEALLOCATION_DELAY = 5;
const RECIPIENT: Hex = "0x000000000000000000000000000000000000bEEF";

describe("deployEigenLayer", async () => {
  const l1 = await createEmbeddedL1({ blockTimeMs: 0 });
  afterAll(() => l1.close());
  const transport = custom(l1, { retryCount: 0 });
  const pub = createPublicClient({ chain: foundry, transport, pollingInterval: 10 });
  const key = (i: number) => privateKeyToAccount(DEV_PRIVATE_KEYS[i]!);
  const [deployer, operator, avs, slasher] = [key(0), key(1), key(2), key(3)];
  const wallet = (account: typeof deployer) => createWalletClient({ chain: foundry, transport, account });
  const artifacts = await readEigenLayerArtifacts();
  const mine = async () => {
    await l1.mine();
  };

  /** Sends a call from `from`, mines it, and fails on a revert. */
  async function send(
    from: typeof deployer,
    address: Hex,
    name: keyof typeof artifacts,
    fn: string,
    args: unknown[],
  ) {
    const hash = await wallet(from).writeContract({
      address,
      abi: artifacts[name].abi,
      functionName: fn,
      args,
    } as never);
    await mine();
    const receipt = await pub.waitForTransactionReceipt({ hash });
    expect(receipt.status, `${fn} reverted`).toBe("success");
    return receipt;
  }
  const read = (address: Hex, name: keyof typeof artifacts, fn: string, args: unknown[] = []) =>
    pub.readContract({
      address,
      abi: artifacts[name].abi,
      functionName: fn,
      args,
    } as never) as Promise<unknown>;

  it("deploys, registers, allocates, slashes and redistributes on a real EVM", async () => {
    const d = await deployEigenLayer(wallet(deployer), pub, artifacts, {
      deallocationDelay: DEALLOCATION_DELAY,
      allocationConfigurationDelay: 3,
      registrarFor: avs.address,
      afterSend: mine,
    });
    expect(await read(d.AllocationManager, "AllocationManager", "DEALLOCATION_DELAY")).toBe(
      DEALLOCATION_DELAY,
    );
    expect(await read(d.StrategyBase, "StrategyBase", "underlyingToken")).toBe(d.DevStakeToken);
    expect(
      await read(d.StrategyManager, "StrategyManager", "strategyIsWhitelistedForDeposit", [d.StrategyBase]),
    ).toBe(true);

    // Operator: funded by the deployer, deposits 1000 tokens, registers with allocation delay 1.
    const stake = 1000n * WAD;
    await send(deployer, d.DevStakeToken, "DevStakeToken", "transfer", [operator.address, stake]);
    await send(operator, d.DevStakeToken, "DevStakeToken", "approve", [d.StrategyManager, stake]);
    await send(operator, d.StrategyManager, "StrategyManager", "depositIntoStrategy", [
      d.StrategyBase,
      d.DevStakeToken,
      stake,
    ]);
    await send(operator, d.DelegationManager, "DelegationManager", "registerAsOperator", [
      "0x0000000000000000000000000000000000000000",
      1,
      "ipfs://operator",
    ]);
    expect(await read(d.DelegationManager, "DelegationManager", "isOperator", [operator.address])).toBe(true);

    // AVS: metadata, its registrar, and a redistributing operator set whose slasher is another key.
    const am = d.AllocationManager;
    await send(avs, am, "AllocationManager", "updateAVSMetadataURI", [avs.address, "https://avs.example"]);
    await send(avs, am, "AllocationManager", "setAVSRegistrar", [avs.address, d.OpenAVSRegistrar]);
    await send(avs, am, "AllocationManager", "createRedistributingOperatorSets", [
      avs.address,
      [{ operatorSetId: 0, strategies: [d.StrategyBase], slasher: slasher.address }],
      [RECIPIENT],
    ]);
    const set = { avs: avs.address, id: 0 };
    expect(await read(am, "AllocationManager", "getRedistributionRecipient", [set])).toBe(RECIPIENT);
    expect(await read(am, "AllocationManager", "getStrategiesInOperatorSet", [set])).toEqual([
      d.StrategyBase,
    ]);

    await send(operator, am, "AllocationManager", "registerForOperatorSets", [
      operator.address,
      { avs: avs.address, operatorSetIds: [0], data: "0x" },
    ]);
    expect(await read(am, "AllocationManager", "getMembers", [set])).toEqual([operator.address]);
    await send(operator, am, "AllocationManager", "modifyAllocations", [
      operator.address,
      [{ operatorSet: set, strategies: [d.StrategyBase], newMagnitudes: [WAD / 2n] }],
    ]);
    await mine(); // the allocation delay (1 block)
    const head = Number(await pub.getBlockNumber());
    const [[slashable]] = (await read(am, "AllocationManager", "getMinimumSlashableStake", [
      set,
      [operator.address],
      [d.StrategyBase],
      head + 1,
    ])) as bigint[][] as [[bigint]];
    expect(slashable).toBe(stake / 2n);

    // Only the slasher may slash: the AVS itself is refused.
    const params = {
      operator: operator.address,
      operatorSetId: 0,
      strategies: [d.StrategyBase],
      wadsToSlash: [WAD / 10n],
      description: "double-signed output",
    };
    await expect(
      pub.simulateContract({
        address: am,
        abi: artifacts.AllocationManager.abi,
        functionName: "slashOperator",
        args: [avs.address, params],
        account: avs,
      } as never),
    ).rejects.toThrow(/InvalidCaller/);
    const receipt = await send(slasher, am, "AllocationManager", "slashOperator", [avs.address, params]);
    const [slashed] = parseEventLogs({
      abi: artifacts.AllocationManager.abi,
      logs: receipt.logs,
      eventName: "OperatorSlashed",
    }) as unknown as [{ args: { wadSlashed: bigint[] } }];
    expect(slashed.args.wadSlashed).toEqual([WAD / 20n]); // 10% of a half allocation
    expect(
      await read(d.DelegationManager, "DelegationManager", "operatorShares", [
        operator.address,
        d.StrategyBase,
      ]),
    ).toBe(stake - stake / 20n);

    // The permissionless clear step pays the recipient the slashed underlying.
    await send(deployer, d.StrategyManager, "StrategyManager", "clearBurnOrRedistributableShares", [set, 1n]);
    expect(await read(d.DevStakeToken, "DevStakeToken", "balanceOf", [RECIPIENT])).toBe(stake / 20n);

    // Deregistered, the operator stays slashable for DEALLOCATION_DELAY blocks, then not.
    await send(operator, am, "AllocationManager", "deregisterFromOperatorSets", [
      { operator: operator.address, avs: avs.address, operatorSetIds: [0] },
    ]);
    expect(await read(am, "AllocationManager", "getMembers", [set])).toEqual([]);
    expect(await read(am, "AllocationManager", "isOperatorSlashable", [operator.address, set])).toBe(true);
    await l1.mine(DEALLOCATION_DELAY);
    expect(await read(am, "AllocationManager", "isOperatorSlashable", [operator.address, set])).toBe(false);
  });

  it("refuses a delay that is not a uint32", async () => {
    await expect(
      deployEigenLayer(wallet(deployer), pub, artifacts, {
        deallocationDelay: -1,
        allocationConfigurationDelay: 0,
      }),
    ).rejects.toThrow(/uint32/);
  });
});
