/**
 * `createTxRound(pub, opts)`: L1 transactions that do not depend on each other's results, sent back
 * to back with explicit nonces and fixed gas limits so one L1 block can take them all, then awaited
 * together. A deployment's address is known when it is queued (the sender's address and nonce fix
 * it), so a later transaction of the same round may name it: the sender's nonces run in order, so
 * the contract exists by the time that transaction executes.
 *
 * Why not deployContracts' one-at-a-time path: on a clocked L1 (the devnet's embedded L1: a block
 * per second; a real L1: 12 s) every receipt waited for costs a block. Gas is not estimated (an
 * estimate would run against a state without the round's earlier transactions and come out wrong
 * or fail): a deployment gets an upper bound from its code size, a call a fixed limit. Only the
 * gas used is charged, and a block takes a transaction while its limit fits the gas still unused,
 * so a loose limit costs no block space.
 *
 * Fees: one read of the base fee per round, the cap at 3× it (a few full blocks of EIP-1559
 * increase, 12.5% each, before the cap binds).
 * @module
 */
import {
  type Abi,
  type Account,
  type Chain,
  encodeDeployData,
  encodeFunctionData,
  getContractAddress,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
  type Transport,
  type WalletClient,
} from "viem";
import { RollupError } from "../../chain/errors.ts";
import type { ContractArtifact } from "../l1/deployContracts.ts";

type Wallet = WalletClient<Transport, Chain, Account>;

/** A call's gas limit unless given (the stack's calls use well under 1M). */
const CALL_GAS = 1_500_000n;
/** A deployment's constructor work beyond storing its code (a few dozen SSTOREs at most here). */
const CONSTRUCTOR_GAS = 1_000_000n;
const PRIORITY_FEE = 1_000_000_000n;

/**
 * An upper bound on a deployment's gas: the base and create costs, EIP-7623's calldata floor (40
 * per byte, above the standard 16), initcode words, and 200 per byte of the runtime code stored
 * (bounded by the initcode size), plus the constructor's work.
 */
export function deployGasBound(initcode: Hex): bigint {
  const bytes = BigInt((initcode.length - 2) / 2);
  return 53_000n + 40n * bytes + 2n * ((bytes + 31n) / 32n) + 200n * bytes + CONSTRUCTOR_GAS;
}

interface Queued {
  label: string;
  wallet: Wallet;
  nonce: number;
  request: { to?: Hex; data: Hex; value?: bigint; gas: bigint };
}

export interface TxSender {
  readonly address: Hex;
  /** Queues a deployment; returns the address it will have. */
  deploy(label: string, artifact: ContractArtifact, args?: readonly unknown[], gas?: bigint): Hex;
  /** Queues a contract call. */
  call(
    label: string,
    to: Hex,
    abi: Abi,
    functionName: string,
    args: readonly unknown[],
    o?: { gas?: bigint; value?: bigint },
  ): void;
  /** Queues a plain ETH transfer. */
  pay(label: string, to: Hex, value: bigint): void;
}

export interface TxRound {
  /** A sender for `wallet`, its next nonce read from L1 (pending) once. */
  sender(wallet: Wallet): Promise<TxSender>;
  /** Sends everything queued (each sender's in nonce order), then waits for every receipt;
   *  throws DEPLOY_FAILED naming the first that reverted. Resolves with the receipts by label. */
  send(): Promise<Map<string, TransactionReceipt>>;
}

export interface TxRoundOpts {
  /** Called after each transaction is sent (a hand-mined L1 mines here). */
  afterSend?: ((txHash: Hex) => Promise<void>) | undefined;
  /** Confirmations per receipt. Default 1. */
  confirmations?: number | undefined;
}

export function createTxRound(pub: PublicClient, opts: TxRoundOpts = {}): TxRound {
  const queue: Queued[] = [];
  return {
    async sender(wallet) {
      const address = wallet.account.address;
      let next = await pub.getTransactionCount({ address, blockTag: "pending" });
      const push = (label: string, request: Queued["request"]) => {
        if (queue.some((q) => q.label === label)) throw new Error(`tx round: label ${label} used twice`);
        queue.push({ label, wallet, nonce: next++, request });
      };
      return {
        address,
        deploy(label, artifact, args = [], gas) {
          const nonce = next;
          const data = encodeDeployData({ abi: artifact.abi, bytecode: artifact.bytecode, args } as never);
          push(label, { data, gas: gas ?? deployGasBound(data) });
          return getContractAddress({ from: address, nonce: BigInt(nonce) });
        },
        call(label, to, abi, functionName, args, o = {}) {
          push(label, {
            to,
            data: encodeFunctionData({ abi, functionName, args } as never),
            gas: o.gas ?? CALL_GAS,
            ...(o.value === undefined ? {} : { value: o.value }),
          });
        },
        pay(label, to, value) {
          push(label, { to, data: "0x", value, gas: 21_000n });
        },
      };
    },
    async send() {
      const sent = queue.splice(0, queue.length);
      if (sent.length === 0) return new Map();
      const block = await pub.getBlock({ blockTag: "latest" });
      const maxFeePerGas = 3n * (block.baseFeePerGas ?? 1_000_000_000n) + PRIORITY_FEE;
      const hashes: Array<{ label: string; hash: Hex }> = [];
      for (const q of sent) {
        const hash = await q.wallet.sendTransaction({
          ...q.request,
          nonce: q.nonce,
          maxFeePerGas,
          maxPriorityFeePerGas: PRIORITY_FEE,
        } as never);
        hashes.push({ label: q.label, hash });
        await opts.afterSend?.(hash);
      }
      const receipts = await Promise.all(
        hashes.map((h) =>
          pub.waitForTransactionReceipt({ hash: h.hash, confirmations: opts.confirmations ?? 1 }),
        ),
      );
      const out = new Map<string, TransactionReceipt>();
      for (const [i, r] of receipts.entries()) {
        const { label, hash } = hashes[i]!;
        if (r.status !== "success")
          throw new RollupError("DEPLOY_FAILED", `${label} reverted (tx ${hash})`, { txHash: hash });
        out.set(label, r);
      }
      return out;
    },
  };
}
