import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiServer } from "../../api/server.ts";
import { bytesToHex } from "../../chain/bytes.ts";
import { genesisFromJson, genesisToJson } from "../../chain/genesisDoc.ts";
import { keccak256, utf8 } from "../../chain/hash.ts";
import { TIER_TINY } from "../../chain/params.ts";
import { CHALLENGE_STATUS } from "../../chain/types.ts";
import type { ProverEvent, ProverSummary } from "../../prover/proverEvents.ts";
import { runFlops } from "../../test/helpers/cli.ts";
import { FakeProverChain, rpcBackendOver } from "../../test/helpers/fakeProverChain.ts";
import { TestAccount, TestChain } from "../../test/helpers/testChain.ts";
import { writeKeystore } from "../keystore.ts";
import { createTerminalOutput, ProgressLine } from "./prover.ts";
import { formatAddress } from "./status.ts";

// The CLI in this process (node/cli.ts runCli); the SIGTERM test runs the real binary (its smoke test).
const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const flops = (args: string[], env: Record<string, string> = {}) => runFlops(args, { env });

/** JSON log lines of a run (non-TTY output), by message. */
function logLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe("flops prover", () => {
  let dir: string;
  let app: FastifyInstance;
  let url: string;
  let fake: FakeProverChain;
  let account: TestAccount;
  let keystore: string;
  let passwordFile: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "flops-prover-cli-"));
    fake = new FakeProverChain(new TestChain());
    app = await createApiServer({ rpc: { backend: rpcBackendOver(fake), limits: { rateLimit: false } } });
    url = await app.listen({ host: "127.0.0.1", port: 0 });
    account = TestAccount.fromSeed(11, fake.chain.params.l2ChainId);
    passwordFile = join(dir, "password");
    writeFileSync(passwordFile, "correct horse\n", { mode: 0o600 });
    keystore = (
      await writeKeystore(account.privateKey, "correct horse", { dir: join(dir, "keys"), scryptN: 1024 })
    ).file;
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const common = () => [
    "--rpc",
    url,
    "--keystore",
    keystore,
    "--password-file",
    passwordFile,
    "--datadir",
    join(dir, "data"),
    "--engine",
    "js",
    "--poll-interval",
    "5",
  ];

  it("--help lists the flags and their env twins", async () => {
    const run = await flops(["prover", "--help"]);
    expect(run.code).toBe(0);
    for (const flag of [
      "--rpc",
      "--keystore",
      "--password-file",
      "--engine",
      "--tier",
      "--datadir",
      "--once",
    ]) {
      expect(run.stdout).toContain(flag);
    }
    expect(run.stdout).toContain("FLOPS_RPC");
    expect(run.stdout).toContain("FLOPS_DATADIR");
  });

  it("--once does one challenge against a node's RPC, logs JSON lines and exits 0", async () => {
    const run = await flops(["prover", ...common(), "--tier", "tiny", "--once"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const lines = logLines(run.stdout);
    const msgs = lines.map((l) => l.msg);
    expect(msgs).toEqual(
      expect.arrayContaining([
        "prover started",
        "node registered",
        "challenge requested",
        "committed",
        "prover done",
      ]),
    );
    const passed = lines.find((l) => typeof l.msg === "string" && l.msg.startsWith("challenge passed"))!;
    expect(passed).toMatchObject({ module: "prover", passed: true, multiplierBps: 10_000, challengeId: "1" });
    expect(BigInt(passed.credits as string)).toBeGreaterThan(0n);
    expect(fake.chain.core.readState().getChallenge(1n)?.status).toBe(CHALLENGE_STATUS.PASSED);
    // The state file exists and names no challenge in flight.
    const stateFile = join(dir, "data", `prover-${bytesToHex(account.address)}.json`);
    expect(JSON.parse(readFileSync(stateFile, "utf8")).challenges).toEqual([]);
    // No pin: the genesis the node served was trusted on first use and recorded in the data dir.
    const genesisHash = bytesToHex(keccak256(utf8(fake.genesisJson())));
    expect(lines.find((l) => l.msg === "prover started")).toMatchObject({
      genesisHash,
      genesisTrust: "first-use",
    });
    const record = JSON.parse(readFileSync(join(dir, "data", "prover-genesis.json"), "utf8"));
    expect(record).toMatchObject({ version: 1, genesisHash });
  });

  it("smoke, the real binary: stops cleanly on SIGTERM and keeps the challenge for the next start", async () => {
    const child: ChildProcess = spawn(
      process.execPath,
      ["bin/flops.mjs", "prover", ...common(), "--tier", "100", "--max-in-flight", "1"],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, NO_COLOR: "1" },
      },
    );
    let stdout = "";
    const requested = new Promise<void>((resolve) => {
      child.stdout!.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('"msg":"challenge requested"')) resolve();
      });
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    await requested;
    // Hold the chain still so the challenge is mid-flight when the signal lands.
    fake.autoMine = false;
    child.kill("SIGTERM");
    const code = await exited;
    fake.autoMine = true;
    expect(code).toBe(0);
    const msgs = logLines(stdout).map((l) => l.msg);
    expect(msgs).toContain("prover stopped");
    const stateFile = join(dir, "data", `prover-${bytesToHex(account.address)}.json`);
    expect(existsSync(stateFile)).toBe(true);
    expect(JSON.parse(readFileSync(stateFile, "utf8")).challenges.map((c: { id?: string }) => c.id)).toEqual([
      "2",
    ]);

    // The next start finishes that challenge rather than requesting another.
    const run = await flops(["prover", ...common(), "--once"]);
    expect(run.code).toBe(0);
    const lines = logLines(run.stdout);
    expect(lines.find((l) => l.msg === "resuming challenge")).toMatchObject({ challengeId: "2" });
    expect(lines.find((l) => l.passed === true)).toMatchObject({ challengeId: "2" });
  });

  it("an unknown tier is a runtime error naming the chain's tiers; a bad --engine is a usage error", async () => {
    const tier = await flops(["prover", ...common(), "--tier", "huge", "--once"]);
    expect(tier.code).toBe(1);
    expect(tier.stderr).toContain("error: unknown tier huge; this chain has: 100 (tiny), 101 (small)");
    const engine = await flops(["prover", ...common(), "--engine", "gpu"]);
    expect(engine.code).toBe(2);
    expect(engine.stderr).toContain("--engine");
  });

  it("a node serving another genesis is refused: exit 1 against the record and against a pin", async () => {
    const real = fake.genesisJson();
    const realHash = bytesToHex(keccak256(utf8(real)));
    // A valid genesis of another chain: same params, another genesis time.
    const doc = genesisFromJson(real);
    const other = genesisToJson({ ...doc, timestamp: doc.timestamp + 1n });
    const otherHash = bytesToHex(keccak256(utf8(other)));
    const record = join(dir, "data", "prover-genesis.json");
    // As the first run above recorded it (written here too, so this test stands alone).
    mkdirSync(join(dir, "data"), { recursive: true });
    writeFileSync(record, `${JSON.stringify({ version: 1, genesisHash: realHash, chainId: "1" })}\n`);
    const sentBefore = fake.accepted.length;
    // A node of the same chain state that serves the other genesis (its own server: the API
    // formats a backend's genesis once).
    const liar = await createApiServer({
      rpc: { backend: { ...rpcBackendOver(fake), genesisJson: () => other }, limits: { rateLimit: false } },
    });
    const liarUrl = await liar.listen({ host: "127.0.0.1", port: 0 });
    const againstLiar = () => ["prover", ...common(), "--rpc", liarUrl];
    try {
      // No pin: the data dir's record decides.
      const tofu = await flops([...againstLiar(), "--once"]);
      expect(tofu.code).toBe(1);
      expect(tofu.stderr).toContain(
        `error: the node serves genesis ${otherHash}, not ${realHash} recorded in ${record} on first use`,
      );
      // A pin (from a genesis file) is checked the same way.
      const genesisFile = join(dir, "genesis.json");
      writeFileSync(genesisFile, real);
      const pinned = await flops([...againstLiar(), "--genesis", genesisFile, "--once"]);
      expect(pinned.code).toBe(1);
      expect(pinned.stderr).toContain(
        `error: the node serves genesis ${otherHash}, not the pinned ${realHash}`,
      );
      // Nothing was sent for the other chain, and the record still names the real one.
      expect(fake.accepted).toHaveLength(sentBefore);
      expect(JSON.parse(readFileSync(record, "utf8")).genesisHash).toBe(realHash);
      // A file and a hash that disagree are a usage error.
      const both = await flops([
        "prover",
        ...common(),
        "--genesis",
        genesisFile,
        "--genesis-hash",
        otherHash,
      ]);
      expect(both.code).toBe(2);
      expect(both.stderr).toContain(`but --genesis-hash is ${otherHash}`);
    } finally {
      await liar.close();
    }
  });
});

