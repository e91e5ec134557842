/**
 * The aggregator's half of attested outputs (docs/PROTOCOL.md §6): for the output the proposer
 * would post, ask every operator node (`flops_getOutputSignature`) for its signature, keep the
 * answers that check out, and once the signers' stake reaches the oracle's quorum, build the
 * `Attestation` argument of OutputOracle.proposeOutputAttested (attestation.ts).
 *
 * Every answer is hostile until checked: each call has a time limit and a byte cap (cappedFetch);
 * the answer must name this output exactly (block, root, L1 block), come from a member of the
 * operator set with a registered key, carry a G2 key that is that registered G1 key's twin
 * (keysMatch) and a signature that verifies over the §6 message. Anything else counts as absent:
 * a bad signature inside the aggregate would revert the whole proposal on L1.
 *
 * The operator set is read from L1 each round: members (AllocationManager.getMembers), their
 * registered keys (OperatorRegistry.registrationOf) and their stake slashable until the window's
 * end (getMinimumSlashableStake at head + 1 + windowBlocks: the block the contract uses, give or
 * take the blocks until inclusion). The members' keys must sum to the registry's aggregate key: a
 * registered key of a non-member would be counted as a signer by the contract and spoil every
 * signature, so that case fails the round with the fix (deregisterNonMember).
 * @module
 */
import { bn254 } from "@noble/curves/bn254.js";
import type { Address, Hex, PublicClient } from "viem";
import { bytesToHex } from "../../chain/bytes.ts";
import { cappedFetch } from "../../rpc/cappedFetch.ts";
import { encodeParams, parseResult } from "../../rpc/method.ts";
import { FLOPS_RPC } from "../../rpc/methods.ts";
import { buildAttestation, type OperatorVote, type SolAttestation } from "./attestation.ts";
import {
  aggregateG1,
  type BlsG1,
  type BlsG2,
  fromSolG1,
  keysMatch,
  outputMessageHash,
  verify,
} from "./bn254Bls.ts";
import { ALLOCATION_MANAGER_ABI, ATTESTED_ORACLE_ABI, REGISTRY_ABI } from "./operatorAbi.ts";
import type { OutputSignatureInfo } from "./outputSigner.ts";

/** An operator's answer is ~600 bytes; anything much larger is refused unread. */
export const MAX_SIGNATURE_ANSWER_BYTES = 4096;
/** Each operator's time to answer, ms. */
export const DEFAULT_OPERATOR_TIMEOUT_MS = 3000;

/** The output to attest: what the proposer would post. */
export interface AttestTarget {
  l2BlockNumber: bigint;
  outputRoot: Hex;
  l1BlockHash: Hex;
  l1BlockNumber: bigint;
}

interface Member {
  address: Address;
  pubkeyG1: BlsG1;
  stake: bigint;
}

export type CollectResult =
  | {
      kind: "quorum";
      attestation: SolAttestation;
      signers: Address[];
      signedStake: bigint;
      totalStake: bigint;
    }
  | { kind: "short"; signers: Address[]; signedStake: bigint; totalStake: bigint; refused: string[] };

export interface SignatureCollectorOpts {
  oracle: Address;
  l1ChainId: bigint;
  operatorRpcUrls: readonly string[];
  timeoutMs?: number;
}

/** A G1 point from 64 bytes x ‖ y (big-endian), as `flops_getOutputSignature` serves it. */
export const G1_FROM = (b: Uint8Array): BlsG1 =>
  fromSolG1({ x: BigInt(bytesToHex(b.subarray(0, 32))), y: BigInt(bytesToHex(b.subarray(32, 64))) });

/** A G2 point from 128 bytes in the contracts' order; throws off the curve or subgroup. */
export function g2From(b: Uint8Array): BlsG2 {
  const w = (i: number) => BigInt(bytesToHex(b.subarray(32 * i, 32 * i + 32)));
  const Fp2 = bn254.fields.Fp2;
  // The contracts' order: imaginary part first.
  const p = bn254.G2.Point.fromAffine({
    x: Fp2.create({ c0: w(1), c1: w(0) }),
    y: Fp2.create({ c0: w(3), c1: w(2) }),
  });
  p.assertValidity();
  return p;
}

