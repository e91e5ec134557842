/**
 * The logger factory: pino, JSON lines by default (one object per line, for log shippers), or
 * pino-pretty for people at a terminal. Modules get children with a stable `{module}` field;
 * secret-looking fields are redacted before anything is written.
 * @module
 */
import { hostname } from "node:os";
import { pino } from "pino";
import pretty from "pino-pretty";
import { opt } from "./config.ts";

export type Logger = pino.Logger;

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
/** `auto` = pretty when the destination is a terminal, JSON otherwise. */
export const LOG_FORMATS = ["auto", "json", "pretty"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** `--log.level`, `--log.format` (env `FLOPS_LOG_LEVEL`, `FLOPS_LOG_FORMAT`). */
export const LOG_OPTIONS = {
  "log.level": opt.oneOf({
    choices: LOG_LEVELS,
    default: "info",
    description: "log level",
    valueName: "<level>",
  }),
  "log.format": opt.oneOf({
    choices: LOG_FORMATS,
    default: "auto",
    description: "log format; auto = pretty on a terminal, JSON lines otherwise",
    valueName: "<format>",
  }),
};

/**
 * Field paths whose values are replaced by "[redacted]": at the top level of a log object and one
 * level down (`{ key: { privateKey } }`). Deeper nesting is not covered: log key material never.
 */
export const REDACT_PATHS: readonly string[] = [
  ...["password", "passphrase", "privateKey", "secret", "mnemonic"].flatMap((k) => [k, `*.${k}`]),
  "req.headers.authorization",
  "req.headers.cookie",
];

export interface LoggerOpts {
  level?: LogLevel;
  format?: LogFormat;
  /** File descriptor (1 = stdout, the default; 2 = stderr) or a stream (tests). */
  destination?: 1 | 2 | NodeJS.WritableStream;
  /** Extra fields on every line (e.g. `{ node: "seq-1" }`). */
  base?: Record<string, unknown>;
}

/** Options from the config of {@link LOG_OPTIONS}. */
export function loggerOptsFromConfig(cfg: { "log.level": LogLevel; "log.format": LogFormat }): LoggerOpts {
  return { level: cfg["log.level"], format: cfg["log.format"] };
}

export function createLogger(opts: LoggerOpts = {}): Logger {
  const dest = opts.destination ?? 1;
  const isTty =
    dest === 1
      ? process.stdout.isTTY === true
      : dest === 2
        ? process.stderr.isTTY === true
        : (dest as { isTTY?: boolean }).isTTY === true;
  const format = opts.format ?? "auto";
  const usePretty = format === "pretty" || (format === "auto" && isTty);
  const options: pino.LoggerOptions = {
    level: opts.level ?? "info",
    redact: { paths: [...REDACT_PATHS], censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
    ...(opts.base ? { base: { pid: process.pid, hostname: hostname(), ...opts.base } } : {}),
  };
  if (usePretty) {
    // In-process and synchronous: no worker thread, and nothing lost when the process exits.
    const stream = pretty({
      destination: dest,
      sync: true,
      colorize: isTty,
      translateTime: "SYS:HH:MM:ss.l",
      ignore: "pid,hostname",
    });
    return pino(options, stream);
  }
  const stream = typeof dest === "number" ? pino.destination({ dest, sync: true }) : dest;
  return pino(options, stream as pino.DestinationStream);
}

/** A child logger for one module: every line carries `module` (and any extra bindings). */
export function moduleLogger(parent: Logger, module: string, bindings: Record<string, unknown> = {}): Logger {
  return parent.child({ module, ...bindings });
}

/** A logger that writes nothing (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
