/**
 * Parsing of the embedded L1's JSON-RPC params. Every param is hostile: types are checked, hex
 * strings are matched against bounded patterns before any conversion (a quantity has at most 64
 * hex digits, so no bigint is ever attacker-sized), lists are bounded, and a bad param gets
 * -32602 with a message that names the param, never echoes it in full.
 * @module
 */
import type { Hex } from "viem";
import { showValue } from "../../chain/errors.ts";
import type { L1CallRequest } from "./l1Chain.ts";
import { invalidParams } from "./l1RpcError.ts";

const QUANTITY = /^0x[0-9a-fA-F]{1,64}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const HASH = /^0x[0-9a-fA-F]{64}$/;
const DATA = /^0x(?:[0-9a-fA-F]{2})*$/;

export type BlockTag = "latest" | "pending" | "earliest" | "safe" | "finalized";
export type BlockRef = { tag: BlockTag } | { number: bigint } | { hash: Hex };

const TAGS: ReadonlySet<string> = new Set(["latest", "pending", "earliest", "safe", "finalized"]);

function show(value: unknown): string {
  return typeof value === "string" ? showValue(value) : typeof value;
}

/** `params` as a list of at most `max` entries (absent = empty), at least `min`. */
export function paramList(params: unknown, min: number, max: number): unknown[] {
  const list = params === undefined || params === null ? [] : params;
  if (!Array.isArray(list)) throw invalidParams("params must be an array");
  if (list.length < min) throw invalidParams(`missing value for required argument ${list.length}`);
  if (list.length > max) throw invalidParams(`too many arguments, want at most ${max}`);
  return list;
}

export function parseQuantity(value: unknown, what: string): bigint {
  if (typeof value !== "string" || !QUANTITY.test(value)) {
    throw invalidParams(`${what}: invalid quantity ${show(value)}`);
  }
  return BigInt(value);
}

/** A quantity or a JS number (Anvil's evm_increaseTime / evm_setNextBlockTimestamp take either). */
export function parseNumberish(value: unknown, what: string): bigint {
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value) || value < 0) throw invalidParams(`${what}: invalid number ${value}`);
    return BigInt(value);
  }
  return parseQuantity(value, what);
}

export function parseData(value: unknown, what: string, maxBytes: number): Hex {
  if (typeof value !== "string" || value.length > 2 + 2 * maxBytes) {
    throw invalidParams(`${what}: not hex data of at most ${maxBytes} bytes`);
  }
  if (!DATA.test(value)) throw invalidParams(`${what}: invalid hex data ${show(value)}`);
  return value.toLowerCase() as Hex;
}

export function parseAddress(value: unknown, what: string): Hex {
  if (typeof value !== "string" || !ADDRESS.test(value)) {
    throw invalidParams(`${what}: invalid address ${show(value)}`);
  }
  return value.toLowerCase() as Hex;
}

export function parseHash(value: unknown, what: string): Hex {
  if (typeof value !== "string" || !HASH.test(value))
    throw invalidParams(`${what}: invalid hash ${show(value)}`);
  return value.toLowerCase() as Hex;
}