export class SignatureCollector {
  private readonly fetchCapped = cappedFetch(fetch, MAX_SIGNATURE_ANSWER_BYTES);
  // keysMatch is two pairings: checked once per (operator, G2 bytes).
  private readonly matched = new Map<string, BlsG2>();

  constructor(
    private readonly o: SignatureCollectorOpts,
    private readonly client: PublicClient,
  ) {
    if (o.operatorRpcUrls.length === 0) throw new RangeError("attest: no operator RPC URLs");
  }

  /** Reads the operator set at L1's head: members with registered keys, stakes, the quorum. */
  private async readSet() {
    const c = this.client;
    const cfg = await c.readContract({
      address: this.o.oracle,
      abi: ATTESTED_ORACLE_ABI,
      functionName: "attestationConfig",
    });
    if (cfg.registry === "0x0000000000000000000000000000000000000000")
      throw new Error("the OutputOracle has no attestation enabled");
    const [am, set, head] = await Promise.all([
      c.readContract({ address: cfg.registry, abi: REGISTRY_ABI, functionName: "allocationManager" }),
      c.readContract({ address: cfg.registry, abi: REGISTRY_ABI, functionName: "operatorSet" }),
      c.getBlockNumber(),
    ]);
    const [members, strategies, apk] = await Promise.all([
      c.readContract({ address: am, abi: ALLOCATION_MANAGER_ABI, functionName: "getMembers", args: [set] }),
      c.readContract({
        address: am,
        abi: ALLOCATION_MANAGER_ABI,
        functionName: "getStrategiesInOperatorSet",
        args: [set],
      }),
      c.readContract({ address: cfg.registry, abi: REGISTRY_ABI, functionName: "apk" }),
    ]);
    const stakeBlock = Number(head) + 1 + cfg.windowBlocks;
    const stakes =
      members.length === 0
        ? []
        : await c.readContract({
            address: am,
            abi: ALLOCATION_MANAGER_ABI,
            functionName: "getMinimumSlashableStake",
            args: [set, members, strategies, stakeBlock],
          });
    const regs = await Promise.all(
      members.map((m) =>
        c.readContract({
          address: cfg.registry,
          abi: REGISTRY_ABI,
          functionName: "registrationOf",
          args: [m],
        }),
      ),
    );
    let total = 0n;
    const registered: Member[] = [];
    members.forEach((address, i) => {
      const stake = (stakes[i] ?? []).reduce((a, b) => a + b, 0n);
      total += stake;
      const [keyHash, g1] = regs[i]!;
      if (keyHash !== `0x${"00".repeat(32)}`) registered.push({ address, pubkeyG1: fromSolG1(g1), stake });
    });
    if (!aggregateG1(registered.map((r) => r.pubkeyG1)).equals(fromSolG1(apk)))
      throw new Error(
        "the registry holds keys of operators that left the operator set: call OperatorRegistry.deregisterNonMember for them",
      );
    return {
      registered,
      total,
      num: BigInt(cfg.quorumNumerator),
      den: BigInt(cfg.quorumDenominator),
      l2ChainId: cfg.l2ChainId,
    };
  }

