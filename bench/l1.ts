/**
 * What the embedded L1 (bridge/l1) sustains, each figure against a same-run ceiling: the same
 * @ethereumjs/vm work without the provider (no JSON-RPC, pool, admission, receipts index, lock).
 *
 * - l1_blocks_per_s: empty blocks through `mine()`; ceiling: a bare loop that takes a state root per block.
 * - l1_blocks_per_s_journaled: the same with a datadir (each block's record fdatasync'ed).
 * - l1_txs_per_s: signed transfers from 10 senders through eth_sendRawTransaction (decode,
 *   sender recovery, admission), mined 250 a block, receipts indexed; ceiling: the same pre-signed
 *   txs through a bare runTx loop (state root per block), on the L1's own crypto (l1Crypto.ts:
 *   native ecrecover), so the ratio is what the provider adds.
 *
 * Run alone: `node --import tsx bench/l1.ts [--quick] [--json]`; bench/run.ts runs it as "l1".
 * @module
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createBlock } from "@ethereumjs/block";
import { createCustomCommon, Hardfork, Mainnet } from "@ethereumjs/common";
import { createFeeMarket1559Tx, type TypedTransaction } from "@ethereumjs/tx";
import { bytesToHex, createAccount, createAddressFromPrivateKey, hexToBytes } from "@ethereumjs/util";
import { createVM, runTx } from "@ethereumjs/vm";
import { DEV_ACCOUNT_BALANCE, DEV_PRIVATE_KEYS } from "../bridge/l1/devAccounts.ts";
import { createEmbeddedL1 } from "../bridge/l1/embeddedL1.ts";
import { L1_CUSTOM_CRYPTO } from "../bridge/l1/l1Crypto.ts";
import { ceilingFields } from "./ceiling.ts";
import { machineLoad } from "./nodeKit.ts";
import type { BenchOpts, BenchResult } from "./types.ts";

const TXS_PER_BLOCK = 250;
// The embedded L1's crypto (native ecrecover where the addon loads): the bare loop does the same VM work.
const common = createCustomCommon({ chainId: 31337 }, Mainnet, {
  hardfork: Hardfork.Prague,
  customCrypto: L1_CUSTOM_CRYPTO,
});

/** `perSender` transfers from each dev account, nonces 0.., fee cap far above any base fee here. */
function signTransfers(perSender: number): TypedTransaction[] {
  const txs: TypedTransaction[] = [];
  for (let nonce = 0; nonce < perSender; nonce++) {
    for (const key of DEV_PRIVATE_KEYS) {
      txs.push(
        createFeeMarket1559Tx(
          {
            chainId: 31337n,
            nonce: BigInt(nonce),
            to: "0x000000000000000000000000000000000000dEaD",
            value: 1n,
            gasLimit: 21_000n,
            maxFeePerGas: 10n ** 11n,
            maxPriorityFeePerGas: 10n ** 9n,
          },
          { common },
        ).sign(hexToBytes(key)),
      );
    }
  }
  return txs;
}

/**
 * The bare VM loop: blocks of `perBlock` txs (0: `blocks` empty blocks), each tx through runTx in
 * a block context, the state root taken per block; no roots, receipts index, pool or RPC. Seconds.
 */
async function bareLoop(txs: readonly TypedTransaction[], perBlock: number, blocks: number): Promise<number> {
  const vm = await createVM({ common });
  for (const key of DEV_PRIVATE_KEYS) {
    await vm.stateManager.putAccount(
      createAddressFromPrivateKey(hexToBytes(key)),
      createAccount({ balance: DEV_ACCOUNT_BALANCE }),
    );
  }
  let parent = createBlock(
    {
      header: {
        gasLimit: 30_000_000n,
        timestamp: 1_800_000_000n,
        stateRoot: await vm.stateManager.getStateRoot(),
        baseFeePerGas: 10n ** 9n,
      },
    },
    { common },
  );
  const start = performance.now();
  for (let b = 0, i = 0; perBlock === 0 ? b < blocks : i < txs.length; b++) {
    const header = {
      parentHash: parent.hash(),
      number: parent.header.number + 1n,
      timestamp: parent.header.timestamp + 1n,
      gasLimit: 30_000_000n,
      baseFeePerGas: parent.header.calcNextBaseFee(),
    };
    const context = createBlock({ header }, { common });
    let gasUsed = 0n;
    for (const end = Math.min(i + perBlock, txs.length); i < end; i++) {
      gasUsed += (await runTx(vm, { tx: txs[i]!, block: context, blockGasUsed: gasUsed })).blockGasSpent;
    }
    parent = createBlock(
      { header: { ...header, gasUsed, stateRoot: await vm.stateManager.getStateRoot() } },
      { common },
    );
  }
  return (performance.now() - start) / 1000;
}

