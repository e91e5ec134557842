/**
 * The proposer's sources of safe outputs over a real chain (TestChain): the output root is the
 * block's, and the cited L1 block is the deriving node's cursor, or the block's own L1 origin, or
 * none for a chain without L1 origins; genesis is never offered (the oracle starts at block 1).
 */
import { describe, expect, it } from "vitest";
import { outputRoot } from "../../chain/commitment/outputRoot.ts";
import type { StoredBlockData } from "../../store/chainStore.ts";
import { TestChain } from "../../test/helpers/testChain.ts";
import { derivedSafeOutput, laggingHeadOutput } from "./safeOutputSource.ts";

describe("safe output sources", () => {
  const chain = new TestChain();
  const blocks = new Map<bigint, Pick<StoredBlockData, "block" | "hash">>();
  for (let i = 0; i < 4; i++) {
    const b = chain.block([]);
    blocks.set(b.block.header.number, { block: b.block, hash: b.hash });
  }
  const getBlock = (n: bigint) => blocks.get(n);
  const rootOf = (n: bigint) => {
    const b = blocks.get(n)!;
    return outputRoot(b.block.header.stateRoot, b.block.header.withdrawalsRoot, b.hash);
  };

  it("laggingHeadOutput: the head minus the lag, no L1 block for a chain without origins", () => {
    const src = laggingHeadOutput(1, { headNumber: () => 4n, getBlock });
    expect(src()).toEqual({ l2BlockNumber: 3n, outputRoot: rootOf(3n), l1: undefined });
    expect(laggingHeadOutput(4, { headNumber: () => 4n, getBlock })()).toBeUndefined();
    expect(() => laggingHeadOutput(-1, { headNumber: () => 4n, getBlock })).toThrow(RangeError);
    // A block with a real L1 origin cites it.
    const b = blocks.get(2n)!;
    const withOrigin = {
      ...b,
      block: {
        ...b.block,
        header: {
          ...b.block.header,
          l1Origin: { number: 7n, hash: new Uint8Array(32).fill(7), timestamp: 1n },
        },
      },
    };
    const cited = laggingHeadOutput(0, { headNumber: () => 2n, getBlock: () => withOrigin })();
    expect(cited?.l1).toEqual({ number: 7n, hash: new Uint8Array(32).fill(7) });
  });

  it("derivedSafeOutput: the safe head and the L1 block that decided it", () => {
    const from = { originParentHash: new Uint8Array(32), l1Number: 12n, l1Hash: new Uint8Array(32).fill(12) };
    const src = derivedSafeOutput({
      safeNumber: () => 2n,
      getBlock,
      derivedFrom: (n) => (n === 2n ? from : undefined),
    });
    expect(src()).toEqual({
      l2BlockNumber: 2n,
      outputRoot: rootOf(2n),
      l1: { number: 12n, hash: from.l1Hash },
    });
    // Not derived (no cursor), or genesis: nothing to post.
    expect(
      derivedSafeOutput({ safeNumber: () => 3n, getBlock, derivedFrom: () => undefined })(),
    ).toBeUndefined();
    expect(derivedSafeOutput({ safeNumber: () => 0n, getBlock, derivedFrom: () => from })()).toBeUndefined();
  });
});
