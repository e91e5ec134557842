/**
 * Stalls never punish (PROTOCOL §3): a real node process (`flops node --dev`) is frozen with
 * SIGSTOP while a challenge is SAMPLED, for longer than the reveal window has left plus
 * maxBlockGapMs, then resumed. The first block after the stall extends the reveal deadline by
 * the gap, so the honest reveal sent after SIGCONT passes; before the rule, the challenge became
 * EXPIRED from SAMPLED (a failure) in that block.
 *
 * The freeze is the reveal time left plus maxBlockGapMs, so the chain is given a shorter reveal
 * window (5 s) and block gap (2 s) than the devnet's (10 s, 5 s), and a shorter batch delay
 * (fastGenesis): the rule under test is the same at any length, and the test waits ~8 s less.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { beaconRandomness } from "../../chain/beacon/index.ts";
import { bytesToHex } from "../../chain/bytes.ts";
import { TIER_TINY, type Tier } from "../../chain/params.ts";
import { challengeSeed } from "../../chain/proof/index.ts";
import type { Challenge, SignedTx } from "../../chain/types.ts";
import { createJsEngine } from "../../prover/engine/index.ts";
import { buildReveal, proveChallenge } from "../../prover/proveChallenge.ts";
import { parseResult } from "../../rpc/method.ts";
import { FLOPS_RPC } from "../../rpc/methods.ts";
import { fastGenesis } from "../helpers/fastGenesis.ts";
import { type Spawned, spawnDevNode } from "../helpers/nodeProcess.ts";
import { rpcResult, waitFor } from "../helpers/rpc.ts";
import { TestAccount } from "../helpers/testChain.ts";

const dir = mkdtempSync(join(tmpdir(), "flops-stall-"));
let proc: Spawned | undefined;

afterAll(() => {
  if (proc && proc.child.exitCode === null) {
    proc.child.kill("SIGCONT");
    proc.child.kill("SIGKILL");
  }
  rmSync(dir, { recursive: true, force: true });
});

describe("e2e: a frozen sequencer never punishes a node", () => {
  it("behavior: SIGSTOP past the reveal deadline, SIGCONT: the reveal passes (not EXPIRED)", async () => {
    // Long enough that the reveal, sent after SIGCONT, lands in the time left before the stall.
    const tiny: Tier = { ...TIER_TINY, revealWindowMs: 5_000n };
    const genesis = fastGenesis({ tiers: [tiny], params: { maxBlockGapMs: 2_000n } });
    const started = await spawnDevNode(dir, { blockTimeMs: 200, genesis });
    proc = started.proc;
    const url = started.url;
    const params = parseResult(FLOPS_RPC.getParams, await rpcResult(url, "flops_getParams"));
    const alice = TestAccount.fromSeed(77, params.l2ChainId);

    const send = async (tx: SignedTx) => {
      const hash = await rpcResult<string>(url, "flops_sendRawTransaction", [bytesToHex(tx.raw)]);
      return waitFor(
        () =>
          rpcResult<{ status: string; challengeId: string | null }>(url, "flops_getTransactionReceipt", [
            hash,
          ]),
        15_000,
        `receipt of ${hash}`,
      );
    };
    const getChallenge = async (id: string): Promise<Challenge> =>
      parseResult(FLOPS_RPC.getChallenge, await rpcResult(url, "flops_getChallenge", [id]))!;
    const inStatus = (id: string, status: Challenge["status"]) =>
      waitFor(
        async () => {
          const c = await getChallenge(id);
          return c.status === status ? c : undefined;
        },
        15_000,
        `challenge ${id} ${status}`,
      );
    const head = async () => {
      const s = parseResult(FLOPS_RPC.syncStatus, await rpcResult(url, "flops_syncStatus"));
      return { number: s.unsafeL2.number, timestampMs: s.unsafeL2.timestamp };
    };

    expect((await send(alice.sign({ kind: "register" }))).status).toBe("success");
    const id = (await send(alice.sign({ kind: "challenge", tier: TIER_TINY.id }))).challengeId!;
    const active = await inStatus(id, "ACTIVE");
    const seed = challengeSeed(
      params.l2ChainId,
      active.id,
      alice.address,
      beaconRandomness(active.r1Signature!),
    );
    const proved = await proveChallenge(TIER_TINY, seed, createJsEngine());
    expect(
      (await send(alice.sign({ kind: "commit", challengeId: active.id, root: proved.root }))).status,
    ).toBe("success");
    const sampled = await inStatus(id, "SAMPLED");
    const { tiles, proof } = buildReveal(proved, beaconRandomness(sampled.r2Signature!));

    // Freeze the node for longer than the reveal window has left plus maxBlockGapMs: the next
    // block comes after the deadline, and its gap to the parent is a stall.
    const before = await head();
    const left = sampled.deadline - BigInt(Date.now());
    const freezeMs = Number((left > 0n ? left : 0n) + params.maxBlockGapMs) + 1_500;
    proc.child.kill("SIGSTOP");
    try {
      await new Promise((r) => setTimeout(r, freezeMs));
    } finally {
      proc.child.kill("SIGCONT");
    }
    const resumedAt = BigInt(Date.now());
    expect(resumedAt > sampled.deadline).toBe(true);
    // The first block after the stall has processed the deadline: extended, not expired.
    await waitFor(async () => (await head()).number > before.number, 15_000, "a block after the stall");
    const extended = await getChallenge(id);
    expect(extended.status).toBe("SAMPLED");
    expect(extended.deadline > resumedAt).toBe(true);
    expect(extended.deadline - sampled.deadline >= BigInt(freezeMs) - 1_000n).toBe(true);

    const receipt = await send(alice.sign({ kind: "reveal", challengeId: active.id, tiles, proof }));
    expect(receipt).toMatchObject({ status: "success", challengeId: id });
    expect((await getChallenge(id)).status).toBe("PASSED");
    const node = await rpcResult<{ passed: number; failed: number }>(url, "flops_getNode", [
      bytesToHex(alice.address),
    ]);
    expect(node).toMatchObject({ passed: 1, failed: 0 });

    proc.child.kill("SIGTERM");
    expect((await proc.exited).code).toBe(0);
  }, 60_000);
});
