import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, type LoggerOpts, loggerOptsFromConfig, moduleLogger } from "./logger.ts";

function sink(isTTY = false): { stream: Writable & { isTTY?: boolean }; text: () => string } {
  let text = "";
  const stream = new Writable({
    write(chunk, _enc, cb) {
      text += String(chunk);
      cb();
    },
  }) as Writable & { isTTY?: boolean };
  stream.isTTY = isTTY;
  return { stream, text: () => text };
}

function jsonLines(opts: Omit<LoggerOpts, "destination"> = {}) {
  const s = sink();
  const log = createLogger({ ...opts, format: opts.format ?? "json", destination: s.stream });
  return {
    log,
    lines: () =>
      s
        .text()
        .trim()
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
  };
}

describe("createLogger", () => {
  it("writes JSON lines with level, ISO time and message", () => {
    const { log, lines } = jsonLines();
    log.info({ height: 5 }, "block built");
    const [line] = lines();
    expect(line).toMatchObject({ level: 30, msg: "block built", height: 5 });
    expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it("filters by level", () => {
    const { log, lines } = jsonLines({ level: "warn" });
    log.info("hidden");
    log.warn("shown");
    expect(lines().map((l) => l.msg)).toEqual(["shown"]);
  });

  it("child loggers carry {module}", () => {
    const { log, lines } = jsonLines();
    moduleLogger(log, "rpc", { node: "n1" }).info("listening");
    expect(lines()[0]).toMatchObject({ module: "rpc", node: "n1", msg: "listening" });
  });

  it("redacts password, privateKey, secret at the top level and one level down", () => {
    const { log, lines } = jsonLines();
    log.info({ password: "p", privateKey: "0xabc", key: { secret: "s", passphrase: "x" }, ok: 1 }, "x");
    const line = lines()[0];
    expect(line).toMatchObject({
      password: "[redacted]",
      privateKey: "[redacted]",
      key: { secret: "[redacted]", passphrase: "[redacted]" },
      ok: 1,
    });
    expect(JSON.stringify(line)).not.toContain("0xabc");
  });

  it("auto format: JSON when the destination is not a terminal, pretty when it is", () => {
    const plain = sink(false);
    createLogger({ destination: plain.stream }).info("hello");
    expect(() => JSON.parse(plain.text())).not.toThrow();
    const tty = sink(true);
    createLogger({ destination: tty.stream }).info({ password: "p" }, "hello");
    expect(() => JSON.parse(tty.text())).toThrow();
    expect(tty.text()).toContain("hello");
    expect(tty.text()).not.toContain('"p"');
  });

  it("pretty when asked, even off a terminal", () => {
    const s = sink(false);
    createLogger({ format: "pretty", destination: s.stream }).warn("careful");
    expect(s.text()).toMatch(/WARN.*careful/);
  });

  it("takes its options from the LOG_OPTIONS config", () => {
    expect(loggerOptsFromConfig({ "log.level": "debug", "log.format": "json" })).toEqual({
      level: "debug",
      format: "json",
    });
  });
});
