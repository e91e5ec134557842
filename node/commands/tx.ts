/**
 * `flops tx force --raw HEX | --file FILE`: sends a signed L2 tx through L1
 * (`Portal.forceTransaction(signedTx)`, PROTOCOL §5 D7): derivation includes it in the first L2
 * block whose L1 origin is at or after its L1 block, whatever the sequencer does. The tx is
 * decoded (canonical bytes, a recoverable sender) before anything is sent, so a malformed one is
 * refused here rather than paid for and skipped by derivation. The L1 key pays gas; the tx's own
 * signature decides its L2 sender. Exit codes: 0 sent, 1 runtime failure or revert, 2 usage error.
 * @module
 */
import { readFileSync, statSync } from "node:fs";
import type { Command } from "commander";
import { parseEventLogs } from "viem";
import { PORTAL_ABI } from "../../bridge/withdrawals/bridgeAbi.ts";
import { bytesToHex, hexToBytes } from "../../chain/bytes.ts";
import { DecodeError } from "../../chain/errors.ts";
import { recoverSender } from "../../chain/tx/index.ts";
import { decodeSignedTx } from "../../chain/wire/index.ts";
import { declareOptions, opt, usageError } from "../config.ts";
import { type CliIO, processIO } from "./io.ts";
import { L1_CLI_OPTIONS, openL1, SIGNER_OPTIONS, sendL1Call, unlockL1Signer } from "./l1Send.ts";
import { formatAddress } from "./status.ts";

/** Larger than any chain's maxTxBytes could usefully be; the Portal enforces the chain's own. */
const MAX_RAW_TX_BYTES = 1024 * 1024;
const HEX_RE = /^0x(?:[0-9a-fA-F]{2})+$/;

/** The raw tx from `--raw` or `--file` (hex text, or the bytes themselves). */
function readRaw(cmd: Command, raw: string | undefined, file: string | undefined): Uint8Array {
  if ((raw === undefined) === (file === undefined))
    throw usageError(cmd, "give exactly one of --raw or --file");
  let text: string;
  if (raw !== undefined) text = raw;
  else {
    if (statSync(file!).size > 2 * MAX_RAW_TX_BYTES + 4)
      throw new Error(`${file} is larger than a signed tx can be`);
    const bytes = readFileSync(file!);
    const asText = bytes.toString("utf8").trim();
    if (!asText.startsWith("0x")) return new Uint8Array(bytes);
    text = asText;
  }
  if (!HEX_RE.test(text)) throw usageError(cmd, "the signed tx must be 0x-hex bytes");
  const bytes = hexToBytes(text);
  if (bytes.length > MAX_RAW_TX_BYTES)
    throw usageError(cmd, `the signed tx is over ${MAX_RAW_TX_BYTES} bytes`);
  return bytes;
}

export function registerTxCommand(program: Command, io: CliIO = processIO()): void {
  const tx = program.command("tx").description("Send L2 transactions by other routes");
  const force = tx
    .command("force")
    .description(
      "Force a signed L2 tx through L1 (Portal.forceTransaction): included even if the sequencer ignores it",
    )
    .option("--json", "print one JSON object");
  const readForce = declareOptions(force, {
    ...L1_CLI_OPTIONS,
    ...SIGNER_OPTIONS,
    raw: opt.string({ description: "the signed tx, 0x-hex", valueName: "<hex>" }),
    file: opt.path({
      description: "a file holding the signed tx (0x-hex text or raw bytes)",
      valueName: "<file>",
    }),
  });
  force.action(async (flags: { json?: boolean }) => {
    const cfg = readForce();
    const raw = readRaw(force, cfg.raw, cfg.file);
    let sender: Uint8Array;
    try {
      const decoded = decodeSignedTx(raw);
      const r = recoverSender(decoded);
      if (!r.ok) throw new Error(`its signature recovers no sender (${r.error})`);
      sender = r.value;
    } catch (e) {
      const why = e instanceof DecodeError ? `not a canonical signed tx: ${e.message}` : (e as Error).message;
      throw new Error(`refusing to force this tx: ${why}`);
    }
    const l1 = await openL1(cfg);
    const receipt = await sendL1Call(l1, await unlockL1Signer(l1, cfg, io), {
      label: "Portal.forceTransaction",
      address: l1.deployment.contracts.Portal,
      abi: PORTAL_ABI,
      functionName: "forceTransaction",
      args: [bytesToHex(raw)],
    });
    const [event] = parseEventLogs({ abi: PORTAL_ABI, eventName: "TransactionForced", logs: receipt.logs });
    const index = event?.args.forcedTxIndex;
    if (flags.json === true) {
      io.stdout.write(
        `${JSON.stringify({
          forcedTxIndex: index?.toString() ?? null,
          l2Sender: formatAddress(sender),
          l1Tx: receipt.transactionHash,
          l1Block: receipt.blockNumber.toString(),
        })}\n`,
      );
      return;
    }
    io.stdout.write(
      `forced tx #${index} from ${formatAddress(sender)}: L1 tx ${receipt.transactionHash} (block ${receipt.blockNumber}); it lands in the first L2 block whose L1 origin is at or after it\n`,
    );
  });
}
