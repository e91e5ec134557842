/**
 * One config system for every `flops` command.
 *
 * Each option is declared once (`name`, type, default, description) and is then settable four
 * ways, with this precedence: default < config file < env var < command-line flag.
 *
 * | declared name | flag               | env var               | config file (JSON)                         |
 * |---------------|--------------------|-----------------------|--------------------------------------------|
 * | `rpc.port`    | `--rpc.port <port>`| `FLOPS_RPC_PORT`      | `{"rpc":{"port":8545}}` or `{"rpc.port":8545}` |
 * | `keystore-dir`| `--keystore-dir`   | `FLOPS_KEYSTORE_DIR`  | `{"keystore-dir":"~/keys"}`                |
 *
 * The file is named by `--config FILE` (env `FLOPS_CONFIG`). Values from every source go through
 * the same parser, so a bad value fails the same way wherever it came from: a {@link ConfigError}
 * naming the flag, env var or file key, which the CLI reports as a usage error (exit code 2).
 *
 * ```ts
 * const OPTS = { ...LOG_OPTIONS, "rpc.port": opt.port({ default: 8545, description: "JSON-RPC port" }) };
 * const readConfig = declareOptions(cmd, OPTS);
 * cmd.action(() => { const cfg = readConfig(); cfg["rpc.port"]; }); // number
 * ```
 * @module
 */
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { homedir } from "node:os";
import { dirname, isAbsolute, resolve } from "node:path";
import { type Command, CommanderError, Option } from "commander";
import { type ConnectionLimits, DEFAULT_CONNECTION_LIMITS } from "../api/connectionLimits.ts";
import { DEFAULT_RPC_LIMITS, type RpcLimits } from "../api/jsonRpc/plugin.ts";
import { RollupError } from "../chain/errors.ts";
import { DEFAULT_MEMPOOL_OPTS, type MempoolOpts } from "../sequencer/mempool.ts";

/** Prefix of every env var: `rpc.port` <-> `FLOPS_RPC_PORT`. */
export const ENV_PREFIX = "FLOPS_";
/** Exit code of usage errors (bad flag, env var or config value). */
export const EXIT_USAGE = 2;

/** Where a value came from, lowest precedence first. */
export type ConfigSource = "default" | "file" | "env" | "cli";

export interface ParseContext {
  /** Relative paths resolve against this: the cwd for flags/env, the file's folder for file keys. */
  readonly baseDir: string;
}

/** One declared option. Build with the {@link opt} helpers rather than by hand. */
export interface OptionSpec<T> {
  readonly type: string;
  readonly description: string;
  /** Placeholder shown in help: `--rpc.port <port>`. */
  readonly valueName: string;
  /** Raw default; it goes through `parse` like any other value (so `~` in a path default expands). */
  readonly default?: unknown;
  /** When true a missing value (no default, not set anywhere) is an error. */
  readonly required: boolean;
  /** Booleans take an optional value on the command line: `--metrics.enabled` means true. */
  readonly flag: boolean;
  /** Returns the typed value or throws {@link InvalidValue}. */
  readonly parse: (raw: unknown, ctx: ParseContext) => T;
}

// biome-ignore lint/suspicious/noExplicitAny: the value type varies per option; Config<S> recovers it.
export type OptionSpecs = Readonly<Record<string, OptionSpec<any>>>;

/** The typed, merged config of a set of options: `{ "rpc.port": number, ... }`. */
export type Config<S extends OptionSpecs> = { -readonly [K in keyof S]: ReturnType<S[K]["parse"]> };

export interface LoadedConfig<S extends OptionSpecs> {
  readonly config: Config<S>;
  readonly sources: { readonly [K in keyof S]: ConfigSource };
  /** Absolute path of the config file, when one was given. */
  readonly file: string | undefined;
}

/** A bad value, a missing required value, or an unreadable config file. */
export class ConfigError extends RollupError<{ key?: string; source?: ConfigSource; file?: string }> {
  constructor(message: string, meta: { key?: string; source?: ConfigSource; file?: string } = {}) {
    super("CONFIG_INVALID", message, meta);
    this.name = "ConfigError";
  }
}