async function emptyBlocksPerS(blocks: number, datadir?: string): Promise<number> {
  const l1 = await createEmbeddedL1({ blockTimeMs: 0, ...(datadir === undefined ? {} : { datadir }) });
  try {
    await l1.mine(5); // warm
    const start = performance.now();
    await l1.mine(blocks);
    return blocks / ((performance.now() - start) / 1000);
  } finally {
    await l1.close();
  }
}

async function txsPerS(txs: readonly TypedTransaction[]): Promise<number> {
  const l1 = await createEmbeddedL1({
    blockTimeMs: 0,
    limits: { pool: { maxTxs: 100_000, maxTxsPerSender: 100_000 } },
  });
  try {
    const raws = txs.map((tx) => bytesToHex(tx.serialize()));
    const start = performance.now();
    for (let i = 0; i < raws.length; i += TXS_PER_BLOCK) {
      for (const raw of raws.slice(i, i + TXS_PER_BLOCK)) {
        await l1.request({ method: "eth_sendRawTransaction", params: [raw] });
      }
      await l1.mine();
    }
    const seconds = (performance.now() - start) / 1000;
    const head = (await l1.request({ method: "eth_getBlockByNumber", params: ["latest", false] })) as {
      transactions: unknown[];
    };
    if (head.transactions.length === 0) throw new Error("l1 bench: the last block is empty");
    return raws.length / seconds;
  } finally {
    await l1.close();
  }
}

export async function run(opts: BenchOpts): Promise<BenchResult[]> {
  const blocks = opts.quick ? 50 : 300;
  const perSender = opts.quick ? 50 : 200;
  const note = machineLoad();
  const results: BenchResult[] = [];

  await bareLoop([], 0, 20); // warm the VM code paths both sides share
  const bareEmpty = blocks / (await bareLoop([], 0, blocks));
  const empty = await emptyBlocksPerS(blocks);
  results.push({
    name: "l1_blocks_per_s",
    value: Number(empty.toFixed(1)),
    unit: "blocks/s",
    ...ceilingFields(
      empty,
      bareEmpty,
      "bare loop: context block + state root per block (no provider), blocks/s",
    ),
    note,
  });
  const dir = await mkdtemp(join(tmpdir(), "flops-bench-l1-"));
  try {
    const journaled = await emptyBlocksPerS(blocks, dir);
    results.push({
      name: "l1_blocks_per_s_journaled",
      value: Number(journaled.toFixed(1)),
      unit: "blocks/s",
      ...ceilingFields(journaled, empty, "the same without a datadir (no fdatasync), blocks/s"),
      note,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  const txs = signTransfers(perSender);
  const bareTxs = txs.length / (await bareLoop(txs, TXS_PER_BLOCK, 0));
  const viaProvider = await txsPerS(txs);
  results.push({
    name: "l1_txs_per_s",
    value: Number(viaProvider.toFixed(0)),
    unit: "tx/s",
    ...ceilingFields(viaProvider, bareTxs, "bare runTx loop over the same signed txs (no provider), tx/s"),
    txs: txs.length,
    txsPerBlock: TXS_PER_BLOCK,
    note,
  });
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const json = process.argv.includes("--json");
  for (const r of await run({ quick: process.argv.includes("--quick") })) {
    process.stdout.write(
      json
        ? `${JSON.stringify(r)}\n`
        : `${r.name} ${r.value} ${r.unit} ceiling ${r.ceiling} ratio ${r.ratio}\n`,
    );
  }
}
