/**
 * Codecs of signed transactions: TxBody (what the sender signs) and Tx {body bytes, signature}.
 * The body travels as bytes inside Tx so the signing hash and the tx id cover exact bytes, never
 * a re-encoding (PROTOCOL §5).
 * @module
 */
import { DecodeError } from "../errors.ts";
import { keccak256 } from "../hash.ts";
import type { Action, SignedTx, TxBody } from "../types.ts";
import {
  ADDRESS_BYTES,
  amountFromPb,
  amountToPb,
  decodeCanonical,
  EncodeError,
  encodeMessage,
  fixedFromPb,
  fixedToPb,
  HASH_BYTES,
  type PbBytes,
  type PbLong,
  TX_SIGNATURE_BYTES,
  toPlainBytes,
  u32ToPb,
  u64FromPb,
  u64ToPb,
  varBytesFromPb,
  varBytesToPb,
} from "./codec.ts";
import { PB } from "./schema.ts";
import { txBodyByHand, txByHand } from "./signedTxByHand.ts";

// Shapes of the decoded protobufjs messages (absent message fields are null, absent scalars the
// shared defaults on the prototype).
interface PbTransferLike {
  to: PbBytes;
  amount: PbBytes;
}
interface PbTxBody {
  chainId: PbLong;
  nonce: PbLong;
  action?: string;
  register: object | null;
  challenge: { tier: number } | null;
  commit: { challengeId: PbLong; root: PbBytes } | null;
  reveal: { challengeId: PbLong; tiles: PbBytes; proof: PbBytes } | null;
  transfer: PbTransferLike | null;
  withdraw: PbTransferLike | null;
}
interface PbTx {
  body: PbBytes;
  signature: PbBytes;
}

const EMPTY_MESSAGE = Object.freeze({});

function actionToPb(a: Action): Record<string, unknown> {
  // Every action key is present (undefined when not chosen) so the encoder sees one object shape.
  const m: Record<string, unknown> = {
    register: undefined,
    challenge: undefined,
    commit: undefined,
    reveal: undefined,
    transfer: undefined,
    withdraw: undefined,
  };
  switch (a.kind) {
    case "register":
      m.register = EMPTY_MESSAGE;
      break;
    case "challenge":
      m.challenge = { tier: u32ToPb(a.tier, "TxBody.challenge.tier") };
      break;
    case "commit":
      m.commit = {
        challengeId: u64ToPb(a.challengeId, "Commit.challenge_id"),
        root: fixedToPb(a.root, HASH_BYTES, "Commit.root"),
      };
      break;
    case "reveal":
      m.reveal = {
        challengeId: u64ToPb(a.challengeId, "Reveal.challenge_id"),
        tiles: varBytesToPb(a.tiles, "Reveal.tiles"),
        proof: varBytesToPb(a.proof, "Reveal.proof"),
      };
      break;
    case "transfer":
      m.transfer = {
        to: fixedToPb(a.to, ADDRESS_BYTES, "Transfer.to"),
        amount: amountToPb(a.amount, "Transfer.amount"),
      };
      break;
    case "withdraw":
      m.withdraw = {
        to: fixedToPb(a.to, ADDRESS_BYTES, "Withdraw.to"),
        amount: amountToPb(a.amount, "Withdraw.amount"),
      };
      break;
    default:
      throw new EncodeError(`TxBody.action: unknown kind ${(a as { kind: unknown }).kind}`);
  }
  return m;
}

function txBodyToPb(body: TxBody): object {
  const m = actionToPb(body.action);
  m.chainId = u64ToPb(body.chainId, "TxBody.chain_id");
  m.nonce = u64ToPb(body.nonce, "TxBody.nonce");
  return m;
}

function actionFromPb(m: PbTxBody): Action {
  // `action` is protobufjs' oneof getter: the member set last in declaration order. Two members
  // on the wire decode here to one, and the re-encode then differs, so duplicates are rejected.
  switch (m.action) {
    case "register":
      return { kind: "register" };
    case "challenge":
      return { kind: "challenge", tier: m.challenge!.tier };
    case "commit": {
      const c = m.commit!;
      return {
        kind: "commit",
        challengeId: u64FromPb(c.challengeId),
        root: fixedFromPb(c.root, HASH_BYTES, "Commit.root"),
      };
    }
    case "reveal": {
      const r = m.reveal!;
      return {
        kind: "reveal",
        challengeId: u64FromPb(r.challengeId),
        tiles: varBytesFromPb(r.tiles),
        proof: varBytesFromPb(r.proof),
      };
    }
    case "transfer": {
      const t = m.transfer!;
      return {
        kind: "transfer",
        to: fixedFromPb(t.to, ADDRESS_BYTES, "Transfer.to"),
        amount: amountFromPb(t.amount, "Transfer.amount"),
      };
    }
    case "withdraw": {
      const t = m.withdraw!;
      return {
        kind: "withdraw",
        to: fixedFromPb(t.to, ADDRESS_BYTES, "Withdraw.to"),
        amount: amountFromPb(t.amount, "Withdraw.amount"),
      };
    }
    default:
      throw new DecodeError("TxBody: no action set", { type: "TxBody" });
  }
}

