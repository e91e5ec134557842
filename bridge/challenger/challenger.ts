/**
 * The challenger (`flops challenger`, PROTOCOL §6): a verifier that watches every output posted to
 * the OutputOracle, compares each with its own derivation of the same L2 block from finalized L1
 * data, and proves what it can prove within the window. Its other half defends honest outputs:
 * it answers availability demands against outputs it agrees with, so a griefer's demand never
 * invalidates an honest output or revokes an honest node's credits.
 *
 * On a mismatch the fault must be found in a state only the signers hold. The candidates are the
 * reveals this node saw fail (BAD_OPENING or any failed receipt) whose records may still be in the
 * output's state (the last recordTtlMs of L2 time): a dishonest state that credits a faked reveal
 * records one of them PASSED, in the output that follows the reveal or in any later one.
 * For each candidate it asks the signers (`flops_getChallengeProof`, operators must serve it for
 * what they sign) for the record under the posted root, and every answer is checked against that
 * root before use (rpc/challengeProofResults.ts):
 *
 * - a PASSED record whose digest is the failing reveal's openings → `proveInvalidCompute` with the
 *   first failing sample (invalidComputeProof.ts): every signer slashed, the output and later ones
 *   invalidated, the Portal's verdict revokes the record on L2;
 * - a PASSED record with another digest → `demandOpenings` (the signers must publish the openings
 *   they recorded, which then fail or were never there: `finalizeAvailability`);
 * - no answer at all → `demandRecord`: the signers must put the record (or its absence) on L1;
 *   unanswered → `finalizeRecordDemand`; answered PASSED → as above;
 * - the record FAILED or absent there → not this record; the next candidate.
 *
 * If every candidate is cleared the output is wrong in a way these proofs cannot show (PROTOCOL
 * §6 has no general state-transition proof): it is logged as unprovable, loudly.
 *
 * Everything it sends goes through the journaled L1 tx manager under an intent id, so a restart
 * never pays twice. L1 reorgs of the oracle's logs are not followed: before every send the
 * output's status is read again, and a send into a changed output reverts harmlessly.
 * @module
 */
import { encodeFunctionData, type Hex, type PublicClient } from "viem";
import { bytesToHex, equalBytes, hexToBytes } from "../../chain/bytes.ts";
import type { Tier } from "../../chain/params.ts";
import { openingsDigest } from "../../chain/proof/openings.ts";
import type { Challenge } from "../../chain/types.ts";
import { decodeChallenge } from "../../chain/wire/challenge.ts";
import type { ChallengeProofInfo } from "../../rpc/challengeProofResults.ts";
import type { OutputSignatureInfo } from "../../rpc/operatorResults.ts";
import type { OutputInfo } from "../../rpc/types.ts";
import { type BlsG1, fromSolG1 } from "../operators/bn254Bls.ts";
import { REGISTRY_ABI } from "../operators/operatorAbi.ts";
import type { L1Receipt } from "../txManager/txJournal.ts";
import { ORACLE_ABI } from "../withdrawals/bridgeAbi.ts";
import { EquivocationWatch, type SeenSignature } from "./equivocationWatch.ts";
import { FRAUD_PROOFS_ABI } from "./fraudAbi.ts";
import { buildInvalidComputeProof, claimTuple } from "./invalidComputeProof.ts";

/** A reveal this node's chain holds, with the openings it carried. */
export interface SeenReveal {
  challengeId: bigint;
  tiles: Uint8Array;
  proof: Uint8Array;
  /** Whether its receipt failed (a candidate for a faked PASS). */
  failed: boolean;
}

/** The challenger's view of its own derived chain. */
export interface OwnChain {
  /** The newest L2 block derived from finalized L1 data (undefined: none yet). */
  finalizedL2(): bigint | undefined;
  outputAt(n: bigint): OutputInfo | undefined;
  challengeProof(id: bigint, n: bigint): ChallengeProofInfo | undefined;
  /**
   * Reveals in the blocks up to `to` whose records may still be in `to`'s state (its last
   * recordTtlMs of L2 time), newest first, at most `max`.
   */
  reveals(to: bigint, max: number): SeenReveal[];
}

/** The signers' answers for one record under one L2 block (each already checked by the codec). */
export interface SignerProofs {
  proofs(id: bigint, l2BlockNumber: bigint): Promise<ChallengeProofInfo[]>;
}

