/**
 * `flops genesis`: writes a genesis document for a new chain (the file `flops node --genesis`
 * reads) and prints its hash, the value L1 contracts pin.
 * @module
 */
import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { bytesToHex } from "../../chain/bytes.ts";
import { type GenesisDoc, genesisHash, genesisToJson } from "../../chain/genesisDoc.ts";
import { defaultParams, QUICKNET } from "../../chain/params.ts";
import { declareOptions, opt } from "../config.ts";
import { devGenesis } from "../devnet.ts";

export function registerGenesisCommand(program: Command): void {
  const cmd = program
    .command("genesis")
    .description("write a genesis document for a new chain and print its hash");
  const readConfig = declareOptions(cmd, {
    beacon: opt.oneOf({
      choices: ["quicknet", "dev"] as const,
      default: "quicknet",
      description: "randomness beacon: League of Entropy quicknet (drand relays), or the local dev beacon",
    }),
    "chain-id": opt.positiveInt({ description: "L2 chain id (default 987317)" }),
    "epoch-seconds": opt.positiveInt({ default: 3600, description: "epoch length" }),
    out: opt.path({ description: "file to write (default: stdout)" }),
  });
  cmd.action(() => {
    const cfg = readConfig();
    const now = BigInt(Date.now());
    const base: GenesisDoc =
      cfg.beacon === "dev"
        ? devGenesis({ now, epochSeconds: cfg["epoch-seconds"] })
        : {
            params: defaultParams(QUICKNET, { epochMs: BigInt(cfg["epoch-seconds"]) * 1000n }),
            timestamp: now,
            alloc: [],
          };
    const doc: GenesisDoc =
      cfg["chain-id"] === undefined
        ? base
        : { ...base, params: { ...base.params, l2ChainId: BigInt(cfg["chain-id"]) } };
    const text = `${genesisToJson(doc)}\n`;
    if (cfg.out) {
      writeFileSync(cfg.out, text, { flag: "wx" });
      process.stderr.write(`wrote ${cfg.out}\n`);
    } else process.stdout.write(text);
    process.stderr.write(`genesis hash ${bytesToHex(genesisHash(doc))}\n`);
  });
}
