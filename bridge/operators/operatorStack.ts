/**
 * The operator side and the fraud proofs of an existing rollup deployment (PROTOCOL §6.3
 * "Deployment order"), on the rollup's OWN OutputOracle and Portal: `deployOperatorStack` for the
 * deployer (the oracle's and the Portal's admin, and the AVS), `joinOperators` for dev operators.
 *
 * deployOperatorStack, after assertSlashingTiming (bridge/l1/slashingTiming.ts) with the oracle's
 * challenge window read from L1, in ONE round of the deployer's transactions (txRound.ts: explicit
 * nonces, so a clocked L1 takes them in a block or two):
 *
 *   1. the EigenLayer stand-in (bridge/l1/deployEigenLayer.ts's order and wiring), unless
 *      `existingEigenLayer` names a real one (then only the deployment file changes);
 *   2. OpenAVSRegistrar(am, avs), OperatorRegistry(am, avs, setId);
 *   3. OutputOracle.enableAttestation(registry, l2ChainId, windowBlocks, num, den);
 *   4. InvalidComputeProof pinned to the genesis (l2ChainId, beacon key in EIP-2537 form, beacon
 *      genesis time and period, the tiers), FraudProofs(oracle, Portal, verifier, ...);
 *   5. FraudProofs gets the oracle's CHALLENGER_ROLE and the Portal's VERDICT_ROLE;
 *   6. the AVS (the deployer's address) registers its metadata and registrar and creates the
 *      redistributing operator set with FraudProofs as slasher and redistribution recipient.
 *
 * FraudProofs' constructor reads the oracle's attestation config and the AllocationManager's
 * DEALLOCATION_DELAY: step 3 precedes step 4 in nonce order, which is all it needs.
 *
 * joinOperators: the funder (the stand-in token's holder) sends each new operator its stake (and
 * ETH for gas), then each operator in one round: approve, depositIntoStrategy, registerAsOperator
 * (a new operator's allocation delay applies at once), registerForOperatorSets, modifyAllocations
 * (all of its stake), OperatorRegistry.register with its proof of possession. Two L1 blocks for
 * any number of operators.
 * @module
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  type Abi,
  type AbiParameter,
  type Account,
  type Chain,
  createWalletClient,
  custom,
  getAddress,
  type Hex,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { bytesToHex } from "../../chain/bytes.ts";
import { RollupError } from "../../chain/errors.ts";
import type { GenesisDoc } from "../../chain/genesisDoc.ts";
import { g2Eip2537 } from "../challenger/invalidComputeProof.ts";
import type { L1Deployment } from "../deployment.ts";
import type { ContractArtifact } from "../l1/deployContracts.ts";
import { readEigenLayerArtifacts } from "../l1/deployEigenLayer.ts";
import { assertSlashingTiming } from "../l1/slashingTiming.ts";
import { type BlsKeyPair, proofOfPossession, toSolG1, toSolG2 } from "./bn254Bls.ts";
import { createTxRound, type TxRoundOpts, type TxSender } from "./txRound.ts";

const OUT = join(import.meta.dirname, "../../contracts/out");
const WAD = 10n ** 18n;
const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

type Wallet = WalletClient<Transport, Chain, Account>;

/** The parts of an EigenLayer deployment the stack uses (a real one's, or the stand-in's). */
export interface StackEigenLayer {
  DelegationManager: Hex;
  AllocationManager: Hex;
  StrategyManager: Hex;
  /** The operator set's strategies, ascending (the set is created over them). */
  strategies: readonly Hex[];
  /** The stand-in's restaking token (held by the deployer), absent for a real EigenLayer. */
  DevStakeToken?: Hex;
}