describe("terminal output", () => {
  function capture() {
    const out: string[] = [];
    const err: string[] = [];
    const stream = (sink: string[]) =>
      ({ write: (s: string) => sink.push(s) }) as unknown as NodeJS.WritableStream;
    return { out, err, io: { out: stream(out), err: stream(err) } };
  }

  it("prints friendly lines, a progress bar on stderr, and earned credits with the multiplier", () => {
    const { out, err, io } = capture();
    const ui = createTerminalOutput(io);
    const address = new Uint8Array(20).fill(0xab);
    const events: ProverEvent[] = [
      {
        type: "started",
        address,
        chainId: 987_909n,
        genesisHash: new Uint8Array(32).fill(0xcd),
        genesisTrust: "pinned",
        tier: TIER_TINY,
        engine: "wasm-simd",
        stateFile: "/d/p.json",
        maxInFlight: 4,
      },
      { type: "registered", txHash: undefined },
      { type: "computing", challengeId: 3n, progress: { phase: "products", done: 0, total: 17 } },
      { type: "computing", challengeId: 3n, progress: { phase: "commitment", done: 17, total: 17 } },
      {
        type: "computed",
        challengeId: 3n,
        root: new Uint8Array(32).fill(1),
        elapsedMs: 2000,
        work: 34_359_738_368n,
      },
      {
        type: "revealed",
        challengeId: 3n,
        txHash: new Uint8Array(32),
        passed: true,
        credits: 41_231_686_041_600_000_000n,
        multiplierBps: 12_000n,
        node: {
          address,
          credits: 123_500_000_000_000_000_000n,
          multiplierBps: 12_000n,
          streak: 2,
          registeredAt: 1n,
          lastLiveEpoch: 4n,
          currentEpoch: 5n,
          epochWork: 0n,
          epochFailed: false,
          openChallenges: 0,
          passed: 3,
          failed: 0,
          expired: 0,
          cancelled: 0,
          totalWork: 0n,
          totalCredits: 0n,
          provenThroughput: 0n,
        },
      },
      {
        type: "error",
        during: "read challenge 3",
        message: "node down",
        error: null,
        kind: "temporary",
        transient: true,
        retryInMs: 500,
      },
      {
        type: "error",
        during: "read challenge 3",
        message: "node down",
        error: null,
        kind: "temporary",
        transient: true,
        retryInMs: 1000,
      },
    ];
    for (const e of events) ui.onEvent(e);
    const summary: ProverSummary = {
      challenges: 1,
      passed: 1,
      failed: 0,
      skipped: 0,
      credits: 5n * 10n ** 17n,
      work: 16_384n,
      stopped: true,
    };
    ui.finish(summary);
    expect(out.join("")).toBe(
      [
        `Prover ${formatAddress(address)} on chain 987909, tier tiny (#100: n=16, m=2, k=8; 16.4 k ops), engine wasm-simd, 4 in flight`,
        `  genesis 0x${"cd".repeat(32)} (pinned)`,
        "  state file /d/p.json",
        "Node is registered",
        "Computed #3 in 2.00 s (17.2 G ops/s), root 0x01010101…",
        "✔ Challenge #3 PASSED: +41.2316860416 credits at 1.2× · balance 123.5 · streak 2 · next 1.2×",
        "Stopped: 1 passed, 0 failed, 0 skipped; +0.5 credits",
        "",
      ].join("\n"),
    );
    const errText = err.join("");
    expect(errText).toContain("█");
    expect(errText).toContain("100%");
    // The same transient failure is reported once, not on every retry.
    expect(errText.match(/warning: read challenge 3: node down/g)).toHaveLength(1);
  });

  it("ProgressLine redraws in place and clears itself", () => {
    const { err, io } = capture();
    const bar = new ProgressLine(io.err, 10);
    bar.draw("x", 0.5, true);
    bar.clear();
    bar.clear();
    expect(err).toEqual(["\r\x1b[Kx █████░░░░░  50%", "\r\x1b[K"]);
  });
});
