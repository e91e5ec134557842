/**
 * The operator node's signer (`flops node --mode operator`): for an L2 block number it signs the
 * docs/PROTOCOL.md §6 output message of the block *this node derived*, and only if that block was
 * derived from finalized L1 data (the driver's finalized L2 head, and the L1 block that decided it
 * at or below L1's finalized block). The caller names a block number, nothing else: the root and
 * the L1 block come from this node's own store, so no request can make it sign a root it did not
 * compute. Each (l2BlockNumber, l1BlockHash) is signed for one root only, ever: the journal
 * (signedOutputs.ts) is written and fsynced before a signature is returned.
 * @module
 */
import type { Address, Hex } from "viem";
import { bytesToHex } from "../../chain/bytes.ts";
import { outputRoot } from "../../chain/commitment/outputRoot.ts";
import type { OutputSignatureInfo } from "../../rpc/operatorResults.ts";
import type { DerivedFrom, StoredBlockData } from "../../store/chainStore.ts";
import { type BlsKeyPair, outputMessageHash, sign, toSolG1, toSolG2 } from "./bn254Bls.ts";
import type { SignedOutputs } from "./signedOutputs.ts";

export type { OutputSignatureInfo };

/** What the signer reads from its node: the finalized heads and the stored derivation. */
export interface FinalizedDerivation {
  /** The newest L2 block derived from L1 data at or below L1's finalized block, and that L1 block. */
  finalized(): { l2: bigint; l1: bigint } | undefined;
  getBlock(n: bigint): Pick<StoredBlockData, "block" | "hash"> | undefined;
  derivedFrom(n: bigint): DerivedFrom | undefined;
}

export interface OutputSignerOpts {
  key: BlsKeyPair;
  l1ChainId: bigint;
  l2ChainId: bigint;
  oracle: Address;
  /**
   * L2 blocks below the finalized head still signed (older requests answer null): bounds the
   * journal, which a caller could otherwise grow with one line per historical block.
   */
  keepBlocks: bigint;
}

const word = (v: bigint) => v.toString(16).padStart(64, "0");
const bytes = (hex: string) => new Uint8Array(Buffer.from(hex, "hex"));

function encodeG1(p: { x: bigint; y: bigint }): Uint8Array {
  return bytes(word(p.x) + word(p.y));
}

function encodeG2(p: { x: readonly [bigint, bigint]; y: readonly [bigint, bigint] }): Uint8Array {
  return bytes(word(p.x[0]) + word(p.x[1]) + word(p.y[0]) + word(p.y[1]));
}

export class OutputSigner {
  private readonly pubkeyG2: Uint8Array;
  // Signatures are deterministic; the cache spares a scalar multiplication per repeated request.
  private readonly cache = new Map<bigint, OutputSignatureInfo>();

  constructor(
    private readonly o: OutputSignerOpts,
    private readonly m: {
      source: FinalizedDerivation;
      journal: SignedOutputs;
      /** The L1 address that owns this key in the registry; undefined until it has registered. */
      operator(): Promise<Address | undefined>;
      log: { error(o: object, msg?: string): void };
    },
  ) {
    this.pubkeyG2 = encodeG2(toSolG2(o.key.pubkeyG2));
  }

  /** The signature for L2 block `n`, or undefined if this node may not sign it (yet, or ever). */
  async signatureFor(n: bigint): Promise<OutputSignatureInfo | undefined> {
    if (n < 1n) return undefined;
    const f = this.m.source.finalized();
    if (f === undefined || n > f.l2 || n + this.o.keepBlocks < f.l2) return undefined;
    const from = this.m.source.derivedFrom(n);
    const b = this.m.source.getBlock(n);
    // Derived from L1, and decided by a finalized L1 block: no L1 reorg can take it back.
    if (from === undefined || b === undefined || from.l1Number > f.l1) return undefined;
    const h = b.block.header;
    const root = outputRoot(h.stateRoot, h.withdrawalsRoot, b.hash);
    const cached = this.cache.get(n);
    if (
      cached &&
      bytesToHex(cached.outputRoot) === bytesToHex(root) &&
      bytesToHex(cached.l1BlockHash) === bytesToHex(from.l1Hash)
    )
      return cached;
    const operator = await this.m.operator();
    if (operator === undefined) return undefined;
    const l1Hash = bytesToHex(from.l1Hash) as Hex;
    const rootHex = bytesToHex(root) as Hex;
    if (!this.m.journal.record(n, l1Hash, rootHex)) {
      this.m.log.error(
        { l2Block: String(n), l1Hash, root: rootHex, signed: this.m.journal.rootFor(n, l1Hash) },
        "refusing to sign: another root was signed for this L2 block and L1 block (equivocation)",
      );
      return undefined;
    }
    const digest = outputMessageHash({
      l1ChainId: this.o.l1ChainId,
      outputOracle: this.o.oracle,
      l2ChainId: this.o.l2ChainId,
      l2BlockNumber: n,
      outputRoot: rootHex,
      l1BlockHash: l1Hash,
    });
    const out: OutputSignatureInfo = {
      l2BlockNumber: n,
      outputRoot: root,
      l1BlockHash: from.l1Hash,
      l1BlockNumber: from.l1Number,
      signature: encodeG1(toSolG1(sign(this.o.key.secretKey, digest))),
      pubkeyG2: this.pubkeyG2,
      operator: bytes(operator.slice(2)),
    };
    this.cache.set(n, out);
    if (this.cache.size > 256) this.cache.delete(this.cache.keys().next().value as bigint);
    return out;
  }
}
