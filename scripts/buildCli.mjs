// Builds the `flops` CLI's prebuilt JavaScript (bin/prebuilt.mjs says when it runs): node/cli.ts and
// the modules it imports, each transpiled alone as tsx would when loading it, into
// node_modules/.cache/flops-cli/<key>/ with the same tree, `.ts` imports pointing at `.mjs`.
// vitest's globalSetup (vitest.config.ts): the suite spawns dozens of `flops` processes.
//
// - The key hashes the sources' contents (and tsconfig.json, this file, Node's and esbuild's
//   versions): an unchanged tree reuses its build, and only the manifest's stats are rewritten.
// - A build directory is complete once renamed into place, the manifest is replaced by a rename:
//   a process that starts meanwhile sees the old build or the new one, never half of one.
// - A process reads its build only while it starts (its command module is the last import of a
//   local file), so a build that stopped being current more than RETIRED_MS ago is deleted.
// - `import.meta.url`/`dirname`/`filename` are the source file's (contracts/out, the worker .mjs
//   files and the explorer's static files are found next to the sources); other relative imports
//   point at the source files; packages resolve from node_modules above the cache as from the tree.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { setTimeout } from "node:timers/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import { CACHE_DIR, FORMAT, MANIFEST, ROOT, statStamp } from "../bin/prebuilt.mjs";

const ENTRY = join(ROOT, "node", "cli.ts");
const TSCONFIG = join(ROOT, "tsconfig.json");
const RETIRED_MS = 10 * 60_000;
/** More than a file timestamp's clock tick (the kernel's coarse clock: 1 to 10 ms). */
const RACY_MS = 20;

// tsx's own esbuild (no dependency of the project's own): the transform tsx applies on load.
const esbuild = createRequire(createRequire(import.meta.url).resolve("tsx"))("esbuild");

/**
 * vitest's globalSetup. A build that fails (a source edited while it ran) fails no test: the spawned
 * processes load the TypeScript through tsx, as without a build.
 */
export default async function setup() {
  try {
    await buildCli();
  } catch (e) {
    process.stderr.write(`scripts/buildCli.mjs: no prebuilt CLI (${e instanceof Error ? e.message : e})\n`);
  }
}