export interface OperatorStackOpts {
  genesis: GenesisDoc;
  /** L1 blocks from an attested output's posting to its window's end (stake counted to then). */
  windowBlocks: number;
  /** L1 blocks operators may take from signing an output to its posting (§6 maxPostingDelay). */
  maxPostingDelayBlocks: number;
  /** FraudProofs' availability window, seconds. */
  availabilityWindowS: number;
  /** The stand-in's DEALLOCATION_DELAY (blocks); read from L1 for a real EigenLayer. */
  deallocationDelay?: number;
  /** L1's block time, seconds, when known (slashingTiming's third rule). */
  l1BlockTimeS?: number;
  /** A real EigenLayer (its strategies must be whitelisted there); absent: the stand-in is deployed. */
  existingEigenLayer?: Omit<StackEigenLayer, "DevStakeToken">;
  /** Default [2, 3]. */
  quorum?: readonly [number, number];
  /** Default 0. */
  operatorSetId?: number;
  /** Receives what the challenger's share leaves. Default the deployer. */
  treasury?: Hex;
  /** Parts of 1e18 slashed per fault kind. Default 0.5 / 0.1 / 0.25 (devFraud's). */
  wads?: { equivocation: bigint; invalidCompute: bigint; availability: bigint };
  /** Default 5000 (half). */
  challengerShareBps?: number;
  /** Default 32. */
  maxSlashesPerTx?: number;
  /** An availability demand's bond, wei, if the FraudProofs artifact has one. Default 0.01 ether. */
  demandBond?: bigint;
  /**
   * With the stand-in: send these future operators their stake and gas money in the same round
   * (joinOperators then finds them funded: one L1 block less on a devnet's first start).
   */
  fund?: { operators: readonly Hex[]; stake?: bigint; eth?: bigint };
  afterSend?: TxRoundOpts["afterSend"];
  confirmations?: number;
}

export interface OperatorStack {
  /** The rollup's deployment with eigenLayer, operatorRegistry and fraudProofs set. */
  deployment: L1Deployment;
  eigenLayer: StackEigenLayer;
  registrar: Hex;
  verifier: Hex;
  operatorSet: { avs: Hex; id: number };
}

async function artifact(name: string): Promise<ContractArtifact & { deployedBytecode?: Hex }> {
  const j = JSON.parse(await readFile(join(OUT, `${name}.json`), "utf8")) as ContractArtifact;
  return { abi: j.abi, bytecode: j.bytecode };
}

/** The genesis as InvalidComputeProof's constructor pins it (PROTOCOL §6.2). */
export function verifierArgs(genesis: GenesisDoc): readonly unknown[] {
  const p = genesis.params;
  return [
    p.l2ChainId,
    bytesToHex(g2Eip2537(p.beacon.publicKey)),
    p.beacon.genesisTime,
    p.beacon.periodSeconds,
    p.tiers.map((t) => ({ id: t.id, n: t.n, m: t.m, k: t.k })),
  ];
}

/** The Config struct's field names in the FraudProofs artifact (its constructor's one tuple). */
function fraudConfigFields(abi: Abi): string[] {
  const ctor = abi.find((e) => e.type === "constructor") as { inputs: AbiParameter[] } | undefined;
  const tuple = ctor?.inputs[0] as (AbiParameter & { components?: AbiParameter[] }) | undefined;
  return (tuple?.components ?? []).map((c) => c.name ?? "");
}

const read = <T>(pub: PublicClient, address: Hex, abi: Abi, functionName: string, args: unknown[] = []) =>
  pub.readContract({ address, abi, functionName, args } as never) as Promise<T>;

/** Deploys the operator stack for `rollup` (see the module comment). `wallet` must be the admin of
 *  the rollup's OutputOracle and Portal; its address becomes the AVS. */
