// The `flops` CLI's prebuilt JavaScript: node/cli.ts and every module it imports, transpiled ahead
// of time (scripts/buildCli.mjs, which the test suite's globalSetup runs) so that a process starts
// without tsx's loader hooks: each module the hooks thread resolves and loads costs a round trip
// between threads, half of a start's CPU (3 of 6 s for `flops node` on a loaded 2-core box).
//
// A build runs only while it is the build of the sources on disk: the manifest records the stat of
// every file it was made from (and tsconfig.json), read before the file's contents were, and any
// write since changes a file's ctime. Otherwise (no build, an edited source, another Node)
// bin/flops.mjs loads the TypeScript through tsx as before: a fresh clone needs no build step.
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const CACHE_DIR = join(ROOT, "node_modules", ".cache", "flops-cli");
export const MANIFEST = join(CACHE_DIR, "manifest.json");
/** The layout of a build and its manifest; a change makes every older build stale. */
export const FORMAT = 1;

/** What a file's stat must still show for a build made from it to run. */
export function statStamp(path) {
  const s = statSync(path);
  return [s.size, s.mtimeMs, s.ctimeMs, s.ino];
}

/** The URL of the prebuilt node/cli.ts, or null where there is none or it is not of these sources. */
export function freshPrebuiltCli() {
  try {
    const m = JSON.parse(readFileSync(MANIFEST, "utf8"));
    if (m.format !== FORMAT || m.node !== process.version) return null;
    for (const [rel, ...stamp] of m.files) {
      const now = statStamp(join(ROOT, rel));
      if (now.some((v, i) => v !== stamp[i])) return null;
    }
    const cli = join(CACHE_DIR, m.dir, "node", "cli.mjs");
    return existsSync(cli) ? pathToFileURL(cli).href : null;
  } catch {
    // No manifest (never built), a source gone, or a manifest of another shape: not fresh.
    return null;
  }
}