/** Builds (or reuses) the prebuilt CLI for the sources on disk; resolves with its directory. */
async function buildCli() {
  const files = [...(await closure()), TSCONFIG];
  // Each file's stat before its contents: a write after the stat makes the build stale, not wrong.
  const sources = new Map();
  for (const file of files) {
    let stamp = statStamp(file);
    // Racy stamps (as git's index): a write in the clock tick of the last one could leave the stat
    // as it is, so a file changed that recently is stamped once the tick has passed.
    while (Date.now() - stamp[2] < RACY_MS) {
      await setTimeout(RACY_MS);
      stamp = statStamp(file);
    }
    sources.set(file, { stamp, text: readFileSync(file, "utf8") });
  }
  const key = createHash("sha256").update(JSON.stringify([FORMAT, process.version, esbuild.version]));
  key.update(readFileSync(fileURLToPath(import.meta.url)));
  for (const [file, { text }] of sources) key.update(`\0${relative(ROOT, file)}\0${text}`);
  const dir = key.digest("hex").slice(0, 16);
  const out = join(CACHE_DIR, dir);

  if (!isDir(out)) {
    const tmp = `${out}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    await transpile(sources, tmp);
    try {
      renameSync(tmp, out);
    } catch (e) {
      // Another run built the same key meanwhile: same inputs, same output.
      rmSync(tmp, { recursive: true, force: true });
      if (!isDir(out)) throw e;
    }
  }
  // A build's mtime is when it last became current or stopped being so (removeRetired's clock).
  const now = new Date();
  utimesSync(out, now, now);
  const previous = readManifestDir();
  const manifest = {
    format: FORMAT,
    node: process.version,
    dir,
    files: [...sources].map(([file, { stamp }]) => [relative(ROOT, file), ...stamp]),
  };
  const tmpManifest = `${MANIFEST}.tmp-${process.pid}`;
  writeFileSync(tmpManifest, JSON.stringify(manifest));
  renameSync(tmpManifest, MANIFEST);
  // Its retirement starts now, whatever its age: a process may have just read the old manifest.
  if (previous !== undefined && previous !== dir) {
    try {
      utimesSync(join(CACHE_DIR, previous), now, now);
    } catch {
      // Already removed (by another run): nothing to keep.
    }
  }
  removeRetired(dir);
  return out;
}

/** node/cli.ts and every local module it imports, statically or not (absolute paths). */
async function closure() {
  const r = await esbuild.build({
    entryPoints: [ENTRY],
    absWorkingDir: ROOT,
    bundle: true,
    packages: "external",
    write: false,
    metafile: true,
    platform: "node",
    format: "esm",
    outdir: CACHE_DIR,
    logLevel: "silent",
  });
  const inputs = Object.keys(r.metafile.inputs).map((p) => resolve(ROOT, p));
  const notTs = inputs.filter((p) => !p.endsWith(".ts"));
  // A JSON or JS module in the tree would need its own handling (import attributes, a copy).
  if (notTs.length > 0) throw new Error(`buildCli: only TypeScript is transpiled, not ${notTs.join(", ")}`);
  return inputs;
}

/** One output module per source, transpiled from the text in `sources`, into `outdir`. */
async function transpile(sources, outdir) {
  const outOf = (src) => join(outdir, relative(ROOT, src)).replace(/\.ts$/, ".mjs");
  const tsOptions = {
    // As tsx: the target is this Node, names kept, and the project's tsconfig (verbatimModuleSyntax).
    loader: "ts",
    format: "esm",
    target: `node${process.versions.node}`,
    keepNames: true,
    tsconfigRaw: sources.get(TSCONFIG).text,
    // Chained into the build's linked maps: `node --enable-source-maps` shows the TypeScript lines.
    sourcemap: "inline",
  };
  const plugin = {
    name: "flops-per-file",
    setup(build) {
      build.onResolve({ filter: /.*/ }, (a) => {
        if (a.kind === "entry-point") return undefined;
        if (!a.path.startsWith(".")) return { path: a.path, external: true };
        const target = resolve(a.resolveDir, a.path);
        if (!target.endsWith(".ts")) return { path: pathToFileURL(target).href, external: true };
        if (!sources.has(target))
          throw new Error(`${target} was not in the import closure (edited meanwhile?)`);
        const rel = relative(dirname(outOf(a.importer)), outOf(target));
        return { path: rel.startsWith(".") ? rel : `./${rel}`, external: true };
      });
      build.onLoad({ filter: /\.ts$/ }, async (a) => {
        const source = sources.get(a.path);
        if (source === undefined) throw new Error(`${a.path} was not in the import closure`);
        const url = pathToFileURL(a.path).href;
        const define = {
          "import.meta.url": JSON.stringify(url),
          "import.meta.dirname": JSON.stringify(dirname(a.path)),
          "import.meta.filename": JSON.stringify(a.path),
        };
        const r = await esbuild.transform(source.text, { ...tsOptions, sourcefile: a.path, define });
        return { contents: r.code, loader: "js" };
      });
    },
  };
  await esbuild.build({
    entryPoints: [...sources.keys()].filter((f) => f !== TSCONFIG),
    outdir,
    outbase: ROOT,
    outExtension: { ".js": ".mjs" },
    // Every import is external (the plugin): "bundling" one module only rewrites its specifiers.
    bundle: true,
    platform: "node",
    format: "esm",
    target: `node${process.versions.node}`,
    tsconfigRaw: "{}",
    sourcemap: "linked",
    plugins: [plugin],
    logLevel: "error",
  });
}

function readManifestDir() {
  try {
    return JSON.parse(readFileSync(MANIFEST, "utf8")).dir;
  } catch {
    return undefined;
  }
}

function isDir(path) {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Deletes the builds (and abandoned temporary ones) other than `current` retired long enough. */
function removeRetired(current) {
  for (const name of readdirSync(CACHE_DIR)) {
    const path = join(CACHE_DIR, name);
    if (name === current || path === MANIFEST) continue;
    try {
      if (Date.now() - statSync(path).mtimeMs > RETIRED_MS) rmSync(path, { recursive: true, force: true });
    } catch {
      // Removed by another run meanwhile.
    }
  }
}

// `node scripts/buildCli.mjs`: the same build by hand (before `npm start`, say).
if (process.argv[1] === fileURLToPath(import.meta.url)) process.stdout.write(`${await buildCli()}\n`);