export async function deployOperatorStack(
  wallet: Wallet,
  pub: PublicClient,
  rollup: L1Deployment,
  o: OperatorStackOpts,
): Promise<OperatorStack> {
  const [oracleArt, portalArt, registryArt, registrarArt, verifierArt, fraudArt] = await Promise.all(
    [
      "OutputOracle",
      "Portal",
      "OperatorRegistry",
      "OpenAVSRegistrar",
      "InvalidComputeProof",
      "FraudProofs",
    ].map(artifact),
  );
  const oracle = rollup.contracts.OutputOracle;
  const portal = rollup.contracts.Portal;
  const challengeWindowS = Number(await read<bigint>(pub, oracle, oracleArt!.abi, "challengeWindow"));
  const el = o.existingEigenLayer;
  let deallocationDelay = o.deallocationDelay;
  if (el !== undefined) {
    if (el.strategies.length === 0)
      throw new RollupError("DEPLOY_FAILED", "the operator set needs a strategy");
    const elArt = await readEigenLayerArtifacts();
    deallocationDelay = Number(
      await read<number>(pub, el.AllocationManager, elArt.AllocationManager.abi, "DEALLOCATION_DELAY"),
    );
  }
  if (deallocationDelay === undefined)
    throw new RollupError("DEPLOY_FAILED", "the EigenLayer stand-in needs a deallocationDelay");
  assertSlashingTiming({
    challengeWindowS,
    windowBlocks: o.windowBlocks,
    maxPostingDelayBlocks: o.maxPostingDelayBlocks,
    deallocationDelay,
    availabilityWindowS: o.availabilityWindowS,
    ...(o.l1BlockTimeS === undefined ? {} : { l1BlockTimeS: o.l1BlockTimeS }),
  });

  const round = createTxRound(pub, { afterSend: o.afterSend, confirmations: o.confirmations });
  const d = await round.sender(wallet);
  const avs = d.address;
  const setId = o.operatorSetId ?? 0;
  const elArt = await readEigenLayerArtifacts();

  // 1. EigenLayer: the stand-in (deployEigenLayer's order and wiring), or a real one as given.
  let eigenLayer: StackEigenLayer;
  if (el === undefined) {
    const pc = d.deploy("PermissionController", elArt.PermissionController);
    const dm = d.deploy("DelegationManager", elArt.DelegationManager, [pc]);
    // ALLOCATION_CONFIGURATION_DELAY 0: a changed delay or slasher applies at the next block.
    const am = d.deploy("AllocationManager", elArt.AllocationManager, [dm, pc, deallocationDelay, 0]);
    const sm = d.deploy("StrategyManager", elArt.StrategyManager, [dm, am, avs]);
    const token = d.deploy("DevStakeToken", elArt.DevStakeToken, [
      "Flops Devnet Stake",
      "FSTAKE",
      avs,
      10n ** 27n,
    ]);
    const strategy = d.deploy("StrategyBase", elArt.StrategyBase, [sm, token]);
    d.call("DelegationManager.wire", dm, elArt.DelegationManager.abi, "wire", [am, sm]);
    d.call(
      "StrategyManager.addStrategiesToDepositWhitelist",
      sm,
      elArt.StrategyManager.abi,
      "addStrategiesToDepositWhitelist",
      [[strategy]],
    );
    eigenLayer = {
      DelegationManager: dm,
      AllocationManager: am,
      StrategyManager: sm,
      strategies: [strategy],
      DevStakeToken: token,
    };
  } else {
    eigenLayer = {
      DelegationManager: getAddress(el.DelegationManager),
      AllocationManager: getAddress(el.AllocationManager),
      StrategyManager: getAddress(el.StrategyManager),
      strategies: [...el.strategies]
        .map((s) => getAddress(s))
        .sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)),
    };
  }
  const am = eigenLayer.AllocationManager;

  // 2-3. The registry, and the rollup's oracle attested over it.
  const registrar = d.deploy("OpenAVSRegistrar", registrarArt!, [am, avs]);
  const registry = d.deploy("OperatorRegistry", registryArt!, [am, avs, setId]);
  const [num, den] = o.quorum ?? [2, 3];
  d.call("OutputOracle.enableAttestation", oracle, oracleArt!.abi, "enableAttestation", [
    registry,
    o.genesis.params.l2ChainId,
    o.windowBlocks,
    num,
    den,
  ]);

  // 4. The verifier pinned to the genesis, and FraudProofs on the rollup's oracle and Portal.
  const verifier = d.deploy("InvalidComputeProof", verifierArt!, verifierArgs(o.genesis));
  const wads = o.wads ?? { equivocation: WAD / 2n, invalidCompute: WAD / 10n, availability: WAD / 4n };
  const config: Record<string, unknown> = {
    oracle,
    portal,
    verifier,
    strategyManager: eigenLayer.StrategyManager,
    treasury: o.treasury ?? avs,
    wadEquivocation: wads.equivocation,
    wadInvalidCompute: wads.invalidCompute,
    wadAvailability: wads.availability,
    challengerShareBps: o.challengerShareBps ?? 5000,
    availabilityWindow: BigInt(o.availabilityWindowS),
    maxPostingDelayBlocks: o.maxPostingDelayBlocks,
    maxSlashesPerTx: o.maxSlashesPerTx ?? 32,
  };
  // A bond on availability demands is being added to FraudProofs.Config: pass it once the
  // artifact has it.
  if (fraudConfigFields(fraudArt!.abi).includes("demandBond")) config.demandBond = o.demandBond ?? 10n ** 16n;
  const fraudProofs = d.deploy("FraudProofs", fraudArt!, [config]);

  // 5. Its roles. The role ids are constants of the contracts: read them before sending.
  const [challengerRole, verdictRole] = await Promise.all([
    read<Hex>(pub, oracle, oracleArt!.abi, "CHALLENGER_ROLE"),
    read<Hex>(pub, portal, portalArt!.abi, "VERDICT_ROLE"),
  ]);
  d.call("OutputOracle.grantRole(CHALLENGER_ROLE)", oracle, oracleArt!.abi, "grantRole", [
    challengerRole,
    fraudProofs,
  ]);
  d.call("Portal.grantRole(VERDICT_ROLE)", portal, portalArt!.abi, "grantRole", [verdictRole, fraudProofs]);

  // 6. The AVS side: metadata, registrar, the redistributing set slashed by FraudProofs.
  const amAbi = elArt.AllocationManager.abi;
  d.call("AllocationManager.updateAVSMetadataURI", am, amAbi, "updateAVSMetadataURI", [avs, "flops rollup"]);
  d.call("AllocationManager.setAVSRegistrar", am, amAbi, "setAVSRegistrar", [avs, registrar]);
  d.call(
    "AllocationManager.createRedistributingOperatorSets",
    am,
    amAbi,
    "createRedistributingOperatorSets",
    [avs, [{ operatorSetId: setId, strategies: eigenLayer.strategies, slasher: fraudProofs }], [fraudProofs]],
  );
  if (o.fund !== undefined) {
    if (eigenLayer.DevStakeToken === undefined)
      throw new RollupError("DEPLOY_FAILED", "funding operators needs the EigenLayer stand-in's token");
    for (const op of o.fund.operators)
      fundOperator(d, elArt.DevStakeToken.abi, eigenLayer.DevStakeToken, op, {
        stake: o.fund.stake ?? DEFAULT_STAKE,
        eth: o.fund.eth ?? DEFAULT_ETH,
      });
  }
  await round.send();

  return {
    deployment: {
      ...rollup,
      eigenLayer: { DelegationManager: eigenLayer.DelegationManager, AllocationManager: am },
      operatorRegistry: registry,
      fraudProofs,
    },
    eigenLayer,
    registrar,
    verifier,
    operatorSet: { avs, id: setId },
  };
}

