/**
 * `flops genesis`: writes a genesis document for a new chain (the file `flops node --genesis`
 * reads) and prints its hash, the value L1 contracts pin.
 *
 * - Default: a production genesis (PROTOCOL §5): the quicknet beacon, the production tiers only,
 *   1 h epochs, and the chain id given with --chain-id (required: a chain id of its own, never one
 *   of the devnet range, so txs signed elsewhere do not replay on it).
 * - `--dev`: a devnet genesis: a local beacon with a fresh key, the devnet and test tiers, 30 s
 *   epochs, and a chain id of its own in the devnet range.
 * - A local beacon's secret key goes to a file of its own (mode 0600), and the command warns on
 *   stderr: whoever holds that key knows every future round (SECURITY.md §8).
 * The document is validated (genesisValidate.ts) before anything is written.
 * @module
 */
import { existsSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import { createLocalBeacon } from "../../chain/beacon/index.ts";
import { bytesToHex } from "../../chain/bytes.ts";
import { type GenesisDoc, genesisHash, genesisToJson } from "../../chain/genesisDoc.ts";
import { validateGenesis } from "../../chain/genesisValidate.ts";
import { productionParams, QUICKNET } from "../../chain/params.ts";
import { declareOptions, opt, usageError } from "../config.ts";
import { newBeaconSecretKey, writeBeaconKeyFile } from "../devBeaconKey.ts";
import { DEV_CHAIN_ID_MAX, DEV_CHAIN_ID_MIN, devGenesis, isDevChainId } from "../devnet.ts";
import { type CliIO, processIO } from "./io.ts";

/** Epoch lengths (PROTOCOL §4): production 1 h, devnet 30 s. */
const EPOCH_SECONDS = { production: 3600, dev: 30 } as const;

/** The loud warning printed whenever a genesis with a local beacon is written. */
export function devBeaconWarning(keyFile: string, dev: boolean): string {
  const lines = [
    "this genesis uses a LOCAL DEV BEACON, not the drand quicknet beacon.",
    `Whoever holds its secret key, written to ${keyFile},`,
    "can compute every future round, and so every challenge's seed and sample positions:",
    "its compute proofs prove nothing to anyone else.",
    ...(dev ? ["Its tiers include the test tiers (tiny, small), which prove almost no work."] : []),
    "Use it for devnets and tests only; a production genesis uses the quicknet beacon (the default).",
  ];
  const bar = `WARNING: ${"!".repeat(70)}`;
  return `${[bar, ...lines.map((l) => `WARNING: ${l}`), bar].join("\n")}\n`;
}

export function registerGenesisCommand(program: Command, io: CliIO = processIO()): void {
  const cmd = program
    .command("genesis")
    .description("write a genesis document for a new chain and print its hash");
  const readConfig = declareOptions(cmd, {
    "chain-id": opt.positiveInt({
      description: "L2 chain id: required unless --dev (a devnet gets a fresh one in the devnet range)",
    }),
    dev: opt.bool({
      default: false,
      description:
        "a devnet genesis: local beacon with a fresh key, devnet and test tiers, 30 s epochs (never for production)",
    }),
    beacon: opt.oneOf({
      choices: ["quicknet", "dev"] as const,
      description:
        "randomness beacon: League of Entropy quicknet (default), or a local dev beacon with a fresh key (default with --dev)",
    }),
    "epoch-seconds": opt.positiveInt({ description: "epoch length (default 3600; 30 with --dev)" }),
    out: opt.path({ description: "file to write (default: stdout)" }),
    "beacon-key-out": opt.path({
      description: "where a dev beacon's secret key is written (default: <out>.beacon.key)",
    }),
  });
  cmd.action(() => {
    const cfg = readConfig();
    const dev = cfg.dev;
    const beacon = cfg.beacon ?? (dev ? "dev" : "quicknet");
    if (dev && beacon !== "dev") throw usageError(cmd, "--dev always uses a local beacon with a fresh key");
    const chainIdArg = cfg["chain-id"] === undefined ? undefined : BigInt(cfg["chain-id"]);
    if (!dev && chainIdArg === undefined) {
      throw usageError(
        cmd,
        "--chain-id is required: a new chain needs a chain id of its own (or use --dev for a devnet genesis)",
      );
    }
    if (!dev && chainIdArg !== undefined && isDevChainId(chainIdArg)) {
      throw usageError(
        cmd,
        `--chain-id ${chainIdArg} is in the devnet range [${DEV_CHAIN_ID_MIN}, ${DEV_CHAIN_ID_MAX}]: choose another, or use --dev`,
      );
    }
    const keyFile =
      beacon === "dev" ? (cfg["beacon-key-out"] ?? (cfg.out && `${cfg.out}.beacon.key`)) : undefined;
    if (beacon === "dev" && !keyFile)
      throw usageError(cmd, "a dev beacon needs --out or --beacon-key-out (where to write its secret key)");
    for (const f of [cfg.out, keyFile]) {
      if (f && existsSync(f)) throw new Error(`${f} already exists (refusing to overwrite it)`);
    }

    const now = BigInt(Date.now());
    const epochSeconds = cfg["epoch-seconds"] ?? (dev ? EPOCH_SECONDS.dev : EPOCH_SECONDS.production);
    const key = beacon === "dev" ? newBeaconSecretKey() : undefined;
    let doc: GenesisDoc;
    if (dev) {
      doc = devGenesis({
        now,
        epochSeconds,
        beaconKey: key!,
        ...(chainIdArg === undefined ? {} : { chainId: chainIdArg }),
      });
    } else {
      const beaconConfig = key
        ? createLocalBeacon(key, { genesisTime: now / 1000n - 1n, periodSeconds: 1n }).config
        : QUICKNET;
      doc = {
        params: productionParams(beaconConfig, chainIdArg!, { epochMs: BigInt(epochSeconds) * 1000n }),
        timestamp: now,
        alloc: [],
      };
    }
    validateGenesis(doc);

    const text = `${genesisToJson(doc)}\n`;
    if (key && keyFile) {
      writeBeaconKeyFile(keyFile, key);
      io.stderr.write(devBeaconWarning(keyFile, dev));
    }
    if (cfg.out) {
      writeFileSync(cfg.out, text, { flag: "wx" });
      io.stderr.write(`wrote ${cfg.out}\n`);
    } else io.stdout.write(text);
    io.stderr.write(`chain id ${doc.params.l2ChainId}\n`);
    io.stderr.write(`genesis hash ${bytesToHex(genesisHash(doc))}\n`);
  });
}