export interface ChallengerOpts {
  oracle: Hex;
  fraudProofs: Hex;
  /** L1 block the oracle's logs are read from (the deployment's). */
  fromBlock: bigint;
  l2ChainId: bigint;
  tiers: readonly Tier[];
  /** Candidates examined per disputed output at most; default 64. */
  maxCandidates?: number;
  /** L1 blocks per log query; default 1,000. */
  logRange?: bigint;
  /** Equivocation watch (with ChallengerModules.signatures): the L1 chain id and the registry. */
  equivocation?: { l1ChainId: bigint; registry: Hex };
}

export interface ChallengerModules {
  client: PublicClient;
  txManager: {
    send(c: { id: string; to: Hex; data: Hex; value?: bigint; gasLimit?: bigint }): Promise<L1Receipt>;
  };
  own: OwnChain;
  signers: SignerProofs;
  /** The operators' signatures over one L2 block (`flops_getOutputSignature`), for equivocation. */
  signatures?: { fetch(l2BlockNumber: bigint): Promise<OutputSignatureInfo[]> };
  log: {
    info(o: object, msg?: string): void;
    warn(o: object, msg?: string): void;
    error(o: object, msg?: string): void;
  };
}

type Verdict = "pending" | "agreed" | "disputed" | "proven" | "unprovable" | "closed";

interface TrackedOutput {
  index: bigint;
  root: Hex;
  l2: bigint;
  signers: Hex[] | undefined;
  verdict: Verdict;
  /** Whether the operators were asked for their signatures over its block (equivocation). */
  signaturesAsked?: boolean;
  /** Candidates still to examine, and what is known of each. */
  candidates?: SeenReveal[];
  cleared: Set<bigint>;
}

interface RecordDemand {
  key: Hex;
  output: bigint;
  challengeId: bigint;
  deadline: bigint;
  mine: boolean;
  answer?: { preimage: Preimage; record: Hex; recordProof: Hex };
  settled: boolean;
}

interface OpeningsDemand {
  key: Hex;
  output: bigint;
  challengeId: bigint;
  digest: Hex;
  deadline: bigint;
  mine: boolean;
  /** The record and proof the demand was made with (kept for the claim). */
  proven?: ChallengeProofInfo | undefined;
  answer?: { tiles: Hex; proof: Hex };
  settled: boolean;
  /** Set once our own chain was searched for the openings and had none (not searched again). */
  unanswerable?: boolean;
}

/** What the challenger did so far (status lines, tests). */
export interface ChallengerStats {
  outputsSeen: number;
  agreed: number;
  disputed: number;
  proven: number;
  unprovable: number;
  demandsMade: number;
  demandsAnswered: number;
  demandsFinalized: number;
  equivocations: number;
}

const GAS_PROOF = 12_000_000n;
const GAS_SMALL = 1_500_000n;

export class Challenger {
  private readonly outputs = new Map<bigint, TrackedOutput>();
  private readonly recordDemands = new Map<Hex, RecordDemand>();
  private readonly openingsDemands = new Map<Hex, OpeningsDemand>();
  /** The demands this challenger made (`record:<output>:<id>`, `openings:<output>:<id>`), known
   *  from its own receipts whether or not their logs were read yet. */
  private readonly myDemands = new Set<string>();
  /** The record proof each openings demand of ours was made with (for the claim once answered). */
  private readonly demandedWith = new Map<string, ChallengeProofInfo>();
  private cursor: bigint;
  private readonly maxCandidates: number;
  private readonly logRange: bigint;
  private bond: bigint | undefined;
  readonly stats: ChallengerStats = {
    outputsSeen: 0,
    agreed: 0,
    disputed: 0,
    proven: 0,
    unprovable: 0,
    demandsMade: 0,
    demandsAnswered: 0,
    demandsFinalized: 0,
    equivocations: 0,
  };
  private readonly watch: EquivocationWatch | undefined;
  private readonly registeredG1 = new Map<Hex, BlsG1 | undefined>();

  constructor(
    private readonly o: ChallengerOpts,
    private readonly m: ChallengerModules,
  ) {
    this.cursor = o.fromBlock;
    this.maxCandidates = o.maxCandidates ?? 64;
    this.logRange = o.logRange ?? 1000n;
    this.watch =
      o.equivocation && m.signatures
        ? new EquivocationWatch({
            l1ChainId: o.equivocation.l1ChainId,
            oracle: o.oracle,
            l2ChainId: o.l2ChainId,
          })
        : undefined;
  }