const DEFAULT_STAKE = 1000n * WAD;
const DEFAULT_ETH = 10n ** 18n;

/** Queues the funder's transfers to one operator: its stake in the stand-in token, gas money. */
function fundOperator(
  funder: TxSender,
  tokenAbi: Abi,
  token: Hex,
  op: Hex,
  amounts: { stake: bigint; eth: bigint },
): void {
  if (amounts.stake > 0n) funder.call(`stake for ${op}`, token, tokenAbi, "transfer", [op, amounts.stake]);
  if (amounts.eth > 0n) funder.pay(`gas money for ${op}`, op, amounts.eth);
}

export interface JoiningOperator {
  /** The operator's L1 key (it sends its own transactions). */
  l1Key: Hex;
  bls: BlsKeyPair;
}

export interface JoinOpts {
  /** Each new operator's stake, base units of the stand-in token. Default 1000e18. */
  stake?: bigint;
  /** ETH each new operator gets for gas unless it has some (0: none). Default 1 ether. */
  eth?: bigint;
  afterSend?: TxRoundOpts["afterSend"];
  confirmations?: number;
}

/**
 * Brings `operators` into the stack's operator set with the stand-in's token (see the module
 * comment); `funder` holds that token (the deployer). An operator already registered with its BLS
 * key is skipped; one that is an EigenLayer operator without a key is an error (finish it with
 * `flops operator register`). Resolves with the operators' addresses that joined now.
 */
