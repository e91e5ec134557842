/**
 * `flops demo`: placeholder so node/cli.ts compiles; the demo command is registered here later.
 * @module
 */
import type { Command } from "commander";

export function registerDemoCommand(_program: Command): void {
  // Intentionally empty until the demo command lands.
}
