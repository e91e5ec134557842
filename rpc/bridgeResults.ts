/**
 * Result codecs of the bridge's read methods (flops_getWithdrawals, flops_getWithdrawalByTx,
 * flops_outputAtBlock, flops_getWithdrawalProof), `format` and `parse` side by side as in
 * results.ts. A client does not take the node's word for what it can check itself: `parse`
 * recomputes an output root from its preimage and verifies a withdrawal proof against the
 * withdrawals root before anything is sent to L1 with it.
 * @module
 */
import type { Hex } from "../chain/bytes.ts";
import { outputRoot } from "../chain/commitment/outputRoot.ts";
import { withdrawalKey, withdrawalLeaf } from "../chain/commitment/withdrawalLeaf.ts";
import { DecodeError } from "../chain/errors.ts";
import { decodeSmtProof, verifySmtProof } from "../chain/smt/index.ts";
import { hex, type JsonReader, quantity } from "./json.ts";
import type { ResultCodec } from "./results.ts";
import type { OutputInfo, WithdrawalInfo, WithdrawalPage, WithdrawalProofInfo } from "./types.ts";

/** The largest compressed SMT proof: flags, depth, a 256-bit bitmap, 256 siblings, an other-leaf. */
export const MAX_SMT_PROOF_BYTES = 3 + 32 + 256 * 32 + 64;
/** Output root version 0 (PROTOCOL §5), the `version` field of flops_outputAtBlock. */
const OUTPUT_VERSION_0: Hex = `0x${"00".repeat(32)}`;

function codec<T, W>(format: (value: T) => W, parse: (json: unknown, r: JsonReader) => T): ResultCodec<T, W> {
  return { format, parse };
}

const at = (path: string, key: string) => (path === "result" ? key : `${path}.${key}`);

function formatWithdrawal(w: WithdrawalInfo) {
  return {
    index: quantity(w.index),
    from: hex(w.from),
    to: hex(w.to),
    amount: quantity(w.amount),
    l2BlockNumber: quantity(w.l2BlockNumber),
    txHash: hex(w.txHash),
  };
}

function parseWithdrawal(r: JsonReader, v: unknown, path: string): WithdrawalInfo {
  const o = r.object(v, path);
  const index = r.quantity(o.index, at(path, "index"));
  // The Portal's WithdrawalLib keys the tree by a u64 index.
  if (index >= 2n ** 64n) r.fail(at(path, "index"), "below 2^64");
  return {
    index,
    from: r.data(o.from, at(path, "from"), 20),
    to: r.data(o.to, at(path, "to"), 20),
    amount: r.quantity(o.amount, at(path, "amount")),
    l2BlockNumber: r.quantity(o.l2BlockNumber, at(path, "l2BlockNumber")),
    txHash: r.data(o.txHash, at(path, "txHash"), 32),
  };
}

/** flops_getWithdrawalByTx. */
export const withdrawalResult = codec(formatWithdrawal, (v, r) => parseWithdrawal(r, v, "result"));

/** flops_getWithdrawals. */
export const withdrawalPageResult = codec(
  (p: WithdrawalPage) => ({ withdrawals: p.withdrawals.map(formatWithdrawal), nextCursor: p.nextCursor }),
  (v, r): WithdrawalPage => {
    const o = r.object(v);
    const withdrawals = r
      .array(o.withdrawals, "withdrawals")
      .map((w, i) => parseWithdrawal(r, w, `withdrawals[${i}]`));
    const nextCursor = o.nextCursor === null ? null : r.string(o.nextCursor, "nextCursor");
    return { withdrawals, nextCursor };
  },
);

export function formatOutput(o: OutputInfo) {
  return {
    version: OUTPUT_VERSION_0,
    outputRoot: hex(o.outputRoot),
    blockRef: {
      number: quantity(o.block.number),
      hash: hex(o.block.hash),
      timestamp: quantity(o.block.timestamp),
    },
    stateRoot: hex(o.stateRoot),
    withdrawalsRoot: hex(o.withdrawalsRoot),
  };
}

export function parseOutput(r: JsonReader, v: unknown, path: string): OutputInfo {
  const o = r.object(v, path);
  if (o.version !== OUTPUT_VERSION_0) r.fail(at(path, "version"), "output version 0 (32 zero bytes)");
  const b = r.object(o.blockRef, at(path, "blockRef"));
  const out: OutputInfo = {
    outputRoot: r.data(o.outputRoot, at(path, "outputRoot"), 32),
    block: {
      number: r.quantity(b.number, at(path, "blockRef.number")),
      hash: r.data(b.hash, at(path, "blockRef.hash"), 32),
      timestamp: r.quantity(b.timestamp, at(path, "blockRef.timestamp")),
    },
    stateRoot: r.data(o.stateRoot, at(path, "stateRoot"), 32),
    withdrawalsRoot: r.data(o.withdrawalsRoot, at(path, "withdrawalsRoot"), 32),
  };
  const root = outputRoot(out.stateRoot, out.withdrawalsRoot, out.block.hash);
  if (Buffer.compare(root, out.outputRoot) !== 0) {
    r.fail(at(path, "outputRoot"), "keccak256(abi.encode(0, stateRoot, withdrawalsRoot, blockRef.hash))");
  }
  return out;
}

/** flops_outputAtBlock. */
export const outputResult = codec(formatOutput, (v, r) => parseOutput(r, v, "result"));

/** flops_getWithdrawalProof. */
export const withdrawalProofResult = codec(
  (p: WithdrawalProofInfo) => ({
    withdrawal: formatWithdrawal(p.withdrawal),
    output: formatOutput(p.output),
    proof: hex(p.proof),
  }),
  (v, r): WithdrawalProofInfo => {
    const o = r.object(v);
    const withdrawal = parseWithdrawal(r, o.withdrawal, "withdrawal");
    const output = parseOutput(r, o.output, "output");
    if (typeof o.proof !== "string" || o.proof.length > 2 + 2 * MAX_SMT_PROOF_BYTES) {
      r.fail("proof", `hex data of at most ${MAX_SMT_PROOF_BYTES} bytes`);
    }
    const proof = r.data(o.proof, "proof");
    if (withdrawal.l2BlockNumber > output.block.number) {
      r.fail("withdrawal.l2BlockNumber", "at most output.blockRef.number");
    }
    let ok = false;
    try {
      ok = verifySmtProof(
        output.withdrawalsRoot,
        withdrawalKey(withdrawal.index),
        withdrawalLeaf(withdrawal),
        decodeSmtProof(proof),
      );
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
    }
    if (!ok) r.fail("proof", "an SMT proof of the withdrawal under output.withdrawalsRoot");
    return { withdrawal, output, proof };
  },
);