export async function joinOperators(
  funder: Wallet,
  pub: PublicClient,
  stack: Pick<OperatorStack, "eigenLayer" | "operatorSet"> & {
    deployment: Pick<L1Deployment, "operatorRegistry">;
  },
  operators: readonly JoiningOperator[],
  o: JoinOpts = {},
): Promise<Hex[]> {
  const el = stack.eigenLayer;
  const registry = stack.deployment.operatorRegistry;
  if (el.DevStakeToken === undefined || registry === undefined)
    throw new RollupError("DEPLOY_FAILED", "joining dev operators needs the EigenLayer stand-in's token");
  const token = el.DevStakeToken;
  const strategy = el.strategies[0]!;
  const stake = o.stake ?? DEFAULT_STAKE;
  const elArt = await readEigenLayerArtifacts();
  const registryAbi = (await artifact("OperatorRegistry")).abi;
  const chainId = BigInt(await pub.getChainId());
  const fresh: Array<JoiningOperator & { account: Account & { address: Hex } }> = [];
  for (const op of operators) {
    const account = privateKeyToAccount(op.l1Key);
    const [keyHash] = await read<[Hex, unknown]>(pub, registry, registryAbi, "registrationOf", [
      account.address,
    ]);
    if (BigInt(keyHash) !== 0n) continue;
    if (
      await read<boolean>(pub, el.DelegationManager, elArt.DelegationManager.abi, "isOperator", [
        account.address,
      ])
    )
      throw new RollupError(
        "DEPLOY_FAILED",
        `${account.address} is an EigenLayer operator without a registered BLS key: finish with flops operator register`,
      );
    fresh.push({ ...op, account });
  }
  if (fresh.length === 0) return [];
  const roundOpts = { afterSend: o.afterSend, confirmations: o.confirmations };

  // Round 1: the funder's transfers (stake, gas money), of what each does not have yet (a
  // deployment may have sent them: OperatorStackOpts.fund). Nothing is sent when none is missing.
  const funding = createTxRound(pub, roundOpts);
  const f = await funding.sender(funder);
  const eth = o.eth ?? DEFAULT_ETH;
  for (const op of fresh) {
    const a = op.account.address;
    const [tokens, wei] = await Promise.all([
      read<bigint>(pub, token, elArt.DevStakeToken.abi, "balanceOf", [a]),
      pub.getBalance({ address: a }),
    ]);
    fundOperator(f, elArt.DevStakeToken.abi, token, a, {
      stake: tokens >= stake ? 0n : stake - tokens,
      eth: wei > 0n ? 0n : eth,
    });
  }
  await funding.send();

  // Round 2: every operator's whole sequence, each sender's nonces in order.
  const joining = createTxRound(pub, roundOpts);
  const request = (args: { method: string; params?: unknown }) => funder.request(args as never);
  for (const op of fresh) {
    const wallet = createWalletClient({
      chain: funder.chain,
      transport: custom({ request }),
      account: op.account,
    });
    const s = await joining.sender(wallet);
    const a = op.account.address;
    s.call(`${a} approve`, token, elArt.DevStakeToken.abi, "approve", [el.StrategyManager, stake]);
    s.call(`${a} depositIntoStrategy`, el.StrategyManager, elArt.StrategyManager.abi, "depositIntoStrategy", [
      strategy,
      token,
      stake,
    ]);
    s.call(
      `${a} registerAsOperator`,
      el.DelegationManager,
      elArt.DelegationManager.abi,
      "registerAsOperator",
      [ZERO_ADDRESS, 0, "flops dev operator"],
    );
    s.call(
      `${a} registerForOperatorSets`,
      el.AllocationManager,
      elArt.AllocationManager.abi,
      "registerForOperatorSets",
      [a, { avs: stack.operatorSet.avs, operatorSetIds: [stack.operatorSet.id], data: "0x" }],
    );
    s.call(`${a} modifyAllocations`, el.AllocationManager, elArt.AllocationManager.abi, "modifyAllocations", [
      a,
      [
        {
          operatorSet: stack.operatorSet,
          strategies: el.strategies,
          newMagnitudes: el.strategies.map(() => WAD),
        },
      ],
    ]);
    s.call(`${a} register`, registry, registryAbi, "register", [
      toSolG1(op.bls.pubkeyG1),
      toSolG2(op.bls.pubkeyG2),
      toSolG1(proofOfPossession(op.bls.secretKey, chainId, registry, a)),
    ]);
  }
  await joining.send();
  return fresh.map((op) => op.account.address);
}

