#!/usr/bin/env node
// A `solc` for forge (foundry.toml `solc = "./solcShim.mjs"`): answers `--version` like the native
// solc and compiles `--standard-json` from stdin with solc-js (the pinned npm `solc`), since forge
// cannot download a native compiler here. Forge sends the sources it resolved; the imports inside
// node_modules (OpenZeppelin's relative imports) are read from disk by the import callback, only
// from inside the repository. Anything solc-js itself prints (its `>>>` notices) goes to stderr:
// stdout must be the output JSON alone.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve, sep } from "node:path";

const solc = createRequire(import.meta.url)("solc");
const REPO_ROOT = resolve(import.meta.dirname, "..");

function findImport(path) {
  const file = resolve(process.cwd(), path);
  if (!file.startsWith(REPO_ROOT + sep)) return { error: `solcShim: import outside the repository: ${path}` };
  try {
    return { contents: readFileSync(file, "utf8") };
  } catch (err) {
    return { error: `solcShim: cannot read ${path}: ${err.message}` };
  }
}
const args = process.argv.slice(2);

if (args.includes("--version")) {
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
  process.exit(0);
}
if (!args.includes("--standard-json")) {
  process.stderr.write(
    `solcShim: only --version and --standard-json are supported, got: ${args.join(" ")}\n`,
  );
  process.exit(2);
}

let input = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) input += chunk;

const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => process.stderr.write(chunk, ...rest);
let output;
try {
  output = solc.compile(input, { import: findImport });
} finally {
  process.stdout.write = write;
}
write(
  output
    .split("\n")
    .filter((line) => !line.startsWith(">>>"))
    .join("\n"),
);
