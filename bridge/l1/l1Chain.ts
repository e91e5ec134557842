/**
 * `L1Chain`: the embedded L1's blocks and state over @ethereumjs/vm (Prague). It builds blocks
 * (runTx per tx: real state, transactions and receipts roots, blooms, EIP-1559 base fees from the
 * parent), keeps every canonical block with its receipts and a tx index
 * in memory, runs eth_call/eth_estimateGas against any block's state, and rewinds (evm_revert,
 * reorgs) by dropping blocks and pointing the state back at an older root: the trie keeps every
 * node, so old roots stay readable.
 *
 * Blocks are built in `mine` (not BlockBuilder: see there).
 *
 * Determinism (the journal replays blocks from their inputs): a block is a function of its parent,
 * timestamp, extraData and txs in order. Everything else is fixed by the options (coinbase, gas
 * limit) or derived (prevRandao = keccak256(parentHash), parentBeaconBlockRoot = 0, base fee).
 *
 * Not safe for concurrent use: the embedded L1 calls it under one lock.
 * @module
 */
import { type Block, createBlock, genRequestsRoot, genTransactionsTrieRoot } from "@ethereumjs/block";
import { createCustomCommon, Hardfork, Mainnet } from "@ethereumjs/common";
import { createTx, type TypedTransaction } from "@ethereumjs/tx";
import {
  type Address,
  bytesToHex,
  createAccount,
  createAddressFromString,
  hexToBytes,
  KECCAK256_RLP,
} from "@ethereumjs/util";
import { Bloom, createVM, encodeReceipt, type RunTxResult, runTx, type VM } from "@ethereumjs/vm";
import { sha256 } from "@noble/hashes/sha2.js";
import { type Hex, keccak256 } from "viem";
import { L1_CUSTOM_CRYPTO } from "./l1Crypto.ts";

export interface L1ChainOpts {
  chainId: bigint;
  /** Gas limit of every block. */
  gasLimit: bigint;
  /** Base fee of the genesis block; later blocks follow EIP-1559 from it. */
  genesisBaseFee: bigint;
  genesisTimestamp: bigint;
  /** Fee recipient of every block. */
  coinbase: Hex;
  /** Genesis allocations. */
  accounts: readonly { address: Hex; balance: bigint }[];
}

export interface L1Log {
  address: Hex;
  topics: Hex[];
  data: Hex;
  /** Position among all logs of the block. */
  logIndex: number;
}

export interface L1Receipt {
  status: 0 | 1;
  gasUsed: bigint;
  cumulativeGasUsed: bigint;
  effectiveGasPrice: bigint;
  logsBloom: Uint8Array;
  logs: L1Log[];
  contractAddress: Hex | null;
}

export interface L1TxRecord {
  tx: TypedTransaction;
  hash: Hex;
  sender: Hex;
  receipt: L1Receipt;
}

export interface L1BlockRecord {
  block: Block;
  number: bigint;
  hash: Hex;
  txs: L1TxRecord[];
  logCount: number;
}

/** A call's fields (eth_call / eth_estimateGas), already parsed. */
export interface L1CallRequest {
  from?: Hex;
  to?: Hex;
  gas?: bigint;
  gasPrice?: bigint;
  maxFeePerGas?: bigint;
  maxPriorityFeePerGas?: bigint;
  value?: bigint;
  data?: Hex;
  accessList?: { address: Hex; storageKeys: Hex[] }[];
}

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";
const ZERO_HASH = new Uint8Array(32);

/** A tx that could not go into a block, and why (the node's message). */
export interface RejectedTx {
  tx: TypedTransaction;
  error: string;
}

export class L1Chain {
  readonly common: ReturnType<typeof createCustomCommon>;
  readonly opts: L1ChainOpts;
  private readonly vm: VM;
  private callVm: VM | undefined;
  private readonly blocks: L1BlockRecord[] = [];
  private readonly byHash = new Map<Hex, L1BlockRecord>();
  private readonly txIndex = new Map<Hex, { block: L1BlockRecord; index: number }>();

