/**
 * Every generated file (test/helpers/generatedFiles.ts) is what its generator makes now: a change
 * to a source (.wat, schema, wire cases) without `npm run gen` fails here, naming the file.
 */
import { describe, expect, it } from "vitest";
import { GEN_COMMAND, GENERATED_FILES, isUpToDate } from "./helpers/generatedFiles.ts";

describe("generated files", () => {
  for (const file of GENERATED_FILES) {
    it(`${file.path} is up to date`, async () => {
      const text = await file.generate();
      // A boolean with a message that names the file and the fix, not a 100 KB diff.
      const why = `${file.path} is missing or out of date with ${file.from}: run \`${GEN_COMMAND}\``;
      expect(isUpToDate(file, text), why).toBe(true);
    });
  }
});
