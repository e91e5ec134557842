/**
 * `flops l1 deploy`: deploys the rollup's contracts (contracts/out artifacts) to any Ethereum
 * JSON-RPC node and writes the deployment file a node reads (`--l1.deployment`). The same
 * {@link deployRollup} deploys them on the devnet's embedded L1 at its first start.
 *
 * Order (contracts/README.md): OutputOracle(admin, proposer, challenger, genesisHash,
 * challengeWindow), Portal(admin, guardian, oracle, genesisHash, maxTxBytes, rateLimitWindow,
 * rateLimitCapacity) (the token: portal.credit()), BatchInbox(admin, batcher), sent together with
 * explicit nonces (bridge/operators/txRound.ts). The first one's L1 block is the deployment block: the L2 genesis block's origin is the block before it, so the
 * genesis time must be at most that block's time + maxSequencerDrift (PROTOCOL §5 "Resets"):
 * deploy soon after writing the genesis.
 *
 * With `--operators` (or `--eigenlayer FILE`, a real EigenLayer's addresses) the operator stack
 * follows on the new OutputOracle and Portal (bridge/operators/operatorStack.ts; PROTOCOL §6.3
 * "Deployment order"), after the slashing timing (bridge/l1/slashingTiming.ts) is checked: bad
 * timing is refused before anything is sent.
 * @module
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Command } from "commander";
import {
  type Account,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  type Hex,
  http,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type L1Deployment, writeDeployment } from "../../bridge/deployment.ts";
import type { ContractArtifact } from "../../bridge/l1/deployContracts.ts";
import { slashingTimingProblems } from "../../bridge/l1/slashingTiming.ts";
import {
  deployOperatorStack,
  type OperatorStackOpts,
  parseExistingEigenLayer,
} from "../../bridge/operators/operatorStack.ts";
import { createTxRound } from "../../bridge/operators/txRound.ts";
import { bytesToHex } from "../../chain/bytes.ts";
import { RollupError } from "../../chain/errors.ts";
import { type GenesisDoc, genesisFromJson, genesisHash } from "../../chain/genesisDoc.ts";
import { recordTtlShortfall } from "../../chain/params.ts";
import { cappedFetch } from "../../rpc/cappedFetch.ts";
import { declareOptions, opt } from "../config.ts";
import { unlockKeystore } from "../keystore.ts";
import { defaultProposalIntervalMs } from "../outputProposerNode.ts";
import { MAX_L1_RESPONSE_BYTES } from "../verifierNode.ts";
import { type CliIO, processIO, warnTo } from "./io.ts";

const OUT = resolve(import.meta.dirname, "../../contracts/out");

export interface RollupRoles {
  /** Receives every admin role. */
  admin: Hex;
  batcher: Hex;
  proposer: Hex;
  challenger: Hex;
  guardian: Hex;
}

export interface RollupDeployOpts {
  genesis: GenesisDoc;
  roles: RollupRoles;
  /** Seconds an output stays challengeable. */
  challengeWindow: bigint;
  /** Finalization rate limit: capacity (base units) refilled per window (seconds). */
  rateLimitWindow: number;
  rateLimitCapacity: bigint;
  /** Called after each deployment tx is sent (the devnet mines here). */
  afterSend?: (txHash: Hex) => Promise<void>;
  confirmations?: number;
}

async function artifact(name: string): Promise<ContractArtifact> {
  const json = JSON.parse(await readFile(resolve(OUT, `${name}.json`), "utf8")) as ContractArtifact;
  return { abi: json.abi, bytecode: json.bytecode };
}

