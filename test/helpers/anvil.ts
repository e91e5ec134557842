/**
 * Spawns a real Anvil (@foundry-rs/anvil's platform binary) on a free port for integration
 * tests, and speaks its test-only RPC methods (mining control, pool surgery). Port 0 makes Anvil
 * pick the port itself, so parallel test files never race for one; the URL is read from its
 * "Listening on" line.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { L1RpcError } from "../../bridge/l1/l1RpcError.ts";

// The binary itself, from the platform package @foundry-rs/anvil ships it in: node_modules/.bin/anvil
// is a Node wrapper that spawns it, so killing the wrapper left the real Anvil running (a CI run
// leaked 16 of them, each mining). The wrapper stays the fallback for other layouts.
const PLATFORM_BIN = resolve(
  import.meta.dirname,
  `../../node_modules/@foundry-rs/anvil-${process.platform}-${process.arch === "x64" ? "amd64" : process.arch}/bin/anvil`,
);
export const ANVIL_BIN = existsSync(PLATFORM_BIN)
  ? PLATFORM_BIN
  : resolve(import.meta.dirname, "../../node_modules/.bin/anvil");

/** Anvil's first dev account (from its default mnemonic): funded with 10,000 ETH. */
export const ANVIL_KEYS = [
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
] as const;

export interface AnvilOpts {
  /** `--block-time` in seconds (fractions allowed); absent: automine (a block per tx). */
  blockTimeS?: number;
  /** `--no-mining`: blocks only on `evm_mine`. */
  noMining?: boolean;
  /** More CLI arguments. */
  extra?: string[];
  /** How long to wait for the port (ms); default 15 s. */
  timeoutMs?: number;
}

export interface Anvil {
  url: string;
  child: ChildProcess;
  /** One JSON-RPC call; throws on an error answer. */
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  /** SIGKILLs Anvil and waits for it to exit. */
  stop(): Promise<void>;
}

export async function startAnvil(o: AnvilOpts = {}): Promise<Anvil> {
  // --max-persisted-states 0: Anvil otherwise spills old states to ~/.foundry/anvil/tmp (gigabytes
  // for a fast --block-time chain, never removed when the process is killed); the states of the
  // last blocks stay in memory, which is all our reorgs (depth <= a few blocks) need.
  const args = ["--port", "0", "--hardfork", "prague", "--max-persisted-states", "0"];
  if (o.blockTimeS !== undefined) args.push("--block-time", String(o.blockTimeS));
  if (o.noMining) args.push("--no-mining");
  args.push(...(o.extra ?? []));
  const child = spawn(ANVIL_BIN, args, { stdio: ["ignore", "pipe", "pipe"] });
  // A test process that ends without stop() (a failed hook, a timeout) must not leave Anvil mining.
  const killOnExit = (): void => {
    child.kill("SIGKILL");
  };
  process.once("exit", killOnExit);
  child.once("exit", () => process.off("exit", killOnExit));
  const exited = new Promise<void>((res) => child.once("exit", () => res()));
  let head = "";
  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      rej(new Error(`anvil did not start in time:\n${head.slice(-2000)}`));
    }, o.timeoutMs ?? 15_000);
    const onData = (d: Buffer) => {
      // Only the start-up banner is kept; later output (one block per --block-time) is drained.
      if (head.length < 64_000) head += d.toString();
      const m = head.match(/Listening on ([\d.]+):(\d+)/);
      if (m) {
        clearTimeout(timer);
        res(`http://${m[1]}:${m[2]}`);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      rej(new Error(`anvil exited (${code}) before listening:\n${head.slice(-2000)}`));
    });
  });
  let id = 0;
  return {
    url,
    child,
    async rpc<T>(method: string, params: unknown[] = []): Promise<T> {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }),
      });
      const body = (await res.json()) as { result?: T; error?: { message: string } };
      if (body.error) throw new Error(`${method}: ${body.error.message}`);
      return body.result as T;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}

/** What bridge/operators/devQuorum.ts's DevL1 needs: an EIP-1193 `request`, the chain id, `mine`. */
export interface AnvilL1 {
  request(args: { method: string; params?: unknown }): Promise<unknown>;
  readonly chainId: bigint;
  /** Mines `blocks` (default 1) blocks (anvil_mine) and resolves with the new head number. */
  mine(blocks?: number): Promise<bigint>;
}

/**
 * Anvil as the embedded L1's handle, for code written against it (createDevQuorum, createDevFraud):
 * start Anvil with `noMining` so a round's txs share a block, as on the hand-mined embedded L1.
 * An error answer is thrown as L1RpcError (numeric code, message, `data`), the embedded L1's own
 * error: viem's custom transport then decodes a revert's data the same way on both backends.
 */
export function anvilL1(a: Anvil, chainId = 31337n): AnvilL1 {
  let id = 0;
  const request = async (args: { method: string; params?: unknown }): Promise<unknown> => {
    const res = await fetch(a.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method: args.method, params: args.params ?? [] }),
    });
    const body = (await res.json()) as {
      result?: unknown;
      error?: { code: number; message: string; data?: unknown };
    };
    if (body.error !== undefined) {
      const { code, message, data } = body.error;
      throw new L1RpcError(code, message, typeof data === "string" ? data : undefined);
    }
    return body.result;
  };
  return {
    request,
    chainId,
    async mine(blocks = 1) {
      await request({ method: "anvil_mine", params: [`0x${blocks.toString(16)}`] });
      return BigInt((await request({ method: "eth_blockNumber" })) as string);
    },
  };
}
