/**
 * The bridge's bindings are the contracts' own: every function, event and error in bridgeAbi.ts
 * appears, with the same signature (names, types, indexed, mutability), in contracts/out/*.json.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Abi } from "viem";
import { formatAbiItem } from "viem/utils";
import { describe, expect, it } from "vitest";
import { CREDIT_ABI, ORACLE_ABI, PORTAL_ABI } from "./bridgeAbi.ts";

const OUT = join(import.meta.dirname, "../../contracts/out");
const artifactAbi = (name: string): Abi =>
  (JSON.parse(readFileSync(join(OUT, `${name}.json`), "utf8")) as { abi: Abi }).abi;

type Param = { type: string; components?: readonly Param[] };
const paramType = (p: Param): string =>
  p.components ? `(${p.components.map(paramType).join(",")})${p.type.slice(5)}` : p.type;

/** One line per item: kind, signature, indexed flags and mutability (what a binding depends on). */
function lines(abi: Abi): string[] {
  return abi
    .filter((i) => i.type === "function" || i.type === "event" || i.type === "error")
    .map((i) => {
      const indexed = i.type === "event" ? i.inputs.map((x) => (x.indexed ? "i" : "-")).join("") : "";
      const names = "inputs" in i ? i.inputs.map((x) => x.name).join(",") : "";
      const mut =
        i.type === "function" ? `${i.stateMutability} -> (${i.outputs.map(paramType).join(",")})` : "";
      return `${formatAbiItem(i)} ${names} ${indexed} ${mut}`;
    });
}

describe("bridgeAbi", () => {
  it.each([
    ["OutputOracle", ORACLE_ABI, ["OutputOracle"]],
    ["Portal", PORTAL_ABI, ["Portal", "FlopsCredit"]],
    ["FlopsCredit", CREDIT_ABI, ["FlopsCredit"]],
  ] as const)("%s: every entry is in the artifact", (_name, ours, artifacts) => {
    const theirs = new Set(artifacts.flatMap((a) => lines(artifactAbi(a))));
    for (const line of lines(ours as Abi)) expect(theirs, line).toContain(line);
  });

  it("names every custom error the Portal and the oracle can revert with", () => {
    const errors = (abi: Abi) => abi.filter((i) => i.type === "error").map((i) => formatAbiItem(i));
    const ours = new Set([...errors(PORTAL_ABI as Abi), ...errors(ORACLE_ABI as Abi)]);
    const skip =
      /AccessControlBadConfirmation|ExpectedPause|GenesisMismatch|SafeCast|OutputAlready|AccessControlUnauthorized/;
    for (const e of [...errors(artifactAbi("Portal")), ...errors(artifactAbi("OutputOracle"))]) {
      if (!skip.test(e)) expect(ours, e).toContain(e);
    }
  });
});
