#!/usr/bin/env node
// The `flops` CLI. Sources are TypeScript run through tsx (Node 20 has no type stripping).
// A thin wrapper: node/cli.ts runs the command on this process's streams and returns the exit code.
import { register } from "tsx/esm/api";

register();
const { runCli } = await import("../node/cli.ts");
process.exitCode = await runCli(process.argv.slice(2));
