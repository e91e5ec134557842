/**
 * One conformance suite, three backends: the embedded L1 through viem's custom transport, the
 * embedded L1 through its HTTP server (viem's http transport), and a real Anvil (spawned with
 * --hardfork prague --no-mining). Same calls, same assertions: what the rollup relies on from an
 * L1 behaves the same on both, so tests on the embedded L1 say something about a real node.
 * Everything goes through JSON-RPC (evm_mine, evm_snapshot, anvil_reorg), nothing backend-specific.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import {
  type Abi,
  type BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  custom,
  type Hex,
  http,
  parseEther,
  parseEventLogs,
  type Transport,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANVIL_BIN, startAnvil } from "../../test/helpers/anvil.ts";
import { DEV_PRIVATE_KEYS } from "./devAccounts.ts";
import { createEmbeddedL1 } from "./embeddedL1.ts";
import { serveL1Http } from "./serveL1Http.ts";

const SOURCE = `// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;
contract Counter {
    event Bumped(address indexed by, uint256 indexed value, bytes note);
    error TooBig(uint256 value);
    uint256 public count;
    function bump(bytes calldata note) external { count += 1; emit Bumped(msg.sender, count, note); }
    function fail(uint256 v) external pure { revert TooBig(v); }
    function failString() external pure { require(false, "nope"); }
}`;

function compileCounter(): { abi: Abi; bytecode: Hex } {
  const solc = createRequire(import.meta.url)("solc") as { compile(input: string): string };
  const input = {
    language: "Solidity",
    sources: { "Counter.sol": { content: SOURCE } },
    settings: { evmVersion: "prague", outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } } },
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input)));
  const c = out.contracts["Counter.sol"].Counter;
  return { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` };
}

interface Backend {
  transport: Transport;
  stop(): Promise<void>;
}

const anvilPresent = existsSync(ANVIL_BIN);
if (!anvilPresent)
  console.warn(`conformance: Anvil binary not found at ${ANVIL_BIN}; the Anvil backend is skipped`);

const BACKENDS: { name: string; skip: boolean; start(): Promise<Backend> }[] = [
  {
    name: "embedded L1 (custom transport)",
    skip: false,
    async start() {
      const l1 = await createEmbeddedL1({ blockTimeMs: 0 });
      return { transport: custom(l1, { retryCount: 0 }), stop: () => l1.close() };
    },
  },
  {
    name: "embedded L1 over HTTP (http transport)",
    skip: false,
    async start() {
      const l1 = await createEmbeddedL1({ blockTimeMs: 0 });
      const server = await serveL1Http(l1, { port: 0 });
      return {
        transport: http(server.url, { retryCount: 0 }),
        stop: async () => {
          await server.close();
          await l1.close();
        },
      };
    },
  },
  {
    name: "Anvil",
    skip: !anvilPresent,
    async start() {
      const anvil = await startAnvil({ noMining: true, extra: ["--slots-in-an-epoch", "4"] });
      return { transport: http(anvil.url, { retryCount: 0 }), stop: () => anvil.stop() };
    },
  },
];

/** The JSON-RPC code and message of a failed viem call. */
async function rpcFailure(p: Promise<unknown>): Promise<{ code: number | undefined; message: string }> {
  try {
    await p;
  } catch (e) {
    // The innermost numeric code: viem wraps a provider's error (custom transport) in its own.
    let code: number | undefined;
    for (let x: unknown = e; x instanceof Error; x = x.cause) {
      const c = (x as { code?: unknown }).code;
      if (typeof c === "number") code = c;
    }
    return { code, message: (e as Error).message };
  }
  throw new Error("expected the call to fail");
}

let counter: { abi: Abi; bytecode: Hex };
beforeAll(() => {
  counter = compileCounter();
});

