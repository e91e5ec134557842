import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { verifyBeaconRound } from "../chain/beacon/index.ts";
import { bytesToHex } from "../chain/bytes.ts";
import { validateGenesis } from "../chain/genesisValidate.ts";
import { TIER_TINY } from "../chain/params.ts";
import { type Spawned, spawnDevNode } from "../test/helpers/nodeProcess.ts";
import { rpc, rpcResult, waitFor } from "../test/helpers/rpc.ts";
import { TestAccount } from "../test/helpers/testChain.ts";
import {
  DEV_BEACON_KEY_FILE,
  devBeaconKeys,
  loadOrCreateDevBeaconKey,
  readBeaconKeyFile,
} from "./devBeaconKey.ts";
import { DEV_CHAIN_ID_MAX, DEV_CHAIN_ID_MIN, devBeaconSource, devGenesis } from "./devnet.ts";

const root = mkdtempSync(join(tmpdir(), "flops-devnet-"));
const running: Spawned[] = [];
afterAll(async () => {
  for (const p of running) {
    if (p.child.exitCode === null) p.child.kill("SIGKILL");
    await p.exited;
  }
  rmSync(root, { recursive: true, force: true });
});

const NOW = 1_700_000_000_000n;

describe("devnet beacon key and chain id", () => {
  it("default: each datadir gets a fresh key (0600), kept on resume; its genesis has its own chain id", () => {
    const a = loadOrCreateDevBeaconKey(join(root, "unit-a"));
    const b = loadOrCreateDevBeaconKey(join(root, "unit-b"));
    expect(a.created && b.created).toBe(true);
    expect(bytesToHex(a.key)).not.toBe(bytesToHex(b.key));
    expect(statSync(a.file).mode & 0o777).toBe(0o600);
    const again = loadOrCreateDevBeaconKey(join(root, "unit-a"));
    expect(again.created).toBe(false);
    expect(bytesToHex(again.key)).toBe(bytesToHex(a.key));

    const ga = devGenesis({ now: NOW, epochSeconds: 30, beaconKey: a.key });
    const gb = devGenesis({ now: NOW, epochSeconds: 30, beaconKey: b.key });
    validateGenesis(ga);
    expect(ga.params.l2ChainId).not.toBe(gb.params.l2ChainId);
    expect(ga.params.l2ChainId).not.toBe(0xf10b5n);
    for (const g of [ga, gb]) {
      expect(g.params.l2ChainId >= DEV_CHAIN_ID_MIN && g.params.l2ChainId <= DEV_CHAIN_ID_MAX).toBe(true);
    }
    // The chain id follows from the key: a resumed devnet keeps it even if its genesis is remade.
    expect(devGenesis({ now: NOW + 5000n, epochSeconds: 8, beaconKey: a.key }).params.l2ChainId).toBe(
      ga.params.l2ChainId,
    );
  });

  it("behavior: the beacon source signs with the datadir's key; another chain's beacon is refused", async () => {
    const dir = join(root, "unit-a");
    const g = devGenesis({ now: NOW, epochSeconds: 30, beaconKey: loadOrCreateDevBeaconKey(dir).key });
    const source = devBeaconSource(g, () => NOW + 10_000n, devBeaconKeys(dir));
    const sig = await source.getRound(3n);
    expect(sig && verifyBeaconRound(g.params.beacon, 3n, sig)).toBe(true);

    const other = devGenesis({
      now: NOW,
      epochSeconds: 30,
      beaconKey: loadOrCreateDevBeaconKey(join(root, "unit-b")).key,
    });
    expect(() => devBeaconSource(other, () => NOW, devBeaconKeys(dir))).toThrow(
      expect.objectContaining({ code: "BEACON_KEY_MISMATCH" }),
    );
  });

  it("error: a damaged key file is refused, naming it", () => {
    const dir = join(root, "unit-bad");
    loadOrCreateDevBeaconKey(dir);
    const file = join(dir, DEV_BEACON_KEY_FILE);
    writeFileSync(file, "0x1234\n");
    expect(() => readBeaconKeyFile(file)).toThrow(`beacon key file ${file}: expected 32 bytes of hex`);
    writeFileSync(file, `0x${"00".repeat(32)}\n`);
    expect(() => loadOrCreateDevBeaconKey(dir)).toThrow(
      /beacon key file .*: beacon secret key must be a scalar/,
    );
  });
});

async function startDev(datadir: string): Promise<{ proc: Spawned; url: string }> {
  return spawnDevNode(datadir, { blockTimeMs: 200, rateLimit: true, timeoutMs: 40_000, track: running });
}

async function stop(p: Spawned): Promise<void> {
  p.child.kill("SIGTERM");
  expect((await p.exited).code).toBe(0);
}

describe("e2e: flops node --dev", () => {
  it("behavior: two devnets differ in chain id and beacon key; a resumed one keeps both and its rounds", async () => {
    const dirA = join(root, "node-a");
    const [a, b] = await Promise.all([startDev(dirA), startDev(join(root, "node-b"))]);
    const chainA = await rpcResult<string>(a.url, "eth_chainId");
    const keyA = (await rpcResult<{ beacon: { publicKey: string } }>(a.url, "flops_getParams")).beacon
      .publicKey;
    const keyB = (await rpcResult<{ beacon: { publicKey: string } }>(b.url, "flops_getParams")).beacon
      .publicKey;
    expect(chainA).not.toBe(await rpcResult<string>(b.url, "eth_chainId"));
    expect(keyA).not.toBe(keyB);
    await Promise.all([stop(a.proc), stop(b.proc)]);

    const a2 = await startDev(dirA);
    expect(await rpcResult<string>(a2.url, "eth_chainId")).toBe(chainA);
    const params = await rpcResult<{ beacon: { publicKey: string } }>(a2.url, "flops_getParams");
    expect(params.beacon.publicKey).toBe(keyA);
    // The seed round of a new challenge is signed with the key kept in the datadir.
    const acct = TestAccount.fromSeed(77, BigInt(chainA));
    for (const tx of [
      acct.sign({ kind: "register" }),
      acct.sign({ kind: "challenge", tier: TIER_TINY.id }),
    ]) {
      expect((await rpc(a2.url, "flops_sendRawTransaction", [bytesToHex(tx.raw)])).error).toBeUndefined();
    }
    await waitFor(
      async () =>
        (await rpcResult<{ status: string } | null>(a2.url, "flops_getChallenge", ["0x1"]))?.status ===
        "ACTIVE",
      20_000,
      "the challenge's seed round (ACTIVE)",
    );
    await stop(a2.proc);
  }, 90_000);
});
