/**
 * `npm run gen`: rewrites every generated file (test/helpers/generatedFiles.ts lists them) whose
 * contents differ from what its generator makes now; the others are left untouched.
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { GENERATED_FILES, isUpToDate, REPO_ROOT } from "../test/helpers/generatedFiles.ts";

for (const file of GENERATED_FILES) {
  // A committed record proves it current (the contract artifacts): no need to run the generator.
  if (file.vouched?.()) {
    process.stdout.write(`up to date  ${file.path}\n`);
    continue;
  }
  const text = await file.generate();
  if (isUpToDate(file, text)) {
    process.stdout.write(`up to date  ${file.path}\n`);
    continue;
  }
  writeFileSync(resolve(REPO_ROOT, file.path), text);
  process.stdout.write(`wrote       ${file.path} (from ${file.from})\n`);
}
