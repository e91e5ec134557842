/**
 * An operator joining and leaving the rollup's operator set on L1 (`flops operator register |
 * deregister`), step by step as EigenLayer v1.12.0 has it, each step skipped when L1 says it is
 * done already (so a register that failed half way is simply run again):
 *
 *   1. DelegationManager.registerAsOperator: become an EigenLayer operator (self-delegated stake);
 *   2. wait until its allocation delay is set (AllocationManager.getAllocationDelay);
 *   3. AllocationManager.registerForOperatorSets: join the chain's operator set (the AVS's
 *      registrar admits it);
 *   4. AllocationManager.modifyAllocations: allocate `magnitude` (WAD = all) of each of the set's
 *      strategies: the stake that backs its signatures and can be slashed;
 *   5. OperatorRegistry.register: its BLS key with the proof of possession.
 *
 * Deregistering: OperatorRegistry.deregister (its key leaves the aggregate at once), then
 * AllocationManager.deregisterFromOperatorSets (its allocation stays slashable for the
 * deallocation delay, as EigenLayer rules).
 *
 * Staking itself (depositing into a strategy) is EigenLayer's, not this command's.
 * @module
 */
import type { Account, Address, Chain, PublicClient, Transport, WalletClient } from "viem";
import type { L1Deployment } from "../deployment.ts";
import { type BlsKeyPair, keyHash, proofOfPossession, toSolG1, toSolG2 } from "./bn254Bls.ts";
import { ALLOCATION_MANAGER_ABI, DELEGATION_MANAGER_ABI, REGISTRY_ABI } from "./operatorAbi.ts";

export const WAD = 10n ** 18n;
const ZERO_HASH = `0x${"00".repeat(32)}`;

export interface OperatorContracts {
  delegationManager: Address;
  allocationManager: Address;
  registry: Address;
}

/** The operator-side addresses of a deployment file; throws when it has none. */
export function operatorContracts(d: L1Deployment): OperatorContracts {
  if (d.eigenLayer === undefined || d.operatorRegistry === undefined)
    throw new Error(
      "the deployment file names no operator contracts: it needs its eigenLayer and operatorRegistry entries",
    );
  return {
    delegationManager: d.eigenLayer.DelegationManager,
    allocationManager: d.eigenLayer.AllocationManager,
    registry: d.operatorRegistry,
  };
}

type Wallet = WalletClient<Transport, Chain, Account>;

export interface LifecycleModules {
  pub: PublicClient;
  wallet: Wallet;
  /** One line per step taken or skipped. */
  say(line: string): void;
  /** Between polls of L1 while waiting, ms. */
  pollMs?: number;
  /** Longest wait for the allocation delay, ms. Default 120 s. */
  waitMs?: number;
}

async function send(m: LifecycleModules, what: string, req: Parameters<Wallet["writeContract"]>[0]) {
  const hash = await m.wallet.writeContract(req);
  const r = await m.pub.waitForTransactionReceipt({ hash, pollingInterval: m.pollMs ?? 500 });
  if (r.status !== "success") throw new Error(`${what}: reverted in ${hash}`);
  m.say(`${what}: done (tx ${hash})`);
}