  /** One round: read new logs, judge outputs, pursue disputes, settle and answer demands. */
  async tick(): Promise<void> {
    await this.readLogs();
    const latest = await this.m.client.getBlock({ blockTag: "latest" });
    for (const out of this.outputs.values()) {
      if (out.verdict === "pending") this.judge(out);
      if (out.verdict === "disputed") await this.pursue(out);
      if (out.verdict !== "pending" && !out.signaturesAsked) await this.watchSignatures(out);
    }
    await this.settleDemands(latest.timestamp);
    await this.defend(latest.timestamp);
  }

  /** Outputs in an open dispute (for status lines). */
  disputes(): Array<{ index: bigint; l2: bigint; verdict: Verdict }> {
    return [...this.outputs.values()]
      .filter((o) => o.verdict !== "agreed" && o.verdict !== "pending")
      .map(({ index, l2, verdict }) => ({ index, l2, verdict }));
  }

  // ---------------------------------------------------------------- logs

  private async readLogs(): Promise<void> {
    const head = await this.m.client.getBlockNumber();
    while (this.cursor <= head) {
      const to = this.cursor + this.logRange - 1n < head ? this.cursor + this.logRange - 1n : head;
      const range = { fromBlock: this.cursor, toBlock: to };
      const [proposed, signers, fraud] = await Promise.all([
        this.m.client.getContractEvents({
          address: this.o.oracle,
          abi: ORACLE_ABI,
          eventName: "OutputProposed",
          ...range,
        }),
        this.m.client.getContractEvents({
          address: this.o.oracle,
          abi: ORACLE_ABI,
          eventName: "OutputSigners",
          ...range,
        }),
        this.m.client.getContractEvents({ address: this.o.fraudProofs, abi: FRAUD_PROOFS_ABI, ...range }),
      ]);
      for (const l of proposed) {
        const a = l.args as { outputIndex: bigint; outputRoot: Hex; l2BlockNumber: bigint };
        this.outputs.set(a.outputIndex, {
          index: a.outputIndex,
          root: a.outputRoot.toLowerCase() as Hex,
          l2: a.l2BlockNumber,
          signers: this.outputs.get(a.outputIndex)?.signers,
          verdict: "pending",
          cleared: new Set(),
        });
        this.stats.outputsSeen++;
      }
      for (const l of signers) {
        const a = l.args as { outputIndex: bigint; signers: readonly Hex[] };
        const out = this.outputs.get(a.outputIndex);
        if (out) out.signers = [...a.signers];
      }
      for (const l of fraud)
        this.onFraudLog(l as unknown as { eventName: string; args: Record<string, unknown> });
      this.cursor = to + 1n;
    }
  }

  private onFraudLog(l: { eventName: string; args: Record<string, unknown> }): void {
    const a = l.args;
    // Only the demand events name a key (the others, e.g. InvalidComputeProven, are not followed).
    if (typeof a.demandKey !== "string") return;
    const key = a.demandKey.toLowerCase() as Hex;
    switch (l.eventName) {
      case "RecordDemanded":
        if (!this.recordDemands.has(key))
          this.recordDemands.set(key, {
            key,
            output: a.outputIndex as bigint,
            challengeId: a.challengeId as bigint,
            deadline: a.deadline as bigint,
            mine: this.myDemands.has(`record:${a.outputIndex}:${a.challengeId}`),
            settled: false,
          });
        else this.recordDemands.get(key)!.deadline = a.deadline as bigint;
        break;
      case "RecordProvided": {
        const d = this.recordDemands.get(key);
        if (d)
          d.answer = {
            preimage: a.preimage as Preimage,
            record: a.record as Hex,
            recordProof: a.recordProof as Hex,
          };
        this.stats.demandsAnswered++;
        break;
      }
      case "OpeningsDemanded": {
        const known = this.openingsDemands.get(key);
        if (known) known.deadline = a.deadline as bigint;
        else
          this.openingsDemands.set(key, {
            key,
            output: a.outputIndex as bigint,
            challengeId: a.challengeId as bigint,
            digest: (a.openingsDigest as Hex).toLowerCase() as Hex,
            deadline: a.deadline as bigint,
            mine: this.myDemands.has(`openings:${a.outputIndex}:${a.challengeId}`),
            proven: this.demandedWith.get(`${a.outputIndex}:${a.challengeId}`),
            settled: false,
          });
        break;
      }
      case "OpeningsProvided": {
        const d = this.openingsDemands.get(key);
        if (d) d.answer = { tiles: a.tiles as Hex, proof: a.proof as Hex };
        this.stats.demandsAnswered++;
        break;
      }
    }
  }

