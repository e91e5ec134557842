/**
 * `flops beacon verify`: checks one drand round (scheme bls-unchained-g1-rfc9380) offline and
 * prints its randomness. Exit codes (node/cli.ts): 0 verified, 1 invalid signature, 2 usage error.
 * @module
 */
import { type Command, InvalidArgumentError } from "commander";
import {
  assertBeaconPublicKey,
  BEACON_SIGNATURE_BYTES,
  beaconRandomness,
  MAX_BEACON_ROUND,
  verifyBeaconRound,
} from "../../chain/beacon/index.ts";
import { bytesToHex, hexToBytes } from "../../chain/bytes.ts";
import { type BeaconConfig, QUICKNET } from "../../chain/params.ts";
import { CliExit, type CliIO, processIO } from "./io.ts";

/** Beacon chains selectable by name with `--chain`. */
export const BEACON_CHAIN_PRESETS: Readonly<Record<string, BeaconConfig>> = { quicknet: QUICKNET };

interface VerifyOptions {
  publicKey?: string;
  chain?: string;
  round: bigint;
  signature: string;
}

export function registerBeaconCommand(program: Command, io: CliIO = processIO()): void {
  const beacon = program.command("beacon").description("Randomness beacon (drand quicknet format) tools");

  beacon
    .command("verify")
    .description(
      "Verify a beacon round's BLS signature and print its randomness (sha256 of the signature) as 0x-hex",
    )
    .option("--public-key <hex>", "the beacon's 96-byte compressed G2 public key")
    .option(
      "--chain <name>",
      `a known beacon chain instead of --public-key (${Object.keys(BEACON_CHAIN_PRESETS).join(", ")})`,
    )
    .requiredOption("--round <n>", "round number (1 to 2^64-1)", parseRound)
    .requiredOption("--signature <hex>", `the round's ${BEACON_SIGNATURE_BYTES}-byte compressed G1 signature`)
    .addHelpText(
      "after",
      "\nExample:\n  flops beacon verify --chain quicknet --round 3 \\\n" +
        "    --signature b3fab6df720b68cc47175f2c777e86d84187caab5770906f515ff1099cb01e4deaa027075d860823e49477b93c72bd64",
    )
    .action((opts: VerifyOptions, cmd: Command) => {
      const config = resolveConfig(opts, cmd);
      let signature: Uint8Array;
      try {
        signature = hexToBytes(opts.signature.trim());
      } catch (e) {
        return usageError(cmd, `--signature is not hex: ${(e as Error).message}`);
      }
      if (signature.length !== BEACON_SIGNATURE_BYTES) {
        return invalid(
          io,
          `invalid: signature must be ${BEACON_SIGNATURE_BYTES} bytes (${BEACON_SIGNATURE_BYTES * 2} hex chars), got ${signature.length} bytes`,
        );
      }
      if (!verifyBeaconRound(config, opts.round, signature)) {
        return invalid(
          io,
          `invalid: signature does not verify for round ${opts.round} under public key ${bytesToHex(config.publicKey)}`,
        );
      }
      io.stdout.write(`${bytesToHex(beaconRandomness(signature))}\n`);
    });
}

function resolveConfig(opts: VerifyOptions, cmd: Command): BeaconConfig {
  if (opts.publicKey !== undefined && opts.chain !== undefined) {
    return usageError(cmd, "use either --public-key or --chain, not both");
  }
  if (opts.chain !== undefined) {
    const preset = BEACON_CHAIN_PRESETS[opts.chain];
    if (preset === undefined) {
      return usageError(
        cmd,
        `unknown --chain '${opts.chain}' (known: ${Object.keys(BEACON_CHAIN_PRESETS).join(", ")})`,
      );
    }
    return preset;
  }
  if (opts.publicKey === undefined) {
    return usageError(cmd, "one of --public-key <hex> or --chain <name> is required");
  }
  let publicKey: Uint8Array;
  try {
    publicKey = hexToBytes(opts.publicKey.trim());
    assertBeaconPublicKey(publicKey);
  } catch (e) {
    return usageError(cmd, `invalid --public-key: ${(e as Error).message}`);
  }
  // Only the key matters for verification; the time fields are irrelevant to `verify`.
  return { ...QUICKNET, publicKey };
}

function parseRound(value: string): bigint {
  if (!/^[0-9]+$/.test(value.trim())) throw new InvalidArgumentError("expected a decimal round number");
  const round = BigInt(value.trim());
  if (round < 1n || round > MAX_BEACON_ROUND)
    throw new InvalidArgumentError("round must be between 1 and 2^64-1");
  return round;
}

function invalid(io: CliIO, message: string): never {
  io.stderr.write(`${message}\n`);
  throw new CliExit(1);
}

/** Prints `error: message` and exits through commander (exit code 2 via node/cli.ts). */
function usageError(cmd: Command, message: string): never {
  cmd.error(`error: ${message}`, { exitCode: 2, code: "flops.usageError" });
}
