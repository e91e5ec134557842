/**
 * The state commitment: a compact binary sparse Merkle tree (sha256) with compressed proofs.
 * See chain/smt/README.md for the hashing rules, storage layout and proof format.
 * @module
 */
export { keyBit, SMT_EMPTY_ROOT, smtInternalHash, smtLeafHash } from "./smtHash.ts";
export { SmtNodeCache } from "./smtNodeCache.ts";
export type { SmtProof } from "./smtProof.ts";
export { decodeSmtProof, encodeSmtProof, smtRootFromProof, verifySmtProof } from "./smtProof.ts";
export type { SmtChange } from "./sparseMerkleTree.ts";
export { SparseMerkleTree } from "./sparseMerkleTree.ts";