/**
 * What joinOperators needs of a deployment written earlier (a resumed devnet): the file names only
 * the registry and the EigenLayer core; the rest is read from L1 (the registry's set, the
 * DelegationManager's StrategyManager, the set's strategies and the first one's token).
 */
export async function readOperatorStack(
  pub: PublicClient,
  d: L1Deployment,
): Promise<Pick<OperatorStack, "eigenLayer" | "operatorSet"> & { deployment: L1Deployment }> {
  if (d.eigenLayer === undefined || d.operatorRegistry === undefined)
    throw new RollupError("BAD_DEPLOYMENT", "the deployment file names no operator registry");
  const [elArt, registryArt, strategyArt] = await Promise.all([
    readEigenLayerArtifacts(),
    artifact("OperatorRegistry"),
    artifact("StrategyBase"),
  ]);
  const registry = d.operatorRegistry;
  const [avs, id, sm] = await Promise.all([
    read<Hex>(pub, registry, registryArt.abi, "avs"),
    read<number>(pub, registry, registryArt.abi, "operatorSetId"),
    read<Hex>(pub, d.eigenLayer.DelegationManager, elArt.DelegationManager.abi, "strategyManager"),
  ]);
  const operatorSet = { avs, id: Number(id) };
  const strategies = await read<Hex[]>(
    pub,
    d.eigenLayer.AllocationManager,
    elArt.AllocationManager.abi,
    "getStrategiesInOperatorSet",
    [operatorSet],
  );
  if (strategies.length === 0) throw new RollupError("BAD_DEPLOYMENT", "the operator set has no strategy");
  const token = await read<Hex>(pub, strategies[0]!, strategyArt.abi, "underlyingToken");
  return {
    deployment: d,
    operatorSet,
    eigenLayer: { ...d.eigenLayer, StrategyManager: sm, strategies, DevStakeToken: token },
  };
}

/** An existing-EigenLayer file is a few hundred bytes. */
const MAX_EIGENLAYER_FILE_BYTES = 4096;
const MAX_STRATEGIES = 16;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/**
 * `flops l1 deploy --eigenlayer FILE`: a real EigenLayer's addresses, read strictly (the file may
 * come from anyone): {"DelegationManager", "AllocationManager", "StrategyManager": address,
 * "strategies": [1..16 addresses]}, nothing else.
 */
export function parseExistingEigenLayer(text: string): NonNullable<OperatorStackOpts["existingEigenLayer"]> {
  const bad = (m: string) => new RollupError("BAD_CONFIG", `EigenLayer file: ${m}`);
  if (text.length > MAX_EIGENLAYER_FILE_BYTES) throw bad(`larger than ${MAX_EIGENLAYER_FILE_BYTES} bytes`);
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    throw bad("not JSON");
  }
  if (typeof j !== "object" || j === null || Array.isArray(j)) throw bad("must be an object");
  const o = j as Record<string, unknown>;
  const keys = ["DelegationManager", "AllocationManager", "StrategyManager", "strategies"];
  for (const k of Object.keys(o))
    if (!keys.includes(k)) throw bad(`unknown key ${JSON.stringify(k).slice(0, 40)}`);
  const addr = (v: unknown, what: string): Hex => {
    if (typeof v !== "string" || !ADDRESS.test(v)) throw bad(`${what} must be a 0x-prefixed 20-byte address`);
    return getAddress(v.toLowerCase());
  };
  const s = o.strategies;
  if (!Array.isArray(s) || s.length === 0 || s.length > MAX_STRATEGIES)
    throw bad(`strategies must be a list of 1..${MAX_STRATEGIES} addresses`);
  return {
    DelegationManager: addr(o.DelegationManager, "DelegationManager"),
    AllocationManager: addr(o.AllocationManager, "AllocationManager"),
    StrategyManager: addr(o.StrategyManager, "StrategyManager"),
    strategies: s.map((v, i) => addr(v, `strategies[${i}]`)),
  };
}
