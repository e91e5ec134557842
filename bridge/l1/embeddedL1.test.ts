/**
 * What only the embedded L1 has: persistence across a restart (the same chain, hashes and
 * receipts, a torn journal tail dropped), timer-mined blocks, the tx pool's rules, and the bounds
 * on what a caller can size. The behaviour shared with a real node is in conformance.test.ts.
 */
import { appendFile, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createWalletClient, custom, type Hex, keccak256, parseGwei, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { afterEach, describe, expect, it } from "vitest";
import { DEV_PRIVATE_KEYS } from "./devAccounts.ts";
import { createEmbeddedL1, type EmbeddedL1, type EmbeddedL1Opts } from "./embeddedL1.ts";
import type { L1RpcError } from "./l1RpcError.ts";

const alice = privateKeyToAccount(DEV_PRIVATE_KEYS[0]!);
const bob = privateKeyToAccount(DEV_PRIVATE_KEYS[1]!);
const open: EmbeddedL1[] = [];
const dirs: string[] = [];

async function start(opts: EmbeddedL1Opts = {}): Promise<EmbeddedL1> {
  const l1 = await createEmbeddedL1({ blockTimeMs: 0, ...opts });
  open.push(l1);
  return l1;
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "flops-l1-"));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  for (const l1 of open.splice(0)) await l1.close();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A signed EIP-1559 transfer from `key`. */
async function signed(
  l1: EmbeddedL1,
  key: Hex,
  fields: {
    nonce: number;
    maxFeePerGas?: bigint;
    maxPriorityFeePerGas?: bigint;
    value?: bigint;
    chainId?: number;
    data?: Hex;
  },
): Promise<Hex> {
  const account = privateKeyToAccount(key);
  return account.signTransaction({
    type: "eip1559",
    chainId: fields.chainId ?? Number(l1.chainId),
    to: bob.address,
    nonce: fields.nonce,
    gas: fields.data === undefined ? 21_000n : 5_000_000n,
    maxFeePerGas: fields.maxFeePerGas ?? parseGwei("10"),
    maxPriorityFeePerGas: fields.maxPriorityFeePerGas ?? parseGwei("1"),
    value: fields.value ?? 1n,
    ...(fields.data === undefined ? {} : { data: fields.data }),
  });
}

async function failure(p: Promise<unknown>): Promise<L1RpcError> {
  try {
    await p;
  } catch (e) {
    return e as L1RpcError;
  }
  throw new Error("expected a failure");
}

const send = (l1: EmbeddedL1, raw: Hex) =>
  l1.request({ method: "eth_sendRawTransaction", params: [raw] }) as Promise<Hex>;
const block = (l1: EmbeddedL1, tag: string) =>
  l1.request({ method: "eth_getBlockByNumber", params: [tag, false] }) as Promise<{
    hash: Hex;
    number: Hex;
    transactions: Hex[];
  }>;

describe("embedded L1: persistence", () => {
  it("restarts into the same chain: same hashes, receipts and balances, after reorgs and reverts", async () => {
    const datadir = await tempDir();
    const l1 = await start({ datadir });
    const wallet = createWalletClient({ chain: foundry, transport: custom(l1), account: alice });
    const hashes: Hex[] = [];
    for (let i = 0; i < 3; i++) {
      hashes.push(await wallet.sendTransaction({ to: bob.address, value: BigInt(i + 1) }));
      await l1.mine(2);
    }
    await l1.reorg(2);
    const snap = await l1.request({ method: "evm_snapshot" });
    await l1.mine(3);
    await l1.request({ method: "evm_revert", params: [snap] });
    await l1.mine();
    const headBefore = await block(l1, "latest");
    const allBefore = await Promise.all(
      Array.from({ length: Number(BigInt(headBefore.number)) + 1 }, (_, n) => block(l1, toHex(n))),
    );
    const balanceBefore = await l1.request({ method: "eth_getBalance", params: [bob.address, "latest"] });
    await l1.close();

    const again = await start({ datadir });
    const headAfter = await block(again, "latest");
    expect(headAfter).toEqual(headBefore);
    for (const [n, b] of allBefore.entries()) expect((await block(again, toHex(n))).hash).toBe(b.hash);
    for (const hash of hashes) {
      const receipt = (await again.request({ method: "eth_getTransactionReceipt", params: [hash] })) as {
        status: Hex;
      };
      expect(receipt.status).toBe("0x1");
    }
    expect(await again.request({ method: "eth_getBalance", params: [bob.address, "latest"] })).toBe(
      balanceBefore,
    );
    // It keeps going from there.
    await again.mine();
    expect(BigInt((await block(again, "latest")).number)).toBe(BigInt(headBefore.number) + 1n);
  });

  it("drops a torn last record and refuses a datadir made with other options", async () => {
    const datadir = await tempDir();
    const l1 = await start({ datadir });
    await send(l1, await signed(l1, DEV_PRIVATE_KEYS[0]!, { nonce: 0 }));
    await l1.mine(2);
    const head = await block(l1, "latest");
    await l1.close();
    const log = join(datadir, "l1", "blocks.log");
    const size = (await readFile(log)).length;
    // Half a record: a length that promises more bytes than follow.
    await appendFile(log, Uint8Array.of(0, 0, 0, 200, 1, 2, 3, 4, 5));
    const again = await start({ datadir });
    expect(await block(again, "latest")).toEqual(head);
    expect((await readFile(log)).length).toBe(size);
    await again.close();
    open.length = 0;
    await expect(createEmbeddedL1({ datadir, blockTimeMs: 0, chainId: 5n })).rejects.toThrow(/other options/);
  });
});