/** Thrown by `OptionSpec.parse`; the caller adds which flag/env/file key held the value. */
export class InvalidValue extends Error {
  constructor(readonly expected: string) {
    super(`expected ${expected}`);
    this.name = "InvalidValue";
  }
}

// ---------------------------------------------------------------------------------------------
// Option builders

interface BaseOpts<T, D, R extends boolean> {
  description: string;
  default?: D;
  required?: R;
  /** Extra validation: return what was expected (e.g. "a power of two") to reject the value. */
  check?: (value: T) => string | undefined;
}
/** Value type of an option: `T` when it has a default or is required, else `T | undefined`. */
type Out<T, D, R> = [R] extends [true] ? T : [D] extends [undefined] ? T | undefined : T;

function makeSpec<T>(
  type: string,
  valueName: string,
  o: BaseOpts<T, unknown, boolean>,
  parse: (raw: unknown, ctx: ParseContext) => T,
  flag = false,
  // biome-ignore lint/suspicious/noExplicitAny: the public builders narrow the type.
): OptionSpec<any> {
  const check = o.check;
  const checked = check
    ? (raw: unknown, ctx: ParseContext): T => {
        const v = parse(raw, ctx);
        const bad = check(v);
        if (bad !== undefined) throw new InvalidValue(bad);
        return v;
      }
    : parse;
  return {
    type,
    description: o.description,
    valueName,
    ...(o.default === undefined ? {} : { default: o.default }),
    required: o.required === true,
    flag,
    parse: checked,
  };
}

function asTrimmedString(raw: unknown, expected: string): string {
  if (typeof raw !== "string") throw new InvalidValue(expected);
  const s = raw.trim();
  if (s === "") throw new InvalidValue(expected);
  return s;
}

function parseIntIn(raw: unknown, min: number, max: number, expected: string): number {
  let n: number;
  if (typeof raw === "number") n = raw;
  else if (typeof raw === "string" && /^\s*[-+]?\d+\s*$/.test(raw)) n = Number(raw);
  else throw new InvalidValue(expected);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new InvalidValue(expected);
  return n;
}

function intRange(min: number, max: number): string {
  if (min === Number.MIN_SAFE_INTEGER && max === Number.MAX_SAFE_INTEGER) return "an integer";
  if (max === Number.MAX_SAFE_INTEGER) return min === 1 ? "a positive integer" : `an integer >= ${min}`;
  return `an integer in ${min}..${max}`;
}

const TRUE = new Set(["true", "1", "yes", "on"]);
const FALSE = new Set(["false", "0", "no", "off"]);

