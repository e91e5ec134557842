import { formatBlock } from "viem";
import { describe, expect, it } from "vitest";
import { keccak256 } from "../../chain/hash.ts";
import { hex } from "../../rpc/json.ts";
import { FakeBackend, fakeAddress, fakeSignedTx } from "../testBackend.ts";
import {
  EMPTY_UNCLES_HASH,
  EthBlockCache,
  estimateEthBlockChars,
  ethBlock,
  ZERO_ADDRESS,
} from "./ethBlock.ts";

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
    const a = backend.addBlock();
    const cache = new EthBlockCache();
    const first = cache.json(a, false);
    expect(cache.json(a, false)).toBe(first);
    expect(cache.json(a, true)).not.toBe(first);
    const b = backend.addBlock({ fork: "x" });
    expect(JSON.parse(cache.json(b, false).json).hash).toBe(hex(b.hash));
  });

  it("the cache is bounded by bytes: least recently used out first, oversized entries never kept", () => {
    const backend = new FakeBackend();
    const blocks = [backend.addBlock(), backend.addBlock(), backend.addBlock()];
    const one = new EthBlockCache().json(blocks[0]!, false).json.length;
    // Room for two entries; entries up to 1.5 of them.
    const cache = new EthBlockCache({ maxBytes: 2 * one + 10, maxEntryBytes: Math.floor(one * 1.5) });
    const a = cache.json(blocks[0]!, false);
    cache.json(blocks[1]!, false);
    expect(cache.json(blocks[0]!, false)).toBe(a); // a is now the most recent
    cache.json(blocks[2]!, false); // evicts block 1, not a
    expect(cache.size).toBeLessThanOrEqual(2 * one + 10);
    expect(cache.json(blocks[0]!, false)).toBe(a);
    // A fullTx block bigger than maxEntryBytes is served, not kept.
    const big = backend.addBlock({
      txs: Array.from({ length: 4 }, (_, i) => ({
        tx: fakeSignedTx({ kind: "register" }, BigInt(i)),
        from: fakeAddress(i),
      })),
    });
    const before = cache.size;
    const full = cache.json(big, true);
    expect(full.json.length).toBeGreaterThan(one * 1.5);
    expect(cache.json(big, true)).not.toBe(full);
    expect(cache.size).toBe(before);
  });

  it("the size estimate bounds the JSON from the stored sizes, hashes-only and fullTx", () => {
    const backend = new FakeBackend();
    const tiles = new Uint8Array(40_000).fill(7);
    const txs = [
      fakeSignedTx({ kind: "reveal", challengeId: 3n, tiles, proof: new Uint8Array(5000) }, 0n),
      fakeSignedTx({ kind: "transfer", to: fakeAddress(3), amount: 2n ** 255n }, 1n),
      fakeSignedTx({ kind: "register" }, 2n),
    ].map((tx, i) => ({ tx: { ...tx, raw: new Uint8Array([45_200, 150, 80][i]!) }, from: fakeAddress(i) }));
    const stored = backend.addBlock({
      systemTxs: [
        { kind: "beacon", round: 3n, signature: new Uint8Array(48) },
        { kind: "deposit", depositId: 9n, to: fakeAddress(1), amount: 2n ** 256n - 1n, l1BlockNumber: 10n },
      ],
      txs,
    });
    for (const fullTx of [false, true]) {
      const actual = JSON.stringify(ethBlock(stored, fullTx, ZERO_ADDRESS)).length;
      const estimate = estimateEthBlockChars(stored, fullTx);
      expect(estimate).toBeGreaterThanOrEqual(actual);
      // Close, not wildly pessimistic: within 10% + 8 KiB.
      expect(estimate).toBeLessThan(actual * 1.1 + 8192);
    }
    // Once cached, the answer's estimate is the exact length.
    const cache = new EthBlockCache();
    const answer = cache.answer(stored, true);
    const json = answer.render();
    expect(cache.answer(stored, true).estimate()).toBe(json.length);
  });

  it("newHeads header: header fields only, miner as configured", () => {
    const backend = new FakeBackend();
    const header = JSON.parse(new EthBlockCache({ miner: fakeAddress(9) }).headerJson(backend.head));
    expect(header.miner).toBe(hex(fakeAddress(9)));
    expect(header.transactions).toBeUndefined();
    expect(header.number).toBe("0x0");
  });
});
