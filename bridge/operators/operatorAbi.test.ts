/**
 * The hand-written ABI slices (operatorAbi.ts) against the compiled artifacts (contracts/out):
 * each function and event exists with the same selector, outputs and mutability
 * (test/helpers/abiSlice.ts), so a contract change cannot drift past the off-chain operator code.
 */
import { describe, expect, it } from "vitest";
import { artifactAbi, sliceMismatches } from "../../test/helpers/abiSlice.ts";
import {
  ALLOCATION_MANAGER_ABI,
  ATTESTED_ORACLE_ABI,
  DELEGATION_MANAGER_ABI,
  REGISTRY_ABI,
} from "./operatorAbi.ts";

describe("operator ABI slices match the artifacts", () => {
  it.each([
    ["OperatorRegistry", REGISTRY_ABI],
    ["AllocationManager", ALLOCATION_MANAGER_ABI],
    ["DelegationManager", DELEGATION_MANAGER_ABI],
    ["OutputOracle", ATTESTED_ORACLE_ABI],
  ] as const)("%s", (name, mine) => {
    expect(sliceMismatches(artifactAbi(name), mine)).toEqual([]);
  });
});