const HOSTNAME =
  /^(?=.{1,253}$)[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

/** Expands a leading `~` and makes the path absolute. */
export function resolvePath(p: string, baseDir: string): string {
  if (p === "~") return homedir();
  if (p.startsWith("~/")) return resolve(homedir(), p.slice(2));
  return isAbsolute(p) ? resolve(p) : resolve(baseDir, p);
}

/** Option builders. Each returns an {@link OptionSpec} for {@link declareOptions}. */
export const opt = {
  /** A non-empty string (trimmed). */
  string<D extends string | undefined = undefined, R extends boolean = false>(
    o: BaseOpts<string, D, R> & { valueName?: string },
  ): OptionSpec<Out<string, D, R>> {
    return makeSpec("string", o.valueName ?? "<value>", o, (raw) =>
      asTrimmedString(raw, "a non-empty string"),
    );
  },

  /** An integer in `[min, max]` (defaults: any safe integer). Accepts JSON numbers and digit strings. */
  int<D extends number | undefined = undefined, R extends boolean = false>(
    o: BaseOpts<number, D, R> & { min?: number; max?: number; valueName?: string },
  ): OptionSpec<Out<number, D, R>> {
    const min = o.min ?? Number.MIN_SAFE_INTEGER;
    const max = o.max ?? Number.MAX_SAFE_INTEGER;
    const expected = intRange(min, max);
    return makeSpec("int", o.valueName ?? "<n>", o, (raw) => parseIntIn(raw, min, max, expected));
  },

  /** An integer >= 1. */
  positiveInt<D extends number | undefined = undefined, R extends boolean = false>(
    o: BaseOpts<number, D, R> & { valueName?: string },
  ): OptionSpec<Out<number, D, R>> {
    return opt.int({ ...o, min: 1 });
  },

  /** A TCP port, 0..65535 (0 = pick a free one). */
  port<D extends number | undefined = undefined, R extends boolean = false>(
    o: BaseOpts<number, D, R>,
  ): OptionSpec<Out<number, D, R>> {
    return makeSpec("port", "<port>", o, (raw) => parseIntIn(raw, 0, 65535, "a port number (0-65535)"));
  },

  /**
   * A boolean. On the command line the value is optional (`--metrics.enabled` = true,
   * `--metrics.enabled false`); env and file accept true/false, 1/0, yes/no, on/off.
   */
  bool<D extends boolean | undefined = undefined, R extends boolean = false>(
    o: BaseOpts<boolean, D, R>,
  ): OptionSpec<Out<boolean, D, R>> {
    return makeSpec(
      "bool",
      "[bool]",
      o,
      (raw) => {
        if (typeof raw === "boolean") return raw;
        if (typeof raw === "string") {
          const s = raw.trim().toLowerCase();
          if (TRUE.has(s)) return true;
          if (FALSE.has(s)) return false;
        }
        throw new InvalidValue("a boolean (true/false, 1/0, yes/no, on/off)");
      },
      true,
    );
  },

  /** One of a fixed list of strings. */
  oneOf<
    const C extends readonly string[],
    D extends C[number] | undefined = undefined,
    R extends boolean = false,
  >(o: BaseOpts<C[number], D, R> & { choices: C; valueName?: string }): OptionSpec<Out<C[number], D, R>> {
    const expected = `one of ${o.choices.join(", ")}`;
    const spec = makeSpec("enum", o.valueName ?? "<value>", o, (raw) => {
      const s = typeof raw === "string" ? raw.trim() : undefined;
      if (s === undefined || !o.choices.includes(s)) throw new InvalidValue(expected);
      return s;
    });
    return { ...spec, description: `${o.description} (${o.choices.join("|")})` };
  },

  /**
   * A filesystem path, returned absolute: `~` expands to the home directory; a relative path
   * resolves against the cwd (flag, env) or the config file's folder (file key).
   */
  path<D extends string | undefined = undefined, R extends boolean = false>(
    o: BaseOpts<string, D, R> & { valueName?: string },
  ): OptionSpec<Out<string, D, R>> {
    return makeSpec("path", o.valueName ?? "<path>", o, (raw, ctx) =>
      resolvePath(asTrimmedString(raw, "a path"), ctx.baseDir),
    );
  },

  /** An absolute URL whose scheme is one of `protocols` (default http, https, ws, wss). */
  url<D extends string | undefined = undefined, R extends boolean = false>(
    o: BaseOpts<string, D, R> & { protocols?: readonly string[] },
  ): OptionSpec<Out<string, D, R>> {
    const protocols = o.protocols ?? ["http", "https", "ws", "wss"];
    const expected = `a URL (${protocols.map((p) => `${p}://`).join(", ")})`;
    return makeSpec("url", "<url>", o, (raw) => {
      const s = asTrimmedString(raw, expected);
      let u: URL;
      try {
        u = new URL(s);
      } catch {
        throw new InvalidValue(expected);
      }
      if (!protocols.includes(u.protocol.slice(0, -1))) throw new InvalidValue(expected);
      return s;
    });
  },

  /** A listen/connect host: an IPv4/IPv6 address or a DNS name. */
  host<D extends string | undefined = undefined, R extends boolean = false>(
    o: BaseOpts<string, D, R>,
  ): OptionSpec<Out<string, D, R>> {
    return makeSpec("host", "<addr>", o, (raw) => {
      const s = asTrimmedString(raw, "an IP address or host name");
      if (isIP(s) === 0 && !HOSTNAME.test(s)) throw new InvalidValue("an IP address or host name");
      return s;
    });
  },
};

// ---------------------------------------------------------------------------------------------
// Names

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*(\.[a-z][a-z0-9]*(-[a-z0-9]+)*)*$/;

/** `rpc.port` -> `FLOPS_RPC_PORT`, `keystore-dir` -> `FLOPS_KEYSTORE_DIR`. */
export function envName(name: string): string {
  return ENV_PREFIX + name.toUpperCase().replace(/[.-]/g, "_");
}

function flagName(name: string): string {
  return `--${name}`;
}

function describeSource(name: string, source: ConfigSource, file: string | undefined): string {
  switch (source) {
    case "cli":
      return flagName(name);
    case "env":
      return `env ${envName(name)}`;
    case "file":
      return `key "${name}" in config file ${file}`;
    case "default":
      return `the default of ${flagName(name)}`;
  }
}

function showValue(raw: unknown): string {
  const s = typeof raw === "string" ? JSON.stringify(raw) : (JSON.stringify(raw) ?? String(raw));
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

// ---------------------------------------------------------------------------------------------
// Config file

/**
 * Reads a JSON config file into a flat map of dotted keys: `{"rpc":{"port":1}}` and
 * `{"rpc.port":1}` both give `rpc.port -> 1`. Keys starting with `$` (e.g. `$schema`) are ignored.
 */
export function readConfigFile(path: string): Map<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new ConfigError(`cannot read config file ${path}: ${why}`, { file: path });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(e as Error).message}`, { file: path });
  }
  if (!isPlainObject(data))
    throw new ConfigError(`config file ${path} must hold a JSON object`, { file: path });
  const out = new Map<string, unknown>();
  flatten(data, "", out, path);
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function flatten(
  obj: Record<string, unknown>,
  prefix: string,
  out: Map<string, unknown>,
  file: string,
): void {
  for (const [k, v] of Object.entries(obj)) {
    if (k.startsWith("$")) continue;
    const key = prefix === "" ? k : `${prefix}.${k}`;
    if (isPlainObject(v)) {
      flatten(v, key, out, file);
      continue;
    }
    if (out.has(key))
      throw new ConfigError(`key "${key}" is set twice in config file ${file}`, { key, file });
    out.set(key, v);
  }
}

// ---------------------------------------------------------------------------------------------
// Resolution (pure: no commander, no process.env)

export interface ConfigInput {
  /** Values commander saw on the command line or in the environment, by option name. */
  readonly given?: ReadonlyMap<string, { value: unknown; source: "cli" | "env" }>;
  /** The config file's flattened keys (see {@link readConfigFile}). */
  readonly file?: { readonly path: string; readonly values: ReadonlyMap<string, unknown> };
  /**
   * File keys that belong to other commands: ignored rather than rejected, so one file can serve
   * `flops start` and `flops prover`. Any other unknown key is an error (typos must not be silent).
   */
  readonly otherKeys?: ReadonlySet<string>;
  /** Base for relative paths from flags and env; default `process.cwd()`. */
  readonly cwd?: string;
}

/** Merges default < file < env < CLI and parses every value. Throws {@link ConfigError}. */
export function resolveConfig<S extends OptionSpecs>(specs: S, input: ConfigInput = {}): LoadedConfig<S> {
  const cwd = input.cwd ?? process.cwd();
  const file = input.file;
  if (file) {
    for (const key of file.values.keys()) {
      if (key in specs || input.otherKeys?.has(key)) continue;
      const hint = suggest(key, [...Object.keys(specs), ...(input.otherKeys ?? [])]);
      throw new ConfigError(
        `unknown key "${key}" in config file ${file.path}${hint === undefined ? "" : ` (did you mean "${hint}"?)`}`,
        { key, file: file.path, source: "file" },
      );
    }
  }
  const config: Record<string, unknown> = {};
  const sources: Record<string, ConfigSource> = {};
  for (const [name, spec] of Object.entries(specs)) {
    let raw: unknown;
    let source: ConfigSource;
    let baseDir = cwd;
    const given = input.given?.get(name);
    if (given !== undefined) {
      raw = given.value;
      source = given.source;
    } else if (file?.values.has(name)) {
      raw = file.values.get(name);
      source = "file";
      baseDir = dirname(file.path);
    } else {
      raw = spec.default;
      source = "default";
    }
    sources[name] = source;
    if (raw === undefined) {
      if (spec.required) {
        throw new ConfigError(
          `missing required option ${flagName(name)} (or env ${envName(name)}, or key "${name}" in the config file)`,
          { key: name },
        );
      }
      config[name] = undefined;
      continue;
    }
    try {
      config[name] = spec.parse(raw, { baseDir });
    } catch (e) {
      if (!(e instanceof InvalidValue)) throw e;
      const where = describeSource(name, source, file?.path);
      throw new ConfigError(`invalid value ${showValue(raw)} for ${where}: ${e.message}`, {
        key: name,
        source,
        ...(source === "file" && file ? { file: file.path } : {}),
      });
    }
  }
  return { config: config as Config<S>, sources: sources as LoadedConfig<S>["sources"], file: file?.path };
}

/** The closest known key within edit distance 2, for "did you mean". */
function suggest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const k of known) {
    const d = editDistance(key, k);
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const sub = prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      cur.push(Math.min(sub, prev[j]! + 1, cur[j - 1]! + 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

// ---------------------------------------------------------------------------------------------
// Commander glue

/** Option names declared per command, so a shared config file can hold keys of sibling commands. */
const declared = new WeakMap<Command, Map<string, string>>();

export interface ConfigReader<S extends OptionSpecs> {
  /** The typed, merged config. Call at the top of the action; a bad value exits with code 2. */
  (): Config<S>;
  /** Same, plus where each value came from (for a startup log line). */
  withSources(): LoadedConfig<S>;
}

/**
 * Adds the options to `cmd` (each with its env twin, shown in `--help`), plus `--config <file>`,
 * and returns a reader for the merged, validated config. May be called more than once per
 * command (e.g. shared groups and command-specific options); option names must be unique.
 */
export function declareOptions<S extends OptionSpecs>(cmd: Command, specs: S): ConfigReader<S> {
  let names = declared.get(cmd);
  if (names === undefined) {
    names = new Map();
    declared.set(cmd, names);
    cmd.addOption(
      new Option("--config <file>", "JSON config file (nested or dotted keys, named like the flags)").env(
        envName("config"),
      ),
    );
    cmd.addHelpText(
      "after",
      `\nEvery option can also be set by env var (${ENV_PREFIX}<NAME>, dots and dashes as underscores)` +
        "\nor by a key of the --config file; precedence: default < file < env < flag.",
    );
  }
  for (const [name, spec] of Object.entries(specs)) {
    if (!NAME.test(name)) throw new Error(`bad option name "${name}": use lower-case words, '-' and '.'`);
    if (name === "config" || names.has(name))
      throw new Error(`option "${name}" declared twice on ${cmd.name()}`);
    if (spec.default !== undefined) {
      // A broken default is a programming error: fail at startup, not when a user hits it.
      spec.parse(spec.default, { baseDir: process.cwd() });
    }
    const o = new Option(`${flagName(name)} ${spec.valueName}`, spec.description).env(envName(name));
    if (spec.default !== undefined) o.default(spec.default);
    cmd.addOption(o);
    names.set(name, o.attributeName());
  }
  const attrs = names;

  const withSources = (): LoadedConfig<S> => {
    try {
      const given = new Map<string, { value: unknown; source: "cli" | "env" }>();
      for (const name of Object.keys(specs)) {
        const attr = attrs.get(name)!;
        const source = cmd.getOptionValueSource(attr);
        // Commander also knows "default", "config" and "implied"; only flag and env values are given.
        if (source === "cli" || source === "env") {
          given.set(name, { value: cmd.getOptionValue(attr), source: source === "cli" ? "cli" : "env" });
        }
      }
      const configPath = cmd.getOptionValue("config") as string | undefined;
      const path = configPath === undefined ? undefined : resolvePath(configPath, process.cwd());
      const file = path === undefined ? undefined : { path, values: readConfigFile(path) };
      return resolveConfig(specs, { given, ...(file ? { file } : {}), otherKeys: keysOfOtherCommands(cmd) });
    } catch (e) {
      if (e instanceof ConfigError) throw usageError(cmd, e.message);
      throw e;
    }
  };
  return Object.assign(() => withSources().config, { withSources });
}

function keysOfOtherCommands(cmd: Command): Set<string> {
  let root = cmd;
  while (root.parent) root = root.parent;
  const out = new Set<string>();
  const walk = (c: Command): void => {
    if (c !== cmd) for (const n of declared.get(c)?.keys() ?? []) out.add(n);
    c.commands.forEach(walk);
  };
  walk(root);
  return out;
}

/**
 * Reports a usage error the way commander does (to stderr, via the command's output config) and
 * returns the error to throw: the CLI maps it to exit code 2.
 */
export function usageError(cmd: Command, message: string): CommanderError {
  const out = cmd.configureOutput();
  const writeErr = out.writeErr ?? ((s: string) => process.stderr.write(s));
  const line = `error: ${message}\n`;
  if (out.outputError) out.outputError(line, writeErr);
  else writeErr(line);
  return new CommanderError(EXIT_USAGE, "flops.usage", message);
}

// ---------------------------------------------------------------------------------------------
// Option groups shared by several commands (api/ cannot import node/, so they live here)

export const METRICS_OPTIONS = {
  "metrics.enabled": opt.bool({ default: false, description: "serve Prometheus metrics and health probes" }),
  "metrics.addr": opt.host({ default: "127.0.0.1", description: "metrics listen address" }),
  // 7300 as op-node; clear of Prometheus (9090) and of 8080/4001 used by co-located provider software.
  "metrics.port": opt.port({ default: 7300, description: "metrics listen port" }),
};

/**
 * The JSON-RPC limits an operator is likeliest to change (api/ defines every limit and its
 * default: docs/SECURITY.md §12). Behind a reverse proxy raise rpc.max-connections-per-ip: every
 * client is the proxy's address there.
 */
export const RPC_LIMIT_OPTIONS = {
  "rpc.request-timeout-ms": opt.positiveInt({
    default: DEFAULT_CONNECTION_LIMITS.requestTimeoutMs,
    description: "a JSON-RPC request (headers and body) must arrive within this many ms",
  }),
  "rpc.max-connections": opt.positiveInt({
    default: DEFAULT_CONNECTION_LIMITS.maxConnections,
    description: "open JSON-RPC connections (HTTP and WebSocket) in all",
  }),
  "rpc.max-connections-per-ip": opt.positiveInt({
    default: DEFAULT_CONNECTION_LIMITS.maxConnectionsPerIp,
    description: "open JSON-RPC connections from one address",
  }),
  "rpc.max-ws-per-ip": opt.positiveInt({
    default: DEFAULT_RPC_LIMITS.maxWsConnectionsPerIp,
    description: "open WebSocket connections per client IP",
  }),
  "rpc.max-response-bytes": opt.positiveInt({
    default: DEFAULT_RPC_LIMITS.maxResponseBytes,
    description: "largest JSON-RPC response (one call or a whole batch)",
  }),
};

/** The api/ limits of a config holding {@link RPC_LIMIT_OPTIONS}; keys left out keep api/'s defaults. */
export function rpcLimitsFromConfig(cfg: Partial<Config<typeof RPC_LIMIT_OPTIONS>>): {
  limits: Partial<RpcLimits>;
  connections: Partial<ConnectionLimits>;
} {
  const limits: Partial<RpcLimits> = {};
  const connections: Partial<ConnectionLimits> = {};
  if (cfg["rpc.max-ws-per-ip"] !== undefined) limits.maxWsConnectionsPerIp = cfg["rpc.max-ws-per-ip"];
  if (cfg["rpc.max-response-bytes"] !== undefined) limits.maxResponseBytes = cfg["rpc.max-response-bytes"];
  if (cfg["rpc.request-timeout-ms"] !== undefined)
    connections.requestTimeoutMs = cfg["rpc.request-timeout-ms"];
  if (cfg["rpc.max-connections"] !== undefined) connections.maxConnections = cfg["rpc.max-connections"];
  if (cfg["rpc.max-connections-per-ip"] !== undefined)
    connections.maxConnectionsPerIp = cfg["rpc.max-connections-per-ip"];
  return { limits, connections };
}

/** `flops node --mode verifier`: derive the chain from an L1 instead of sequencing it (node/verifierNode.ts). */
export const VERIFIER_OPTIONS = {
  mode: opt.oneOf({
    choices: ["sequencer", "verifier", "operator"] as const,
    default: "sequencer",
    description:
      "sequencer: build blocks; verifier: rebuild every block from L1 data alone; operator: a verifier that signs the outputs it derived from finalized L1 data (--bls-keystore)",
  }),
  "bls-keystore": opt.path({
    description: "operator only: the BLS keystore (flops operator keygen) whose key signs outputs",
  }),
  "password-file": opt.path({
    description: "operator only: file holding the BLS keystore's password (else a prompt)",
  }),
  "l1.rpc": opt.url({
    protocols: ["http", "https"],
    description:
      "the L1's JSON-RPC endpoint (a verifier derives from it; a sequencer follows and posts to it)",
  }),
  "l1.deployment": opt.path({
    description: "the L1 deployment file (contract addresses, deploy block), as `flops l1 deploy` writes it",
  }),
};

/**
 * A sequencer following an L1 (`--l1.rpc` and `--l1.deployment`; the devnet's embedded L1) and its
 * batcher (sequencer/l1Origins.ts, sequencer/batcher.ts).
 */
export const L1_FOLLOW_OPTIONS = {
  "l1.confirmations": opt.int({
    default: 2,
    min: 0,
    description: "L1 blocks an L2 block's L1 origin stays behind L1's head (reorg safety)",
  }),
  "batcher.max-delay-ms": opt.int({
    default: 0,
    min: 0,
    description:
      "post a channel once its first block is this old (0: a quarter of the chain's maxBatchDelayMs); never later than maxBatchDelayMs minus 2.5 L1 block times, so it can land in time",
  }),
  "batcher.target-bytes": opt.positiveInt({
    default: 600_000,
    description: "post a channel once its batch blocks reach this many bytes (before compression)",
  }),
  "batcher.confirmations": opt.positiveInt({
    default: 4,
    description: "L1 blocks deep a batcher tx must be to count as landed",
  }),
};

/** The batcher's L1 key (`flops node`; the devnet uses a dev account of its embedded L1). */
export const BATCHER_KEY_OPTIONS = {
  "batcher.keystore": opt.path({
    description:
      "keystore of the batcher's L1 key (the BatchInbox's batcher); without it a sequencer posts nothing",
  }),
  "batcher.password-file": opt.path({
    description: "file holding the batcher keystore's password (else a prompt)",
  }),
};

/**
 * The output proposer's pace (node/outputProposerNode.ts, createNode `opts.proposer`): a sequencer
 * (`flops devnet`, `flops node --proposer.keystore`) posts its own head `lag-blocks` behind; a
 * verifier posts its derived head (PROPOSER_KEY_OPTIONS `proposer.head`; bridge/README.md
 * "Output proposer").
 */
export const PROPOSER_OPTIONS = {
  "proposer.lag-blocks": opt.int({
    default: 10,
    min: 0,
    description: "sequencer only: how far behind its own head the posted output is (L2 blocks)",
  }),
  "proposer.interval-ms": opt.int({
    default: 0,
    min: 0,
    description: "between output proposal rounds (0: four L1 block times of the genesis)",
  }),
  "proposer.interval": opt.positiveInt({
    default: 1,
    description: "L2 blocks at least between two outputs (1: each round posts the newest postable block)",
  }),
};

/**
 * `flops node`'s proposer key (the OutputOracle's PROPOSER_ROLE; the devnet uses its admin dev
 * account) and, for a verifier, which derived head it posts.
 */
export const PROPOSER_KEY_OPTIONS = {
  "proposer.keystore": opt.path({
    description: "keystore of the output proposer's L1 key; without it the node posts no outputs",
  }),
  "proposer.password-file": opt.path({
    description: "file holding the proposer keystore's password (else a prompt)",
  }),
  "proposer.attest-rpcs": opt.string({
    description:
      "comma-separated JSON-RPC URLs of operator nodes (--mode operator): post outputs with their aggregate signature (proposeOutputAttested) once it reaches the quorum; the posted head is then the finalized derived one",
  }),
  "proposer.head": opt.oneOf({
    choices: ["safe", "finalized"] as const,
    default: "safe",
    description:
      "verifier only: post the head derived from L1 blocks at or below L1's safe or finalized block",
  }),
};

/** The mempool's limits (sequencer/mempool.ts; every one in docs/SECURITY.md §12). */
export const MEMPOOL_OPTIONS = {
  "mempool.max-txs": opt.positiveInt({
    default: DEFAULT_MEMPOOL_OPTS.maxTxs,
    description: "pending txs in all",
  }),
  "mempool.max-bytes": opt.positiveInt({
    default: DEFAULT_MEMPOOL_OPTS.maxBytes,
    description: "raw bytes of pending txs in all",
  }),
  "mempool.max-sender-txs": opt.positiveInt({
    default: DEFAULT_MEMPOOL_OPTS.maxPerSender,
    description: "pending txs per sender",
  }),
  "mempool.max-sender-bytes": opt.positiveInt({
    default: DEFAULT_MEMPOOL_OPTS.maxSenderBytes,
    description: "raw bytes of pending txs per sender",
  }),
  "mempool.max-nonce-gap": opt.int({
    default: DEFAULT_MEMPOOL_OPTS.maxNonceGap,
    min: 0,
    description: "how far past its account nonce a sender may queue a tx",
  }),
  "mempool.queued-ttl-ms": opt.positiveInt({
    default: DEFAULT_MEMPOOL_OPTS.queuedTtlMs,
    description: "a tx behind a nonce gap is dropped this many ms after its admission",
  }),
};

/** The mempool limits of a config holding {@link MEMPOOL_OPTIONS}; keys left out keep the defaults. */
export function mempoolOptsFromConfig(cfg: Partial<Config<typeof MEMPOOL_OPTIONS>>): Partial<MempoolOpts> {
  const o: Partial<MempoolOpts> = {};
  if (cfg["mempool.max-txs"] !== undefined) o.maxTxs = cfg["mempool.max-txs"];
  if (cfg["mempool.max-bytes"] !== undefined) o.maxBytes = cfg["mempool.max-bytes"];
  if (cfg["mempool.max-sender-txs"] !== undefined) o.maxPerSender = cfg["mempool.max-sender-txs"];
  if (cfg["mempool.max-sender-bytes"] !== undefined) o.maxSenderBytes = cfg["mempool.max-sender-bytes"];
  if (cfg["mempool.max-nonce-gap"] !== undefined) o.maxNonceGap = cfg["mempool.max-nonce-gap"];
  if (cfg["mempool.queued-ttl-ms"] !== undefined) o.queuedTtlMs = cfg["mempool.queued-ttl-ms"];
  return o;
}

/**
 * The RPC rate limit of `--rpc.rate-limit N` (calls per second per client IP; 0 turns it off). The
 * burst is twice the rate, and never below one full batch: a batch takes all its tokens at once, so
 * a smaller bucket would refuse every full batch forever (api/ refuses such limits at startup).
 */
export function rateLimitFromConfig(perSecond: number): RpcLimits["rateLimit"] {
  if (perSecond === 0) return false;
  return { perSecond, burst: Math.max(perSecond * 2, DEFAULT_RPC_LIMITS.maxBatch) };
}

/**
 * State pruning (store/smtPruner.ts, node/statePruning.ts): SMT nodes that only roots older than
 * `prune.retention` blocks before the keep point reach are deleted in the background. The keep
 * point is min(head, the L2 block of the newest output final on L1), read from the OutputOracle
 * at L1's finalized block (a node without an L1 has no outputs: the head); while L1 cannot be
 * read it waits. A verifier's store never passes its reorg floor either. On by default for the
 * devnet and `flops node`: every root a withdrawal proof against a non-final output needs stays.
 */
export function pruneOptions(defaultOn: boolean) {
  return {
    prune: opt.bool({
      default: defaultOn,
      description: "delete state trie nodes of old blocks in the background",
    }),
    "prune.retention": opt.int({
      default: 1024,
      min: 0,
      description: "blocks of state kept provable below the head (or the finalized output) when pruning",
    }),
  };
}
