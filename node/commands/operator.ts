/**
 * `flops operator keygen | register | status | deregister`: an operator's side of attested
 * outputs (PROTOCOL §6) against an L1 and its deployment file (which names the EigenLayer core and
 * the OperatorRegistry: bridge/deployment.ts).
 *
 * - keygen: a new BN254 BLS key in an EIP-2335 keystore (node/blsKeystore.ts);
 * - register: EigenLayer operator, allocation delay, operator set, allocation, BLS key with its
 *   proof of possession (bridge/operators/operatorLifecycle.ts; finished steps are skipped, so a
 *   failed run is just run again);
 * - status: stake, registration, attested outputs signed and missed, slashings;
 * - deregister: the key out of the registry, the operator out of the set.
 *
 * The operator's L1 key comes from a keystore v3 file (`--keystore`), its BLS key from
 * `--bls-keystore`; passwords from files or a terminal prompt, never from flags.
 * Exit codes: 0 ok, 1 failure, 2 usage error.
 * @module
 */
import { existsSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import {
  type Account,
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  getAddress,
  type Hex,
  http,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { readDeployment } from "../../bridge/deployment.ts";
import { keyHash } from "../../bridge/operators/bn254Bls.ts";
import {
  deregisterOperator,
  operatorContracts,
  registerOperator,
  WAD,
} from "../../bridge/operators/operatorLifecycle.ts";
import { readOperatorStatus } from "../../bridge/operators/operatorStatus.ts";
import { bytesToHex } from "../../chain/bytes.ts";
import { RollupError } from "../../chain/errors.ts";
import { cappedFetch } from "../../rpc/cappedFetch.ts";
import { blsPubkeys, encryptBlsKeystore, loadBlsKeystore, randomBlsKeyPair } from "../blsKeystore.ts";
import { declareOptions, opt, usageError } from "../config.ts";
import {
  canPrompt,
  promptNewPassword,
  promptSecret,
  readPasswordFile,
  SCRYPT_OPTIONS,
  unlockKeystore,
} from "../keystore.ts";
import { MAX_L1_RESPONSE_BYTES } from "../verifierNode.ts";
import { type CliIO, processIO, promptIO, warnTo } from "./io.ts";

const L1_OPTIONS = {
  "l1.rpc": opt.url({
    required: true,
    protocols: ["http", "https"],
    description: "the L1's JSON-RPC endpoint",
  }),
  "l1.deployment": opt.path({
    required: true,
    description: "the deployment file, with its eigenLayer and operatorRegistry entries",
  }),
};
const L1_KEY_OPTIONS = {
  keystore: opt.path({ required: true, description: "keystore v3 file of the operator's L1 key" }),
  "password-file": opt.path({ description: "file holding that keystore's password (else a prompt)" }),
};
const BLS_OPTIONS = {
  "bls-keystore": opt.path({
    required: true,
    description: "the operator's BLS keystore (flops operator keygen)",
  }),
  "bls-password-file": opt.path({ description: "file holding the BLS keystore's password (else a prompt)" }),
};

async function blsPassword(io: CliIO, cmd: Command, file: string | undefined, what: string): Promise<string> {
  if (file !== undefined) return readPasswordFile(file, warnTo(io));
  if (canPrompt(promptIO(io))) return promptSecret(`Password for ${what}: `, promptIO(io));
  throw usageError(cmd, `no password for ${what}: pass its password file (or run on a terminal)`);
}

/** A public client on `url` (answers capped) and, with `account`, a wallet on the same chain. */
async function l1Clients(url: string, account?: Account) {
  const transport = http(url, { fetchFn: cappedFetch(fetch, MAX_L1_RESPONSE_BYTES), retryCount: 0 });
  const id = await createPublicClient({ transport }).getChainId();
  const chain = defineChain({
    id,
    name: "l1",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [url] } },
  });
  const pub = createPublicClient({ chain, transport, pollingInterval: 500 }) as PublicClient;
  const wallet = account
    ? (createWalletClient({ chain, transport, account }) as WalletClient<Transport, Chain, Account>)
    : undefined;
  return { pub, wallet, chainId: id };
}

