/**
 * Compiles contracts/src with solc-js (the pinned `solc` npm package; no native solc, no network)
 * into `contracts/out/<Contract>.json` ({contractName, abi, bytecode, deployedBytecode}), the
 * artifacts bridge/ deploys. The files are committed and listed in test/helpers/generatedFiles.ts,
 * so `npm run gen` rewrites them and test/generated.test.ts fails when a source changes without it.
 * Run alone: `npm run contracts:compile`. contracts/eigenlayer (the EigenLayer stand-in) is compiled
 * with it, source unit names `eigenlayer/<path>`.
 *
 * Standard JSON with the optimizer on (no viaIR: not needed), EVM version prague (EIP-2935 block
 * hashes, transient storage). Source unit names are repository-relative (`src/Portal.sol`,
 * `@openzeppelin/contracts/...`), so the metadata hash in the bytecode is the same on every machine.
 * Warnings in our sources are errors.
 *
 * `out/compiled-from.json` (written with the artifacts) holds a digest of everything the artifacts
 * are compiled from and the sha256 of each artifact: test/generated.test.ts compiles (~20 s on
 * the CI machine) only when that digest or an artifact's hash no longer matches (a .sol, this
 * file, solc or OpenZeppelin changed, or an artifact was edited), and still fails then.
 * @module
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const CONTRACTS_DIR = import.meta.dirname;
const NODE_MODULES = resolve(CONTRACTS_DIR, "../node_modules");
const SRC_DIR = join(CONTRACTS_DIR, "src");
/** The EigenLayer stand-in (contracts/README.md), source unit names `eigenlayer/<path>`. */
const EIGENLAYER_DIR = join(CONTRACTS_DIR, "eigenlayer");

/** The rollup's own deployable contracts (`src/<Name>.sol`). */
const ROLLUP_NAMES = [
  "BatchInbox",
  "FlopsCredit",
  "FraudProofs",
  "OperatorRegistry",
  "OutputOracle",
  "Portal",
] as const;
/** The fraud-proof verifiers (`src/fraud/<Name>.sol`). */
const FRAUD_NAMES = ["InvalidComputeProof"] as const;
/** The EigenLayer stand-in's deployable contracts (`eigenlayer/<Name>.sol`). */
export const EIGENLAYER_NAMES = [
  "AllocationManager",
  "DelegationManager",
  "DevStakeToken",
  "OpenAVSRegistrar",
  "PermissionController",
  "StrategyBase",
  "StrategyManager",
] as const;
/** The deployable contracts, one artifact each. */
export const CONTRACT_NAMES = [...ROLLUP_NAMES, ...FRAUD_NAMES, ...EIGENLAYER_NAMES] as const;
export type ContractName = (typeof CONTRACT_NAMES)[number];

function sourceUnit(name: ContractName): string {
  if ((FRAUD_NAMES as readonly string[]).includes(name)) return `src/fraud/${name}.sol`;
  return (EIGENLAYER_NAMES as readonly string[]).includes(name)
    ? `eigenlayer/${name}.sol`
    : `src/${name}.sol`;
}

export interface ContractArtifact {
  contractName: ContractName;
  abi: unknown[];
  /** 0x-hex creation code. */
  bytecode: string;
  /** 0x-hex runtime code. */
  deployedBytecode: string;
}

interface SolcOutput {
  errors?: Array<{ severity: string; formattedMessage: string; sourceLocation?: { file: string } }>;
  contracts?: Record<
    string,
    Record<
      string,
      { abi: unknown[]; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }
    >
  >;
}

/** Reads a file as UTF-8 (a parameter so that tests can show what a changed file does). */
type ReadText = (path: string) => string;
const readText: ReadText = (path) => readFileSync(path, "utf8");

/** The standard-JSON input: every .sol under src/ and eigenlayer/, keyed `src/<path>`, `eigenlayer/<path>`. */
function solcInput(read: ReadText = readText): string {
  const sources: Record<string, { content: string }> = {};
  for (const [prefix, dir] of [
    ["src", SRC_DIR],
    ["eigenlayer", EIGENLAYER_DIR],
  ] as const) {
    for (const rel of readdirSync(dir, { recursive: true, encoding: "utf8" }).sort()) {
      if (!rel.endsWith(".sol")) continue;
      sources[`${prefix}/${rel}`] = { content: read(join(dir, rel)) };
    }
  }
  return JSON.stringify({
    language: "Solidity",
    sources,
    settings: {
      optimizer: { enabled: true, runs: 1000 },
      evmVersion: "prague",
      outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
    },
  });
}

