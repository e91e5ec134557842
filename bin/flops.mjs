#!/usr/bin/env -S node --max-semi-space-size=64
// The `flops` CLI. Sources are TypeScript: run from their prebuilt JavaScript where it is of the
// sources on disk (bin/prebuilt.mjs), else through tsx (Node 20 has no type stripping).
// A thin wrapper: node/cli.ts runs the command on this process's streams and returns the exit code.
import { freshPrebuiltCli } from "./prebuilt.mjs";

const prebuilt = freshPrebuiltCli();
if (prebuilt === null) (await import("tsx/esm/api")).register();
// Spawned with an IPC channel (`flops devnet` starts its verifier and provers so): stop gracefully when the
// parent goes, even a SIGKILLed one, so no orphan keeps the datadir's lock and the port. unref():
// the channel alone keeps no process alive.
if (process.send) {
  process.channel?.unref();
  process.once("disconnect", () => process.kill(process.pid, "SIGTERM"));
}
// `flops … | head`: the reader left. The rest of the output has nowhere to go; an unhandled
// stream 'error' would crash with a stack trace instead.
for (const stream of [process.stdout, process.stderr])
  stream.on("error", (e) => {
    if (e.code !== "EPIPE") throw e;
  });
const { runCli } = await import(prebuilt ?? "../node/cli.ts");
process.exitCode = await runCli(process.argv.slice(2));
