/**
 * A batcher stand-in for the SIGKILL test (l1TxManager.crash.test.ts): sends intents `intent-0` …
 * `intent-(N-1)` through one tx manager, all at once (the manager bounds how many are in flight),
 * and prints `started` once the manager is up, `confirmed i` per intent and `done` at the end. Killed at any point and started again with the
 * same arguments, it must land every intent on L1 exactly once.
 *
 * Usage: node --import tsx sendIntents.ts <rpcUrl> <journalDir> <count> <privateKey>
 */
import { createPublicClient, type Hex, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { createL1TxManager } from "../l1TxManager.ts";

const [url, journalDir, countArg, key] = process.argv.slice(2);
if (!url || !journalDir || !countArg || !key)
  throw new Error("usage: sendIntents <rpcUrl> <journalDir> <count> <privateKey>");

/** The calldata of intent i: a marker byte, i (u32 BE) and filler, so the test can find it on L1. */
function intentData(i: number): Hex {
  return `0x5e${i.toString(16).padStart(8, "0")}${"00ff".repeat(100)}`;
}

const manager = await createL1TxManager(
  { journalDir, numConfirmations: 2, pollIntervalMs: 30, resubmissionTimeoutMs: 1_000, maxPendingTxs: 4 },
  {
    client: createPublicClient({ transport: http(url) }),
    account: privateKeyToAccount(key as Hex),
    // Warnings to stderr, so that a failing test shows what the manager went through.
    log: {
      info: (o, msg) => process.stderr.write(`info ${msg} ${JSON.stringify(o)}\n`),
      warn: (o, msg) => process.stderr.write(`warn ${msg} ${JSON.stringify(o)}\n`),
      error: (o, msg) => process.stderr.write(`error ${msg} ${JSON.stringify(o)}\n`),
    },
  },
);
process.stdout.write("started\n");
await Promise.all(
  Array.from({ length: Number(countArg) }, async (_, i) => {
    await manager.send({
      id: `intent-${i}`,
      to: "0x00000000000000000000000000000000000face7",
      data: intentData(i),
    });
    process.stdout.write(`confirmed ${i}\n`);
  }),
);
await manager.close();
process.stdout.write("done\n");
