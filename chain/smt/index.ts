/**
 * The state commitment: a compact binary sparse Merkle tree (sha256) with compressed proofs.
 * See chain/smt/README.md for the hashing rules, storage layout and proof format.
 * @module
 */
export {
  commonPrefixBits,
  isEmptyHash,
  keyBit,
  SMT_EMPTY_ROOT,
  SMT_MAX_DEPTH,
  smtInternalHash,
  smtLeafHash,
} from "./smtHash.ts";
export { SMT_CACHE_DEFAULT_BITS, SmtNodeCache } from "./smtNodeCache.ts";
export type { SmtLeaf, SmtProof } from "./smtProof.ts";
export { decodeSmtProof, encodeSmtProof, verifySmtProof } from "./smtProof.ts";
export type { SmtChange, SmtOpts } from "./sparseMerkleTree.ts";
export { SMT_DEFAULT_PREFIX, SparseMerkleTree } from "./sparseMerkleTree.ts";
