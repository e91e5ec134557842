/**
 * Hand-written ABI slices against the compiled artifacts (contracts/out): each function and event
 * of the slice must exist in the artifact with the same selector (name and input types) and, for a
 * function, the same output types and mutability, so a contract change cannot drift past the
 * off-chain code that calls it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Abi, type AbiParameter, toEventSelector, toFunctionSelector } from "viem";

/** The ABI of artifact `name` (contracts/out/<name>.json). */
export function artifactAbi(name: string): Abi {
  const path = join(import.meta.dirname, "../../contracts/out", `${name}.json`);
  return (JSON.parse(readFileSync(path, "utf8")) as { abi: Abi }).abi;
}

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

/** What in `mine` the artifact's ABI `theirs` does not match (empty: the slice is true). */
export function sliceMismatches(theirs: Abi, mine: Abi): string[] {
  const out: string[] = [];
  for (const item of mine) {
    const name = "name" in item ? item.name : item.type;
    const match = theirs.find((t) => t.type === item.type && selector(t) === selector(item));
    if (match === undefined) {
      if (item.type === "function" || item.type === "event") out.push(`${name}: not in the artifact`);
      continue;
    }
    if (item.type === "function" && match.type === "function") {
      if (match.outputs.map(canon).join() !== item.outputs.map(canon).join())
        out.push(`${name}: outputs differ`);
      if (match.stateMutability !== item.stateMutability) out.push(`${name}: mutability differs`);
    }
  }
  return out;
}
