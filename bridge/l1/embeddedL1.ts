/**
 * `createEmbeddedL1(opts, modules)`: the devnet's L1, in process. An EIP-1193 provider
 * (`request({method, params})`) over @ethereumjs/vm (Prague) that viem uses through `custom()`,
 * and that serveL1Http.ts serves over HTTP for cast, wallets and other nodes.
 *
 * Blocks are mined on a timer (`blockTimeMs`; 0: only on `mine()` / evm_mine), each taking the tx
 * pool's executable txs; `safe` and `finalized` lag the head by `safeLag` / `finalizedLag` blocks.
 * With a `datadir` every block's inputs are journaled to `<datadir>/l1/` before the block is
 * visible, and a restart replays them into the same chain (same hashes). Every request runs
 * under one lock, as does the timer's mining: the VM is not reentrant.
 * @module
 */
import { join } from "node:path";
import { type Hex, isHex } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { DEV_ACCOUNT_BALANCE, DEV_PRIVATE_KEYS } from "./devAccounts.ts";
import { L1Journal } from "./l1Journal.ts";
import { DEFAULT_L1_METHOD_LIMITS, type L1Method, type L1MethodLimits, l1Methods } from "./l1Methods.ts";
import { L1Node, type ReorgTx } from "./l1Node.ts";
import { invalidParams, L1_RPC_CODE, L1RpcError } from "./l1RpcError.ts";
import type { TxPoolOpts } from "./txPool.ts";

export interface EmbeddedL1Opts {
  /** Default 31337 (Anvil's, viem's `foundry` chain). */
  chainId?: bigint;
  /** A block every this many ms; 0: no timer (tests mine by hand). Default 1000. */
  blockTimeMs?: number;
  /** Default 30,000,000. */
  gasLimit?: bigint;
  /** Default 1 gwei. */
  genesisBaseFee?: bigint;
  /** Blocks `safe` lags the head. Default 4 (a devnet-sized epoch; mainnet's is 32 slots). */
  safeLag?: number;
  /** Blocks `finalized` lags the head. Default 8 (two devnet epochs; mainnet ~64 slots). */
  finalizedLag?: number;
  /** Persist to `<datadir>/l1/` and replay from it on start. Absent: in memory only. */
  datadir?: string;
  /** Private keys funded at genesis. Default: the ten dev keys (devAccounts.ts). */
  accounts?: readonly Hex[];
  /** Each account's genesis balance, wei. Default 10,000 ETH. */
  accountBalance?: bigint;
  limits?: Partial<EmbeddedL1Limits>;
}

export interface EmbeddedL1Limits extends L1MethodLimits {
  /** Largest raw tx, and largest call data, bytes. Default 128 KiB (geth's). */
  maxTxBytes: number;
  pool: Partial<TxPoolOpts>;
  /** Most snapshots held (the oldest is forgotten). Default 1024. */
  maxSnapshots: number;
  /** Deepest reorg. Default 64. */
  maxReorgDepth: number;
  /** Longest method name accepted. */
  maxMethodChars: number;
}

export const DEFAULT_EMBEDDED_L1_LIMITS: Readonly<EmbeddedL1Limits> = {
  ...DEFAULT_L1_METHOD_LIMITS,
  maxTxBytes: 128 * 1024,
  pool: {},
  maxSnapshots: 1024,
  maxReorgDepth: 64,
  maxMethodChars: 64,
};

export interface EmbeddedL1Modules {
  /** Wall clock in ms (block timestamps). Default Date.now. */
  clock?: () => number;
  /** Told about a failed timer-mined block (the timer keeps going). Default: console.error. */
  onMineError?: (error: unknown) => void;
}

/** EIP-1193 request arguments. */
export interface L1RequestArgs {
  method: string;
  params?: unknown;
}

export interface EmbeddedL1 {
  /** EIP-1193: resolves with the result or rejects with an L1RpcError (numeric `code`, `data`). */
  request(args: L1RequestArgs): Promise<unknown>;
  readonly chainId: bigint;
  /** The funded private keys (public dev keys unless `accounts` was given). */
  readonly accounts: readonly Hex[];
  /** Mines `blocks` blocks now (default 1); the new head number. */
  mine(blocks?: number): Promise<bigint>;
  /** Like anvil_reorg: replaces the last `depth` blocks (same txs unless `txs` is given). */
  reorg(depth: number, opts?: { txs?: ReorgTx[] }): Promise<void>;
  /** Stops the timer, waits for the running call, closes the journal. */
  close(): Promise<void>;
}