export function parseBool(value: unknown, what: string): boolean {
  if (typeof value !== "boolean") throw invalidParams(`${what}: want a boolean`);
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A block tag, a block number, or an EIP-1898 object ({blockHash} or {blockNumber}). Absent: latest. */
export function parseBlockRef(value: unknown, what = "block"): BlockRef {
  if (value === undefined || value === null) return { tag: "latest" };
  if (typeof value === "string" && TAGS.has(value)) return { tag: value as BlockTag };
  if (typeof value === "string") return { number: parseQuantity(value, what) };
  if (isRecord(value)) {
    if (value.blockHash !== undefined) return { hash: parseHash(value.blockHash, `${what}.blockHash`) };
    if (value.blockNumber !== undefined) return parseBlockRef(value.blockNumber, `${what}.blockNumber`);
  }
  throw invalidParams(`${what}: want a block tag, number or {blockHash}`);
}

const CALL_KEYS: ReadonlySet<string> = new Set([
  "from",
  "to",
  "gas",
  "gasPrice",
  "maxFeePerGas",
  "maxPriorityFeePerGas",
  "value",
  "data",
  "input",
  "nonce",
  "accessList",
  "type",
  "chainId",
]);

/** Most entries of a call's access list, and storage keys per entry. */
const MAX_ACCESS_LIST = 256;

/** eth_call / eth_estimateGas's transaction object. Unknown keys are refused (blob and 7702 fields). */
export function parseCallRequest(value: unknown, maxDataBytes: number): L1CallRequest {
  if (!isRecord(value)) throw invalidParams("transaction: want an object");
  for (const key of Object.keys(value)) {
    if (!CALL_KEYS.has(key)) throw invalidParams(`transaction: unsupported field ${showValue(key)}`);
  }
  const req: L1CallRequest = {};
  if (value.from !== undefined && value.from !== null) req.from = parseAddress(value.from, "from");
  if (value.to !== undefined && value.to !== null) req.to = parseAddress(value.to, "to");
  if (value.gas !== undefined) req.gas = parseQuantity(value.gas, "gas");
  if (value.gasPrice !== undefined) req.gasPrice = parseQuantity(value.gasPrice, "gasPrice");
  if (value.maxFeePerGas !== undefined) req.maxFeePerGas = parseQuantity(value.maxFeePerGas, "maxFeePerGas");
  if (value.maxPriorityFeePerGas !== undefined) {
    req.maxPriorityFeePerGas = parseQuantity(value.maxPriorityFeePerGas, "maxPriorityFeePerGas");
  }
  if (value.value !== undefined) req.value = parseQuantity(value.value, "value");
  const input = value.input ?? value.data;
  if (input !== undefined && input !== null) req.data = parseData(input, "input", maxDataBytes);
  if (value.accessList !== undefined) {
    const list = value.accessList;
    if (!Array.isArray(list) || list.length > MAX_ACCESS_LIST)
      throw invalidParams("accessList: want a short list");
    req.accessList = list.map((entry, i) => {
      if (
        !isRecord(entry) ||
        !Array.isArray(entry.storageKeys) ||
        entry.storageKeys.length > MAX_ACCESS_LIST
      ) {
        throw invalidParams(`accessList[${i}]: want {address, storageKeys}`);
      }
      return {
        address: parseAddress(entry.address, `accessList[${i}].address`),
        storageKeys: entry.storageKeys.map((k, j) => parseHash(k, `accessList[${i}].storageKeys[${j}]`)),
      };
    });
  }
  return req;
}

export interface LogFilter {
  fromBlock: BlockRef;
  toBlock: BlockRef;
  blockHash?: Hex;
  /** Any of these addresses; undefined: any address. */
  addresses?: Hex[];
  /** Per position: any of these topics; null: any topic. */
  topics: (Hex[] | null)[];
}

export interface LogFilterLimits {
  /** Most addresses in one filter. */
  maxAddresses: number;
  /** Most alternatives in one topic position. */
  maxTopicAlternatives: number;
}

function parseTopicPosition(value: unknown, i: number, limits: LogFilterLimits): Hex[] | null {
  if (value === null) return null;
  if (typeof value === "string") return [parseHash(value, `topics[${i}]`)];
  if (!Array.isArray(value) || value.length > limits.maxTopicAlternatives) {
    throw invalidParams(`topics[${i}]: want a topic, null, or at most ${limits.maxTopicAlternatives} topics`);
  }
  // An empty or null-holding alternative list matches anything, as in geth.
  if (value.length === 0 || value.includes(null)) return null;
  return value.map((t, j) => parseHash(t, `topics[${i}][${j}]`));
}

/** eth_getLogs's filter: blockHash excludes fromBlock/toBlock; at most 4 topic positions. */
export function parseLogFilter(value: unknown, limits: LogFilterLimits): LogFilter {
  if (!isRecord(value)) throw invalidParams("filter: want an object");
  const filter: LogFilter = {
    fromBlock: parseBlockRef(value.fromBlock, "fromBlock"),
    toBlock: parseBlockRef(value.toBlock, "toBlock"),
    topics: [],
  };
  if (value.blockHash !== undefined && value.blockHash !== null) {
    if (value.fromBlock !== undefined || value.toBlock !== undefined) {
      throw invalidParams("filter: cannot specify both blockHash and fromBlock/toBlock");
    }
    filter.blockHash = parseHash(value.blockHash, "blockHash");
  }
  const address = value.address;
  if (typeof address === "string") filter.addresses = [parseAddress(address, "address")];
  else if (Array.isArray(address)) {
    if (address.length > limits.maxAddresses) {
      throw invalidParams(`address: at most ${limits.maxAddresses} addresses`);
    }
    if (address.length > 0) filter.addresses = address.map((a, i) => parseAddress(a, `address[${i}]`));
  } else if (address !== undefined && address !== null)
    throw invalidParams("address: want an address or a list");
  const topics = value.topics;
  if (topics !== undefined && topics !== null) {
    if (!Array.isArray(topics) || topics.length > 4) throw invalidParams("topics: want at most 4 positions");
    filter.topics = topics.map((t, i) => parseTopicPosition(t, i, limits));
  }
  return filter;
}
