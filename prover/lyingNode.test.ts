/**
 * The prover against a node that lies: it serves another chain's genesis, or forges the beacon
 * rounds of a challenge. The chain behind the fake is real (TestChain: the challenge lifecycle,
 * verified rounds); only the answers the prover reads are tampered with.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLocalBeacon, deriveBeaconSecretKey } from "../chain/beacon/index.ts";
import { bytesToHex } from "../chain/bytes.ts";
import { genesisFromJson, genesisToJson } from "../chain/genesisDoc.ts";
import { keccak256, utf8 } from "../chain/hash.ts";
import { TIER_TINY } from "../chain/params.ts";
import type { Challenge } from "../chain/types.ts";
import { FakeProverChain } from "../test/helpers/fakeProverChain.ts";
import { TestAccount, TestChain } from "../test/helpers/testChain.ts";
import { createJsEngine } from "./engine/jsEngine.ts";
import { ProverError } from "./errors.ts";
import { genesisRecordPath } from "./genesisTrust.ts";
import { createProver, type ProverOpts } from "./proverClient.ts";
import type { ProverEvent } from "./proverEvents.ts";

const FAST = { pollIntervalMs: 1, resendIntervalMs: 20, retry: { initialMs: 1, maxMs: 5, jitter: 0 } };

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), "flops-lying-"));
});
afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

/** Rounds signed by a key that is not the genesis beacon's: well-formed, valid BLS, forged. */
const forger = createLocalBeacon(deriveBeaconSecretKey("flops/forger"), {
  genesisTime: 0n,
  periodSeconds: 1n,
});

/** A node that tampers with each challenge it serves. */
class LyingNode extends FakeProverChain {
  tamper: ((c: Challenge) => Challenge) | undefined;
  override async getChallenge(id: bigint): Promise<Challenge | undefined> {
    const c = await super.getChallenge(id);
    return c && this.tamper ? this.tamper(c) : c;
  }
}

function setup() {
  const fake = new LyingNode(new TestChain());
  const account = TestAccount.fromSeed(7, fake.chain.params.l2ChainId);
  return { fake, account };
}

function proverFor(fake: FakeProverChain, account: TestAccount, extra: Partial<ProverOpts> = {}) {
  const prover = createProver(
    { privateKey: account.privateKey, dataDir, tier: TIER_TINY.id, maxChallenges: 1, ...FAST, ...extra },
    { chain: fake, engine: createJsEngine(), random: () => 0.5 },
  );
  const events: ProverEvent[] = [];
  prover.onEvent((e) => events.push(e));
  return { prover, events };
}

const hashOf = (text: string): Uint8Array => keccak256(utf8(text));
const sentKinds = (fake: FakeProverChain): string[] => fake.accepted.map((tx) => tx.body.action.kind);

/** Runs the prover until its first BAD_BEACON_ROUND refusal (or the end of the run). */
async function runUntilRefused(fake: FakeProverChain, account: TestAccount) {
  const { prover, events } = proverFor(fake, account);
  const ac = new AbortController();
  prover.onEvent((e) => {
    if (e.type === "error" && e.error instanceof ProverError && e.error.code === "BAD_BEACON_ROUND")
      ac.abort();
  });
  const summary = await prover.run(ac.signal);
  const refusals = events.filter(
    (e): e is Extract<ProverEvent, { type: "error" }> =>
      e.type === "error" && e.error instanceof ProverError && e.error.code === "BAD_BEACON_ROUND",
  );
  return { summary, events, refusals };
}

/** A valid genesis of another chain: the same params, another genesis time. */
function otherGenesis(fake: FakeProverChain): string {
  const doc = genesisFromJson(fake.genesisJson());
  return genesisToJson({ ...doc, timestamp: doc.timestamp + 1n });
}

