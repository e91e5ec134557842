/**
 * The hand-written ABI slices (operatorAbi.ts) against the compiled artifacts (contracts/out): each
 * function and event exists with the same selector (name and input types) and, for functions, the
 * same output types, so a contract change cannot drift past the off-chain operator code.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Abi, type AbiParameter, toEventSelector, toFunctionSelector } from "viem";
import { describe, expect, it } from "vitest";
import {
  ALLOCATION_MANAGER_ABI,
  ATTESTED_ORACLE_ABI,
  DELEGATION_MANAGER_ABI,
  REGISTRY_ABI,
} from "./operatorAbi.ts";

const artifact = (name: string) =>
  (
    JSON.parse(readFileSync(join(import.meta.dirname, "../../contracts/out", `${name}.json`), "utf8")) as {
      abi: Abi;
    }
  ).abi;

function canon(p: AbiParameter): string {
  if (p.type.startsWith("tuple") && "components" in p)
    return `(${p.components.map(canon).join(",")})${p.type.slice("tuple".length)}`;
  return p.type;
}

const selector = (item: Abi[number]) =>
  item.type === "function"
    ? toFunctionSelector(item)
    : item.type === "event"
      ? toEventSelector(item)
      : undefined;

describe("operator ABI slices match the artifacts", () => {
  it.each([
    ["OperatorRegistry", REGISTRY_ABI],
    ["AllocationManager", ALLOCATION_MANAGER_ABI],
    ["DelegationManager", DELEGATION_MANAGER_ABI],
    ["OutputOracle", ATTESTED_ORACLE_ABI],
  ] as const)("%s", (name, mine) => {
    const theirs = artifact(name);
    for (const item of mine as Abi) {
      const match = theirs.find((t) => t.type === item.type && selector(t) === selector(item));
      expect(match, `${name}: ${"name" in item ? item.name : item.type}`).toBeDefined();
      if (item.type === "function" && match?.type === "function")
        expect(match.outputs.map(canon), `${name}.${item.name} outputs`).toEqual(item.outputs.map(canon));
    }
  });
});