  private constructor(opts: L1ChainOpts, common: ReturnType<typeof createCustomCommon>, vm: VM) {
    this.opts = opts;
    this.common = common;
    this.vm = vm;
  }

  static async create(opts: L1ChainOpts): Promise<L1Chain> {
    const common = createCustomCommon({ chainId: Number(opts.chainId) }, Mainnet, {
      hardfork: Hardfork.Prague,
      // Native ecrecover (libsecp256k1) and sha256: l1Crypto.ts.
      customCrypto: L1_CUSTOM_CRYPTO,
    });
    // BLOCKHASH reads canonical blocks from here (Prague still asks the blockchain, not EIP-2935).
    let chain: L1Chain | undefined;
    const blockchain = {
      async getBlock(n: number) {
        const record = chain?.blocks[n];
        return record === undefined ? { hash: () => ZERO_HASH } : record.block;
      },
      async putBlock() {},
      shallowCopy() {
        return blockchain;
      },
    };
    const vm = await createVM({ common, blockchain });
    chain = new L1Chain(opts, common, vm);
    for (const { address, balance } of opts.accounts) {
      await vm.stateManager.putAccount(createAddressFromString(address), createAccount({ balance }));
    }
    const genesis = createBlock(
      {
        header: {
          number: 0n,
          gasLimit: opts.gasLimit,
          timestamp: opts.genesisTimestamp,
          stateRoot: await vm.stateManager.getStateRoot(),
          baseFeePerGas: opts.genesisBaseFee,
          coinbase: opts.coinbase,
        },
      },
      { common },
    );
    chain.push(genesis, []);
    return chain;
  }

  get head(): L1BlockRecord {
    return this.blocks[this.blocks.length - 1]!;
  }

  get headNumber(): bigint {
    return BigInt(this.blocks.length - 1);
  }

  byNumber(n: bigint): L1BlockRecord | undefined {
    return n < 0n || n > this.headNumber ? undefined : this.blocks[Number(n)];
  }

  blockByHash(hash: Hex): L1BlockRecord | undefined {
    return this.byHash.get(hash);
  }

  txByHash(hash: Hex): { block: L1BlockRecord; index: number } | undefined {
    return this.txIndex.get(hash);
  }

  /** Base fee of the next block (EIP-1559 from the head). */
  nextBaseFee(): bigint {
    return this.head.block.header.calcNextBaseFee();
  }

  /** The account at the head state. */
  async account(address: Hex): Promise<{ nonce: bigint; balance: bigint }> {
    const account = await this.vm.stateManager.getAccount(createAddressFromString(address));
    return { nonce: account?.nonce ?? 0n, balance: account?.balance ?? 0n };
  }

  /** A VM whose state is that after `record` (shared trie, its own root). */
  async stateAt(record: L1BlockRecord): Promise<VM> {
    this.callVm ??= await this.vm.shallowCopy();
    await this.callVm.stateManager.setStateRoot(record.block.header.stateRoot);
    return this.callVm;
  }