  // ---------------------------------------------------------------- judging

  private judge(out: TrackedOutput): void {
    const fin = this.m.own.finalizedL2();
    if (fin === undefined || out.l2 > fin) return; // not derived from finalized L1 yet
    const own = this.m.own.outputAt(out.l2);
    if (own === undefined) return;
    if (bytesToHex(own.outputRoot).toLowerCase() === out.root) {
      out.verdict = "agreed";
      this.stats.agreed++;
      this.m.log.info(
        { output: out.index, l2: out.l2 },
        "challenger: output agrees with this node's derivation",
      );
      return;
    }
    out.verdict = "disputed";
    this.stats.disputed++;
    this.m.log.warn(
      { output: out.index, l2: out.l2, posted: out.root, ours: bytesToHex(own.outputRoot) },
      "challenger: a posted output disagrees with this node's derivation: looking for a provable fault",
    );
  }

  private async isOpen(index: bigint): Promise<boolean> {
    const [root, finalizesAt, invalidated] = (await this.m.client.readContract({
      address: this.o.oracle,
      abi: ORACLE_ABI,
      functionName: "outputStatus",
      args: [index],
    })) as readonly [Hex, bigint, boolean];
    if (invalidated || root === `0x${"00".repeat(32)}`) return false;
    const latest = await this.m.client.getBlock({ blockTag: "latest" });
    return latest.timestamp < finalizesAt;
  }

  private async pursue(out: TrackedOutput): Promise<void> {
    if (out.signers === undefined) return; // its OutputSigners log not read yet
    if (!(await this.isOpen(out.index))) {
      out.verdict = "closed";
      this.m.log.warn({ output: out.index }, "challenger: a disputed output closed before a proof");
      return;
    }
    out.candidates ??= this.m.own
      .reveals(out.l2, Number.MAX_SAFE_INTEGER)
      .filter((r) => r.failed)
      .slice(0, this.maxCandidates);
    for (const c of out.candidates) {
      if (out.cleared.has(c.challengeId) || this.demandFor(out.index, c.challengeId)) continue;
      const answers = (await this.m.signers.proofs(c.challengeId, out.l2)).filter(
        (p) => bytesToHex(p.output.outputRoot).toLowerCase() === out.root,
      );
      if (answers.length === 0) {
        // One unanswered record demand convicts the output: a bond for the first silence only.
        if (!this.recordDemandPending(out.index)) await this.demandRecord(out, c.challengeId);
        continue;
      }
      const passed = answers.find((p) => p.record !== null && decodeChallenge(p.record).status === "PASSED");
      if (passed === undefined) {
        out.cleared.add(c.challengeId);
        continue;
      }
      await this.onPassedRecord(out, passed, c);
      if (out.verdict !== "disputed") return;
    }
    const open = out.candidates.filter((c) => !out.cleared.has(c.challengeId));
    if (open.length === 0 && out.verdict === "disputed") {
      out.verdict = "unprovable";
      this.stats.unprovable++;
      this.m.log.error(
        { output: out.index, l2: out.l2, candidates: out.candidates.length },
        "challenger: the output is wrong but no failed reveal is PASSED in its state: no fraud proof applies",
      );
    }
  }

  /** Whether a record demand of ours on `output` is made and not settled yet. */
  private recordDemandPending(output: bigint): boolean {
    for (const tag of this.myDemands) {
      if (!tag.startsWith(`record:${output}:`)) continue;
      const d = [...this.recordDemands.values()].find((x) => `record:${x.output}:${x.challengeId}` === tag);
      if (d === undefined || !d.settled) return true;
    }
    return false;
  }

  private demandFor(output: bigint, challengeId: bigint): boolean {
    return (
      this.myDemands.has(`record:${output}:${challengeId}`) ||
      this.myDemands.has(`openings:${output}:${challengeId}`)
    );
  }

