/**
 * The deployment file: where the rollup's contracts live on its L1, written once by the deployer
 * (the devnet's embedded L1 at genesis, `flops l1 deploy` on an external L1) and read by every node
 * (`--l1.deployment FILE`, `<datadir>/l1-deployment.json`).
 *
 *   {
 *     "version": 1,
 *     "l1ChainId": 31337,
 *     "genesisHash": "0x<32 bytes>",        the L2 genesis document's hash, pinned in the contracts
 *     "deployBlock": 1,                      the L1 block of the first deployment: derivation starts here
 *     "deployBlockHash": "0x<32 bytes>",
 *     "contracts": { "BatchInbox": "0x…", "OutputOracle": "0x…", "Portal": "0x…", "FlopsCredit": "0x…" },
 *     "eigenLayer": { "DelegationManager": "0x…", "AllocationManager": "0x…" },   optional
 *     "operatorRegistry": "0x…",                                                 optional
 *     "fraudProofs": "0x…"                                                       optional
 *   }
 *
 * The optional entries name an attested OutputOracle's operator side (PROTOCOL §6): the
 * EigenLayer core an operator registers with, the OperatorRegistry of its BLS keys (which names
 * the AVS and operator set), and the FraudProofs contract that settles fraud proofs against the
 * rollup's oracle and Portal (§6.3; the challenger sends its proofs there). `flops operator`,
 * `flops node --mode operator` and `flops challenger` need them; files without them read as
 * before. bridge/operators/operatorStack.ts deploys and fills them.
 *
 * The reader is strict (the file may come from anyone): at most MAX_DEPLOYMENT_BYTES, exactly these
 * keys, 20-byte addresses (returned checksummed), 32-byte hashes, safe-integer numbers. The writer
 * is atomic (temp file, fsync, rename): a crash never leaves half a file.
 * @module
 */
import { open, readFile, rename } from "node:fs/promises";
import { getAddress, type Hex } from "viem";
import { RollupError, showValue } from "../chain/errors.ts";

export const DEPLOYMENT_CONTRACTS = ["BatchInbox", "OutputOracle", "Portal", "FlopsCredit"] as const;
export type DeploymentContract = (typeof DEPLOYMENT_CONTRACTS)[number];

export const EIGENLAYER_CONTRACTS = ["DelegationManager", "AllocationManager"] as const;

export interface L1Deployment {
  version: 1;
  l1ChainId: number;
  genesisHash: Hex;
  deployBlock: number;
  deployBlockHash: Hex;
  contracts: Record<DeploymentContract, Hex>;
  /** The EigenLayer core operators register with (attested outputs only). */
  eigenLayer?: Record<(typeof EIGENLAYER_CONTRACTS)[number], Hex>;
  /** The OperatorRegistry of the operators' BLS keys (attested outputs only). */
  operatorRegistry?: Hex;
  /** FraudProofs on the rollup's OutputOracle and Portal (attested outputs only). */
  fraudProofs?: Hex;
}

/** A deployment file is a few hundred bytes; anything much larger is not one. */
export const MAX_DEPLOYMENT_BYTES = 16 * 1024;

const TOP_KEYS = ["version", "l1ChainId", "genesisHash", "deployBlock", "deployBlockHash", "contracts"];
const OPTIONAL_TOP_KEYS = ["eigenLayer", "operatorRegistry", "fraudProofs"];
const HASH = /^0x[0-9a-fA-F]{64}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

function bad(message: string): RollupError {
  return new RollupError("BAD_DEPLOYMENT", `deployment file: ${message}`);
}

function exactKeys(
  value: unknown,
  keys: readonly string[],
  what: string,
  optional: readonly string[] = [],
): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw bad(`${what} must be an object`);
  const got = Object.keys(value);
  for (const key of got)
    if (!keys.includes(key) && !optional.includes(key)) throw bad(`unknown key ${showValue(key)} in ${what}`);
  for (const key of keys) if (!got.includes(key)) throw bad(`missing key ${key} in ${what}`);
  return value as Record<string, unknown>;
}

function hash(value: unknown, what: string): Hex {
  if (typeof value !== "string" || !HASH.test(value))
    throw bad(`${what} must be a 0x-prefixed 32-byte hex string`);
  return value.toLowerCase() as Hex;
}