export function registerOperatorCommand(program: Command, io: CliIO = processIO()): void {
  const say = (line: string) => io.stdout.write(`${line}\n`);
  const operator = program
    .command("operator")
    .description("an operator of attested outputs: BLS key, EigenLayer registration, status");

  const keygen = operator
    .command("keygen")
    .description("write a new BLS (BN254) key to an EIP-2335 keystore");
  const readKeygen = declareOptions(keygen, {
    out: opt.path({ required: true, description: "the keystore file to write (must not exist)" }),
    "password-file": opt.path({ description: "file holding the new keystore's password (else a prompt)" }),
    ...SCRYPT_OPTIONS,
  });
  keygen.action(async () => {
    const cfg = readKeygen();
    if (existsSync(cfg.out)) throw new RollupError("KEY_EXISTS", `${cfg.out} exists: not overwriting a key`);
    const password =
      cfg["password-file"] !== undefined
        ? readPasswordFile(cfg["password-file"], warnTo(io))
        : canPrompt(promptIO(io))
          ? await promptNewPassword(promptIO(io))
          : (() => {
              throw usageError(keygen, "no password: pass --password-file FILE (or run on a terminal)");
            })();
    const key = randomBlsKeyPair();
    const ks = await encryptBlsKeystore(key, password, { scryptN: cfg["scrypt-n"] });
    writeFileSync(cfg.out, `${JSON.stringify(ks, null, 2)}\n`, { mode: 0o600, flag: "wx" });
    say(
      `pubkey (G1): ${blsPubkeys(key).pubkey}\nkey hash:    ${keyHash(key.pubkeyG1)}\nkeystore:    ${cfg.out}`,
    );
    io.stderr.write(
      "Back up the keystore file and its password: the key cannot be recovered without both.\n",
    );
  });

  const register = operator
    .command("register")
    .description(
      "join the rollup's operator set: EigenLayer operator, allocation, BLS key (finished steps are skipped)",
    );
  const readRegister = declareOptions(register, {
    ...L1_OPTIONS,
    ...L1_KEY_OPTIONS,
    ...BLS_OPTIONS,
    magnitude: opt.string({
      default: WAD.toString(),
      description: "share of each strategy to allocate, in WAD (1e18 = all of it)",
    }),
    "metadata-uri": opt.string({ description: "EigenLayer operator metadata URI (default: none)" }),
  });
  register.action(async () => {
    const cfg = readRegister();
    if (!/^[0-9]{1,19}$/.test(cfg.magnitude) || BigInt(cfg.magnitude) > WAD)
      throw usageError(register, "--magnitude must be an integer within 0..1000000000000000000");
    const d = await readDeployment(cfg["l1.deployment"]);
    const contracts = operatorContracts(d);
    const key = await loadBlsKeystore(
      cfg["bls-keystore"],
      await blsPassword(io, register, cfg["bls-password-file"], cfg["bls-keystore"]),
    );
    const l1Key = await unlockKeystore({
      file: cfg.keystore,
      passwordFile: cfg["password-file"],
      warn: warnTo(io),
    });
    const account = privateKeyToAccount(bytesToHex(l1Key.privateKey) as Hex);
    const { pub, wallet, chainId } = await l1Clients(cfg["l1.rpc"], account);
    if (chainId !== d.l1ChainId)
      throw new RollupError(
        "BAD_CONFIG",
        `--l1.rpc serves chain ${chainId}, the deployment file is for ${d.l1ChainId}`,
      );
    say(`operator ${account.address}`);
    await registerOperator(
      contracts,
      key,
      { magnitude: BigInt(cfg.magnitude), metadataURI: cfg["metadata-uri"] ?? "" },
      { pub, wallet: wallet!, say },
    );
    say("registered");
  });

  const status = operator
    .command("status")
    .description("an operator's registration, stake, attested outputs and slashings")
    .option("--json", "print the status as JSON");
  const readStatus = declareOptions(status, {
    ...L1_OPTIONS,
    address: opt.string({ required: true, description: "the operator's L1 address" }),
  });
  status.action(async (flags: { json?: boolean }) => {
    const cfg = readStatus();
    if (!/^0x[0-9a-fA-F]{40}$/.test(cfg.address))
      throw usageError(status, "--address must be a 20-byte 0x address");
    const d = await readDeployment(cfg["l1.deployment"]);
    const { pub } = await l1Clients(cfg["l1.rpc"]);
    const s = await readOperatorStatus(
      { ...operatorContracts(d), oracle: d.contracts.OutputOracle, deployBlock: BigInt(d.deployBlock) },
      getAddress(cfg.address.toLowerCase()) as Address,
      { pub },
    );
    if (flags.json === true) {
      io.stdout.write(`${JSON.stringify(s, (_, v) => (typeof v === "bigint" ? v.toString() : v))}\n`);
      return;
    }
    say(
      [
        `operator:           ${s.operator}`,
        `EigenLayer operator: ${s.eigenLayerOperator ? "yes" : "no"}`,
        `operator set:       ${s.member ? "member" : "not a member"}`,
        `allocated stake:    ${s.allocatedStake}`,
        `slashable stake:    ${s.slashableStake} (until L1 block ${s.stakeBlock})`,
        `BLS key:            ${s.keyHash ?? "not registered"}`,
        `attested outputs:   ${s.signed.length} signed, ${s.missed.length} missed${s.missed.length ? ` (${s.missed.slice(-10).join(", ")})` : ""}`,
        `slashings:          ${s.slashings.length === 0 ? "none" : s.slashings.map((x) => `block ${x.block} (${x.description})`).join("; ")}`,
      ].join("\n"),
    );
  });

  const deregister = operator
    .command("deregister")
    .description("remove the BLS key from the registry and leave the operator set");
  const readDeregister = declareOptions(deregister, { ...L1_OPTIONS, ...L1_KEY_OPTIONS });
  deregister.action(async () => {
    const cfg = readDeregister();
    const d = await readDeployment(cfg["l1.deployment"]);
    const contracts = operatorContracts(d);
    const l1Key = await unlockKeystore({
      file: cfg.keystore,
      passwordFile: cfg["password-file"],
      warn: warnTo(io),
    });
    const { pub, wallet } = await l1Clients(
      cfg["l1.rpc"],
      privateKeyToAccount(bytesToHex(l1Key.privateKey) as Hex),
    );
    await deregisterOperator(contracts, { pub, wallet: wallet!, say });
    say("deregistered");
  });
}
