/**
 * `createDevQuorum(l1, opts)`: an attested OutputOracle with real operators on a hand-mined L1 (the
 * embedded L1 with blockTimeMs 0, or any {@link DevL1}), from the committed artifacts: the EigenLayer stand-in
 * (bridge/l1/deployEigenLayer.ts) with one operator set over one strategy, an OperatorRegistry for
 * it, and an OutputOracle with attestation enabled (plus a twin without, for comparisons). `join`
 * brings operators in exactly as a real one joins (stake, become an EigenLayer operator, join the
 * set, allocate everything, register a BLS key with its proof of possession); `proposeAttested`
 * posts an output signed by the chosen operators. Used by bench/attestGas.ts and the end-to-end
 * test. The rollup's own deployment (the devnet, `flops l1 deploy --operators`) is
 * operatorStack.ts, which sends the same steps in batched rounds.
 * @module
 */
import { readFile } from "node:fs/promises";
import { join as joinPath } from "node:path";
import {
  type Abi,
  type Chain,
  createPublicClient,
  createWalletClient,
  custom,
  type Hex,
  keccak256,
  type PublicClient,
  stringToHex,
  type TransactionReceipt,
} from "viem";
import { type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { hexToBytes } from "../../chain/bytes.ts";
import { type ContractArtifact, deployContracts } from "../l1/deployContracts.ts";
import {
  deployEigenLayer,
  type EigenLayerDeployment,
  readEigenLayerArtifacts,
} from "../l1/deployEigenLayer.ts";
import type { EmbeddedL1 } from "../l1/embeddedL1.ts";
import { buildAttestation, type OperatorVote, type SolAttestation } from "./attestation.ts";
import {
  type BlsKeyPair,
  keyPairFromSeed,
  outputMessageHash,
  proofOfPossession,
  sign,
  toSolG1,
  toSolG2,
} from "./bn254Bls.ts";

const OUT = joinPath(import.meta.dirname, "../../contracts/out");
const WAD = 10n ** 18n;

export interface DevQuorumOpts {
  /** Funded L1 keys (passed to createEmbeddedL1's `accounts`): deployer, AVS, then operators. */
  deployerKey: Hex;
  avsKey: Hex;
  operatorKeys: readonly Hex[];
  l2ChainId: bigint;
  /** L1 blocks until an output's window ends (stake counted up to then). */
  windowBlocks: number;
  /** Default [2, 3]. */
  quorum?: readonly [number, number];
  /** Each operator's stake (base units of the stand-in's token). Default 1000e18. */
  stake?: bigint;
  /**
   * Fraud proofs (bridge/operators/devFraud.ts): called once the oracle is attested and before the
   * operator set exists; the address it resolves with becomes the set's slasher and redistribution
   * recipient (the set is then a redistributing one). Without it the AVS is the slasher.
   */
  slasherFor?: (ctx: {
    oracle: Hex;
    registry: Hex;
    eigenLayer: EigenLayerDeployment;
    mine: () => Promise<void>;
  }) => Promise<Hex>;
}

export interface DevQuorum {
  pub: PublicClient;
  eigenLayer: EigenLayerDeployment;
  registry: Hex;
  oracle: Hex;
  /** An OutputOracle without attestation (proposer = deployer). */
  plainOracle: Hex;
  operatorSet: { avs: Hex; id: number };
  /** BLS keys, one per operator key. */
  bls: readonly BlsKeyPair[];
  operators: readonly PrivateKeyAccount[];
  abis: { registry: Abi; oracle: Abi; allocationManager: Abi };
  /** Operators [from, to) join the set and register their keys. */
  join(from: number, to: number): Promise<void>;
  /** Posts output `l2BlockNumber` (root `outputRoot`, default a tag of the number) citing L1's
   *  latest block, signed by operators in `signers` (indices) of the registered ones `registered`.
   *  Resolves with the receipt (status checked by the caller) and the attestation sent. */
  proposeAttested(
    l2BlockNumber: bigint,
    registered: readonly number[],
    signers: ReadonlySet<number>,
    outputRoot?: Hex,
  ): Promise<{ receipt: TransactionReceipt; attestation: SolAttestation; input: Hex }>;
  /** Posts a proposer-role output on the plain oracle. */
  proposePlain(l2BlockNumber: bigint): Promise<TransactionReceipt>;
}

async function artifact(name: string): Promise<ContractArtifact> {
  const j = JSON.parse(await readFile(joinPath(OUT, `${name}.json`), "utf8")) as ContractArtifact;
  return { abi: j.abi, bytecode: j.bytecode };
}

const tagged = (tag: string, i: number | bigint): Hex =>
  keccak256(stringToHex(`flops/dev-quorum/${tag}/${i}`));

/**
 * The L1 a dev quorum runs on: the embedded L1, or any EIP-1193 provider with a way to mine (an
 * Anvil wrapper calling evm_mine): blocks are mined by hand after each round.
 */
export type DevL1 = Pick<EmbeddedL1, "request" | "chainId" | "mine">;

export async function createDevQuorum(l1: DevL1, opts: DevQuorumOpts): Promise<DevQuorum> {
  const stake = opts.stake ?? 1000n * WAD;
  const [num, den] = opts.quorum ?? [2, 3];
  const transport = custom(l1, { retryCount: 0 });
  const pub = createPublicClient({ chain: foundry as Chain, transport, pollingInterval: 10 }) as PublicClient;
  const wallet = (account: PrivateKeyAccount) =>
    createWalletClient({ chain: foundry as Chain, transport, account });
  const deployer = privateKeyToAccount(opts.deployerKey);
  const avs = privateKeyToAccount(opts.avsKey);
  const operators = opts.operatorKeys.map((k) => privateKeyToAccount(k));
  const bls = operators.map((_, i) => keyPairFromSeed(hexToBytes(tagged("bls", i))));
  const mine = async () => {
    await l1.mine();
  };

  type Call = {
    from: PrivateKeyAccount;
    to: Hex;
    abi: Abi;
    fn: string;
    args: readonly unknown[];
    nonce?: number;
  };
  // Calls from distinct senders (or with explicit nonces) go into one block; every one must succeed.
  const round = async (calls: readonly Call[], check = true): Promise<TransactionReceipt[]> => {
    const hashes: Hex[] = [];
    for (const c of calls) {
      hashes.push(
        await wallet(c.from).writeContract({
          address: c.to,
          abi: c.abi,
          functionName: c.fn,
          args: c.args,
          // A fixed limit: estimating would fail for calls that depend on others in this block.
          gas: 5_000_000n,
          ...(c.nonce === undefined ? {} : { nonce: c.nonce }),
        } as never),
      );
    }
    await mine();
    const receipts: TransactionReceipt[] = [];
    for (const h of hashes) {
      const r = await pub.waitForTransactionReceipt({ hash: h });
      if (check && r.status !== "success") throw new Error(`dev quorum: tx ${h} reverted`);
      receipts.push(r);
    }
    return receipts;
  };

  const el = await readEigenLayerArtifacts();
  const eigenLayer = await deployEigenLayer(wallet(deployer), pub, el, {
    // Longer than any window: stake must stay slashable until the window ends (PROTOCOL §6).
    deallocationDelay: opts.windowBlocks * 4,
    allocationConfigurationDelay: 0,
    registrarFor: avs.address,
    afterSend: mine,
  });
  const am = el.AllocationManager.abi;
  const operatorSet = { avs: avs.address, id: 0 };
  const amCall = (fn: string, args: readonly unknown[]): Call => ({
    from: avs,
    to: eigenLayer.AllocationManager,
    abi: am,
    fn,
    args,
  });
  await round([amCall("updateAVSMetadataURI", [avs.address, "flops dev quorum"])]);
  await round([amCall("setAVSRegistrar", [avs.address, eigenLayer.OpenAVSRegistrar])]);

  const [registryArt, oracleArt] = await Promise.all([
    artifact("OperatorRegistry"),
    artifact("OutputOracle"),
  ]);
  const a = deployer.address;
  const genesisHash = tagged("genesis", 0);
  const rollup = await deployContracts(
    wallet(deployer),
    pub,
    { OperatorRegistry: registryArt, OutputOracle: oracleArt },
    {
      steps: [
        {
          name: "OperatorRegistry",
          artifact: "OperatorRegistry",
          args: () => [eigenLayer.AllocationManager, avs.address, 0],
        },
        { name: "OutputOracle", artifact: "OutputOracle", args: () => [a, a, a, genesisHash, 600n] },
        { name: "PlainOracle", artifact: "OutputOracle", args: () => [a, a, a, genesisHash, 600n] },
      ],
      afterSend: mine,
    },
  );
  const registry = rollup.addresses.OperatorRegistry!;
  const oracle = rollup.addresses.OutputOracle!;
  const plainOracle = rollup.addresses.PlainOracle!;
  await round([
    {
      from: deployer,
      to: oracle,
      abi: oracleArt.abi,
      fn: "enableAttestation",
      args: [registry, opts.l2ChainId, opts.windowBlocks, num, den],
    },
  ]);

  if (opts.slasherFor === undefined) {
    await round([
      amCall("createOperatorSets", [
        avs.address,
        [{ operatorSetId: 0, strategies: [eigenLayer.StrategyBase], slasher: avs.address }],
      ]),
    ]);
  } else {
    const slasher = await opts.slasherFor({ oracle, registry, eigenLayer, mine });
    await round([
      amCall("createRedistributingOperatorSets", [
        avs.address,
        [{ operatorSetId: 0, strategies: [eigenLayer.StrategyBase], slasher }],
        [slasher],
      ]),
    ]);
  }

  const join = async (from: number, to: number) => {
    const idx = Array.from({ length: to - from }, (_, k) => from + k);
    const op = (i: number) => operators[i]!;
    const base = await pub.getTransactionCount({ address: deployer.address, blockTag: "pending" });
    const token = el.DevStakeToken.abi;
    await round(
      idx.map((i, k) => ({
        from: deployer,
        to: eigenLayer.DevStakeToken,
        abi: token,
        fn: "transfer",
        args: [op(i).address, stake],
        nonce: base + k,
      })),
    );
    const each = (to: Hex, abi: Abi, fn: string, args: (i: number) => readonly unknown[]) =>
      round(idx.map((i) => ({ from: op(i), to, abi, fn, args: args(i) })));
    await each(eigenLayer.DevStakeToken, token, "approve", () => [eigenLayer.StrategyManager, stake]);
    await each(eigenLayer.StrategyManager, el.StrategyManager.abi, "depositIntoStrategy", () => [
      eigenLayer.StrategyBase,
      eigenLayer.DevStakeToken,
      stake,
    ]);
    await each(eigenLayer.DelegationManager, el.DelegationManager.abi, "registerAsOperator", () => [
      "0x0000000000000000000000000000000000000000",
      0,
      "flops dev operator",
    ]);
    await l1.mine(2); // the allocation delay takes effect
    await each(eigenLayer.AllocationManager, am, "registerForOperatorSets", (i) => [
      op(i).address,
      { avs: avs.address, operatorSetIds: [0], data: "0x" },
    ]);
    await each(eigenLayer.AllocationManager, am, "modifyAllocations", (i) => [
      op(i).address,
      [{ operatorSet, strategies: [eigenLayer.StrategyBase], newMagnitudes: [WAD] }],
    ]);
    await l1.mine(2);
    await each(registry, registryArt.abi, "register", (i) => [
      toSolG1(bls[i]!.pubkeyG1),
      toSolG2(bls[i]!.pubkeyG2),
      toSolG1(proofOfPossession(bls[i]!.secretKey, l1.chainId, registry, op(i).address)),
    ]);
  };

  const proposeAttested: DevQuorum["proposeAttested"] = async (l2BlockNumber, registered, signers, root) => {
    const head = await pub.getBlock({ blockTag: "latest" });
    const outputRoot = root ?? tagged("root", l2BlockNumber);
    const digest = outputMessageHash({
      l1ChainId: l1.chainId,
      outputOracle: oracle,
      l2ChainId: opts.l2ChainId,
      l2BlockNumber,
      outputRoot,
      l1BlockHash: head.hash,
    });
    const votes: OperatorVote[] = registered.map((i) => ({
      pubkeyG1: bls[i]!.pubkeyG1,
      pubkeyG2: bls[i]!.pubkeyG2,
      ...(signers.has(i) ? { signature: sign(bls[i]!.secretKey, digest) } : {}),
    }));
    const attestation = buildAttestation(digest, votes);
    const [receipt] = await round(
      [
        {
          from: deployer,
          to: oracle,
          abi: oracleArt.abi,
          fn: "proposeOutputAttested",
          args: [outputRoot, l2BlockNumber, head.hash, head.number, attestation],
        },
      ],
      false,
    );
    const tx = await pub.getTransaction({ hash: receipt!.transactionHash });
    return { receipt: receipt!, attestation, input: tx.input };
  };

  const proposePlain = async (l2BlockNumber: bigint) => {
    const head = await pub.getBlock({ blockTag: "latest" });
    const [r] = await round([
      {
        from: deployer,
        to: plainOracle,
        abi: oracleArt.abi,
        fn: "proposeOutput",
        args: [tagged("plain", l2BlockNumber), l2BlockNumber, head.hash, head.number],
      },
    ]);
    return r!;
  };

  return {
    pub,
    eigenLayer,
    registry,
    oracle,
    plainOracle,
    operatorSet,
    bls,
    operators,
    abis: { registry: registryArt.abi, oracle: oracleArt.abi, allocationManager: am },
    join,
    proposeAttested,
    proposePlain,
  };
}