describe("embedded L1: reorg with the same txs", () => {
  it("re-mines the dropped blocks' txs into blocks with new hashes", async () => {
    const l1 = await start();
    const hash = await send(l1, await signed(l1, DEV_PRIVATE_KEYS[0]!, { nonce: 0 }));
    await l1.mine(2);
    const receipt = async () =>
      (await l1.request({ method: "eth_getTransactionReceipt", params: [hash] })) as {
        blockHash: Hex;
        blockNumber: Hex;
      };
    const before = await receipt();
    const head = await block(l1, "latest");
    await l1.reorg(2);
    const after = await receipt();
    expect(after.blockNumber).toBe(before.blockNumber);
    expect(after.blockHash).not.toBe(before.blockHash);
    expect((await block(l1, "latest")).hash).not.toBe(head.hash);
    expect((await block(l1, "latest")).number).toBe(head.number);
  });
});

describe("embedded L1: blocks on a timer", () => {
  it("mines blocks every blockTimeMs with increasing timestamps", async () => {
    const l1 = await start({ blockTimeMs: 20 });
    await send(l1, await signed(l1, DEV_PRIVATE_KEYS[0]!, { nonce: 0 }));
    const deadline = Date.now() + 5_000;
    while (BigInt((await block(l1, "latest")).number) < 4n && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const head = BigInt((await block(l1, "latest")).number);
    expect(head).toBeGreaterThanOrEqual(4n);
    const first = await block(l1, "0x1");
    expect(first.transactions).toHaveLength(1);
    const stamps = await Promise.all(
      [1, 2, 3].map(
        async (n) =>
          (await l1.request({ method: "eth_getBlockByNumber", params: [toHex(n), false] })) as {
            timestamp: Hex;
          },
      ),
    );
    expect(BigInt(stamps[1]!.timestamp)).toBeGreaterThan(BigInt(stamps[0]!.timestamp));
    expect(BigInt(stamps[2]!.timestamp)).toBeGreaterThan(BigInt(stamps[1]!.timestamp));
  });

  it("takes L1 time from the injected clock, evm_increaseTime and evm_setNextBlockTimestamp", async () => {
    let now = 1_800_000_000_000;
    const l1 = await createEmbeddedL1({ blockTimeMs: 0 }, { clock: () => now });
    open.push(l1);
    const ts = async () => BigInt(((await block(l1, "latest")) as unknown as { timestamp: Hex }).timestamp);
    expect(await ts()).toBe(1_800_000_000n);
    now += 12_000;
    await l1.mine();
    expect(await ts()).toBe(1_800_000_012n);
    await l1.mine(); // same clock second: parent + 1
    expect(await ts()).toBe(1_800_000_013n);
    await l1.request({ method: "evm_increaseTime", params: [100] });
    await l1.mine();
    expect(await ts()).toBe(1_800_000_112n);
    await l1.request({ method: "evm_setNextBlockTimestamp", params: ["0x6b49d300"] });
    await l1.mine();
    expect(await ts()).toBe(0x6b49d300n);
    expect((await failure(l1.request({ method: "evm_setNextBlockTimestamp", params: [5] }))).code).toBe(
      -32602,
    );
  });
});

describe("embedded L1: tx pool", () => {
  it("orders a sender's txs by nonce, several senders per block, replaces by higher fee", async () => {
    const l1 = await start();
    const a1 = await send(l1, await signed(l1, DEV_PRIVATE_KEYS[0]!, { nonce: 1 }));
    const a0 = await send(l1, await signed(l1, DEV_PRIVATE_KEYS[0]!, { nonce: 0 }));
    expect(await l1.request({ method: "eth_getTransactionCount", params: [alice.address, "pending"] })).toBe(
      "0x2",
    );
    expect(await l1.request({ method: "eth_getTransactionCount", params: [alice.address, "latest"] })).toBe(
      "0x0",
    );
    const cheap = await send(
      l1,
      await signed(l1, DEV_PRIVATE_KEYS[2]!, { nonce: 0, maxPriorityFeePerGas: 1n }),
    );
    const dear = await send(
      l1,
      await signed(l1, DEV_PRIVATE_KEYS[2]!, {
        nonce: 0,
        maxPriorityFeePerGas: parseGwei("2"),
        maxFeePerGas: parseGwei("11"),
      }),
    );
    const b = await send(
      l1,
      await signed(l1, DEV_PRIVATE_KEYS[3]!, { nonce: 0, maxPriorityFeePerGas: parseGwei("3") }),
    );
    await l1.mine();
    const head = await block(l1, "latest");
    // Highest tip first; alice's two in nonce order; the replaced tx never mined.
    expect(head.transactions).toEqual([b, dear, a0, a1]);
    expect(await l1.request({ method: "eth_getTransactionByHash", params: [cheap] })).toBeNull();
  });

  it("rejects with geth's messages: low nonce, far nonce, chain id, size, known, fees, full pool", async () => {
    const l1 = await start({ limits: { pool: { maxTxs: 3, maxTxsPerSender: 8 }, maxTxBytes: 1024 } });
    const raw0 = await signed(l1, DEV_PRIVATE_KEYS[0]!, { nonce: 0 });
    await send(l1, raw0);
    expect((await failure(send(l1, raw0))).message).toBe("already known");
    await l1.mine();
    expect((await failure(send(l1, raw0))).message).toBe("already known");
    expect(
      (await failure(send(l1, await signed(l1, DEV_PRIVATE_KEYS[0]!, { nonce: 0, value: 2n })))).message,
    ).toBe("nonce too low: next nonce 1, tx nonce 0");
    expect((await failure(send(l1, await signed(l1, DEV_PRIVATE_KEYS[0]!, { nonce: 9 })))).message).toMatch(
      /^nonce too high/,
    );
    const wrongChain = await failure(
      send(l1, await signed(l1, DEV_PRIVATE_KEYS[0]!, { nonce: 1, chainId: 5 })),
    );
    expect(wrongChain.message).toBe("invalid chain id for signer: have 5 want 31337");
    expect(wrongChain.code).toBe(-32003);
    const big = await failure(
      send(l1, await signed(l1, DEV_PRIVATE_KEYS[0]!, { nonce: 1, data: `0x${"ab".repeat(1100)}` })),
    );
    expect(big.message).toMatch(/^oversized data/);
    expect(
      (
        await failure(
          send(
            l1,
            await signed(l1, DEV_PRIVATE_KEYS[0]!, { nonce: 1, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n }),
          ),
        )
      ).message,
    ).toMatch(/^max fee per gas less than block base fee/);
    expect(
      (await failure(send(l1, await signed(l1, DEV_PRIVATE_KEYS[0]!, { nonce: 1, value: 10n ** 30n }))))
        .message,
    ).toMatch(/^insufficient funds for gas \* price \+ value/);
    for (const nonce of [1, 2, 3]) await send(l1, await signed(l1, DEV_PRIVATE_KEYS[0]!, { nonce }));
    expect((await failure(send(l1, await signed(l1, DEV_PRIVATE_KEYS[0]!, { nonce: 4 })))).message).toBe(
      "txpool is full",
    );
    expect((await failure(send(l1, "0x02f0deadbeef"))).code).toBe(-32602);
  });
});

describe("embedded L1: bounds", () => {
  it("caps log ranges, log results, fee history, params and method names", async () => {
    const l1 = await start({ limits: { maxLogBlockRange: 10, maxLogResults: 1, maxFeeHistoryBlocks: 4 } });
    await l1.mine(12);
    const range = await failure(
      l1.request({ method: "eth_getLogs", params: [{ fromBlock: "0x0", toBlock: "0xb" }] }),
    );
    expect(range.code).toBe(-32005);
    expect(
      await l1.request({ method: "eth_getLogs", params: [{ fromBlock: "0x2", toBlock: "0xb" }] }),
    ).toEqual([]);
    // Two logs, one allowed: a deploy whose constructor emits two LOG0s.
    const init = "0x60006000a060006000a0" as Hex; // LOG0 twice, empty code
    const wallet = createWalletClient({ chain: foundry, transport: custom(l1), account: alice });
    await wallet.sendTransaction({ data: init, gas: 100_000n });
    await l1.mine();
    const many = await failure(l1.request({ method: "eth_getLogs", params: [{ fromBlock: "latest" }] }));
    expect(many.message).toBe("query returned more than 1 results");
    expect(
      (await failure(l1.request({ method: "eth_feeHistory", params: ["0x5", "latest", []] }))).code,
    ).toBe(-32602);
    expect(
      (await failure(l1.request({ method: "eth_getBalance", params: [`0x${"1".repeat(41)}`, "latest"] })))
        .code,
    ).toBe(-32602);
    expect(
      (await failure(l1.request({ method: "eth_getBlockByNumber", params: [`0x${"f".repeat(65)}`, false] })))
        .code,
    ).toBe(-32602);
    expect((await failure(l1.request({ method: "x".repeat(65) }))).code).toBe(-32600);
    expect(
      (await failure(l1.request({ method: "eth_getLogs", params: [{ topics: [[], [], [], [], []] }] }))).code,
    ).toBe(-32602);
    const tooManyTopics = Array.from({ length: 65 }, (_, i) => keccak256(toHex(i)));
    expect(
      (await failure(l1.request({ method: "eth_getLogs", params: [{ topics: [tooManyTopics] }] }))).code,
    ).toBe(-32602);
    expect((await failure(l1.request({ method: "anvil_reorg", params: [14] }))).code).toBe(-32602);
  });
});