/** Deploys the rollup's contracts and returns the deployment file's content. */
export async function deployRollup(
  wallet: WalletClient<Transport, Chain, Account>,
  pub: PublicClient,
  o: RollupDeployOpts,
): Promise<L1Deployment> {
  const gh = bytesToHex(genesisHash(o.genesis)) as Hex;
  const r = o.roles;
  const artifacts = {
    OutputOracle: await artifact("OutputOracle"),
    Portal: await artifact("Portal"),
    BatchInbox: await artifact("BatchInbox"),
  };
  // One round (explicit nonces): a clocked L1 takes all three in one block, not three.
  const round = createTxRound(pub, { afterSend: o.afterSend, confirmations: o.confirmations });
  const d = await round.sender(wallet);
  const oracle = d.deploy("OutputOracle", artifacts.OutputOracle, [
    r.admin,
    r.proposer,
    r.challenger,
    gh,
    o.challengeWindow,
  ]);
  const portal = d.deploy("Portal", artifacts.Portal, [
    r.admin,
    r.guardian,
    oracle,
    gh,
    BigInt(o.genesis.params.maxTxBytes),
    o.rateLimitWindow,
    o.rateLimitCapacity,
  ]);
  const inbox = d.deploy("BatchInbox", artifacts.BatchInbox, [r.admin, r.batcher]);
  const receipts = await round.send();
  const first = receipts.get("OutputOracle")!;
  const deployed = {
    addresses: { OutputOracle: oracle, Portal: portal, BatchInbox: inbox },
    deployBlock: first.blockNumber,
    deployBlockHash: first.blockHash,
  };
  const credit = (await pub.readContract({
    address: deployed.addresses.Portal!,
    abi: artifacts.Portal.abi,
    functionName: "credit",
  })) as Hex;
  return {
    version: 1,
    l1ChainId: await pub.getChainId(),
    genesisHash: gh,
    deployBlock: Number(deployed.deployBlock),
    deployBlockHash: deployed.deployBlockHash,
    contracts: {
      BatchInbox: deployed.addresses.BatchInbox!,
      OutputOracle: deployed.addresses.OutputOracle!,
      Portal: deployed.addresses.Portal!,
      FlopsCredit: credit,
    },
  };
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

export function registerL1Command(program: Command, io: CliIO = processIO()): void {
  const l1 = program.command("l1").description("the rollup's L1 side");
  const cmd = l1
    .command("deploy")
    .description("deploy the rollup's contracts to an L1 and write the deployment file");
  const readConfig = declareOptions(cmd, {
    "l1.rpc": opt.url({
      required: true,
      protocols: ["http", "https"],
      description: "the L1's JSON-RPC endpoint",
    }),
    keystore: opt.path({
      required: true,
      description: "keystore of the deployer's L1 key (pays; default holder of every role)",
    }),
    "password-file": opt.path({ description: "file holding the keystore's password (else a prompt)" }),
    genesis: opt.path({
      required: true,
      description: "the L2 genesis document the contracts pin (flops genesis)",
    }),
    out: opt.path({ required: true, description: "where to write the deployment file" }),
    batcher: opt.string({ description: "the batcher's L1 address (default: the deployer)" }),
    proposer: opt.string({ description: "the output proposer's L1 address (default: the deployer)" }),
    challenger: opt.string({ description: "the challenger's L1 address (default: the deployer)" }),
    guardian: opt.string({ description: "the guardian's L1 address (default: the deployer)" }),
    "challenge-window": opt.positiveInt({
      default: 7 * 24 * 3600,
      description:
        "seconds an output stays challengeable (with the proposal interval and the genesis's maxBatchDelayMs and maxSequencerDriftMs, at most its recordTtlMs)",
    }),
    "rate-limit-window": opt.positiveInt({
      default: 24 * 3600,
      description: "finalization rate limit window, seconds",
    }),
    "rate-limit-capacity": opt.string({
      default: (10n ** 24n).toString(),
      description: "finalization rate limit: base units per window",
    }),
    confirmations: opt.positiveInt({ default: 1, description: "confirmations to wait for per deployment" }),
    operators: opt.bool({
      default: false,
      description:
        "also deploy the operator stack on the new OutputOracle and Portal: the EigenLayer stand-in (or --eigenlayer), OperatorRegistry, attestation, InvalidComputeProof, FraudProofs",
    }),
    eigenlayer: opt.path({
      description:
        'a real EigenLayer for the operator stack (implies --operators): JSON {"DelegationManager","AllocationManager","StrategyManager","strategies":[...]}',
    }),
    "l1-block-time": opt.positiveInt({
      default: 12,
      description: "the L1's block time, seconds (timing checks)",
    }),
    "window-blocks": opt.positiveInt({
      description:
        "L1 blocks stake is counted slashable after an output is posted (default: the challenge window in blocks, +25%)",
    }),
    "max-posting-delay-blocks": opt.positiveInt({
      default: 7200,
      description: "L1 blocks operators may take from signing an output to its posting",
    }),
    "availability-window": opt.positiveInt({
      description:
        "seconds an availability demand waits for the openings (default: a quarter of the challenge window)",
    }),
    "deallocation-delay": opt.positiveInt({
      default: 100_800,
      description: "the EigenLayer stand-in's DEALLOCATION_DELAY, blocks (mainnet's 14 days)",
    }),
  });
  cmd.action(async () => {
    const cfg = readConfig();
    const genesis = genesisFromJson(await readFile(cfg.genesis, "utf8"));
    const key = await unlockKeystore({
      file: cfg.keystore,
      passwordFile: cfg["password-file"],
      warn: warnTo(io),
    });
    const account = privateKeyToAccount(bytesToHex(key.privateKey) as Hex);
    const role = (v: string | undefined, what: string): Hex => {
      if (v === undefined) return account.address;
      if (!ADDRESS.test(v))
        throw new RollupError("BAD_CONFIG", `--${what} must be a 0x-prefixed 20-byte address`);
      return v as Hex;
    };
    if (!/^[0-9]{1,78}$/.test(cfg["rate-limit-capacity"]))
      throw new RollupError("BAD_CONFIG", "--rate-limit-capacity must be a decimal integer");
    // Records must outlive the outputs holding them (PROTOCOL §3 "Record expiry"), at the
    // proposer's default interval.
    const ttl = recordTtlShortfall(
      genesis.params,
      BigInt(cfg["challenge-window"]),
      defaultProposalIntervalMs(genesis.params),
    );
    if (ttl !== undefined) throw new RollupError("BAD_CONFIG", `--challenge-window: ${ttl}`);
    // The operator stack's timing, refused before anything is sent (bridge/l1/slashingTiming.ts;
    // deployOperatorStack checks again with the values read from L1).
    let stack: Omit<OperatorStackOpts, "genesis" | "confirmations"> | undefined;
    if (cfg.operators || cfg.eigenlayer !== undefined) {
      const window = cfg["challenge-window"];
      const blockTime = cfg["l1-block-time"];
      const existing =
        cfg.eigenlayer === undefined
          ? undefined
          : parseExistingEigenLayer(await readFile(cfg.eigenlayer, "utf8"));
      stack = {
        windowBlocks: cfg["window-blocks"] ?? Math.ceil((window / blockTime) * 1.25),
        maxPostingDelayBlocks: cfg["max-posting-delay-blocks"],
        availabilityWindowS: cfg["availability-window"] ?? Math.floor(window / 4),
        l1BlockTimeS: blockTime,
        ...(existing ? { existingEigenLayer: existing } : { deallocationDelay: cfg["deallocation-delay"] }),
      };
      if (!existing) {
        const problems = slashingTimingProblems({
          challengeWindowS: window,
          windowBlocks: stack.windowBlocks,
          maxPostingDelayBlocks: stack.maxPostingDelayBlocks,
          deallocationDelay: cfg["deallocation-delay"],
          availabilityWindowS: stack.availabilityWindowS,
          l1BlockTimeS: blockTime,
        });
        if (problems.length > 0)
          throw new RollupError("BAD_CONFIG", `slashing timing: ${problems.join("; ")}`);
      }
    }
    const transport = http(cfg["l1.rpc"], {
      fetchFn: cappedFetch(fetch, MAX_L1_RESPONSE_BYTES),
      retryCount: 0,
    });
    const probe = createPublicClient({ transport });
    const chain = defineChain({
      id: await probe.getChainId(),
      name: "l1",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [cfg["l1.rpc"]] } },
    });
    const pub = createPublicClient({ chain, transport, pollingInterval: 500 }) as PublicClient;
    const wallet = createWalletClient({ chain, transport, account });
    const d = await deployRollup(wallet, pub, {
      genesis,
      roles: {
        admin: account.address,
        batcher: role(cfg.batcher, "batcher"),
        proposer: role(cfg.proposer, "proposer"),
        challenger: role(cfg.challenger, "challenger"),
        guardian: role(cfg.guardian, "guardian"),
      },
      challengeWindow: BigInt(cfg["challenge-window"]),
      rateLimitWindow: cfg["rate-limit-window"],
      rateLimitCapacity: BigInt(cfg["rate-limit-capacity"]),
      confirmations: cfg.confirmations,
    });
    let out = d;
    if (stack) {
      // After the rollup (the stack is wired to its oracle and Portal); the timing was checked above.
      const s = await deployOperatorStack(wallet, pub, d, {
        ...stack,
        genesis,
        confirmations: cfg.confirmations,
      });
      out = s.deployment;
      io.stdout.write(
        `operator stack: OperatorRegistry ${out.operatorRegistry}, FraudProofs ${out.fraudProofs}, AllocationManager ${s.eigenLayer.AllocationManager} (operator set ${s.operatorSet.avs}/${s.operatorSet.id})\n`,
      );
    }
    await writeDeployment(cfg.out, out);
    io.stdout.write(
      `deployed at L1 block ${d.deployBlock} (chain ${d.l1ChainId}): BatchInbox ${d.contracts.BatchInbox}, Portal ${d.contracts.Portal}\nwrote ${cfg.out}\n`,
    );
  });
}
