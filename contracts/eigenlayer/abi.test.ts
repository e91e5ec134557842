/**
 * The stand-in's ABI against EigenLayer v1.12.0's (abi/v1.12.0.json: the real interfaces compiled,
 * signatures only). Every function the stand-in has must be the real one, byte for byte in its
 * signature and output types, unless it is one of the few stand-in-only getters named here; every
 * event and error of the real interfaces must be declared (pausing aside); what is left out of the
 * real interfaces is listed, so dropping or renaming a function fails here.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

interface AbiParam {
  type: string;
  indexed?: boolean;
  components?: AbiParam[];
}
interface AbiEntry {
  type: string;
  name?: string;
  inputs?: AbiParam[];
  outputs?: AbiParam[];
}
interface Signatures {
  functions: string[];
  events: string[];
  errors: string[];
}

const REAL = JSON.parse(readFileSync(join(import.meta.dirname, "abi/v1.12.0.json"), "utf8")) as Record<
  string,
  Signatures
>;

function canon(p: AbiParam): string {
  return p.type.startsWith("tuple")
    ? `(${(p.components ?? []).map(canon).join(",")})${p.type.slice(5)}`
    : p.type;
}

function signaturesOf(artifact: string): Signatures {
  const path = join(import.meta.dirname, "../out", `${artifact}.json`);
  const abi = (JSON.parse(readFileSync(path, "utf8")) as { abi: AbiEntry[] }).abi;
  const args = (ps: AbiParam[] = []) => ps.map(canon).join(",");
  return {
    functions: abi
      .filter((e) => e.type === "function")
      .map((e) => `${e.name}(${args(e.inputs)}) returns (${args(e.outputs)})`),
    events: abi
      .filter((e) => e.type === "event")
      .map(
        (e) =>
          `${e.name}(${(e.inputs ?? []).map((p) => canon(p) + (p.indexed ? " indexed" : "")).join(",")})`,
      ),
    errors: abi.filter((e) => e.type === "error").map((e) => `${e.name}(${args(e.inputs)})`),
  };
}

const PAUSING = {
  functions: ["initialize", "pause", "pauseAll", "paused", "pauserRegistry", "unpause"],
  events: ["Paused(address indexed,uint256)", "Unpaused(address indexed,uint256)"],
  errors: ["CurrentlyPaused()", "InvalidNewPausedStatus()", "OnlyPauser()", "OnlyUnpauser()"],
};

const CASES: ReadonlyArray<{
  real: string;
  artifact: string;
  /** Functions the stand-in adds: getters of its constructor arguments, and the one-time wiring. */
  extra: string[];
  /** Real functions the stand-in does not have (contracts/README.md "EigenLayer stand-in"). */
  leftOut: string[];
  noPausing?: boolean;
}> = [
  {
    real: "IAllocationManager",
    artifact: "AllocationManager",
    extra: ["permissionController() returns (address)"],
    leftOut: [
      "eigenStrategy",
      "getAllocatedSets",
      "getAllocatedStrategies",
      "getAllocations",
      "getMaxMagnitudes",
      "getMaxMagnitudesAtBlock",
      "getStrategyAllocations",
      "isOperatorRedistributable",
      "migrateSlashers",
      ...PAUSING.functions,
    ],
    noPausing: true,
  },
  {
    real: "IDelegationManager",
    artifact: "DelegationManager",
    extra: [
      "allocationManager() returns (address)",
      "operatorShares(address,address) returns (uint256)",
      "permissionController() returns (address)",
      "strategyManager() returns (address)",
      "wire(address,address) returns ()",
    ],
    leftOut: [
      "DELEGATION_APPROVAL_TYPEHASH",
      "beaconChainETHStrategy",
      "calculateDelegationApprovalDigestHash",
      "calculateWithdrawalRoot",
      "completeQueuedWithdrawal",
      "completeQueuedWithdrawals",
      "convertToDepositShares",
      "cumulativeWithdrawalsQueued",
      "decreaseDelegatedShares",
      "delegationApproverSaltIsSpent",
      "depositScalingFactor",
      "domainSeparator",
      "getDepositedShares",
      "getQueuedWithdrawal",
      "getQueuedWithdrawalRoots",
      "getQueuedWithdrawals",
      "getSlashableSharesInQueue",
      "getWithdrawableShares",
      "initialize",
      "minWithdrawalDelayBlocks",
      "modifyOperatorDetails",
      "queueWithdrawals",
      "queuedWithdrawals",
      "redelegate",
      "undelegate",
    ],
  },
  {
    real: "IStrategy",
    artifact: "StrategyBase",
    extra: ["strategyManager() returns (address)"],
    leftOut: [],
  },
  {
    real: "IStrategyManager",
    artifact: "StrategyManager",
    extra: ["allocationManager() returns (address)"],
    leftOut: [
      "addShares",
      "burnShares",
      "calculateStrategyDepositDigestHash",
      "depositIntoStrategyWithSignature",
      "getBurnableShares",
      "getPendingOperatorSets",
      "getPendingSlashIds",
      "getStakerStrategyList",
      "getStrategiesWithBurnableShares",
      "initialize",
      "removeDepositShares",
      "setStrategyWhitelister",
      "stakerStrategyListLength",
      "withdrawSharesAsTokens",
    ],
  },
  {
    real: "IPermissionController",
    artifact: "PermissionController",
    extra: [],
    leftOut: [
      "acceptAdmin",
      "addPendingAdmin",
      "getAppointeePermissions",
      "getPendingAdmins",
      "isPendingAdmin",
      "removeAdmin",
      "removePendingAdmin",
    ],
  },
  {
    real: "IAVSRegistrar",
    artifact: "OpenAVSRegistrar",
    extra: ["allocationManager() returns (address)", "avs() returns (address)"],
    leftOut: [],
  },
];

describe("EigenLayer stand-in ABI = EigenLayer v1.12.0's", () => {
  for (const c of CASES) {
    it(`${c.artifact} matches ${c.real}`, () => {
      const real = REAL[c.real]!;
      const ours = signaturesOf(c.artifact);
      // Ours, not in the real interface: only the named getters (a changed signature lands here).
      expect(ours.functions.filter((f) => !real.functions.includes(f)).sort()).toEqual([...c.extra].sort());
      const name = (sig: string) => sig.slice(0, sig.indexOf("("));
      const missing = real.functions.filter((f) => !ours.functions.includes(f)).map(name);
      expect([...new Set(missing)].sort()).toEqual([...c.leftOut].sort());
      const skipEvents = c.noPausing ? PAUSING.events : [];
      const skipErrors = c.noPausing ? PAUSING.errors : [];
      expect(real.events.filter((e) => !ours.events.includes(e) && !skipEvents.includes(e))).toEqual([]);
      expect(real.errors.filter((e) => !ours.errors.includes(e) && !skipErrors.includes(e))).toEqual([]);
    });
  }
});