describe.each(BACKENDS)("L1 conformance: $name", ({ skip, start }) => {
  let backend: Backend;
  const account = privateKeyToAccount(DEV_PRIVATE_KEYS[0]!);
  const other = privateKeyToAccount(DEV_PRIVATE_KEYS[1]!);
  let pub: ReturnType<typeof createPublicClient>;
  let wallet: ReturnType<typeof createWalletClient<Transport, typeof foundry, typeof account>>;
  let address: Hex;

  const mine = () => pub.request({ method: "evm_mine" as never, params: [] as never });
  const head = async () => pub.getBlock({ blockTag: "latest" });
  const bump = async (note: Hex) => {
    const hash = await wallet.writeContract({
      address,
      abi: counter.abi,
      functionName: "bump",
      args: [note],
    });
    return hash;
  };

  beforeAll(async () => {
    if (skip) return;
    backend = await start();
    pub = createPublicClient({ chain: foundry, transport: backend.transport, pollingInterval: 10 });
    wallet = createWalletClient({ chain: foundry, transport: backend.transport, account });
  }, 30_000);
  afterAll(async () => {
    if (!skip) await backend.stop();
  });

  it.skipIf(skip)("answers the chain's identity and funds the dev accounts", async () => {
    expect(await pub.getChainId()).toBe(31337);
    expect(await pub.request({ method: "net_version" as never })).toBe("31337");
    expect(await pub.request({ method: "eth_syncing" as never })).toBe(false);
    expect(typeof (await pub.request({ method: "web3_clientVersion" as never }))).toBe("string");
    const last = privateKeyToAccount(DEV_PRIVATE_KEYS[9]!).address;
    expect(await pub.getBalance({ address: last })).toBe(parseEther("10000"));
    const genesis = await pub.getBlock({ blockNumber: 0n });
    expect(genesis.baseFeePerGas).toBe(1_000_000_000n);
    expect(genesis.gasLimit).toBe(30_000_000n);
  });

  it.skipIf(skip)(
    "deploys a contract and mines several of a sender's txs into one block, logs and all",
    async () => {
      const deploy = await wallet.deployContract({ abi: counter.abi, bytecode: counter.bytecode });
      await mine();
      const receipt = await pub.waitForTransactionReceipt({ hash: deploy });
      expect(receipt.status).toBe("success");
      address = receipt.contractAddress!;
      expect((await pub.getCode({ address }))!.length).toBeGreaterThan(2);

      const hashes = [await bump("0x01"), await bump("0x02"), await bump("0x03")];
      // Waiting in the pool: known, not yet in a block.
      expect((await pub.getTransaction({ hash: hashes[2]! })).blockHash).toBeNull();
      await mine();
      const receipts = await Promise.all(hashes.map((hash) => pub.waitForTransactionReceipt({ hash })));
      expect(new Set(receipts.map((r) => r.blockHash)).size).toBe(1);
      expect(receipts.map((r) => r.transactionIndex)).toEqual([0, 1, 2]);
      expect(receipts.every((r) => r.status === "success")).toBe(true);
      const events = parseEventLogs({ abi: counter.abi, logs: receipts.flatMap((r) => r.logs) });
      expect(events.map((e) => (e.args as { value: bigint }).value)).toEqual([1n, 2n, 3n]);
      expect(receipts[2]!.logs[0]!.logIndex).toBe(2);
      const block = await pub.getBlock({ blockHash: receipts[0]!.blockHash, includeTransactions: true });
      expect(block.transactions.map((t) => t.hash)).toEqual(hashes);
      expect(block.logsBloom).not.toMatch(/^0x0+$/);
      expect(await pub.readContract({ address, abi: counter.abi, functionName: "count" })).toBe(3n);
    },
  );

  it.skipIf(skip)("filters logs by address, topics, range and block hash", async () => {
    const mineHead = (await head()).number;
    const all = await pub.getLogs({ address, fromBlock: 0n, toBlock: mineHead });
    expect(all).toHaveLength(3);
    const byTopic = await pub.request({
      method: "eth_getLogs",
      params: [
        { address, fromBlock: "0x0", toBlock: "latest", topics: [null, null, `0x${"0".repeat(63)}2`] },
      ],
    });
    expect(byTopic).toHaveLength(1);
    const bySender = await pub.request({
      method: "eth_getLogs",
      params: [
        { fromBlock: "0x0", topics: [null, `0x${"0".repeat(24)}${account.address.slice(2).toLowerCase()}`] },
      ],
    });
    expect(bySender).toHaveLength(3);
    const otherAddress = await pub.getLogs({ address: other.address, fromBlock: 0n });
    expect(otherAddress).toHaveLength(0);
    const byHash = await pub.getLogs({ blockHash: all[0]!.blockHash! });
    expect(byHash).toHaveLength(3);
    const before = await pub.getLogs({ address, fromBlock: 0n, toBlock: all[0]!.blockNumber! - 1n });
    expect(before).toHaveLength(0);
  });

  it.skipIf(skip)("evolves the EIP-1559 base fee and reports fee fields", async () => {
    await mine();
    const a = await head();
    await mine(); // an empty block: the next base fee is 7/8 of this one's
    const b = await head();
    expect(a.gasUsed).toBe(0n);
    expect(b.baseFeePerGas).toBe(a.baseFeePerGas! - a.baseFeePerGas! / 8n);
    const tip = await pub.request({ method: "eth_maxPriorityFeePerGas" });
    expect(BigInt(tip)).toBeGreaterThan(0n);
    expect(await pub.getGasPrice()).toBeGreaterThanOrEqual(b.baseFeePerGas!);
    const history = await pub.getFeeHistory({ blockCount: 3, rewardPercentiles: [25, 75] });
    expect(history.baseFeePerGas).toHaveLength(4);
    expect(history.gasUsedRatio).toHaveLength(3);
    expect(history.reward).toHaveLength(3);
    expect(history.baseFeePerGas[2]).toBe(b.baseFeePerGas);

    const hash = await bump("0x04");
    await mine();
    const receipt = await pub.waitForTransactionReceipt({ hash });
    const tx = await pub.getTransaction({ hash });
    const block = await pub.getBlock({ blockNumber: receipt.blockNumber });
    // EIP-1559: the tip paid is min(maxPriorityFeePerGas, maxFeePerGas - baseFee).
    const room = tx.maxFeePerGas! - block.baseFeePerGas!;
    const paidTip = [tx.maxPriorityFeePerGas!, room].sort((a, b) => (a < b ? -1 : 1))[0]!;
    expect(receipt.effectiveGasPrice).toBe(block.baseFeePerGas! + paidTip);
    expect(receipt.cumulativeGasUsed).toBe(block.gasUsed);
  });

  it.skipIf(skip)("answers eth_call and eth_estimateGas at a block tag, with revert data", async () => {
    const now = (await head()).number;
    expect(
      await pub.readContract({ address, abi: counter.abi, functionName: "count", blockNumber: now }),
    ).toBe(4n);
    const deployBlock = (await pub.getLogs({ address, fromBlock: 0n }))[0]!.blockNumber! - 1n;
    expect(
      await pub.readContract({ address, abi: counter.abi, functionName: "count", blockNumber: deployBlock }),
    ).toBe(0n);
    const custom = await pub
      .readContract({ address, abi: counter.abi, functionName: "fail", args: [7n] })
      .catch((e) => e);
    const reverted = (custom as BaseError).walk(
      (e) => e instanceof ContractFunctionRevertedError,
    ) as ContractFunctionRevertedError;
    expect(reverted.data?.errorName).toBe("TooBig");
    expect(reverted.data?.args).toEqual([7n]);
    const text = await pub
      .readContract({ address, abi: counter.abi, functionName: "failString" })
      .catch((e) => e);
    expect(
      (
        (text as BaseError).walk(
          (e) => e instanceof ContractFunctionRevertedError,
        ) as ContractFunctionRevertedError
      ).reason,
    ).toBe("nope");
    const call = await rpcFailure(
      pub.request({ method: "eth_call", params: [{ to: address, data: "0xa9cc4718" }, "latest"] }),
    );
    expect(call.code).toBe(3);
    const gas = await pub.estimateContractGas({
      address,
      abi: counter.abi,
      functionName: "bump",
      args: ["0x05"],
      account,
    });
    expect(gas).toBeGreaterThan(21_000n);
    expect(gas).toBeLessThan(100_000n);
    expect(await pub.estimateGas({ account, to: other.address, value: 1n })).toBe(21_000n);
  });

  it.skipIf(skip)("lags safe and finalized behind the head", async () => {
    for (let i = 0; i < 10; i++) await mine();
    const latest = (await head()).number;
    const safe = (await pub.getBlock({ blockTag: "safe" })).number;
    const finalized = (await pub.getBlock({ blockTag: "finalized" })).number;
    // Embedded defaults safeLag 4 / finalizedLag 8; Anvil with --slots-in-an-epoch 4: one and two epochs.
    expect(latest - safe).toBe(4n);
    expect(latest - finalized).toBe(8n);
  });

  it.skipIf(skip)("reverts to a snapshot: blocks, state and receipts go back", async () => {
    const id = await pub.request({ method: "evm_snapshot" as never });
    const before = await head();
    const hash = await bump("0x06");
    await mine();
    await pub.waitForTransactionReceipt({ hash });
    expect(await pub.readContract({ address, abi: counter.abi, functionName: "count" })).toBe(5n);
    expect(await pub.request({ method: "evm_revert" as never, params: [id] as never })).toBe(true);
    expect((await head()).hash).toBe(before.hash);
    expect(await pub.readContract({ address, abi: counter.abi, functionName: "count" })).toBe(4n);
    expect(await pub.request({ method: "eth_getTransactionReceipt", params: [hash] })).toBeNull();
    // A snapshot is used up by reverting to it.
    expect(await pub.request({ method: "evm_revert" as never, params: [id] as never })).toBe(false);
  });

  it.skipIf(skip)("reorgs: new hashes at the same heights, the removed block's logs gone", async () => {
    const nonce = await pub.getTransactionCount({ address: account.address, blockTag: "pending" });
    const raw = await wallet.signTransaction(
      await wallet.prepareTransactionRequest({ to: address, data: "0x", nonce, gas: 100_000n }),
    );
    const dropped = await bump("0x07");
    await mine();
    const receipt = await pub.waitForTransactionReceipt({ hash: dropped });
    const old = await head();
    expect((await pub.getLogs({ address, blockHash: old.hash })).length).toBe(1);

    await pub.request({ method: "anvil_reorg" as never, params: [1, []] as never });
    const replaced = await head();
    expect(replaced.number).toBe(old.number);
    expect(replaced.hash).not.toBe(old.hash);
    expect(await pub.request({ method: "eth_getTransactionReceipt", params: [dropped] })).toBeNull();
    expect(
      await pub.getLogs({ address, fromBlock: receipt.blockNumber, toBlock: replaced.number }),
    ).toHaveLength(0);
    expect(await pub.getBlock({ blockHash: old.hash }).catch(() => null)).toBeNull();

    // anvil_reorg with given txs: they land in the new blocks.
    await pub.request({ method: "anvil_reorg" as never, params: [1, [[raw, 0]]] as never });
    const again = await head();
    expect(again.hash).not.toBe(replaced.hash);
    expect(again.transactions).toHaveLength(1);
  });

  it.skipIf(skip)(
    "rejects a low nonce, an underpriced fee, an underpriced replacement and unknown methods",
    async () => {
      const low = await rpcFailure(wallet.sendTransaction({ to: other.address, value: 1n, nonce: 0 }));
      expect(low.message).toMatch(/nonce.*(too low|lower than)/i);

      const nonce = await pub.getTransactionCount({ address: account.address, blockTag: "pending" });
      const cheap = await wallet.signTransaction(
        await wallet.prepareTransactionRequest({
          to: other.address,
          value: 1n,
          nonce,
          gas: 21_000n,
          maxFeePerGas: 1n,
          maxPriorityFeePerGas: 1n,
        }),
      );
      const under = await rpcFailure(pub.request({ method: "eth_sendRawTransaction", params: [cheap] }));
      expect(under.message).toMatch(/max fee per gas less than block base fee/);

      const first = await wallet.prepareTransactionRequest({ to: other.address, value: 1n, nonce });
      await pub.request({ method: "eth_sendRawTransaction", params: [await wallet.signTransaction(first)] });
      const same = await wallet.signTransaction({ ...first, value: 2n });
      const replace = await rpcFailure(pub.request({ method: "eth_sendRawTransaction", params: [same] }));
      expect(replace.message).toMatch(/replacement transaction underpriced/);
      expect(replace.code).toBe(-32003);

      const unknown = await rpcFailure(pub.request({ method: "flops_noSuchMethod" as never }));
      expect(unknown.code).toBe(-32601);
    },
  );
});
