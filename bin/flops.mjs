#!/usr/bin/env node
// The `flops` CLI. Sources are TypeScript run through tsx (Node 20 has no type stripping).
import { register } from "tsx/esm/api";

register();
const { main } = await import("../node/cli.ts");
await main(process.argv);
