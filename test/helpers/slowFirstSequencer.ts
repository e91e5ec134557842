/**
 * The order test files start in (vitest.config.ts `sequence.sequencer`). vitest runs the longest
 * files first when its cache knows their durations (node_modules/.vite/vitest), and the largest
 * files first when it does not: on a fresh clone, as in CI. File size says little about time:
 * the slowest files are small ones that start processes and wait on them (contracts/forge.test.ts,
 * 3 KB, ~20 s, ran 97th of 131; test/generated.test.ts, 0.8 KB, ran 126th), and one of them
 * started last keeps one worker busy while the other idles. Without durations, files are ranked
 * by what their source does: those that start processes (the real CLI, Anvil, forge, a
 * generator, a browser), then those that start a node or an L1 in process or run property tests, then the
 * rest; by size within a rank.
 */
import { readFileSync, statSync } from "node:fs";
import { relative } from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

const STARTS_PROCESSES =
  /helpers\/(nodeProcess|cli|anvil|generatedFiles)\.ts|\b(spawn|spawnSync|execFile)\b|"playwright-core"/;
const STARTS_NODE = /\b(startNode|createNode|createEmbeddedL1|fc\.assert)\b/;

function rank(file: string): number {
  let src: string;
  try {
    src = readFileSync(file, "utf8");
  } catch {
    return 2;
  }
  if (STARTS_PROCESSES.test(src)) return 0;
  return STARTS_NODE.test(src) ? 1 : 2;
}

export default class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const cache = this.ctx.cache;
    const root = this.ctx.config.root;
    const known = (f: TestSpecification) =>
      cache.getFileTestResults(`${f.project.name}:${relative(root, f.moduleId)}`) !== undefined;
    // Durations known for every file: vitest's longest-first order is the better one.
    if (sorted.every(known)) return sorted;
    const key = new Map(sorted.map((f) => [f, { rank: rank(f.moduleId), size: statSync(f.moduleId).size }]));
    return [...sorted].sort((a, b) => {
      const ka = key.get(a)!;
      const kb = key.get(b)!;
      return ka.rank - kb.rank || kb.size - ka.size;
    });
  }
}