// Imports: `@openzeppelin/...` from node_modules; anything else is outside the build.
function findImport(path: string): { contents: string } | { error: string } {
  if (!path.startsWith("@openzeppelin/contracts/") || path.includes("..")) {
    return { error: `import outside src/ and @openzeppelin/contracts: ${path}` };
  }
  try {
    return { contents: readFileSync(join(NODE_MODULES, path), "utf8") };
  } catch (err) {
    return { error: `cannot read ${path}: ${(err as Error).message}` };
  }
}

let cached: Record<ContractName, ContractArtifact> | undefined;

/** Compiles once per process (~2 s); throws with solc's messages on an error or a warning in src/. */
export function compileContracts(): Record<ContractName, ContractArtifact> {
  if (cached !== undefined) return cached;
  const solc = createRequire(import.meta.url)("solc") as {
    compile(input: string, callbacks: { import: typeof findImport }): string;
  };
  const out = JSON.parse(solc.compile(solcInput(), { import: findImport })) as SolcOutput;
  const problems = (out.errors ?? []).filter(
    (e) => e.severity === "error" || !e.sourceLocation?.file.startsWith("@openzeppelin/"),
  );
  if (problems.length > 0) {
    throw new Error(`solc: ${problems.map((e) => e.formattedMessage).join("\n")}`);
  }
  const result = {} as Record<ContractName, ContractArtifact>;
  for (const name of CONTRACT_NAMES) {
    const c = out.contracts?.[sourceUnit(name)]?.[name];
    if (c === undefined) throw new Error(`solc: no output for ${sourceUnit(name)}:${name}`);
    result[name] = {
      contractName: name,
      abi: c.abi,
      bytecode: `0x${c.evm.bytecode.object}`,
      deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
    };
  }
  cached = result;
  return result;
}

/** The exact text of `contracts/out/<name>.json`. */
export function artifactText(name: ContractName): string {
  return `${JSON.stringify(compileContracts()[name], null, 2)}\n`;
}

/** The file that says what the committed artifacts were compiled from (see the module comment). */
export const COMPILED_FROM_PATH = "contracts/out/compiled-from.json";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * sha256 of what the artifacts are a function of: this file (the settings, the output's shape),
 * the solc and OpenZeppelin versions (package-lock pins them), and the standard-JSON input (every
 * source). Reads files only: milliseconds, no compile.
 */
function compileInputsDigest(read: ReadText = readText): string {
  const require = createRequire(import.meta.url);
  const version = (pkg: string) => (require(`${pkg}/package.json`) as { version: string }).version;
  return sha256(
    JSON.stringify([
      read(fileURLToPath(import.meta.url)),
      version("solc"),
      version("@openzeppelin/contracts"),
      solcInput(read),
    ]),
  );
}

/** The record's text for these inputs and these artifact texts (by contract, CONTRACT_NAMES order). */
function renderCompiledFrom(inputs: string, artifact: (name: ContractName) => string): string {
  const artifacts = Object.fromEntries(CONTRACT_NAMES.map((n) => [n, sha256(artifact(n))]));
  return `${JSON.stringify({ inputs, artifacts }, null, 2)}\n`;
}

/** The exact text of {@link COMPILED_FROM_PATH}: compiles (the hashes are of the compiler's output). */
export function compiledFromText(): string {
  return renderCompiledFrom(compileInputsDigest(), artifactText);
}

/**
 * The record that vouches for the artifacts `read` sees in out/, given the inputs it sees (no
 * compile: it trusts those artifacts; only a compile may write it, see {@link compiledFromText}).
 */
export function compiledFromFor(read: ReadText = readText): string {
  const out = join(CONTRACTS_DIR, "out");
  return renderCompiledFrom(compileInputsDigest(read), (name) => read(join(out, `${name}.json`)));
}

/**
 * Whether the committed record vouches for every artifact on disk without compiling: it is the
 * record of today's inputs and of exactly the artifact files there now. Only `npm run gen` (or
 * contracts:compile) writes it, from a compile, so a match means the artifacts are what the
 * sources compile to; a .sol (or solc, ...) changed since, or an artifact edited, means no.
 */
export function compiledFromVouches(read: ReadText = readText): boolean {
  try {
    return read(join(CONTRACTS_DIR, "out", "compiled-from.json")) === compiledFromFor(read);
  } catch {
    return false; // the record or an artifact is missing
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const t0 = performance.now();
  for (const name of CONTRACT_NAMES) {
    writeFileSync(join(CONTRACTS_DIR, "out", `${name}.json`), artifactText(name));
    process.stdout.write(`wrote contracts/out/${name}.json\n`);
  }
  writeFileSync(join(CONTRACTS_DIR, "out", "compiled-from.json"), compiledFromText());
  process.stdout.write(`wrote ${COMPILED_FROM_PATH}\n`);
  process.stdout.write(`compiled in ${Math.round(performance.now() - t0)} ms\n`);
}