  /**
   * Builds the next block from `txs` in order. A tx whose gas limit no longer fits is left out
   * (`skipped`, it may go into a later block); one that fails to apply is left out with its error
   * (`rejected`); either way that sender's later txs are skipped. With `strict` (journal replay)
   * either is an error.
   *
   * Built here rather than with @ethereumjs/vm's BlockBuilder, whose addTransaction re-creates
   * every earlier tx of the block (quadratic: 250 transfers a block ran at ~18 tx/s). The steps
   * are BlockBuilder's for a Prague block on this chain: txs through runTx with the block gas used
   * so far, then the roots. Its system calls (EIP-4788 beacon root, EIP-2935 history, EIP-7002/7251
   * requests) are no-ops here because those system contracts are not deployed on this L1, so the
   * requests list is empty; EIP-6110 deposits need the mainnet deposit contract, absent too.
   */
  async mine(
    txs: readonly TypedTransaction[],
    header: { timestamp: bigint; extraData: Uint8Array },
    strict = false,
  ): Promise<{ record: L1BlockRecord; skipped: TypedTransaction[]; rejected: RejectedTx[] }> {
    const parent = this.head.block;
    const headerData = {
      parentHash: parent.hash(),
      number: parent.header.number + 1n,
      timestamp: header.timestamp,
      extraData: header.extraData,
      coinbase: this.opts.coinbase,
      gasLimit: this.opts.gasLimit,
      baseFeePerGas: parent.header.calcNextBaseFee(),
      excessBlobGas: parent.header.calcNextExcessBlobGas(this.common),
      mixHash: hexToBytes(keccak256(parent.hash())),
      parentBeaconBlockRoot: ZERO_HASH,
    };
    const context = createBlock({ header: headerData }, { common: this.common });
    const results: RunTxResult[] = [];
    const included: TypedTransaction[] = [];
    const skipped: TypedTransaction[] = [];
    const rejected: RejectedTx[] = [];
    let gasUsed = 0n;
    // A sender whose tx stays out keeps its later txs out too: their nonces would not follow.
    const blocked = new Set<string>();
    const journal = this.vm.evm.journal;
    await journal.checkpoint();
    try {
      for (const tx of txs) {
        let sender: string;
        try {
          sender = tx.getSenderAddress().toString();
        } catch (e) {
          if (strict) throw e;
          rejected.push({ tx, error: "invalid sender" });
          continue;
        }
        if (blocked.has(sender)) {
          skipped.push(tx);
          continue;
        }
        if (tx.gasLimit > this.opts.gasLimit - gasUsed) {
          if (strict) throw new Error(`replayed tx ${bytesToHex(tx.hash())} does not fit the block`);
          skipped.push(tx);
          blocked.add(sender);
          continue;
        }
        try {
          // runTx reverts its own checkpoint when it throws, so a rejected tx leaves no trace.
          const result = await runTx(this.vm, { tx, block: context, blockGasUsed: gasUsed });
          results.push(result);
          included.push(tx);
          gasUsed += result.blockGasSpent;
        } catch (e) {
          if (strict) throw e;
          rejected.push({ tx, error: (e as Error).message });
          blocked.add(sender);
        }
      }
      await journal.commit();
    } catch (e) {
      await journal.revert();
      throw e;
    }
    const bloom = new Bloom(undefined, this.common);
    for (const r of results) bloom.or(r.bloom);
    // The receipts trie is keyed like the txs trie: rlp(index) -> encoded receipt.
    const receiptItems = results.map((r, i) => ({
      serialize: () => encodeReceipt(r.receipt, included[i]!.type),
    }));
    const block = createBlock(
      {
        header: {
          ...headerData,
          stateRoot: await this.vm.stateManager.getStateRoot(),
          transactionsTrie: await genTransactionsTrieRoot(included),
          receiptTrie:
            results.length === 0
              ? KECCAK256_RLP
              : await genTransactionsTrieRoot(receiptItems as unknown as TypedTransaction[]),
          logsBloom: bloom.bitvector,
          gasUsed,
          blobGasUsed: 0n,
          requestsHash: genRequestsRoot([], sha256),
        },
        transactions: included,
      },
      { common: this.common },
    );
    const record = this.push(block, results);
    return { record, skipped, rejected };
  }

  /** Drops every block above `number` and points the state back at block `number`'s. */
  async rewind(number: bigint): Promise<L1BlockRecord[]> {
    if (number < 0n || number > this.headNumber) throw new Error(`cannot rewind to block ${number}`);
    const dropped = this.blocks.splice(Number(number) + 1);
    for (const record of dropped) {
      this.byHash.delete(record.hash);
      for (const tx of record.txs) this.txIndex.delete(tx.hash);
    }
    await this.vm.stateManager.setStateRoot(this.head.block.header.stateRoot);
    return dropped;
  }