  /** A PASSED record under the posted root: prove it, or demand the openings its digest names. */
  private async onPassedRecord(out: TrackedOutput, p: ChallengeProofInfo, seen?: SeenReveal): Promise<void> {
    const record = decodeChallenge(p.record!);
    if (
      seen &&
      record.openingsDigest &&
      equalBytes(openingsDigest(seen.tiles, seen.proof), record.openingsDigest)
    ) {
      await this.proveInvalidCompute(out, record, p, seen.tiles, seen.proof);
      return;
    }
    await this.demandOpenings(out, p);
  }

  private async proveInvalidCompute(
    out: TrackedOutput,
    record: Challenge,
    p: ChallengeProofInfo,
    tiles: Uint8Array,
    proof: Uint8Array,
  ): Promise<void> {
    const tier = this.o.tiers.find((t) => t.id === record.tier);
    if (tier === undefined) {
      out.cleared.add(record.id);
      return;
    }
    const built = buildInvalidComputeProof({
      l2ChainId: this.o.l2ChainId,
      tier,
      record,
      recordProof: p.proof,
      preimage: {
        stateRoot: p.output.stateRoot,
        withdrawalsRoot: p.output.withdrawalsRoot,
        l2BlockHash: p.output.block.hash,
      },
      tiles,
      proof,
    });
    if (!built.ok) {
      this.m.log.warn(
        { output: out.index, challenge: record.id, reason: built.reason },
        "challenger: no claim",
      );
      out.cleared.add(record.id);
      return;
    }
    const r = await this.send(`fraud:compute:${out.index}:${record.id}`, {
      data: encodeFunctionData({
        abi: FRAUD_PROOFS_ABI,
        functionName: "proveInvalidCompute",
        args: [out.index, out.signers!, claimTuple(built.claim)],
      }),
      gasLimit: GAS_PROOF,
    });
    if (r?.status === "success") {
      out.verdict = "proven";
      this.stats.proven++;
      this.m.log.info(
        { output: out.index, challenge: record.id, signers: out.signers!.length, tx: r.transactionHash },
        "challenger: invalid compute proven: the output is invalidated and its signers slashed",
      );
    }
  }

  // ---------------------------------------------------------------- equivocation

  /** Asks the operators for their signatures over `out`'s block; proves any equivocation seen. */
  private async watchSignatures(out: TrackedOutput): Promise<void> {
    out.signaturesAsked = true;
    if (this.watch === undefined || this.m.signatures === undefined) return;
    for (const a of await this.m.signatures.fetch(out.l2)) {
      const operator = bytesToHex(a.operator).toLowerCase() as Hex;
      const found = this.watch.observe(a, await this.registeredKey(operator));
      if (found) await this.proveEquivocation(found.first, found.second);
    }
  }

  private async registeredKey(operator: Hex): Promise<BlsG1 | undefined> {
    if (this.registeredG1.has(operator)) return this.registeredG1.get(operator);
    const [keyHash, g1] = (await this.m.client.readContract({
      address: this.o.equivocation!.registry,
      abi: REGISTRY_ABI,
      functionName: "registrationOf",
      args: [operator],
    })) as readonly [Hex, { x: bigint; y: bigint }];
    const key = BigInt(keyHash) === 0n ? undefined : fromSolG1(g1);
    if (key !== undefined) this.registeredG1.set(operator, key);
    return key;
  }

  private async proveEquivocation(a: SeenSignature, b: SeenSignature): Promise<void> {
    const word = (x: Uint8Array, i: number) => BigInt(bytesToHex(x.subarray(32 * i, 32 * i + 32)));
    const g1 = (x: Uint8Array) => ({ x: word(x, 0), y: word(x, 1) });
    const pk = this.registeredG1.get(a.operator)!.toAffine();
    const r = await this.send(`fraud:equivocation:${a.operator}:${a.l2BlockNumber}:${a.l1BlockHash}`, {
      data: encodeFunctionData({
        abi: FRAUD_PROOFS_ABI,
        functionName: "proveEquivocation",
        args: [
          a.operator,
          a.l2BlockNumber,
          a.l1BlockHash,
          [a.root, b.root],
          { x: pk.x, y: pk.y },
          { x: [word(a.pubkeyG2, 0), word(a.pubkeyG2, 1)], y: [word(a.pubkeyG2, 2), word(a.pubkeyG2, 3)] },
          [g1(a.signature), g1(b.signature)],
        ],
      }),
      gasLimit: GAS_SMALL,
    });
    if (r?.status !== "success") return;
    this.stats.equivocations++;
    this.m.log.info(
      { operator: a.operator, l2: a.l2BlockNumber, roots: [a.root, b.root] },
      "challenger: an operator signed two roots for one block: equivocation proven, the operator slashed",
    );
  }