function txBodyFromPb(m: PbTxBody): TxBody {
  return { chainId: u64FromPb(m.chainId), nonce: u64FromPb(m.nonce), action: actionFromPb(m) };
}

/** Canonical bytes of a tx body: what the signing hash covers. */
export function encodeTxBody(body: TxBody): Uint8Array {
  return encodeMessage(PB.TxBody, txBodyToPb(body));
}

/** Decodes canonical TxBody bytes; throws DecodeError on anything else. Bytes fields are views into `bytes`. */
export function decodeTxBody(bytes: Uint8Array): TxBody {
  const plain = toPlainBytes(bytes, "TxBody");
  return txBodyByHand(plain) ?? decodeCanonical(PB.TxBody, "TxBody", plain, txBodyFromPb, txBodyToPb);
}

function txToPb(tx: { bodyBytes: Uint8Array; signature: Uint8Array }): object {
  return { body: tx.bodyBytes, signature: tx.signature };
}

/**
 * The raw signed tx. `bodyBytes` must be a canonical TxBody (it is decoded to check), so every
 * tx this builds also decodes.
 */
export function encodeSignedTx(bodyBytes: Uint8Array, signature: Uint8Array): Uint8Array {
  fixedToPb(signature, TX_SIGNATURE_BYTES, "Tx.signature");
  try {
    decodeTxBody(bodyBytes);
  } catch (e) {
    throw new EncodeError(`Tx.body: not a canonical TxBody (${(e as Error).message})`, {}, { cause: e });
  }
  return encodeMessage(PB.Tx, txToPb({ bodyBytes, signature }));
}

interface TxParts {
  bodyBytes: Uint8Array;
  signature: Uint8Array;
  body: TxBody;
}

function txFromPb(m: PbTx, decodeBody: (b: Uint8Array) => TxBody = decodeTxBody): TxParts {
  if (m.body.length === 0) throw new DecodeError("Tx.body: missing", { field: "Tx.body" });
  const bodyBytes = m.body as Uint8Array;
  const signature = fixedFromPb(m.signature, TX_SIGNATURE_BYTES, "Tx.signature");
  return { bodyBytes, signature, body: decodeBody(bodyBytes) };
}

/** decodeTxBody through protobufjs alone (the reference the hand path is tested against). */
export function decodeTxBodyPb(bytes: Uint8Array): TxBody {
  return decodeCanonical(PB.TxBody, "TxBody", bytes, txBodyFromPb, txBodyToPb);
}

/** decodeSignedTx through protobufjs alone, body included (the hand path's reference). */
export function decodeSignedTxPb(raw: Uint8Array): SignedTx {
  const bytes = toPlainBytes(raw, "Tx");
  return signedTx(
    bytes,
    decodeCanonical(PB.Tx, "Tx", bytes, (m: PbTx) => txFromPb(m, decodeTxBodyPb), txToPb),
  );
}

/** The SignedTx of decoded parts: `raw` the exact bytes, `hash` their keccak256. */
function signedTx(bytes: Uint8Array, parts: TxParts): SignedTx {
  return {
    body: parts.body,
    bodyBytes: parts.bodyBytes,
    signature: parts.signature,
    raw: bytes,
    hash: keccak256(bytes),
  };
}

/**
 * Decodes a raw signed tx: `raw` and `bodyBytes` are the exact bytes received (views, no copy),
 * `hash` = keccak256(raw). Does not check the signature (chain/tx does).
 */
export function decodeSignedTx(raw: Uint8Array): SignedTx {
  const bytes = toPlainBytes(raw, "Tx");
  // The canonical shape by hand (signedTxByHand.ts); anything else through protobufjs, which
  // gives the same value or says what is wrong.
  return signedTx(bytes, txByHand(bytes) ?? decodeCanonical(PB.Tx, "Tx", bytes, txFromPb, txToPb));
}
