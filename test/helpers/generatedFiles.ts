/**
 * Every file in the repository that is generated from another, with the code that generates it:
 * `npm run gen` (scripts/gen.ts) writes them all, and test/generated.test.ts fails when one on
 * disk differs from what its generator makes now. This list is the only regeneration path: add a
 * generated file here (one entry: path, source, generator), not a script or a check of its own.
 * @module
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import wabtInit from "wabt";
import { sha256ShortWat } from "../../chain/commitment/sha256ShortWat.ts";
import { sha256BatchWat } from "../../chain/smt/sha256BatchWat.ts";
import { FLOPS_PROTO } from "../../chain/wire/schema.ts";
import {
  artifactText,
  COMPILED_FROM_PATH,
  CONTRACT_NAMES,
  compiledFromText,
  compiledFromVouches,
} from "../../contracts/compile.ts";
import { tileSha256Wat } from "../../prover/tileSha256Wat.ts";
import { buildBlsVectors } from "../vectors/generateBls.ts";
import { buildChannelVectors } from "../vectors/generateChannel.ts";
import { buildFraudVectors } from "../vectors/generateFraud.ts";
import { buildL1Vectors } from "../vectors/generateL1.ts";
import { buildWireVectors } from "../vectors/generateWire.ts";

export const REPO_ROOT = resolve(import.meta.dirname, "../..");

/** The command that rewrites every generated file. */
export const GEN_COMMAND = "npm run gen";

export interface GeneratedFile {
  /** Path from the repository root. */
  path: string;
  /** What it is generated from (for messages and review). */
  from: string;
  /** The file's exact contents as its generator makes them now. */
  generate(): Promise<string>;
  /**
   * For a generator too slow to run on every check (solc: ~20 s on the CI machine): true only when
   * a committed record proves the file on disk is what `generate` makes now, so the check may
   * skip it. False sends the check to `generate`.
   */
  vouched?(): boolean;
}

export const GENERATED_FILES: readonly GeneratedFile[] = [
  {
    path: "chain/wire/flops.proto",
    from: "FLOPS_PROTO in chain/wire/schema.ts",
    generate: async () => FLOPS_PROTO,
  },
  {
    path: "test/vectors/wire.json",
    from: "test/vectors/wireCases.ts through the chain/wire codecs (test/vectors/generateWire.ts)",
    generate: async () => `${JSON.stringify(buildWireVectors(), null, 2)}\n`,
  },
  {
    path: "test/vectors/channel.json",
    from: "test/vectors/generateChannel.ts through chain/derive and chain/wire",
    generate: async () => `${JSON.stringify(buildChannelVectors(), null, 2)}\n`,
  },
  {
    path: "prover/engine/matmulWasm.ts",
    from: "prover/engine/matmul.wat",
    generate: async () =>
      wasmConstSource(
        "MATMUL_WASM_BASE64",
        "prover/engine/matmul.wat",
        await assembleWat(readFileSync(resolve(REPO_ROOT, "prover/engine/matmul.wat"), "utf8")),
      ),
  },
  {
    path: "chain/smt/sha256BatchWasm.ts",
    from: "chain/smt/sha256BatchWat.ts",
    generate: async () =>
      wasmConstSource(
        "SHA256_BATCH_WASM_BASE64",
        "chain/smt/sha256BatchWat.ts",
        await assembleWat(sha256BatchWat()),
      ),
  },
  {
    path: "chain/commitment/sha256ShortWasm.ts",
    from: "chain/commitment/sha256ShortWat.ts",
    generate: async () =>
      wasmConstSource(
        "SHA256_SHORT_WASM_BASE64",
        "chain/commitment/sha256ShortWat.ts",
        await assembleWat(sha256ShortWat()),
      ),
  },
  {
    path: "prover/tileSha256Wasm.ts",
    from: "prover/tileSha256Wat.ts",
    generate: async () =>
      wasmConstSource(
        "TILE_SHA256_WASM_BASE64",
        "prover/tileSha256Wat.ts",
        await assembleWat(tileSha256Wat()),
      ),
  },
  ...CONTRACT_NAMES.map((name) => ({
    path: `contracts/out/${name}.json`,
    from: "contracts/src compiled by solc-js (contracts/compile.ts)",
    generate: async () => artifactText(name),
    vouched: compiledFromVouches,
  })),
  {
    path: COMPILED_FROM_PATH,
    from: "the digest of contracts/compile.ts's inputs and its artifacts' hashes (contracts/compile.ts)",
    generate: async () => compiledFromText(),
    vouched: compiledFromVouches,
  },
  {
    path: "test/vectors/l1Vectors.json",
    from: "test/vectors/generateL1.ts through chain/commitment and chain/smt",
    generate: async () => `${JSON.stringify(buildL1Vectors(), null, 2)}\n`,
  },
  {
    path: "test/vectors/fraudVectors.json",
    from: "test/vectors/generateFraud.ts through chain/proof, chain/beacon and bridge/challenger",
    generate: async () => `${JSON.stringify(buildFraudVectors(), null, 2)}\n`,
  },
  {
    path: "test/vectors/blsVectors.json",
    from: "test/vectors/generateBls.ts through bridge/operators/bn254Bls.ts",
    generate: async () => `${JSON.stringify(buildBlsVectors(), null, 2)}\n`,
  },
];

/** Whether the file on disk holds exactly `text` (false when it is missing). */
export function isUpToDate(file: GeneratedFile, text: string): boolean {
  let have: Buffer;
  try {
    have = readFileSync(resolve(REPO_ROOT, file.path));
  } catch {
    return false;
  }
  return have.equals(Buffer.from(text, "utf8"));
}

/**
 * WebAssembly text assembled by wabt (SIMD on, validated, no debug names: deterministic bytes).
 * wabt is a build-time tool: the runtime loads the committed bytes and never needs it.
 */
async function assembleWat(text: string): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const mod = wabt.parseWat("module.wat", text, { simd: true });
  try {
    mod.validate();
    return new Uint8Array(mod.toBinary({ write_debug_names: false }).buffer);
  } finally {
    mod.destroy();
  }
}

/** A TypeScript module exporting `bytes` as one base64 string constant, 100 characters a line. */
function wasmConstSource(name: string, from: string, bytes: Uint8Array): string {
  const lines =
    Buffer.from(bytes)
      .toString("base64")
      .match(/.{1,100}/g) ?? [];
  return (
    `// GENERATED by \`${GEN_COMMAND}\` from ${from}; do not edit.\n` +
    `export const ${name} =\n${lines.map((l) => `  "${l}"`).join(" +\n")};\n`
  );
}
