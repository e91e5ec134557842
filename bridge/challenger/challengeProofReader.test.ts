/**
 * flops_getChallengeProof's reader over a real LevelDB store: a record proven (inclusion) as it
 * stood at an older block though it changed since, its absence proven (exclusion) before it
 * existed, both through the JSON-RPC result codec's own checks, and bounds: a block above the head,
 * one deeper than the depth limit, an id past u64.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createLocalBeacon, deriveBeaconSecretKey } from "../../chain/beacon/index.ts";
import { bytesToHex } from "../../chain/bytes.ts";
import { ChainCore } from "../../chain/chainCore.ts";
import type { SystemTx } from "../../chain/types.ts";
import { decodeChallenge, encodeChallenge } from "../../chain/wire/challenge.ts";
import { challengeProofResult, verifyChallengeProof } from "../../rpc/challengeProofResults.ts";
import { JsonReader } from "../../rpc/json.ts";
import { L1_T0 } from "../../test/helpers/deriveHarness.ts";
import { cleanupGenesisStores, openGenesisStore } from "../../test/helpers/storeGenesis.ts";
import { createChallengeProofReader } from "./challengeProofReader.ts";

afterEach(cleanupGenesisStores);

describe("challenge proof reader", () => {
  it("proves a record as it stood at an older block, and its absence before it existed", async () => {
    const { store, params, doc, genesis, alice } = await openGenesisStore("flops-challenge-proof-");
    const core = new ChainCore(params, store.kv, genesis);
    const beacon = createLocalBeacon(deriveBeaconSecretKey("flops/test-derive"), {
      genesisTime: L1_T0 - 10n,
      periodSeconds: 1n,
    });
    const origin = { number: 1n, hash: new Uint8Array(32).fill(1), timestamp: doc.timestamp / 1000n };
    let nonce = 0n;
    const commit = async (
      action?: Parameters<typeof alice.sign>[0],
      systemTxs: SystemTx[] = [],
      at?: bigint,
    ) => {
      const n = core.head.header.number + 1n;
      const txs = action ? [{ tx: alice.sign(action, nonce++), from: alice.address }] : [];
      const b = core.build({ timestamp: at ?? doc.timestamp + n * 1000n, l1Origin: origin, systemTxs, txs });
      await store.commitBlock(
        {
          block: b.block,
          hash: b.hash,
          receipts: b.receipts,
          senders: txs.map((t) => t.from),
          size: b.size,
          encoded: b.encoded,
        },
        b.ops,
        { undo: true },
      );
      core.advance({ header: b.block.header, hash: b.hash });
    };
    await commit({ kind: "register" }); // 1
    await commit({ kind: "challenge", tier: params.tiers[0]!.id }); // 2
    const id = core.readState().getMeta().nextChallengeId - 1n;
    const opened = core.readState().getChallenge(id);
    expect(opened?.status).toBeDefined();
    // Block 3: the record's first round arrives and changes it.
    const r1Ms = (L1_T0 - 10n + (opened!.r1 - 1n)) * 1000n;
    await commit(
      undefined,
      [{ kind: "beacon", round: opened!.r1, signature: beacon.sign(opened!.r1) }],
      r1Ms + 1000n,
    );
    await commit(undefined, [], r1Ms + 2000n); // 4
    const now = core.readState().getChallenge(id)!;
    expect(now.status).not.toBe(opened!.status);

    const reader = createChallengeProofReader(store);
    const at2 = reader.proof(id, 2n)!;
    expect(at2.record).not.toBeNull();
    expect(decodeChallenge(at2.record!).status).toBe(opened!.status);
    expect(bytesToHex(at2.record!)).toBe(bytesToHex(encodeChallenge(opened!)));
    expect(verifyChallengeProof(at2)).toBe(true);
    expect(bytesToHex(at2.output.stateRoot)).toBe(bytesToHex(store.getBlock(2n)!.block.header.stateRoot));
    const at4 = reader.proof(id, 4n)!;
    expect(decodeChallenge(at4.record!).status).toBe(now.status);
    // Before the challenge: an exclusion proof.
    const at1 = reader.proof(id, 1n)!;
    expect(at1.record).toBeNull();
    expect(verifyChallengeProof(at1)).toBe(true);
    // A proof read back through the JSON-RPC codec passes its checks; a swapped one fails them.
    const wire = JSON.parse(JSON.stringify(challengeProofResult.format(at2)));
    expect(challengeProofResult.parse(wire, new JsonReader("flops_getChallengeProof")).challengeId).toBe(id);
    const swapped = { ...wire, output: challengeProofResult.format(at4).output };
    expect(() => challengeProofResult.parse(swapped, new JsonReader("flops_getChallengeProof"))).toThrow(
      /proof/,
    );
    expect(verifyChallengeProof({ ...at2, record: at4.record })).toBe(false);

    expect(reader.proof(id, 5n)).toBeUndefined();
    expect(reader.proof(2n ** 64n, 2n)).toBeUndefined();
    expect(createChallengeProofReader(store, { maxDepth: 1n }).proof(id, 2n)).toBeUndefined();
  });
});
