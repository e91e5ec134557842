/**
 * Every generated file (test/helpers/generatedFiles.ts) is what its generator makes now: a change
 * to a source (.wat, schema, wire cases, .sol) without `npm run gen` fails here, naming the file.
 * The contract artifacts are compiled only when contracts/out/compiled-from.json does not vouch
 * for them (a source or an artifact changed since `npm run gen`).
 */
import { readFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { compiledFromFor, compiledFromVouches } from "../contracts/compile.ts";
import { GEN_COMMAND, GENERATED_FILES, isUpToDate, REPO_ROOT } from "./helpers/generatedFiles.ts";

describe("generated files", () => {
  for (const file of GENERATED_FILES) {
    it(`${file.path} is up to date`, async () => {
      if (file.vouched?.()) return;
      const text = await file.generate();
      // A boolean with a message that names the file and the fix, not a 100 KB diff.
      const why = `${file.path} is missing or out of date with ${file.from}: run \`${GEN_COMMAND}\``;
      expect(isUpToDate(file, text), why).toBe(true);
      // solc-js compiling every contract takes ~20 s of CPU, 40 s on a loaded 2-core box.
    }, 120_000);
  }
});

describe("the contracts' compile record (contracts/out/compiled-from.json)", () => {
  const real = (path: string) => readFileSync(path, "utf8");
  const contracts = resolve(REPO_ROOT, "contracts");
  /** What the repository holds, with the record that vouches for it and `change` applied. */
  const world = (change: Record<string, (text: string) => string> = {}) => {
    const record = compiledFromFor(real);
    return (path: string) => {
      const rel = relative(contracts, path);
      const text = rel === "out/compiled-from.json" ? record : real(path);
      return change[rel]?.(text) ?? text;
    };
  };

  it("vouches for the artifacts only while no input and no artifact changed", () => {
    expect(compiledFromVouches(world())).toBe(true);
    const edits = ["src/Portal.sol", "eigenlayer/StrategyBase.sol", "compile.ts", "out/Portal.json"];
    for (const rel of edits) {
      expect(compiledFromVouches(world({ [rel]: (t) => `${t} ` })), rel).toBe(false);
    }
    const missing = world({
      "out/BatchInbox.json": () => {
        throw new Error("ENOENT");
      },
    });
    expect(compiledFromVouches(missing)).toBe(false);
  });
});