function address(value: unknown, what: string): Hex {
  if (typeof value !== "string" || !ADDRESS.test(value))
    throw bad(`${what} must be a 0x-prefixed 20-byte address`);
  return getAddress(value.toLowerCase());
}

function count(value: unknown, what: string, min: number): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    throw bad(`${what} must be an integer >= ${min}`);
  }
  return value;
}

/** Parses and validates a deployment file's text. Throws RollupError BAD_DEPLOYMENT. */
export function parseDeployment(text: string): L1Deployment {
  if (text.length > MAX_DEPLOYMENT_BYTES) throw bad(`larger than ${MAX_DEPLOYMENT_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw bad("not JSON");
  }
  const top = exactKeys(json, TOP_KEYS, "the file", OPTIONAL_TOP_KEYS);
  if (top.version !== 1) throw bad("version must be 1");
  const contracts = exactKeys(top.contracts, DEPLOYMENT_CONTRACTS, "contracts");
  const addresses = {} as Record<DeploymentContract, Hex>;
  for (const name of DEPLOYMENT_CONTRACTS) addresses[name] = address(contracts[name], `contracts.${name}`);
  let eigenLayer: L1Deployment["eigenLayer"];
  if (top.eigenLayer !== undefined) {
    const el = exactKeys(top.eigenLayer, EIGENLAYER_CONTRACTS, "eigenLayer");
    eigenLayer = {
      DelegationManager: address(el.DelegationManager, "eigenLayer.DelegationManager"),
      AllocationManager: address(el.AllocationManager, "eigenLayer.AllocationManager"),
    };
  }
  // FraudProofs slashes through the operator set: without the operator side it names nothing.
  if (top.fraudProofs !== undefined && (eigenLayer === undefined || top.operatorRegistry === undefined))
    throw bad("fraudProofs needs the eigenLayer and operatorRegistry entries");
  return {
    ...(eigenLayer ? { eigenLayer } : {}),
    ...(top.operatorRegistry === undefined
      ? {}
      : { operatorRegistry: address(top.operatorRegistry, "operatorRegistry") }),
    ...(top.fraudProofs === undefined ? {} : { fraudProofs: address(top.fraudProofs, "fraudProofs") }),
    version: 1,
    l1ChainId: count(top.l1ChainId, "l1ChainId", 1),
    genesisHash: hash(top.genesisHash, "genesisHash"),
    deployBlock: count(top.deployBlock, "deployBlock", 0),
    deployBlockHash: hash(top.deployBlockHash, "deployBlockHash"),
    contracts: addresses,
  };
}

export function formatDeployment(d: L1Deployment): string {
  return `${JSON.stringify(
    {
      version: d.version,
      l1ChainId: d.l1ChainId,
      genesisHash: d.genesisHash,
      deployBlock: d.deployBlock,
      deployBlockHash: d.deployBlockHash,
      contracts: Object.fromEntries(DEPLOYMENT_CONTRACTS.map((name) => [name, d.contracts[name]])),
      ...(d.eigenLayer
        ? { eigenLayer: Object.fromEntries(EIGENLAYER_CONTRACTS.map((n) => [n, d.eigenLayer![n]])) }
        : {}),
      ...(d.operatorRegistry ? { operatorRegistry: d.operatorRegistry } : {}),
      ...(d.fraudProofs ? { fraudProofs: d.fraudProofs } : {}),
    },
    null,
    2,
  )}\n`;
}

export async function readDeployment(path: string): Promise<L1Deployment> {
  const handle = await open(path, "r");
  try {
    const { size } = await handle.stat();
    if (size > MAX_DEPLOYMENT_BYTES) throw bad(`${path} is larger than ${MAX_DEPLOYMENT_BYTES} bytes`);
  } finally {
    await handle.close();
  }
  return parseDeployment(await readFile(path, "utf8"));
}

/** Writes `d` to `path` atomically (validated first: a file this writes always reads back). */
export async function writeDeployment(path: string, d: L1Deployment): Promise<void> {
  const text = formatDeployment(d);
  parseDeployment(text);
  const tmp = `${path}.tmp`;
  const handle = await open(tmp, "w");
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
}
