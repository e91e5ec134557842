/**
 * Graceful shutdown. Components register an async closer as they start; on SIGINT/SIGTERM (or a
 * call to `shutdown()`) the closers run one at a time in reverse order of registration, so what
 * started last (the RPC server) stops first and what started first (the database) closes last.
 *
 * - clean stop: exit code 0;
 * - a closer throws: the others still run, exit code 1;
 * - the whole sequence exceeds the timeout, or a second signal arrives: exit code 1 at once.
 * @module
 */
import { opt } from "./config.ts";

/** `--shutdown.timeout` (env `FLOPS_SHUTDOWN_TIMEOUT`). */
export const SHUTDOWN_OPTIONS = {
  "shutdown.timeout": opt.positiveInt({
    default: 30,
    description: "seconds to wait for a graceful stop before forcing exit",
    valueName: "<seconds>",
  }),
};

export type Closer = () => void | Promise<void>;

/** The subset of a logger shutdown needs (pino fits). */
export interface ShutdownLogger {
  info(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What signal handlers are installed on (`process`, or an EventEmitter in tests). */
export interface SignalSource {
  on(event: NodeJS.Signals, fn: (signal: NodeJS.Signals) => void): unknown;
  off(event: NodeJS.Signals, fn: (signal: NodeJS.Signals) => void): unknown;
}

export interface ShutdownOpts {
  /** Whole-sequence limit; default 30 000 ms. */
  timeoutMs?: number;
  /** Default SIGINT and SIGTERM. */
  signals?: readonly NodeJS.Signals[];
}

export interface ShutdownModules {
  logger?: ShutdownLogger;
  /** Ends the process; default `process.exit`. Tests pass a fake. */
  exit?: (code: number) => void;
  /** Where signal handlers go; default `process`. Tests pass an EventEmitter. */
  signalSource?: SignalSource;
}

export interface Shutdown {
  /** Adds a closer; returns a function that removes it (for components stopped early). */
  register(name: string, close: Closer): () => void;
  /** Installs the signal handlers. */
  install(): void;
  /** Removes the signal handlers (tests, or when the host takes over). */
  uninstall(): void;
  /**
   * Runs the closers (once; later calls return the same promise), then calls `exit` with the
   * code, which the promise also resolves to.
   */
  shutdown(reason?: string): Promise<number>;
  /** True from the first signal on: readiness checks report "shutting down". */
  isShuttingDown(): boolean;
}

export function createShutdown(opts: ShutdownOpts = {}, modules: ShutdownModules = {}): Shutdown {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const signals = opts.signals ?? ["SIGINT", "SIGTERM"];
  const exit = modules.exit ?? ((code: number) => process.exit(code));
  const source = modules.signalSource ?? process;
  const log = modules.logger;
  const closers: { name: string; close: Closer }[] = [];
  let running: Promise<number> | undefined;
  let exited = false;

  const finish = (code: number): void => {
    if (exited) return;
    exited = true;
    exit(code);
  };

  const runClosers = async (): Promise<number> => {
    let code = 0;
    for (const { name, close } of [...closers].reverse()) {
      try {
        await close();
        log?.info({ closer: name }, "stopped");
      } catch (err) {
        code = 1;
        log?.error({ closer: name, err }, "error while stopping");
      }
    }
    return code;
  };

  const shutdown = (reason = "shutdown requested"): Promise<number> => {
    if (running) return running;
    log?.info({ reason, timeoutMs }, "shutting down");
    running = new Promise<number>((resolveCode) => {
      // The timer is unref'd: it must not keep a process alive that has nothing left to do.
      const timer = setTimeout(() => {
        log?.error({ timeoutMs }, "shutdown timed out, forcing exit");
        resolveCode(1);
      }, timeoutMs);
      timer.unref?.();
      runClosers().then((code) => {
        clearTimeout(timer);
        resolveCode(code);
      });
    }).then((code) => {
      if (code === 0) log?.info({}, "stopped cleanly");
      finish(code);
      return code;
    });
    return running;
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    if (running) {
      // Second signal: the operator wants out now (e.g. a closer hangs).
      log?.error({ signal }, "second signal, forcing exit");
      finish(1);
      return;
    }
    void shutdown(`received ${signal}`);
  };

  return {
    register(name, close) {
      const entry = { name, close };
      closers.push(entry);
      return () => {
        const i = closers.indexOf(entry);
        if (i >= 0) closers.splice(i, 1);
      };
    },
    install() {
      for (const s of signals) source.on(s, onSignal);
    },
    uninstall() {
      for (const s of signals) source.off(s, onSignal);
    },
    shutdown,
    isShuttingDown: () => running !== undefined,
  };
}
