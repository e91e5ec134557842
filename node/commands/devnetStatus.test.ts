import { describe, expect, it } from "vitest";
import type { Hash32 } from "../../chain/types.ts";
import type { BlockRef } from "../../rpc/types.ts";
import { type DevnetStatusData, formatDevnetStatus, type Heads, stallText } from "./devnetStatus.ts";

const hash = (b: number): Hash32 => new Uint8Array(32).fill(b);
const ref = (n: bigint, b = Number(n % 251n)): BlockRef => ({
  number: n,
  hash: hash(b),
  timestamp: 1_000n + n,
});
const heads = (unsafe: bigint, safe: bigint, finalized: bigint, currentL1?: bigint): Heads => ({
  unsafeL2: ref(unsafe),
  safeL2: ref(safe),
  finalizedL2: ref(finalized),
  ...(currentL1 === undefined ? {} : { currentL1: ref(currentL1) }),
});
const batch = { first: 81n, last: 90n, l1Block: 40n, bytes: 512, frames: 1 };
const ADDR = "0x00000000000000000000000000000000000000aa";

function data(over: Partial<DevnetStatusData> = {}): DevnetStatusData {
  return {
    sequencer: heads(100n, 0n, 0n),
    verifier: { heads: heads(90n, 80n, 60n, 42n), sequencerHashAtSafe: hash(80) },
    lastBatch: { ...batch, txHash: `0x1a2b3c${"00".repeat(26)}9f0e` },
    outputs: { count: 3n, last: { l2BlockNumber: 70n, l1BlockNumber: 35n } },
    provers: [
      {
        address: ADDR,
        node: {
          credits: 1_500_000_000_000_000_000n,
          multiplierBps: 11_000n,
          streak: 1,
          passed: 4,
          failed: 0,
        },
      },
      { address: "0x00000000000000000000000000000000000000bb" },
    ],
    verifierLog: "/d/verifier.log",
    ...over,
  };
}

describe("devnet status lines", () => {
  it("default: three heads for the sequencer and the verifier, its agreement, the last batch, outputs, provers", () => {
    expect(formatDevnetStatus(data()).split("\n")).toEqual([
      "sequencer   unsafe 100  safe 0  finalized 0  (safe/finalized: not derived: no batcher)",
      "verifier    unsafe 90  safe 80  finalized 60   agrees with the sequencer at safe 80 (0x505050…5050)",
      "last batch  L2 81..90 in L1 block 40, tx 0x1a2b3c…9f0e (512 bytes)",
      "outputs     3 proposed, the last for L2 block 70 (L1 block 35)",
      `  prover-0 ${ADDR}  credits        1.5  multiplier 1.1x  streak 1  passed 4  failed 0`,
      "  prover-1 0x00000000000000000000000000000000000000bb  (registering)",
      "",
    ]);
  });

  it("behavior: a node that derives its heads gets no note; no verifier, batcher or L1: their lines are left out", () => {
    const out = formatDevnetStatus(
      data({
        sequencer: heads(100n, 90n, 80n, 50n),
        verifier: undefined,
        lastBatch: undefined,
        outputs: undefined,
      }),
    );
    expect(out.split("\n")[0]).toBe("sequencer   unsafe 100  safe 90  finalized 80");
    expect(out).not.toMatch(/verifier|last batch|outputs/);
    expect(formatDevnetStatus(data({ lastBatch: null, outputs: { count: 0n } }))).toMatch(
      /last batch {2}none yet\noutputs {5}0 proposed\n/,
    );
  });

  it("behavior: with FraudProofs, a fraud line: none proven, or the verdicts by kind", () => {
    expect(
      formatDevnetStatus(data({ fraud: { invalidCompute: 0, equivocations: 0, availability: 0 } })),
    ).toMatch(/\nfraud {7}none proven \(the challenger re-derives every output\)\n/);
    expect(
      formatDevnetStatus(data({ fraud: { invalidCompute: 1, equivocations: 2, availability: 0 } })),
    ).toMatch(/fraud {7}!! proven: 1 invalid compute, 2 equivocation\(s\), 0 unavailable/);
    expect(formatDevnetStatus(data())).not.toMatch(/fraud/);
  });

  it("behavior: an attested output shows its signers out of the registered operators", () => {
    const last = { l2BlockNumber: 70n, l1BlockNumber: 35n };
    const line = (attested?: { signers: number; of: number }) =>
      formatDevnetStatus(
        data({ outputs: { count: 12n, last: { ...last, ...(attested ? { attested } : {}) } } }),
      )
        .split("\n")
        .find((l) => l.startsWith("outputs"));
    expect(line({ signers: 4, of: 4 })).toBe(
      "outputs     12 proposed, the last for L2 block 70 (L1 block 35), attested 4/4",
    );
    expect(line({ signers: 3, of: 4 })).toMatch(/, attested 3\/4$/);
    expect(line()).toBe("outputs     12 proposed, the last for L2 block 70 (L1 block 35)");
  });

  it("error: a verifier whose safe block differs from the sequencer's gets a loud line with both hashes", () => {
    const out = formatDevnetStatus(
      data({ verifier: { heads: heads(90n, 80n, 60n, 42n), sequencerHashAtSafe: hash(7) } }),
    );
    expect(out).not.toContain("agrees");
    expect(out).toContain(
      `!! VERIFIER DISAGREES WITH THE SEQUENCER at L2 block 80: derived from L1 0x${"50".repeat(32)}, sequencer 0x${"07".repeat(32)} (log: /d/verifier.log)`,
    );
    // The sequencer has no block at that height (a chain that lost blocks L1 holds): as loud.
    expect(
      formatDevnetStatus(
        data({ verifier: { heads: heads(90n, 80n, 60n, 42n), sequencerHashAtSafe: undefined } }),
      ),
    ).toContain("!! VERIFIER DISAGREES: it derived L2 block 80 (0x5050");
    // Nothing safe yet: nothing to disagree on.
    expect(
      formatDevnetStatus(data({ verifier: { heads: heads(0n, 0n, 0n), sequencerHashAtSafe: undefined } })),
    ).toContain("verifier    unsafe 0  safe 0  finalized 0   nothing safe derived yet");
  });

  it("error: a verifier that read the last batch's L1 block and took none of it is reported stuck", () => {
    // Read L1 past block 40 (the batch's) with its head still at 80, below the batch's 81..90.
    const stuck = heads(80n, 80n, 60n, 41n);
    expect(stallText(stuck, batch)).toBe(
      "!! VERIFIER STUCK at L2 block 80: it read L1 block 40 (the sequencer's L2 blocks 81..90) and took none of them: derivation dropped the sequencer's blocks",
    );
    const out = formatDevnetStatus(data({ verifier: { heads: stuck, sequencerHashAtSafe: hash(80) } }));
    expect(out).toContain("agrees with the sequencer at safe 80");
    expect(out).toContain("!! VERIFIER STUCK at L2 block 80");
    // Not yet past the batch's block, or past the batch's blocks: following, not stuck.
    expect(stallText(heads(80n, 80n, 60n, 40n), batch)).toBeUndefined();
    expect(stallText(heads(90n, 80n, 60n, 41n), batch)).toBeUndefined();
    expect(stallText(heads(80n, 80n, 60n), batch)).toBeUndefined();
    expect(stallText(stuck, null)).toBeUndefined();
  });

  it("error: a verifier that stopped or does not answer says so, with its log", () => {
    expect(formatDevnetStatus(data({ verifier: { note: "stopped (exit code 1)" } }))).toContain(
      "verifier    stopped (exit code 1) (log: /d/verifier.log)\n",
    );
  });
});
