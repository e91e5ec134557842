/**
 * What the L1-sending commands share (`flops bridge deposit|prove|finalize`, `flops tx force`):
 * the `--l1.rpc` / `--l1.deployment` / keystore options, a viem client pair for that L1 checked
 * against the deployment file's chain id, and one way to send a contract call: simulate first, so
 * a call that would revert is refused before it costs gas, with the contract's custom error named
 * and its arguments shown (`WithdrawalAlreadyFinalized(0)`), then send and wait for the receipt.
 * @module
 */
import {
  type Abi,
  type Account,
  BaseError,
  type Chain,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  defineChain,
  type Hex,
  http,
  type PublicClient,
  type TransactionReceipt,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type L1Deployment, readDeployment } from "../../bridge/deployment.ts";
import { bytesToHex } from "../../chain/bytes.ts";
import { cappedFetch } from "../../rpc/cappedFetch.ts";
import { opt } from "../config.ts";
import { KEYSTORE_OPTIONS, unlockNodeKey } from "../keystore.ts";
import { type CliIO, promptIO, warnTo } from "./io.ts";

/** How long a command waits for its L1 tx to be mined. */
export const L1_RECEIPT_TIMEOUT_MS = 120_000;

/** `--l1.rpc` and `--l1.deployment`: which L1 and where the rollup's contracts are on it. */
export const L1_CLI_OPTIONS = {
  "l1.rpc": opt.url({
    required: true,
    protocols: ["http", "https"],
    description: "the L1's JSON-RPC endpoint",
  }),
  "l1.deployment": opt.path({
    required: true,
    description: "the deployment file: the contracts' addresses (e.g. <datadir>/l1-deployment.json)",
    valueName: "<file>",
  }),
};

/** The signer's keystore (the same key format as a node key: a secp256k1 key signs on L1 and L2). */
export const SIGNER_OPTIONS = {
  ...KEYSTORE_OPTIONS,
  keystore: { ...KEYSTORE_OPTIONS.keystore, description: "keystore file of the signing key" },
};

export interface L1Context {
  deployment: L1Deployment;
  public: PublicClient;
  url: string;
}

export interface L1Signer {
  wallet: WalletClient<Transport, Chain, Account>;
  address: Hex;
}

/** Largest L1 answer read (a log query over a long chain is the biggest); past it the call fails. */
export const MAX_L1_ANSWER_BYTES = 16 * 1024 * 1024;

/** HTTP to the L1, answers capped (an L1 endpoint is not trusted to bound them). */
function l1Transport(url: string) {
  return http(url, { retryCount: 1, timeout: 30_000, fetchFn: cappedFetch(fetch, MAX_L1_ANSWER_BYTES) });
}

/** A client for the L1, after checking it is the deployment's chain. */
export async function openL1(cfg: { "l1.rpc": string; "l1.deployment": string }): Promise<L1Context> {
  const deployment = await readDeployment(cfg["l1.deployment"]);
  const client = createPublicClient({
    transport: l1Transport(cfg["l1.rpc"]),
    pollingInterval: 250,
  });
  let chainId: number;
  try {
    chainId = await client.getChainId();
  } catch (e) {
    throw new Error(`cannot reach the L1 at ${cfg["l1.rpc"]}: ${shortText(e)}`);
  }
  if (chainId !== deployment.l1ChainId) {
    throw new Error(
      `the L1 at ${cfg["l1.rpc"]} is chain ${chainId}, the deployment file names chain ${deployment.l1ChainId}`,
    );
  }
  return { deployment, public: client as PublicClient, url: cfg["l1.rpc"] };
}

/** Unlocks the signer's keystore (password file, else a prompt on a terminal). */
export async function unlockSigner(
  cfg: { keystore: string | undefined; "keystore-dir": string; "password-file": string | undefined },
  io: CliIO,
): Promise<{ privateKey: Uint8Array; address: Hex }> {
  const key = await unlockNodeKey(cfg, { warn: warnTo(io), io: promptIO(io) });
  return { privateKey: key.privateKey, address: key.address };
}

/**
 * The signer of an L1-sending command: its keystore unlocked (after the L1 checks, so a wrong
 * endpoint fails before a password prompt), and a wallet on `l1` for the key.
 */
export async function unlockL1Signer(
  l1: L1Context,
  cfg: { keystore: string | undefined; "keystore-dir": string; "password-file": string | undefined },
  io: CliIO,
): Promise<L1Signer> {
  const key = await unlockSigner(cfg, io);
  return l1Signer(l1, key.privateKey);
}

/** A wallet on the L1 for the key, over the same capped transport as {@link openL1}'s client. */
function l1Signer(l1: L1Context, privateKey: Uint8Array): L1Signer {
  const account = privateKeyToAccount(bytesToHex(privateKey));
  const chain = defineChain({
    id: l1.deployment.l1ChainId,
    name: `l1-${l1.deployment.l1ChainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [l1.url] } },
  });
  const wallet = createWalletClient({ account, chain, transport: l1Transport(l1.url) });
  return { wallet, address: account.address };
}

/** A contract call to send. */
export interface L1Call {
  /** For messages: "Portal.finalizeWithdrawal". */
  label: string;
  address: Hex;
  abi: Abi;
  functionName: string;
  args: readonly unknown[];
}

/**
 * Simulates the call (a revert is thrown as an Error naming the custom error), sends it and waits
 * for the receipt. Throws if it reverts on L1 after all (the state moved between the two).
 */
export async function sendL1Call(l1: L1Context, signer: L1Signer, call: L1Call): Promise<TransactionReceipt> {
  const params = {
    address: call.address,
    abi: call.abi,
    functionName: call.functionName,
    args: call.args,
    account: signer.wallet.account,
    chain: signer.wallet.chain,
  };
  let request: Parameters<typeof signer.wallet.writeContract>[0];
  try {
    ({ request } = (await l1.public.simulateContract(params as never)) as {
      request: Parameters<typeof signer.wallet.writeContract>[0];
    });
  } catch (e) {
    throw new Error(`${call.label} would revert: ${revertText(e)}`);
  }
  const hash = await signer.wallet.writeContract(request);
  const receipt = await l1.public.waitForTransactionReceipt({ hash, timeout: L1_RECEIPT_TIMEOUT_MS });
  if (receipt.status !== "success") throw new Error(`${call.label} reverted on L1 (tx ${hash})`);
  return receipt;
}

/** A revert as its custom error and arguments, or the node's short message. */
export function revertText(e: unknown): string {
  if (e instanceof BaseError) {
    const reverted = e.walk((x) => x instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError) {
      const d = reverted.data;
      if (d !== undefined) return `${d.errorName}(${(d.args ?? []).map(String).join(", ")})`;
      if (reverted.reason) return reverted.reason;
    }
    return e.shortMessage;
  }
  return shortText(e);
}

function shortText(e: unknown): string {
  if (e instanceof BaseError) return e.shortMessage;
  return e instanceof Error ? e.message : String(e);
}
