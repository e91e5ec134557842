import { formatBlock } from "viem";
import { describe, expect, it } from "vitest";
import { keccak256 } from "../../chain/hash.ts";
import { FakeBackend, fakeAddress, fakeSignedTx } from "../testBackend.ts";
import { EMPTY_UNCLES_HASH, EthBlockCache, ethBlock, ZERO_ADDRESS } from "./ethBlock.ts";
import { hex } from "./format.ts";

describe("ethBlock", () => {
  it("sha3Uncles is keccak256(rlp([]))", () => {
    expect(hex(keccak256(new Uint8Array([0xc0])))).toBe(EMPTY_UNCLES_HASH);
  });

  it("viem's own formatter reads it: bigints where Ethereum has quantities, seconds timestamp", () => {
    const backend = new FakeBackend();
    const tx = fakeSignedTx({ kind: "withdraw", to: fakeAddress(4), amount: 7n }, 2n);
    const stored = backend.addBlock({
      systemTxs: [{ kind: "beacon", round: 3n, signature: new Uint8Array(48) }],
      txs: [{ tx, from: fakeAddress(1) }],
    });
    const parsed = formatBlock(JSON.parse(JSON.stringify(ethBlock(stored, true, ZERO_ADDRESS))));
    expect(parsed.number).toBe(1n);
    expect(parsed.timestamp).toBe(stored.block.header.timestamp / 1000n);
    expect(parsed.size).toBe(BigInt(stored.size));
    expect(parsed.baseFeePerGas).toBe(0n);
    expect(parsed.transactions).toHaveLength(2);
    expect(parsed.transactions[1]).toMatchObject({
      nonce: 2,
      transactionIndex: 1,
      blockNumber: 1n,
      v: 1n,
      yParity: 1,
    });
  });

  it("caches by hash, so a competing block at the same height is never served stale", () => {
    const backend = new FakeBackend();
    const cache = new EthBlockCache({ maxEntries: 2 });
    const a = backend.addBlock();
    const first = cache.json(a, false);
    expect(cache.json(a, false)).toBe(first);
    expect(cache.json(a, true)).not.toBe(first);
    const b = backend.addBlock({ fork: "x" });
    expect(JSON.parse(cache.json(b, false).json).hash).toBe(hex(b.hash));
    // Capacity 2: the oldest entry (a, hashes only) is gone and gets rebuilt.
    expect(cache.json(a, false)).not.toBe(first);
  });

  it("newHeads header: header fields only, miner as configured", () => {
    const backend = new FakeBackend();
    const header = JSON.parse(new EthBlockCache({ miner: fakeAddress(9) }).headerJson(backend.head));
    expect(header.miner).toBe(hex(fakeAddress(9)));
    expect(header.transactions).toBeUndefined();
    expect(header.number).toBe("0x0");
  });
});
