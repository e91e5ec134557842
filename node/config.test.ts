import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Command, CommanderError } from "commander";
import { afterAll, afterEach, beforeAll, describe, expect, expectTypeOf, it, vi } from "vitest";
import { resolveLimits } from "../api/jsonRpc/plugin.ts";
import {
  type Config,
  ConfigError,
  declareOptions,
  envName,
  type LoadedConfig,
  METRICS_OPTIONS,
  opt,
  rateLimitFromConfig,
  readConfigFile,
  resolveConfig,
} from "./config.ts";

const SPECS = {
  "rpc.port": opt.port({ default: 8545, description: "JSON-RPC port" }),
  "rpc.addr": opt.host({ default: "127.0.0.1", description: "JSON-RPC address" }),
  "log.level": opt.oneOf({ choices: ["debug", "info", "warn"], default: "info", description: "level" }),
  "data-dir": opt.path({ default: "~/.flops", description: "data folder" }),
  "l1.rpc": opt.url({ description: "L1 RPC URL" }),
  workers: opt.positiveInt({ default: 2, description: "worker threads" }),
  "batch.max-bytes": opt.int({ min: 100, max: 1000, default: 500, description: "max batch bytes" }),
  "node.name": opt.string({ description: "node name" }),
  "scrypt-n": opt.int({
    default: 1024,
    min: 2,
    max: 2 ** 20,
    check: (n) => ((n & (n - 1)) === 0 ? undefined : "a power of two"),
    description: "scrypt n",
  }),
  ...METRICS_OPTIONS,
};
/** Options of a sibling command, for the shared-config-file rule. */
const OTHER = { "prover.threads": opt.positiveInt({ default: 1, description: "prover threads" }) };

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "flops-config-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.unstubAllEnvs());