export async function createEmbeddedL1(
  opts: EmbeddedL1Opts = {},
  modules: EmbeddedL1Modules = {},
): Promise<EmbeddedL1> {
  const limits: EmbeddedL1Limits = { ...DEFAULT_EMBEDDED_L1_LIMITS, ...opts.limits };
  const chainId = opts.chainId ?? 31337n;
  const keys = opts.accounts ?? DEV_PRIVATE_KEYS;
  const addresses = keys.map((k) => privateKeyToAddress(k));
  const balance = opts.accountBalance ?? DEV_ACCOUNT_BALANCE;
  const clock = modules.clock ?? Date.now;
  const journal = opts.datadir === undefined ? undefined : await L1Journal.open(join(opts.datadir, "l1"));
  let node: L1Node;
  try {
    node = await L1Node.start(
      {
        chain: {
          chainId,
          gasLimit: opts.gasLimit ?? 30_000_000n,
          genesisBaseFee: opts.genesisBaseFee ?? 1_000_000_000n,
          coinbase: "0x0000000000000000000000000000000000000000",
          accounts: addresses.map((address) => ({ address: address.toLowerCase() as Hex, balance })),
        },
        safeLag: BigInt(opts.safeLag ?? 4),
        finalizedLag: BigInt(opts.finalizedLag ?? 8),
        maxTxBytes: limits.maxTxBytes,
        pool: limits.pool,
        maxSnapshots: limits.maxSnapshots,
        maxReorgDepth: limits.maxReorgDepth,
      },
      journal,
      clock,
    );
  } catch (e) {
    await journal?.journal.close();
    throw e;
  }
  const methods: Map<string, L1Method> = l1Methods(node, limits, addresses);

  // One lock: each task starts after the previous one settles.
  let tail: Promise<unknown> = Promise.resolve();
  function locked<T>(task: () => Promise<T>): Promise<T> {
    const run = tail.then(task, task);
    tail = run.catch(() => undefined);
    return run;
  }

  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  const blockTimeMs = opts.blockTimeMs ?? 1000;
  if (blockTimeMs > 0) {
    timer = setInterval(() => {
      locked(() => node.mine()).catch(
        modules.onMineError ?? ((e) => console.error("embedded L1: mining failed", e)),
      );
    }, blockTimeMs);
    timer.unref();
  }

  async function request(args: L1RequestArgs): Promise<unknown> {
    if (closed) throw new L1RpcError(L1_RPC_CODE.INTERNAL_ERROR, "the embedded L1 is closed");
    const method = args?.method;
    if (typeof method !== "string" || method.length > limits.maxMethodChars) {
      throw new L1RpcError(L1_RPC_CODE.INVALID_REQUEST, "method must be a short string");
    }
    const fn = methods.get(method);
    if (fn === undefined) throw new L1RpcError(L1_RPC_CODE.METHOD_NOT_FOUND, "Method not found");
    return locked(async () => {
      try {
        return await fn(args.params);
      } catch (e) {
        if (e instanceof L1RpcError) throw e;
        throw new L1RpcError(
          L1_RPC_CODE.INTERNAL_ERROR,
          `internal error: ${(e as Error).message}`,
          undefined,
          {
            cause: e,
          },
        );
      }
    });
  }

  return {
    request,
    chainId,
    accounts: keys,
    mine: (blocks = 1) =>
      locked(async () => {
        for (let i = 0; i < blocks; i++) await node.mine();
        return node.chain.headNumber;
      }),
    reorg: (depth, reorgOpts) =>
      locked(async () => {
        for (const t of reorgOpts?.txs ?? []) if (!isHex(t.raw)) throw invalidParams("reorg tx is not hex");
        await node.reorg(depth, reorgOpts?.txs);
      }),
    close: async () => {
      if (closed) return;
      closed = true;
      if (timer !== undefined) clearInterval(timer);
      await locked(async () => {
        await journal?.journal.close();
      });
    },
  };
}
