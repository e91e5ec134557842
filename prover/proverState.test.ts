import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  loadState,
  type ProverState,
  STATE_VERSION,
  saveState,
  stateFilePath,
  stateFromJson,
  stateToJson,
  stateTxs,
} from "./proverState.ts";

const address = new Uint8Array(20).fill(0xab);
const tx = (kind: "challenge" | "commit" | "reveal", nonce: bigint, fill: number) => ({
  kind,
  nonce,
  hash: new Uint8Array(32).fill(fill),
  raw: Uint8Array.of(1, 2, 3, fill),
});

const FULL: ProverState = {
  chainId: 987_909n,
  address,
  register: { ...tx("commit", 2n, 9), kind: "register" },
  challenges: [
    {
      tier: 1,
      id: 7n,
      request: tx("challenge", 3n, 1),
      commit: tx("commit", 4n, 2),
      reveal: tx("reveal", 5n, 3),
    },
    { tier: 1, id: 8n, request: tx("challenge", 6n, 4), commit: tx("commit", 7n, 5) },
    { tier: 100, request: tx("challenge", 8n, 6) },
  ],
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "flops-state-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("prover state file", () => {
  it("round-trips through JSON, bigints as decimal strings", () => {
    expect(stateFromJson(stateToJson(FULL))).toEqual(FULL);
    const minimal: ProverState = { chainId: 1n, address, challenges: [{ tier: 100 }] };
    expect(stateFromJson(stateToJson(minimal))).toEqual(minimal);
    expect(JSON.parse(stateToJson(FULL))).toMatchObject({
      version: STATE_VERSION,
      chainId: "987909",
      challenges: [{ id: "7", request: { nonce: "3", kind: "challenge" } }, { id: "8" }, { tier: 100 }],
    });
    // Every tx, for the tx sender to take over after a restart.
    expect(stateTxs(FULL).map((t) => t.nonce)).toEqual([2n, 3n, 4n, 5n, 6n, 7n, 8n]);
  });

  it("reads a version 1 file (one challenge) as a list of one", () => {
    const v1 = JSON.parse(stateToJson({ ...FULL, challenges: [FULL.challenges[0]!] }));
    v1.version = 1;
    v1.challenge = v1.challenges[0];
    delete v1.challenges;
    expect(stateFromJson(JSON.stringify(v1))).toEqual({ ...FULL, challenges: [FULL.challenges[0]] });
    v1.challenge = undefined;
    expect(stateFromJson(JSON.stringify(v1)).challenges).toEqual([]);
  });

  it("refuses a list that is not one, or longer than any prover writes", () => {
    const base = JSON.parse(stateToJson(FULL));
    expect(() => stateFromJson(JSON.stringify({ ...base, challenges: {} }))).toThrow(/not a list/);
    const many = Array.from({ length: 1025 }, () => ({ tier: 1 }));
    expect(() => stateFromJson(JSON.stringify({ ...base, challenges: many }))).toThrow(/more than 1024/);
    const bad = [{ tier: 1 }, { tier: 1, commit: { kind: "nope" } }];
    expect(() => stateFromJson(JSON.stringify({ ...base, challenges: bad }))).toThrow(
      /challenges\[1\]\.commit\.kind/,
    );
  });

  it("saves atomically into a private file named after the address, leaving no temp file", () => {
    const path = stateFilePath(join(dir, "sub"), address);
    expect(path).toBe(join(dir, "sub", `prover-0x${"ab".repeat(20)}.json`));
    saveState(path, FULL);
    saveState(path, { ...FULL, challenges: [{ tier: 1 }] });
    expect(readdirSync(join(dir, "sub"))).toEqual([`prover-0x${"ab".repeat(20)}.json`]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(loadState(path, { chainId: 987_909n, address })).toEqual({
      kind: "ok",
      state: { ...FULL, challenges: [{ tier: 1 }] },
    });
  });

  it("a missing file is none; a corrupt one, another chain's or another key's is ignored with a reason", () => {
    const path = stateFilePath(dir, address);
    expect(loadState(path, { chainId: 1n, address })).toEqual({ kind: "none" });
    saveState(path, FULL);
    expect(loadState(path, { chainId: 2n, address })).toMatchObject({
      kind: "ignored",
      reason: expect.stringMatching(/is for chain 987909, not 2/),
    });
    expect(loadState(path, { chainId: 987_909n, address: new Uint8Array(20) })).toMatchObject({
      kind: "ignored",
    });
    writeFileSync(path, '{"version": 1, "chainId": "1", "addr');
    expect(loadState(path, { chainId: 1n, address })).toMatchObject({
      kind: "ignored",
      reason: expect.stringMatching(/unusable: not valid JSON/),
    });
    writeFileSync(path, JSON.stringify({ version: 9 }));
    expect(loadState(path, { chainId: 1n, address })).toMatchObject({
      reason: expect.stringMatching(/version 9/),
    });
  });
});
