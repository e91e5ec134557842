/**
 * The prebuilt CLI (scripts/buildCli.mjs, bin/prebuilt.mjs) on a small tree of its own: the real
 * launcher and builder copied next to a two-module node/cli.ts, so that edits, rebuilds and stale
 * manifests never touch the checkout's own build.
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const REPO = resolve(import.meta.dirname, "..");
let root: string;

const write = (rel: string, text: string): void => {
  mkdirSync(join(root, rel, ".."), { recursive: true });
  writeFileSync(join(root, rel), text);
};
const node = (...args: string[]): string =>
  execFileSync(process.execPath, args, { cwd: root, encoding: "utf8" });
/** `flops a b`: its stdout (the test CLI exits with 3). */
const flops = (): string => {
  const r = spawnSync(process.execPath, ["bin/flops.mjs", "a", "b"], { cwd: root, encoding: "utf8" });
  expect(r.status, r.stderr).toBe(3);
  return r.stdout;
};
/** Which module bin/flops.mjs would load: the build's cli.mjs, or null (tsx and the sources). */
const fresh = (): string =>
  node("-e", 'import("./bin/prebuilt.mjs").then((m) => console.log(m.freshPrebuiltCli()))');

const CLI = (greeting: string) => `
import { type Hello, hello } from "./commands/hello.ts";
export async function runCli(args: readonly string[]): Promise<number> {
  const h: Hello = hello(${JSON.stringify(greeting)});
  process.stdout.write(\`\${h.text} \${args.join(",")} \${import.meta.filename}\\n\`);
  const more = await import("./commands/more.ts");
  process.stdout.write(\`\${more.NAME} \${more.dir}\\n\`);
  return 3;
}
`;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "flops-buildcli-"));
  mkdirSync(join(root, "node_modules"));
  // tsx (and the esbuild it brings) from the checkout; the cache is this tree's own.
  symlinkSync(join(REPO, "node_modules", "tsx"), join(root, "node_modules", "tsx"));
  for (const f of ["bin/flops.mjs", "bin/prebuilt.mjs", "scripts/buildCli.mjs", "tsconfig.json"]) {
    mkdirSync(join(root, f, ".."), { recursive: true });
    copyFileSync(join(REPO, f), join(root, f));
  }
  write("package.json", JSON.stringify({ type: "module" }));
  write("node/cli.ts", CLI("hello"));
  write(
    "node/commands/hello.ts",
    "export interface Hello { text: string }\nexport const hello = (text: string): Hello => ({ text });\n",
  );
  write("node/commands/more.ts", 'export const NAME = "more";\nexport const dir = import.meta.dirname;\n');
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("the prebuilt CLI", () => {
  it("runs the TypeScript through tsx while there is no build", () => {
    expect(fresh().trim()).toBe("null");
    expect(flops()).toBe(`hello a,b ${join(root, "node/cli.ts")}\nmore ${join(root, "node/commands")}\n`);
  });

  it("runs the build once made: same output and exit code, import.meta of the sources", () => {
    const out = node("scripts/buildCli.mjs").trim();
    expect(fresh().trim()).toBe(`file://${join(out, "node", "cli.mjs")}`);
    expect(readFileSync(join(out, "node", "cli.mjs"), "utf8")).toContain('"./commands/hello.mjs"');
    expect(flops()).toBe(`hello a,b ${join(root, "node/cli.ts")}\nmore ${join(root, "node/commands")}\n`);
  });

  it("never runs a stale build: an edited source (even lazily imported) goes back to tsx", () => {
    node("scripts/buildCli.mjs");
    write(
      "node/commands/more.ts",
      'export const NAME = "edited";\nexport const dir = import.meta.dirname;\n',
    );
    expect(fresh().trim()).toBe("null");
    expect(flops()).toContain("edited");
  });

  it("rebuilds into a new directory and reuses one whose sources are unchanged", () => {
    const first = node("scripts/buildCli.mjs").trim();
    write("node/cli.ts", CLI("hi"));
    const second = node("scripts/buildCli.mjs").trim();
    expect(second).not.toBe(first);
    expect(flops()).toContain("hi a,b");
    // Back to the first sources (new mtimes and ctimes): the first build, with a new manifest.
    write("node/cli.ts", CLI("hello"));
    expect(fresh().trim()).toBe("null");
    expect(node("scripts/buildCli.mjs").trim()).toBe(first);
    expect(fresh().trim()).not.toBe("null");
    expect(flops()).toContain("hello a,b");
  });
});