  // ---------------------------------------------------------------- demands

  private async demandBond(): Promise<bigint> {
    this.bond ??= (await this.m.client.readContract({
      address: this.o.fraudProofs,
      abi: FRAUD_PROOFS_ABI,
      functionName: "demandBond",
    })) as bigint;
    return this.bond;
  }

  private async demandRecord(out: TrackedOutput, challengeId: bigint): Promise<void> {
    const r = await this.send(`fraud:demand-record:${out.index}:${challengeId}`, {
      data: encodeFunctionData({
        abi: FRAUD_PROOFS_ABI,
        functionName: "demandRecord",
        args: [out.index, challengeId],
      }),
      value: await this.demandBond(),
      gasLimit: GAS_SMALL,
    });
    if (r?.status !== "success") return;
    this.myDemands.add(`record:${out.index}:${challengeId}`);
    for (const d of this.recordDemands.values())
      if (d.output === out.index && d.challengeId === challengeId) d.mine = true;
    this.stats.demandsMade++;
    this.m.log.info(
      { output: out.index, challenge: challengeId },
      "challenger: no signer served the record: demanded it on L1",
    );
  }

  private async demandOpenings(out: TrackedOutput, p: ChallengeProofInfo): Promise<void> {
    const record = decodeChallenge(p.record!);
    const r = await this.send(`fraud:demand-openings:${out.index}:${record.id}`, {
      data: encodeFunctionData({
        abi: FRAUD_PROOFS_ABI,
        functionName: "demandOpenings",
        args: [out.index, preimageOf(p), bytesToHex(p.record!) as Hex, bytesToHex(p.proof) as Hex],
      }),
      value: await this.demandBond(),
      gasLimit: GAS_SMALL,
    });
    if (r?.status !== "success") return;
    this.myDemands.add(`openings:${out.index}:${record.id}`);
    this.demandedWith.set(`${out.index}:${record.id}`, p);
    for (const d of this.openingsDemands.values())
      if (d.output === out.index && d.challengeId === record.id) {
        d.mine = true;
        d.proven = p;
      }
    this.stats.demandsMade++;
  }

  /** Our demands: use an answer, or finalize one left unanswered past its deadline. */
  private async settleDemands(now: bigint): Promise<void> {
    for (const d of this.recordDemands.values()) {
      if (!d.mine || d.settled) continue;
      const out = this.outputs.get(d.output);
      if (out === undefined || out.verdict !== "disputed") continue;
      if (d.answer) {
        d.settled = true;
        const p = this.answeredProof(out, d);
        if (p.record === null || decodeChallenge(p.record).status !== "PASSED") {
          out.cleared.add(d.challengeId);
          continue;
        }
        const seen = out.candidates?.find((c) => c.challengeId === d.challengeId);
        await this.onPassedRecord(out, p, seen);
      } else if (now > d.deadline) {
        d.settled = true;
        await this.finalizeUnanswered(out, d, "finalizeRecordDemand");
      }
    }
    for (const d of this.openingsDemands.values()) {
      if (!d.mine || d.settled) continue;
      const out = this.outputs.get(d.output);
      if (out === undefined || out.verdict !== "disputed" || d.proven === undefined) continue;
      if (d.answer) {
        d.settled = true;
        await this.proveInvalidCompute(
          out,
          decodeChallenge(d.proven.record!),
          d.proven,
          hexToBytes(d.answer.tiles),
          hexToBytes(d.answer.proof),
        );
      } else if (now > d.deadline) {
        d.settled = true;
        await this.finalizeUnanswered(out, d, "finalizeAvailability");
      }
    }
  }

  /** Settles our demand left unanswered past its deadline: the output invalidated, signers slashed. */
  private async finalizeUnanswered(
    out: TrackedOutput,
    d: { key: Hex; challengeId: bigint },
    fn: "finalizeRecordDemand" | "finalizeAvailability",
  ): Promise<void> {
    const r = await this.send(`fraud:${fn}:${d.key}`, {
      data: encodeFunctionData({ abi: FRAUD_PROOFS_ABI, functionName: fn, args: [d.key, out.signers!] }),
      gasLimit: GAS_PROOF,
    });
    if (r?.status !== "success") return;
    out.verdict = "proven";
    this.stats.proven++;
    this.stats.demandsFinalized++;
    this.m.log.info(
      { output: out.index, challenge: d.challengeId, settled: fn },
      "challenger: a demand went unanswered: the output is invalidated and its signers slashed",
    );
  }