describe("prover vs a lying node: genesis", () => {
  it("a pinned genesis hash the node does not serve: run rejects with GENESIS_MISMATCH, nothing sent", async () => {
    const { fake, account } = setup();
    const pin = hashOf(fake.genesisJson());
    fake.servedGenesis = otherGenesis(fake);
    const { prover } = proverFor(fake, account, { genesisHash: pin });
    const err = await prover.run().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProverError);
    expect((err as ProverError).code).toBe("GENESIS_MISMATCH");
    expect((err as ProverError).message).toBe(
      `the node serves genesis ${bytesToHex(hashOf(fake.servedGenesis))}, not the pinned ${bytesToHex(pin)} (--genesis-hash): it runs another chain`,
    );
    expect(fake.accepted).toEqual([]);
    // flops_getParams is never asked: the params come from the checked genesis only.
    expect(fake.calls.get("params")).toBeUndefined();
  });

  it("no pin: the first run records the genesis, a later run refuses a different one", async () => {
    const { fake, account } = setup();
    const first = proverFor(fake, account);
    expect((await first.prover.run()).passed).toBe(1);
    expect(first.events[0]).toMatchObject({ type: "started", genesisTrust: "first-use" });
    const record = JSON.parse(readFileSync(genesisRecordPath(dataDir), "utf8"));
    expect(record.genesisHash).toBe(bytesToHex(hashOf(fake.genesisJson())));

    const sent = fake.accepted.length;
    fake.servedGenesis = otherGenesis(fake);
    const err = await proverFor(fake, account)
      .prover.run()
      .catch((e: unknown) => e);
    expect((err as ProverError).code).toBe("GENESIS_MISMATCH");
    expect((err as ProverError).message).toContain(
      `not ${record.genesisHash} recorded in ${genesisRecordPath(dataDir)} on first use`,
    );
    expect(fake.accepted).toHaveLength(sent);

    // The true genesis again: trusted as recorded.
    fake.servedGenesis = undefined;
    const again = proverFor(fake, account);
    expect((await again.prover.run()).passed).toBe(1);
    expect(again.events[0]).toMatchObject({ type: "started", genesisTrust: "recorded" });
  });
});

describe("prover vs a lying node: beacon rounds", () => {
  it("a forged seed round is refused (BAD_BEACON_ROUND) and never committed with", async () => {
    const { fake, account } = setup();
    fake.tamper = (c) => (c.r1Signature ? { ...c, r1Signature: forger.sign(c.r1) } : c);
    const { events, refusals } = await runUntilRefused(fake, account);
    expect(refusals.length).toBeGreaterThan(0);
    expect(refusals[0]!.message).toMatch(
      /^challenge 1: seed round \d+ does not verify against the genesis beacon key; .* nothing is committed with it$/,
    );
    expect(events.some((e) => e.type === "computed" || e.type === "committed")).toBe(false);
    expect(sentKinds(fake)).toEqual(["register", "challenge"]);
  });

  it("a seed round from before the request (a real, already public one) is refused", async () => {
    const { fake, account } = setup();
    // A genuine round, signed by the real beacon, but published before the challenge was asked.
    fake.tamper = (c) => (c.r1Signature ? { ...c, r1: 1n, r1Signature: fake.chain.beacon.sign(1n) } : c);
    const { refusals } = await runUntilRefused(fake, account);
    expect(refusals[0]!.message).toMatch(/^challenge 1: seed round 1 is not after the request;/);
    expect(sentKinds(fake)).toEqual(["register", "challenge"]);
  });

  it("a forged sample round is refused and never revealed with", async () => {
    const { fake, account } = setup();
    fake.tamper = (c) => (c.r2Signature && c.r2 !== undefined ? { ...c, r2Signature: forger.sign(c.r2) } : c);
    const { events, refusals } = await runUntilRefused(fake, account);
    expect(refusals[0]!.message).toMatch(
      /^challenge 1: sample round \d+ does not verify against the genesis beacon key; .* nothing is revealed with it$/,
    );
    expect(events.some((e) => e.type === "sampled" || e.type === "revealed")).toBe(false);
    expect(sentKinds(fake)).toEqual(["register", "challenge", "commit"]);
  });

  it("honest rounds pass the same checks: a full challenge still passes", async () => {
    const { fake, account } = setup();
    const { prover } = proverFor(fake, account);
    expect(await prover.run()).toMatchObject({ passed: 1, failed: 0 });
    expect(sentKinds(fake)).toEqual(["register", "challenge", "commit", "reveal"]);
  });
});