/** Steps 1-5 above. */
export async function registerOperator(
  c: OperatorContracts,
  key: BlsKeyPair,
  o: { magnitude: bigint; metadataURI: string },
  m: LifecycleModules,
): Promise<void> {
  if (o.magnitude < 0n || o.magnitude > WAD) throw new RangeError("magnitude must be within 0..1e18");
  const { pub } = m;
  const op = m.wallet.account.address;
  const set = await pub.readContract({ address: c.registry, abi: REGISTRY_ABI, functionName: "operatorSet" });
  if (
    await pub.readContract({
      address: c.delegationManager,
      abi: DELEGATION_MANAGER_ABI,
      functionName: "isOperator",
      args: [op],
    })
  )
    m.say("EigenLayer operator: already");
  else
    await send(m, "EigenLayer operator registration", {
      address: c.delegationManager,
      abi: DELEGATION_MANAGER_ABI,
      functionName: "registerAsOperator",
      args: ["0x0000000000000000000000000000000000000000", 0, o.metadataURI],
    } as never);

  // Allocations need the operator's allocation delay in effect (ALLOCATION_CONFIGURATION_DELAY).
  const end = Date.now() + (m.waitMs ?? 120_000);
  for (;;) {
    const [isSet] = await pub.readContract({
      address: c.allocationManager,
      abi: ALLOCATION_MANAGER_ABI,
      functionName: "getAllocationDelay",
      args: [op],
    });
    if (isSet) break;
    if (Date.now() > end)
      throw new Error("the allocation delay did not take effect in time: run register again later");
    await new Promise((r) => setTimeout(r, m.pollMs ?? 500));
  }

  if (
    await pub.readContract({
      address: c.allocationManager,
      abi: ALLOCATION_MANAGER_ABI,
      functionName: "isMemberOfOperatorSet",
      args: [op, set],
    })
  )
    m.say(`operator set ${set.avs}/${set.id}: member already`);
  else
    await send(m, `joining operator set ${set.avs}/${set.id}`, {
      address: c.allocationManager,
      abi: ALLOCATION_MANAGER_ABI,
      functionName: "registerForOperatorSets",
      args: [op, { avs: set.avs, operatorSetIds: [set.id], data: "0x" }],
    } as never);

  const strategies = await pub.readContract({
    address: c.allocationManager,
    abi: ALLOCATION_MANAGER_ABI,
    functionName: "getStrategiesInOperatorSet",
    args: [set],
  });
  const allocated =
    strategies.length === 0
      ? undefined
      : await pub.readContract({
          address: c.allocationManager,
          abi: ALLOCATION_MANAGER_ABI,
          functionName: "getAllocation",
          args: [op, set, strategies[0]!],
        });
  if (allocated === undefined) m.say("allocation: the operator set has no strategy");
  else if (allocated.currentMagnitude === o.magnitude && allocated.pendingDiff === 0n)
    m.say(`allocation: ${o.magnitude} already`);
  else if (allocated.pendingDiff !== 0n)
    m.say("allocation: a change is pending already (run register again once it took effect)");
  else
    await send(m, `allocating ${o.magnitude} (WAD) of ${strategies.length} strategies`, {
      address: c.allocationManager,
      abi: ALLOCATION_MANAGER_ABI,
      functionName: "modifyAllocations",
      args: [op, [{ operatorSet: set, strategies, newMagnitudes: strategies.map(() => o.magnitude) }]],
    } as never);

  const [registered] = await pub.readContract({
    address: c.registry,
    abi: REGISTRY_ABI,
    functionName: "registrationOf",
    args: [op],
  });
  if (registered === keyHash(key.pubkeyG1)) m.say(`BLS key ${registered}: registered already`);
  else if (registered !== ZERO_HASH)
    throw new Error(`${op} has another BLS key registered (${registered}): deregister first to change it`);
  else {
    const chainId = BigInt(await pub.getChainId());
    await send(m, `registering BLS key ${keyHash(key.pubkeyG1)}`, {
      address: c.registry,
      abi: REGISTRY_ABI,
      functionName: "register",
      args: [
        toSolG1(key.pubkeyG1),
        toSolG2(key.pubkeyG2),
        toSolG1(proofOfPossession(key.secretKey, chainId, c.registry, op)),
      ],
    } as never);
  }
}

/** The key leaves the registry, then the operator leaves the set (each skipped when done). */
export async function deregisterOperator(c: OperatorContracts, m: LifecycleModules): Promise<void> {
  const { pub } = m;
  const op = m.wallet.account.address;
  const [registered] = await pub.readContract({
    address: c.registry,
    abi: REGISTRY_ABI,
    functionName: "registrationOf",
    args: [op],
  });
  if (registered === ZERO_HASH) m.say("BLS key: none registered");
  else
    await send(m, `deregistering BLS key ${registered}`, {
      address: c.registry,
      abi: REGISTRY_ABI,
      functionName: "deregister",
      args: [],
    } as never);
  const set = await pub.readContract({ address: c.registry, abi: REGISTRY_ABI, functionName: "operatorSet" });
  if (
    !(await pub.readContract({
      address: c.allocationManager,
      abi: ALLOCATION_MANAGER_ABI,
      functionName: "isMemberOfOperatorSet",
      args: [op, set],
    }))
  )
    m.say("operator set: not a member");
  else
    await send(
      m,
      `leaving operator set ${set.avs}/${set.id} (the allocation stays slashable for the deallocation delay)`,
      {
        address: c.allocationManager,
        abi: ALLOCATION_MANAGER_ABI,
        functionName: "deregisterFromOperatorSets",
        args: [{ operator: op, avs: set.avs, operatorSetIds: [set.id] }],
      } as never,
    );
}