  /** A RecordProvided answer as a proof of the posted output's record (the contract checked it). */
  private answeredProof(out: TrackedOutput, d: RecordDemand): ChallengeProofInfo {
    const a = d.answer!;
    return {
      challengeId: d.challengeId,
      record: a.record === "0x" ? null : hexToBytes(a.record),
      output: {
        outputRoot: hexToBytes(out.root),
        block: { number: out.l2, hash: hexToBytes(a.preimage.l2BlockHash), timestamp: 0n },
        stateRoot: hexToBytes(a.preimage.stateRoot),
        withdrawalsRoot: hexToBytes(a.preimage.withdrawalsRoot),
      },
      proof: hexToBytes(a.recordProof),
    };
  }

  // ---------------------------------------------------------------- defence

  /** Answers demands against outputs this node agrees with, before their deadlines. */
  private async defend(now: bigint): Promise<void> {
    for (const d of this.recordDemands.values()) {
      if (d.mine || d.settled || d.answer || now > d.deadline) continue;
      const out = this.outputs.get(d.output);
      if (out?.verdict !== "agreed") continue;
      const p = this.m.own.challengeProof(d.challengeId, out.l2);
      if (p === undefined) continue;
      d.settled = true;
      const r = await this.send(`fraud:provide-record:${d.key}`, {
        data: encodeFunctionData({
          abi: FRAUD_PROOFS_ABI,
          functionName: "provideRecord",
          args: [
            d.key,
            preimageOf(p),
            p.record === null ? "0x" : (bytesToHex(p.record) as Hex),
            bytesToHex(p.proof) as Hex,
          ],
        }),
        gasLimit: GAS_SMALL,
      });
      if (r?.status === "success")
        this.m.log.info(
          { output: out.index, challenge: d.challengeId },
          "challenger: answered a record demand on an honest output",
        );
    }
    for (const d of this.openingsDemands.values()) {
      if (d.mine || d.settled || d.answer || d.unanswerable || now > d.deadline) continue;
      const out = this.outputs.get(d.output);
      if (out?.verdict !== "agreed") continue;
      const seen = this.m.own
        .reveals(out.l2, Number.MAX_SAFE_INTEGER)
        .find(
          (r) =>
            r.challengeId === d.challengeId &&
            (bytesToHex(openingsDigest(r.tiles, r.proof)).toLowerCase() as Hex) === d.digest,
        );
      // Our chain's past blocks do not change: a demand we cannot answer is not looked up again.
      d.unanswerable = seen === undefined;
      if (seen === undefined) continue;
      d.settled = true;
      const r = await this.send(`fraud:provide-openings:${d.key}`, {
        data: encodeFunctionData({
          abi: FRAUD_PROOFS_ABI,
          functionName: "provideOpenings",
          args: [d.key, bytesToHex(seen.tiles) as Hex, bytesToHex(seen.proof) as Hex],
        }),
      });
      if (r?.status === "success")
        this.m.log.info(
          { output: out.index, challenge: d.challengeId },
          "challenger: answered an openings demand on an honest output",
        );
    }
  }

  /** Sends one intent; a refusal or revert is logged and answered undefined / the receipt. */
  private async send(
    id: string,
    c: { data: Hex; value?: bigint; gasLimit?: bigint },
  ): Promise<L1Receipt | undefined> {
    try {
      const r = await this.m.txManager.send({ id, to: this.o.fraudProofs, ...c });
      if (r.status !== "success")
        this.m.log.warn({ intent: id, tx: r.transactionHash }, "challenger: tx reverted");
      return r;
    } catch (e) {
      this.m.log.warn({ intent: id, err: (e as Error).message }, "challenger: tx not sent");
      return undefined;
    }
  }
}

type Preimage = { stateRoot: Hex; withdrawalsRoot: Hex; l2BlockHash: Hex };

function preimageOf(p: ChallengeProofInfo): Preimage {
  return {
    stateRoot: bytesToHex(p.output.stateRoot) as Hex,
    withdrawalsRoot: bytesToHex(p.output.withdrawalsRoot) as Hex,
    l2BlockHash: bytesToHex(p.output.block.hash) as Hex,
  };
}
