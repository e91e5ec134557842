import { spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createShutdown, type ShutdownLogger, type SignalSource } from "./shutdown.ts";

function harness(timeoutMs = 1000) {
  const signals = new EventEmitter();
  const exits: number[] = [];
  const logs: string[] = [];
  const logger: ShutdownLogger = {
    info: (_o, msg) => logs.push(`info ${msg}`),
    error: (_o, msg) => logs.push(`error ${msg}`),
  };
  const sd = createShutdown(
    { timeoutMs },
    {
      exit: (c) => exits.push(c),
      signalSource: signals as unknown as SignalSource,
      logger,
    },
  );
  sd.install();
  return { sd, signals, exits, logs };
}

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

describe("createShutdown", () => {
  it("runs closers in reverse order, one at a time, then exits 0", async () => {
    const { sd, signals, exits } = harness();
    const events: string[] = [];
    for (const name of ["db", "sequencer", "rpc"]) {
      sd.register(name, async () => {
        events.push(`${name}:start`);
        await tick(5);
        events.push(`${name}:end`);
      });
    }
    expect(sd.isShuttingDown()).toBe(false);
    signals.emit("SIGTERM", "SIGTERM");
    expect(sd.isShuttingDown()).toBe(true);
    expect(await sd.shutdown()).toBe(0);
    expect(events).toEqual([
      "rpc:start",
      "rpc:end",
      "sequencer:start",
      "sequencer:end",
      "db:start",
      "db:end",
    ]);
    expect(exits).toEqual([0]);
  });

  it("keeps going when a closer throws, and exits 1", async () => {
    const { sd, exits, logs } = harness();
    const ran: string[] = [];
    sd.register("a", () => {
      ran.push("a");
    });
    sd.register("b", () => {
      throw new Error("boom");
    });
    sd.register("c", () => {
      ran.push("c");
    });
    expect(await sd.shutdown("test")).toBe(1);
    expect(ran).toEqual(["c", "a"]);
    expect(exits).toEqual([1]);
    expect(logs).toContain("error error while stopping");
  });

  it("forces exit 1 when the sequence exceeds the timeout", async () => {
    const { sd, exits, logs } = harness(30);
    sd.register("hangs", () => new Promise(() => {}));
    expect(await sd.shutdown()).toBe(1);
    expect(exits).toEqual([1]);
    expect(logs).toContain("error shutdown timed out, forcing exit");
  });

  it("a second signal forces exit 1 at once", async () => {
    const { sd, signals, exits } = harness();
    let release!: () => void;
    sd.register("slow", () => new Promise<void>((r) => (release = r)));
    signals.emit("SIGINT", "SIGINT");
    await tick();
    expect(exits).toEqual([]);
    signals.emit("SIGINT", "SIGINT");
    expect(exits).toEqual([1]);
    // The first sequence finishing later does not exit a second time.
    release();
    await sd.shutdown();
    expect(exits).toEqual([1]);
  });

  it("shutdown() is idempotent; unregistered closers do not run; uninstall removes handlers", async () => {
    const { sd, signals, exits } = harness();
    const ran: string[] = [];
    const off = sd.register("gone", () => {
      ran.push("gone");
    });
    sd.register("kept", () => {
      ran.push("kept");
    });
    off();
    sd.uninstall();
    expect(signals.listenerCount("SIGTERM")).toBe(0);
    const p1 = sd.shutdown();
    const p2 = sd.shutdown();
    expect(p1).toBe(p2);
    expect(await p1).toBe(0);
    expect(ran).toEqual(["kept"]);
    expect(exits).toEqual([0]);
  });

  it("a real process exits 0 after SIGTERM once its closers ran", async () => {
    const repo = resolve(fileURLToPath(new URL("..", import.meta.url)));
    const script = [
      'import { createShutdown } from "./node/shutdown.ts";',
      "const sd = createShutdown({ timeoutMs: 5000 });",
      'sd.register("server", async () => { await new Promise((r) => setTimeout(r, 20)); console.log("closed"); });',
      "sd.install();",
      "setInterval(() => {}, 1000);",
      'console.log("ready");',
    ].join("\n");
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: repo,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => {
      out += String(d);
      if (out.includes("ready")) child.kill("SIGTERM");
    });
    const code = await new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
    expect(out).toBe("ready\nclosed\n");
    expect(code).toBe(0);
  });
});