function writeConfig(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

interface Run {
  loaded?: LoadedConfig<typeof SPECS>;
  error?: unknown;
  stderr: string;
}

/** Parses argv through a real commander program ("flops start" + a sibling "flops prover"). */
function run(argv: string[]): Run {
  let stderr = "";
  const program = new Command("flops")
    .exitOverride()
    .configureOutput({ writeErr: (s) => (stderr += s), writeOut: () => {} });
  const start = program.command("start");
  const read = declareOptions(start, SPECS);
  const prover = program.command("prover");
  declareOptions(prover, OTHER);
  prover.action(() => {});
  const out: Run = { stderr: "" };
  start.action(() => {
    out.loaded = read.withSources();
  });
  try {
    program.parse(["start", ...argv], { from: "user" });
  } catch (e) {
    out.error = e;
  }
  out.stderr = stderr;
  return out;
}

function ok(argv: string[]): LoadedConfig<typeof SPECS> {
  const r = run(argv);
  if (r.error) throw r.error;
  return r.loaded!;
}

/** Runs and expects a usage error (exit code 2) whose message matches. */
function usage(argv: string[], message: RegExp): void {
  const r = run(argv);
  expect(r.error).toBeInstanceOf(CommanderError);
  expect((r.error as CommanderError).exitCode).toBe(2);
  expect((r.error as CommanderError).message).toMatch(message);
  expect(r.stderr).toMatch(message);
}

describe("precedence: default < file < env < cli", () => {
  it("uses the defaults when nothing is set", () => {
    const { config, sources, file } = ok([]);
    expect(config["rpc.port"]).toBe(8545);
    expect(config["rpc.addr"]).toBe("127.0.0.1");
    expect(config["log.level"]).toBe("info");
    expect(config["data-dir"]).toBe(join(homedir(), ".flops"));
    expect(config["l1.rpc"]).toBeUndefined();
    expect(config["metrics.enabled"]).toBe(false);
    expect(sources["rpc.port"]).toBe("default");
    expect(file).toBeUndefined();
  });

  it("file beats default (nested and dotted keys)", () => {
    const path = writeConfig("nested.json", {
      rpc: { port: 9000 },
      "log.level": "debug",
      metrics: { enabled: true },
    });
    const { config, sources, file } = ok(["--config", path]);
    expect(config["rpc.port"]).toBe(9000);
    expect(config["log.level"]).toBe("debug");
    expect(config["metrics.enabled"]).toBe(true);
    expect(config["rpc.addr"]).toBe("127.0.0.1");
    expect(sources).toMatchObject({ "rpc.port": "file", "log.level": "file", "rpc.addr": "default" });
    expect(file).toBe(path);
  });

  it("env beats file", () => {
    const path = writeConfig("env.json", { rpc: { port: 9000 }, workers: 3 });
    vi.stubEnv("FLOPS_RPC_PORT", "9100");
    const { config, sources } = ok(["--config", path]);
    expect(config["rpc.port"]).toBe(9100);
    expect(sources["rpc.port"]).toBe("env");
    expect(config.workers).toBe(3);
  });

  it("cli beats env and file", () => {
    const path = writeConfig("cli.json", { rpc: { port: 9000 } });
    vi.stubEnv("FLOPS_RPC_PORT", "9100");
    const { config, sources } = ok(["--config", path, "--rpc.port", "9200"]);
    expect(config["rpc.port"]).toBe(9200);
    expect(sources["rpc.port"]).toBe("cli");
  });

  it("FLOPS_CONFIG names the file", () => {
    const path = writeConfig("byenv.json", { workers: 7 });
    vi.stubEnv("FLOPS_CONFIG", path);
    expect(ok([]).config.workers).toBe(7);
  });

  it("booleans: bare flag, explicit value, env words, file booleans", () => {
    expect(ok(["--metrics.enabled"]).config["metrics.enabled"]).toBe(true);
    expect(ok(["--metrics.enabled", "false"]).config["metrics.enabled"]).toBe(false);
    vi.stubEnv("FLOPS_METRICS_ENABLED", "yes");
    expect(ok([]).config["metrics.enabled"]).toBe(true);
    // An env var set to "false" must not switch a flag on (commander alone would).
    vi.stubEnv("FLOPS_METRICS_ENABLED", "false");
    expect(ok([]).config["metrics.enabled"]).toBe(false);
    vi.unstubAllEnvs();
    const path = writeConfig("bool.json", { "metrics.enabled": "on" });
    expect(ok(["--config", path]).config["metrics.enabled"]).toBe(true);
  });

  it("paths: ~ expands, relative paths resolve against the cwd (flag) or the file's folder (file)", () => {
    expect(ok(["--data-dir", "~/x"]).config["data-dir"]).toBe(join(homedir(), "x"));
    expect(ok(["--data-dir", "rel/dir"]).config["data-dir"]).toBe(resolve("rel/dir"));
    const path = writeConfig("paths.json", { "data-dir": "data" });
    expect(ok(["--config", path]).config["data-dir"]).toBe(join(dir, "data"));
  });

  it("numbers come as digit strings from flags/env and as JSON numbers or strings from files", () => {
    vi.stubEnv("FLOPS_WORKERS", " 4 ");
    expect(ok([]).config.workers).toBe(4);
    const path = writeConfig("strnum.json", { "rpc.port": "8000" });
    expect(ok(["--config", path]).config["rpc.port"]).toBe(8000);
    expect(ok(["--rpc.port", "0"]).config["rpc.port"]).toBe(0);
    expect(ok(["--rpc.port", "65535"]).config["rpc.port"]).toBe(65535);
  });

  it("keys of a sibling command are allowed in a shared file; $-keys are ignored", () => {
    const path = writeConfig("shared.json", { $schema: "x", prover: { threads: 8 }, workers: 5 });
    expect(ok(["--config", path]).config.workers).toBe(5);
  });

  it("types the config from the specs", () => {
    const { config } = ok([]);
    expectTypeOf(config["rpc.port"]).toEqualTypeOf<number>();
    expectTypeOf(config["log.level"]).toEqualTypeOf<"debug" | "info" | "warn">();
    expectTypeOf(config["l1.rpc"]).toEqualTypeOf<string | undefined>();
    expectTypeOf(config["metrics.enabled"]).toEqualTypeOf<boolean>();
    expectTypeOf<Config<typeof SPECS>["node.name"]>().toEqualTypeOf<string | undefined>();
  });

  it("shows the env twin and the default in --help", () => {
    let out = "";
    const cmd = new Command("start").exitOverride().configureOutput({ writeOut: (s) => (out += s) });
    declareOptions(cmd, SPECS);
    expect(() => cmd.parse(["--help"], { from: "user" })).toThrow(CommanderError);
    expect(out).toContain("--rpc.port <port>");
    expect(out).toContain("env: FLOPS_RPC_PORT");
    expect(out).toContain("default: 8545");
    expect(out).toContain("env: FLOPS_CONFIG");
  });
});

describe("validation errors name the source and exit with code 2", () => {
  it("bad port from the command line", () => {
    usage(["--rpc.port", "abc"], /invalid value "abc" for --rpc\.port: expected a port number \(0-65535\)/);
    usage(["--rpc.port", "65536"], /for --rpc\.port: expected a port number/);
    usage(["--rpc.port", "-1"], /for --rpc\.port/);
  });

  it("bad port from env", () => {
    vi.stubEnv("FLOPS_RPC_PORT", "http");
    usage([], /invalid value "http" for env FLOPS_RPC_PORT: expected a port number/);
  });

  it("empty env value", () => {
    vi.stubEnv("FLOPS_RPC_ADDR", "");
    usage([], /invalid value "" for env FLOPS_RPC_ADDR: expected an IP address or host name/);
  });

  it("bad port from the config file (non-integer)", () => {
    const path = writeConfig("badport.json", { rpc: { port: 85.5 } });
    usage(["--config", path], new RegExp(`invalid value 85\\.5 for key "rpc\\.port" in config file ${path}`));
  });

  it("only the winning value is parsed: a bad file value shadowed by a flag is not an error", () => {
    const path = writeConfig("shadowed.json", { rpc: { port: "nope" } });
    expect(ok(["--config", path, "--rpc.port", "1"]).config["rpc.port"]).toBe(1);
  });

  it("enum, bool, url, host, positive int, int range, custom check, string type", () => {
    usage(["--log.level", "loud"], /for --log\.level: expected one of debug, info, warn/);
    usage(["--metrics.enabled", "maybe"], /for --metrics\.enabled: expected a boolean/);
    usage(
      ["--l1.rpc", "ftp://x"],
      /for --l1\.rpc: expected a URL \(http:\/\/, https:\/\/, ws:\/\/, wss:\/\/\)/,
    );
    usage(["--l1.rpc", "not a url"], /for --l1\.rpc: expected a URL/);
    usage(["--rpc.addr", "bad host!"], /for --rpc\.addr: expected an IP address or host name/);
    usage(["--workers", "0"], /for --workers: expected a positive integer/);
    usage(["--batch.max-bytes", "99"], /for --batch\.max-bytes: expected an integer in 100\.\.1000/);
    usage(["--scrypt-n", "1000"], /for --scrypt-n: expected a power of two/);
    const path = writeConfig("strtype.json", { node: { name: 42 } });
    usage(
      ["--config", path],
      /invalid value 42 for key "node\.name" in config file .*: expected a non-empty string/,
    );
  });

  it("accepts good hosts and URLs", () => {
    const { config } = ok(["--rpc.addr", "::1", "--l1.rpc", "wss://l1.example:8546/x"]);
    expect(config["rpc.addr"]).toBe("::1");
    expect(config["l1.rpc"]).toBe("wss://l1.example:8546/x");
    expect(ok(["--rpc.addr", "node-1.internal"]).config["rpc.addr"]).toBe("node-1.internal");
  });

  it("unknown file key, with a suggestion", () => {
    const path = writeConfig("typo.json", { rpc: { prot: 1 } });
    usage(
      ["--config", path],
      /unknown key "rpc\.prot" in config file .*typo\.json \(did you mean "rpc\.port"\?\)/,
    );
    const path2 = writeConfig("unknown.json", { zzz: 1 });
    usage(["--config", path2], /unknown key "zzz" in config file/);
  });

  it("missing, malformed, non-object and duplicate-key files", () => {
    usage(["--config", join(dir, "missing.json")], /cannot read config file .*missing\.json: ENOENT/);
    usage(["--config", writeConfig("bad.json", "{ rpc: ")], /config file .*bad\.json is not valid JSON/);
    usage(
      ["--config", writeConfig("array.json", [1, 2])],
      /config file .*array\.json must hold a JSON object/,
    );
    usage(
      ["--config", writeConfig("dup.json", { rpc: { port: 1 }, "rpc.port": 2 })],
      /key "rpc\.port" is set twice in config file/,
    );
  });

  it("unknown flags are commander usage errors (exit 2 in the CLI)", () => {
    const r = run(["--rpc.prot", "1"]);
    expect(r.error).toBeInstanceOf(CommanderError);
    expect(r.stderr).toMatch(/unknown option '--rpc\.prot'/);
  });
});

describe("resolveConfig (pure)", () => {
  const specs = {
    "key-file": opt.path({ required: true, description: "key file" }),
    n: opt.int({ description: "n" }),
  };

  it("reports a missing required option with all three ways to set it", () => {
    expect(() => resolveConfig(specs)).toThrow(ConfigError);
    expect(() => resolveConfig(specs)).toThrow(
      'missing required option --key-file (or env FLOPS_KEY_FILE, or key "key-file" in the config file)',
    );
    const { config } = resolveConfig(specs, {
      given: new Map([["key-file", { value: "k", source: "cli" as const }]]),
      cwd: "/base",
    });
    expect(config["key-file"]).toBe("/base/k");
    expect(config.n).toBeUndefined();
    expectTypeOf(config["key-file"]).toEqualTypeOf<string>();
  });

  it("carries the key and source in the error metadata", () => {
    try {
      resolveConfig(specs, {
        given: new Map([["key-file", { value: "k", source: "cli" as const }]]),
        file: { path: "/etc/f.json", values: new Map([["n", "x"]]) },
      });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).code).toBe("CONFIG_INVALID");
      expect((e as ConfigError).meta).toEqual({ key: "n", source: "file", file: "/etc/f.json" });
    }
  });

  it("readConfigFile flattens nested objects into dotted keys", () => {
    const path = writeConfig("flat.json", { a: { b: { c: 1 } }, "a.d": [1], e: null });
    expect([...readConfigFile(path)]).toEqual([
      ["a.b.c", 1],
      ["a.d", [1]],
      ["e", null],
    ]);
  });
});

