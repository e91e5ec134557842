/**
 * A prover that cheats on one challenge, in process against a sequencer node: it registers,
 * requests a challenge at `tier`, commits to a product with every entry off by one (a tree over
 * wrong tiles, so its Merkle openings are consistent and only the sampled dot products fail),
 * and reveals. The chain records the challenge FAILED (BAD_OPENING). A fraud test then has a
 * dishonest majority attest to a state that records it PASSED (fraudState.ts).
 */
import { beaconRandomness } from "../../chain/beacon/verifyBeaconRound.ts";
import type { Tier } from "../../chain/params.ts";
import { TILE_BYTES } from "../../chain/proof/geometry.ts";
import { buildOpenings } from "../../chain/proof/openings.ts";
import { samplePositions } from "../../chain/proof/sample.ts";
import { challengeSeed, sampleSeed } from "../../chain/proof/seeds.ts";
import { buildTileTree, leafHash } from "../../chain/proof/tileTree.ts";
import type { Challenge } from "../../chain/types.ts";
import type { FlopsNode } from "../../node/createNode.ts";
import { productTiles } from "../vectors/fraudCases.ts";
import { waitFor } from "./rpc.ts";
import type { TestAccount } from "./testChain.ts";

export interface CheatedChallenge {
  challengeId: bigint;
  /** The L2 block whose reveal settled it (FAILED). */
  revealBlock: bigint;
  record: Challenge;
}

export async function cheatOnce(
  node: FlopsNode,
  account: TestAccount,
  tier: Tier,
): Promise<CheatedChallenge> {
  const chainId = node.genesis.params.l2ChainId;
  const submit = async (action: Parameters<TestAccount["sign"]>[0]) => {
    const r = await node.sequencer.submit(account.sign(action).raw);
    if (!r.ok) throw new Error(`cheating prover: ${action.kind} refused: ${r.code} ${r.message}`);
  };
  const id = node.core.readState().getMeta().nextChallengeId;
  await submit({ kind: "register" });
  await submit({ kind: "challenge", tier: tier.id });
  let last: Challenge | undefined;
  const read = () => {
    last = node.core.readState().getChallenge(id);
    return last;
  };
  const seen = () => `(last seen: ${last?.status ?? "no record"}, head ${node.core.head.header.number})`;
  const active = await waitFor(
    async () => {
      const c = read();
      return c?.r1Signature !== undefined && c.status === "ACTIVE" ? c : undefined;
    },
    30_000,
    "the challenge's seed round",
  ).catch((e: Error) => {
    throw new Error(`${e.message} ${seen()}`);
  });
  const seed = challengeSeed(chainId, id, account.address, beaconRandomness(active.r1Signature!));
  const tiles = productTiles(seed, tier.n, tier.m);
  const dv = new DataView(tiles.buffer);
  for (let off = 0; off < tiles.length; off += 4) dv.setInt32(off, dv.getInt32(off, true) + 1, true);
  const count = tiles.length / TILE_BYTES;
  const leaves = new Uint8Array(count * 32);
  for (let t = 0; t < count; t++)
    leaves.set(leafHash(tiles.subarray(t * TILE_BYTES, (t + 1) * TILE_BYTES)), t * 32);
  const tree = buildTileTree(leaves);
  await submit({ kind: "commit", challengeId: id, root: tree.root });
  const sampled = await waitFor(
    async () => {
      const c = read();
      return c?.status === "SAMPLED" && c.r2Signature !== undefined ? c : undefined;
    },
    30_000,
    "the challenge's sample round",
  );
  const positions = samplePositions(
    tier,
    sampleSeed(seed, tree.root, beaconRandomness(sampled.r2Signature!)),
  );
  const opened = buildOpenings(tree, positions, (t) => tiles.subarray(t * TILE_BYTES, (t + 1) * TILE_BYTES));
  await submit({ kind: "reveal", challengeId: id, tiles: opened.tiles, proof: opened.proof });
  const failed = await waitFor(
    async () => {
      const c = read();
      return c?.status === "FAILED" ? c : undefined;
    },
    30_000,
    "the cheating reveal's verdict",
  );
  return { challengeId: id, revealBlock: failed.settledAt!, record: failed };
}
