/**
 * What L1 says about one operator (`flops operator status`): EigenLayer registration, operator set
 * membership, its allocated stake and the part slashable until an output posted now leaves its
 * window, its BLS key in the registry, the attested outputs it signed or missed since its key was
 * registered (OutputAttested events minus their non-signers), and its slashings (OperatorSlashed).
 *
 * Events are read from the deployment block on in ranges of `logRange` blocks (public RPCs cap
 * eth_getLogs ranges).
 * @module
 */
import type { Address, Hex, PublicClient } from "viem";
import {
  ALLOCATION_MANAGER_ABI,
  ATTESTED_ORACLE_ABI,
  DELEGATION_MANAGER_ABI,
  REGISTRY_ABI,
} from "./operatorAbi.ts";
import type { OperatorContracts } from "./operatorLifecycle.ts";

export interface OperatorStatus {
  operator: Address;
  eigenLayerOperator: boolean;
  member: boolean;
  /** Sum over the set's strategies, base units. */
  allocatedStake: bigint;
  /** Slashable until `stakeBlock` (head + the oracle's window): what counts for a quorum now. */
  slashableStake: bigint;
  stakeBlock: bigint;
  /** The registered key hash, if any. */
  keyHash: Hex | undefined;
  /** Attested outputs since the key was registered: output indices signed, and missed. */
  signed: bigint[];
  missed: bigint[];
  slashings: Array<{ block: bigint; wadSlashed: readonly bigint[]; description: string }>;
}

const ZERO_HASH = `0x${"00".repeat(32)}`;

async function logsInRanges<T>(
  from: bigint,
  to: bigint,
  range: bigint,
  read: (from: bigint, to: bigint) => Promise<T[]>,
): Promise<T[]> {
  const out: T[] = [];
  for (let a = from; a <= to; a += range) {
    const b = a + range - 1n < to ? a + range - 1n : to;
    out.push(...(await read(a, b)));
  }
  return out;
}

export async function readOperatorStatus(
  c: OperatorContracts & { oracle: Address; deployBlock: bigint },
  operator: Address,
  m: { pub: PublicClient; logRange?: bigint },
): Promise<OperatorStatus> {
  const { pub } = m;
  const range = m.logRange ?? 10_000n;
  const [set, head, cfg] = await Promise.all([
    pub.readContract({ address: c.registry, abi: REGISTRY_ABI, functionName: "operatorSet" }),
    pub.getBlockNumber(),
    pub.readContract({ address: c.oracle, abi: ATTESTED_ORACLE_ABI, functionName: "attestationConfig" }),
  ]);
  const strategies = await pub.readContract({
    address: c.allocationManager,
    abi: ALLOCATION_MANAGER_ABI,
    functionName: "getStrategiesInOperatorSet",
    args: [set],
  });
  const stakeBlock = head + 1n + BigInt(cfg.windowBlocks);
  const sum = (rows: readonly (readonly bigint[])[]) => (rows[0] ?? []).reduce((a, b) => a + b, 0n);
  const [eigenLayerOperator, member, allocated, slashable, [keyHash]] = await Promise.all([
    pub.readContract({
      address: c.delegationManager,
      abi: DELEGATION_MANAGER_ABI,
      functionName: "isOperator",
      args: [operator],
    }),
    pub.readContract({
      address: c.allocationManager,
      abi: ALLOCATION_MANAGER_ABI,
      functionName: "isMemberOfOperatorSet",
      args: [operator, set],
    }),
    pub.readContract({
      address: c.allocationManager,
      abi: ALLOCATION_MANAGER_ABI,
      functionName: "getAllocatedStake",
      args: [set, [operator], strategies],
    }),
    pub.readContract({
      address: c.allocationManager,
      abi: ALLOCATION_MANAGER_ABI,
      functionName: "getMinimumSlashableStake",
      args: [set, [operator], strategies, Number(stakeBlock)],
    }),
    pub.readContract({
      address: c.registry,
      abi: REGISTRY_ABI,
      functionName: "registrationOf",
      args: [operator],
    }),
  ]);

  const signed: bigint[] = [];
  const missed: bigint[] = [];
  const registered = keyHash !== ZERO_HASH;
  if (registered) {
    // From the registration of the key it holds now (an older key's outputs are not its own now).
    const regs = await logsInRanges(c.deployBlock, head, range, (fromBlock, toBlock) =>
      pub.getContractEvents({
        address: c.registry,
        abi: REGISTRY_ABI,
        eventName: "OperatorRegistered",
        args: { operator, keyHash },
        fromBlock,
        toBlock,
      }),
    );
    const since = regs.at(-1)?.blockNumber ?? c.deployBlock;
    const attested = await logsInRanges(since, head, range, (fromBlock, toBlock) =>
      pub.getContractEvents({
        address: c.oracle,
        abi: ATTESTED_ORACLE_ABI,
        eventName: "OutputAttested",
        fromBlock,
        toBlock,
      }),
    );
    for (const e of attested) {
      const a = e.args as { outputIndex: bigint; nonSignerKeyHashes: readonly Hex[] };
      (a.nonSignerKeyHashes.includes(keyHash) ? missed : signed).push(a.outputIndex);
    }
  }
  const slashLogs = await logsInRanges(c.deployBlock, head, range, (fromBlock, toBlock) =>
    pub.getContractEvents({
      address: c.allocationManager,
      abi: ALLOCATION_MANAGER_ABI,
      eventName: "OperatorSlashed",
      fromBlock,
      toBlock,
    }),
  );
  const slashings = slashLogs
    .filter((l) => (l.args.operator ?? "").toLowerCase() === operator.toLowerCase())
    .map((l) => ({
      block: l.blockNumber,
      wadSlashed: l.args.wadSlashed ?? [],
      description: l.args.description ?? "",
    }));
  return {
    operator,
    eigenLayerOperator,
    member,
    allocatedStake: sum(allocated),
    slashableStake: sum(slashable),
    stakeBlock,
    keyHash: registered ? keyHash : undefined,
    signed,
    missed,
    slashings,
  };
}