  /**
   * Runs `req` as a tx against the state after `record`, in a block context like the next one's,
   * and throws away its effects. Without fee fields the base fee is taken as 0 (as geth does for
   * calls), so a caller without ETH can still call.
   */
  async call(record: L1BlockRecord, req: L1CallRequest, gasLimit: bigint): Promise<RunTxResult> {
    const vm = await this.stateAt(record);
    const header = record.block.header;
    const priced = req.gasPrice !== undefined || req.maxFeePerGas !== undefined;
    const context = createBlock(
      {
        header: {
          number: header.number + 1n,
          timestamp: header.timestamp + 1n,
          gasLimit: header.gasLimit,
          coinbase: header.coinbase,
          baseFeePerGas: priced ? header.calcNextBaseFee() : 0n,
          mixHash: hexToBytes(keccak256(header.hash())),
          parentBeaconBlockRoot: ZERO_HASH,
        },
      },
      { common: this.common },
    );
    const tx = createTx(
      {
        type: req.gasPrice !== undefined ? 0 : 2,
        nonce: (await this.accountIn(vm, req.from ?? ZERO_ADDRESS)).nonce,
        gasLimit,
        ...(req.gasPrice !== undefined
          ? { gasPrice: req.gasPrice }
          : { maxFeePerGas: req.maxFeePerGas ?? 0n, maxPriorityFeePerGas: req.maxPriorityFeePerGas ?? 0n }),
        ...(req.to === undefined ? {} : { to: req.to }),
        value: req.value ?? 0n,
        data: req.data ?? "0x",
        ...(req.accessList === undefined || req.gasPrice !== undefined ? {} : { accessList: req.accessList }),
        ...(req.gasPrice === undefined ? { chainId: this.opts.chainId } : {}),
      },
      { common: this.common, freeze: false },
    );
    const from: Address = createAddressFromString(req.from ?? ZERO_ADDRESS);
    // An unsigned tx: the sender is the call's `from` (as in the ethereumjs client's eth_call).
    tx.getSenderAddress = () => from;
    await vm.stateManager.checkpoint();
    try {
      return await runTx(vm, {
        tx,
        block: context,
        skipNonce: true,
        skipBalance: true,
        skipBlockGasLimitValidation: true,
        skipHardForkValidation: true,
      });
    } finally {
      await vm.stateManager.revert();
    }
  }

  private async accountIn(vm: VM, address: Hex): Promise<{ nonce: bigint }> {
    const account = await vm.stateManager.getAccount(createAddressFromString(address));
    return { nonce: account?.nonce ?? 0n };
  }

  private push(block: Block, results: readonly RunTxResult[]): L1BlockRecord {
    const hash = bytesToHex(block.hash()) as Hex;
    const baseFee = block.header.baseFeePerGas ?? 0n;
    const txs: L1TxRecord[] = [];
    let logIndex = 0;
    block.transactions.forEach((tx, i) => {
      const result = results[i]!;
      const receipt = result.receipt;
      const logs: L1Log[] = receipt.logs.map(([address, topics, data]) => ({
        address: bytesToHex(address) as Hex,
        topics: topics.map((t) => bytesToHex(t) as Hex),
        data: bytesToHex(data) as Hex,
        logIndex: logIndex++,
      }));
      txs.push({
        tx,
        hash: bytesToHex(tx.hash()) as Hex,
        sender: tx.getSenderAddress().toString() as Hex,
        receipt: {
          status: "status" in receipt ? (receipt.status as 0 | 1) : 1,
          gasUsed: result.totalGasSpent,
          cumulativeGasUsed: receipt.cumulativeBlockGasUsed,
          effectiveGasPrice: tx.getEffectivePriorityFee(baseFee) + baseFee,
          logsBloom: result.bloom.bitvector,
          logs,
          contractAddress:
            result.createdAddress === undefined ? null : (result.createdAddress.toString() as Hex),
        },
      });
    });
    const record: L1BlockRecord = { block, number: block.header.number, hash, txs, logCount: logIndex };
    this.blocks.push(record);
    this.byHash.set(hash, record);
    txs.forEach((tx, index) => {
      this.txIndex.set(tx.hash, { block: record, index });
    });
    return record;
  }
}