describe("declaring options", () => {
  it("maps names to env vars", () => {
    expect(envName("rpc.port")).toBe("FLOPS_RPC_PORT");
    expect(envName("keystore-dir")).toBe("FLOPS_KEYSTORE_DIR");
    expect(envName("batch.max-bytes")).toBe("FLOPS_BATCH_MAX_BYTES");
  });

  it("rejects bad names, duplicates and broken defaults at declaration time", () => {
    const cmd = new Command("x");
    expect(() => declareOptions(cmd, { "Rpc.Port": opt.port({ description: "" }) })).toThrow(
      /bad option name/,
    );
    expect(() => declareOptions(cmd, { "a..b": opt.port({ description: "" }) })).toThrow(/bad option name/);
    declareOptions(cmd, { a: opt.port({ description: "" }) });
    expect(() => declareOptions(cmd, { a: opt.port({ description: "" }) })).toThrow(/declared twice/);
    expect(() => declareOptions(cmd, { config: opt.path({ description: "" }) })).toThrow(/declared twice/);
    expect(() => declareOptions(cmd, { p: opt.port({ default: 70000, description: "" }) })).toThrow(
      /expected a port/,
    );
  });

  it("supports several declareOptions calls on one command", () => {
    const cmd = new Command("x").exitOverride();
    const a = declareOptions(cmd, { "a.x": opt.port({ default: 1, description: "" }) });
    const b = declareOptions(cmd, { "b.y": opt.bool({ default: false, description: "" }) });
    cmd.action(() => {});
    cmd.parse(["--a.x", "5", "--b.y"], { from: "user" });
    expect(a()).toEqual({ "a.x": 5 });
    expect(b()).toEqual({ "b.y": true });
  });
});

describe("rateLimitFromConfig", () => {
  it("0 turns the limit off; any other rate gets a burst of 2× the rate, never below one full batch", () => {
    expect(rateLimitFromConfig(0)).toBe(false);
    expect(rateLimitFromConfig(500)).toEqual({ perSecond: 500, burst: 1000 });
    // A burst below maxBatch (100) made the node refuse to start for any rate under 50.
    for (const rate of [1, 10, 49, 50]) {
      const limit = rateLimitFromConfig(rate);
      expect(limit).toEqual({ perSecond: rate, burst: 100 });
      expect(() => resolveLimits({ rateLimit: limit })).not.toThrow();
    }
  });
});