  /** One operator's answer, or why it was refused. */
  private async ask(url: string, t: AttestTarget): Promise<OutputSignatureInfo | string> {
    const spec = FLOPS_RPC.getOutputSignature;
    try {
      const res = await this.fetchCapped(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: spec.name,
          params: encodeParams(spec, [t.l2BlockNumber]),
        }),
        signal: AbortSignal.timeout(this.o.timeoutMs ?? DEFAULT_OPERATOR_TIMEOUT_MS),
      });
      const body = (await res.json()) as { result?: unknown; error?: { message?: unknown } };
      if (body.error !== undefined) return `${url}: error ${String(body.error?.message).slice(0, 200)}`;
      const s = parseResult(spec, body.result ?? null);
      if (s === undefined) return `${url}: has not derived block ${t.l2BlockNumber} from finalized L1 yet`;
      return s;
    } catch (e) {
      return `${url}: ${(e instanceof Error ? e.message : String(e)).slice(0, 200)}`;
    }
  }

  /** Asks every operator for `t`'s signature; a quorum's attestation, or what is missing. */
  async collect(t: AttestTarget): Promise<CollectResult> {
    const set = await this.readSet();
    const digest = outputMessageHash({
      l1ChainId: this.o.l1ChainId,
      outputOracle: this.o.oracle,
      l2ChainId: set.l2ChainId,
      l2BlockNumber: t.l2BlockNumber,
      outputRoot: t.outputRoot,
      l1BlockHash: t.l1BlockHash,
    });
    const answers = await Promise.all(this.o.operatorRpcUrls.map((u) => this.ask(u, t)));
    const byAddress = new Map(set.registered.map((m) => [m.address.toLowerCase(), m]));
    const sigs = new Map<string, { g2: BlsG2; sig: BlsG1 }>();
    const refused: string[] = [];
    answers.forEach((a, i) => {
      const url = this.o.operatorRpcUrls[i]!;
      if (typeof a === "string") {
        refused.push(a);
        return;
      }
      const why = this.check(a, t, digest, byAddress, sigs);
      if (typeof why === "string") refused.push(`${url}: ${why}`);
      else sigs.set(why.address, { g2: why.g2, sig: why.sig });
    });
    const votes: OperatorVote[] = set.registered.map((m) => {
      const s = sigs.get(m.address.toLowerCase());
      return {
        pubkeyG1: m.pubkeyG1,
        pubkeyG2: s?.g2 ?? bn254.G2.Point.ZERO,
        ...(s ? { signature: s.sig } : {}),
      };
    });
    const signers = set.registered.filter((m) => sigs.has(m.address.toLowerCase()));
    const signedStake = signers.reduce((a, m) => a + m.stake, 0n);
    const base = { signers: signers.map((m) => m.address), signedStake, totalStake: set.total };
    if (signedStake === 0n || signedStake * set.den < set.total * set.num)
      return { kind: "short", ...base, refused };
    return { kind: "quorum", attestation: buildAttestation(digest, votes), ...base };
  }

  private check(
    a: OutputSignatureInfo,
    t: AttestTarget,
    digest: Hex,
    members: Map<string, Member>,
    have: Map<string, unknown>,
  ): string | { address: string; g2: BlsG2; sig: BlsG1 } {
    if (a.l2BlockNumber !== t.l2BlockNumber) return `answered block ${a.l2BlockNumber}`;
    if (bytesToHex(a.outputRoot) !== t.outputRoot.toLowerCase())
      return `signed another root ${bytesToHex(a.outputRoot)} for block ${t.l2BlockNumber}`;
    if (bytesToHex(a.l1BlockHash) !== t.l1BlockHash.toLowerCase() || a.l1BlockNumber !== t.l1BlockNumber)
      return `derived block ${t.l2BlockNumber} from another L1 block (${a.l1BlockNumber})`;
    const address = bytesToHex(a.operator).toLowerCase();
    const member = members.get(address);
    if (member === undefined) return `${address} is not a registered member of the operator set`;
    if (have.has(address)) return `${address} answered twice`;
    const g2Hex = bytesToHex(a.pubkeyG2);
    let g2 = this.matched.get(`${address}:${g2Hex}`);
    let sig: BlsG1;
    try {
      if (g2 === undefined) {
        const candidate = g2From(a.pubkeyG2);
        if (!keysMatch(member.pubkeyG1, candidate)) return `its G2 key is not ${address}'s registered key`;
        g2 = candidate;
        this.matched.set(`${address}:${g2Hex}`, g2);
      }
      sig = G1_FROM(a.signature);
    } catch {
      return "a point that is not on the curve";
    }
    if (!verify(g2, digest, sig)) return "a signature that does not verify";
    return { address, g2, sig };
  }
}
