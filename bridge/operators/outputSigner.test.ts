import { appendFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bn254 } from "@noble/curves/bn254.js";
import type { Hex } from "viem";
import { describe, expect, it } from "vitest";
import { bytesToHex } from "../../chain/bytes.ts";
import { outputRoot } from "../../chain/commitment/outputRoot.ts";
import type { DerivedFrom, StoredBlockData } from "../../store/chainStore.ts";
import { keyPairFromSeed, outputMessageHash, verify } from "./bn254Bls.ts";
import { type FinalizedDerivation, OutputSigner } from "./outputSigner.ts";
import { SignedOutputs } from "./signedOutputs.ts";

const key = keyPairFromSeed(new Uint8Array(32).fill(5));
const ORACLE = "0x00000000000000000000000000000000000000aa" as const;
const OPERATOR = "0x00000000000000000000000000000000000000bb" as const;
const fill = (b: number) => new Uint8Array(32).fill(b);

// A derivation in memory: blocks 1..10 derived, block i decided by L1 block 100 + i.
function chain(
  finalized: { l2: bigint; l1: bigint } | undefined,
): FinalizedDerivation & { stateOf: Map<bigint, number> } {
  const stateOf = new Map<bigint, number>();
  return {
    stateOf,
    finalized: () => finalized,
    getBlock: (n) =>
      n <= 10n
        ? ({
            hash: fill(Number(n)),
            block: {
              header: {
                number: n,
                stateRoot: fill(stateOf.get(n) ?? 50 + Number(n)),
                withdrawalsRoot: fill(9),
              },
            },
          } as unknown as Pick<StoredBlockData, "block" | "hash">)
        : undefined,
    derivedFrom: (n) =>
      n <= 10n
        ? ({ l1Number: 100n + n, l1Hash: fill(200 - Number(n)) } as unknown as DerivedFrom)
        : undefined,
  };
}

function signer(dir: string, source: FinalizedDerivation, errors: object[] = []) {
  return new OutputSigner(
    { key, l1ChainId: 31337n, l2ChainId: 7n, oracle: ORACLE, keepBlocks: 5n },
    {
      source,
      journal: SignedOutputs.open(join(dir, "signed.jsonl"), 5n),
      operator: async () => OPERATOR,
      log: { error: (o) => errors.push(o) },
    },
  );
}

describe("OutputSigner: signs only what it derived from finalized L1 data, one root per pair", () => {
  it("signs a finalized derived block: the signature verifies over the §6 message of its own root", async () => {
    const dir = mkdtempSync(join(tmpdir(), "signer-"));
    const s = signer(dir, chain({ l2: 8n, l1: 108n }));
    const got = (await s.signatureFor(8n))!;
    const root = bytesToHex(outputRoot(fill(58), fill(9), fill(8))) as Hex;
    expect(bytesToHex(got.outputRoot)).toBe(root);
    expect(got.l1BlockNumber).toBe(108n);
    expect(bytesToHex(got.operator)).toBe(OPERATOR);
    const digest = outputMessageHash({
      l1ChainId: 31337n,
      outputOracle: ORACLE,
      l2ChainId: 7n,
      l2BlockNumber: 8n,
      outputRoot: root,
      l1BlockHash: bytesToHex(fill(192)) as Hex,
    });
    const sig = bn254.G1.Point.fromAffine({
      x: BigInt(bytesToHex(got.signature.subarray(0, 32))),
      y: BigInt(bytesToHex(got.signature.subarray(32))),
    });
    expect(verify(key.pubkeyG2, digest, sig)).toBe(true);
  });

  it("answers nothing for genesis, unfinalized, underived, too old, or an L1 block past finalized", async () => {
    const dir = mkdtempSync(join(tmpdir(), "signer-"));
    expect(await signer(dir, chain(undefined)).signatureFor(3n)).toBeUndefined();
    const s = signer(mkdtempSync(join(tmpdir(), "signer-")), chain({ l2: 8n, l1: 107n }));
    expect(await s.signatureFor(0n)).toBeUndefined();
    expect(await s.signatureFor(9n)).toBeUndefined(); // past the finalized L2 head
    expect(await s.signatureFor(8n)).toBeUndefined(); // decided by L1 108 > finalized 107
    expect(await s.signatureFor(2n)).toBeUndefined(); // more than keepBlocks below the head
    expect(await s.signatureFor(7n)).toBeDefined();
    const far = signer(mkdtempSync(join(tmpdir(), "signer-")), chain({ l2: 12n, l1: 200n }));
    expect(await far.signatureFor(11n)).toBeUndefined(); // not in the store
  });

  it("never signs a second root for one (block, L1 block), across a restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "signer-"));
    const src = chain({ l2: 8n, l1: 108n });
    const first = await signer(dir, src).signatureFor(7n);
    expect(first).toBeDefined();
    // The store now says otherwise (a bug, a corrupted disk): the restarted node must refuse.
    src.stateOf.set(7n, 1);
    const errors: object[] = [];
    expect(await signer(dir, src, errors).signatureFor(7n)).toBeUndefined();
    expect(errors).toHaveLength(1);
    // The same root again is fine (a re-request after a restart).
    src.stateOf.delete(7n);
    expect(bytesToHex((await signer(dir, src).signatureFor(7n))!.signature)).toBe(
      bytesToHex(first!.signature),
    );
  });
});

describe("SignedOutputs journal", () => {
  it("skips a torn last line and compacts lines older than keepBlocks", () => {
    const dir = mkdtempSync(join(tmpdir(), "journal-"));
    const path = join(dir, "j.jsonl");
    const j = SignedOutputs.open(path, 3n);
    const h = (b: number) => bytesToHex(fill(b)) as Hex;
    for (let n = 1n; n <= 6n; n++) expect(j.record(n, h(1), h(Number(n)))).toBe(true);
    expect(j.record(6n, h(1), h(99))).toBe(false);
    expect(j.record(6n, h(2), h(99))).toBe(true); // another L1 block: another pair
    j.close();
    appendFileSync(path, '{"n":"7","l1":"0x');
    const back = SignedOutputs.open(path, 3n);
    expect(back.rootFor(6n, h(1))).toBe(h(6));
    expect(back.rootFor(2n, h(1))).toBeUndefined(); // compacted away
    expect(back.size).toBe(5); // 3, 4, 5, 6 and (6, other L1)
    expect(readFileSync(path, "utf8").split("\n").filter(Boolean)).toHaveLength(5);
    back.close();
  });
});
