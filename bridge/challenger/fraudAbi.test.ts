/**
 * The challenger's FraudProofs ABI slice (fraudAbi.ts) against the compiled artifact: every
 * function and event exists with the same selector and, for functions, the same outputs, so a
 * contract change cannot drift past the challenger.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Abi, type AbiParameter, toEventSelector, toFunctionSelector } from "viem";
import { describe, expect, it } from "vitest";
import { FRAUD_PROOFS_ABI } from "./fraudAbi.ts";

const theirs = (
  JSON.parse(readFileSync(join(import.meta.dirname, "../../contracts/out/FraudProofs.json"), "utf8")) as {
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

describe("the challenger's FraudProofs ABI matches the artifact", () => {
  it.each((FRAUD_PROOFS_ABI as Abi).map((i) => ["name" in i ? i.name : i.type, i] as const))(
    "%s",
    (_, item) => {
      const match = theirs.find((t) => t.type === item.type && selector(t) === selector(item));
      expect(match).toBeDefined();
      if (item.type === "function" && match?.type === "function") {
        expect(match.outputs.map(canon)).toEqual(item.outputs.map(canon));
        expect(match.stateMutability).toBe(item.stateMutability);
      }
    },
  );
});
