// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title SmtVerifier
/// @notice Verifies compressed proofs of the compact binary sparse Merkle tree of docs/PROTOCOL.md
///         Appendix D (chain/smt/smtProof.ts), bit for bit: it accepts exactly the byte strings that
///         `verifySmtProof(root, key, valueHash | null, decodeSmtProof(bytes))` accepts.
/// @dev Hashing (sha256, the 0x02 precompile):
///      empty subtree = 0x00 * 32; leaf = sha256(0x00 ‖ key ‖ valueHash); internal = sha256(0x01 ‖ left ‖ right).
///      Wire form, integers big-endian:
///      flags u8 (bit 0: an other-leaf follows) ‖ depth u16 (0..256) ‖ bitmap ceil(depth/8) bytes
///      (bit d = byte d>>3, mask 0x80>>(d&7): sibling at depth d is non-empty; padding bits 0) ‖
///      the non-empty siblings, 32 bytes each, top-down ‖ key(32) ‖ valueHash(32) when flags bit 0.
///      Canonical: no zero sibling listed, no padding bits, exact length; anything else is false.
///      The walk is bottom-up, reading the siblings backwards from the end. Never reverts on bad input.
library SmtVerifier {
    /// @notice True iff `proof` proves that `key` maps to `valueHash` under `root`.
    function verifyInclusion(bytes32 root, bytes32 key, bytes32 valueHash, bytes calldata proof)
        internal
        view
        returns (bool)
    {
        return _verify(root, key, valueHash, true, proof);
    }

    /// @notice True iff `proof` proves that `key` is absent under `root` (the path ends at an empty
    ///         subtree, or at the leaf of another key that shares the path so far).
    function verifyExclusion(bytes32 root, bytes32 key, bytes calldata proof) internal view returns (bool) {
        return _verify(root, key, bytes32(0), false, proof);
    }

    function _verify(bytes32 root, bytes32 key, bytes32 valueHash, bool inclusion, bytes calldata proof)
        private
        view
        returns (bool)
    {
        (bool ok, bool hasLeaf, uint256 depth, uint256 bitmap, uint256 siblingsEnd) = _header(proof);
        // Inclusion never carries an other-leaf (as verifySmtProof: a valueHash with a leaf is false).
        if (!ok || (inclusion && hasLeaf)) return false;
        bytes32 cur;
        if (inclusion) {
            cur = _hash(0x00, key, valueHash);
        } else if (hasLeaf) {
            (ok, cur) = _otherLeaf(key, depth, siblingsEnd);
            if (!ok) return false;
        }
        // else: the path ends at an empty subtree, whose hash is 0.
        (ok, cur) = _walk(cur, key, depth, bitmap, siblingsEnd);
        return ok && cur == root;
    }

    /// @dev Parses and checks the header: flags, depth, bitmap (padding bits 0) and the exact length.
    ///      Returns the bitmap left-aligned in a word (bit d = bit 255-d) and the calldata offset
    ///      where the siblings end (where the other leaf starts, if any).
    function _header(bytes calldata proof)
        private
        pure
        returns (bool ok, bool hasLeaf, uint256 depth, uint256 bitmap, uint256 siblingsEnd)
    {
        uint256 len = proof.length;
        if (len < 3) return (false, false, 0, 0, 0);
        uint256 flags = uint8(proof[0]);
        if (flags > 1) return (false, false, 0, 0, 0);
        depth = (uint256(uint8(proof[1])) << 8) | uint256(uint8(proof[2]));
        if (depth > 256) return (false, false, 0, 0, 0);
        uint256 bitmapLen = (depth + 7) >> 3;
        if (len < 3 + bitmapLen) return (false, false, 0, 0, 0);
        uint256 base;
        assembly ("memory-safe") {
            base := proof.offset
            bitmap := calldataload(add(base, 3))
        }
        unchecked {
            // Keep the bitmap's own bytes (a 256-deep bitmap is exactly one word); the bits past
            // `depth` are padding and must be 0. Shifts by 256 give 0 in Solidity.
            bitmap &= ~(type(uint256).max >> (bitmapLen * 8));
            if (bitmap & (type(uint256).max >> depth) != 0) return (false, false, 0, 0, 0);
            uint256 count;
            for (uint256 x = bitmap; x != 0; x &= x - 1) ++count;
            if (len != 3 + bitmapLen + 32 * count + 64 * flags) return (false, false, 0, 0, 0);
            return (true, flags == 1, depth, bitmap, base + 3 + bitmapLen + 32 * count);
        }
    }

    /// @dev The other leaf of an exclusion proof (key ‖ valueHash at `at`): it must be another key
    ///      sharing the first `depth` bits of `key` (at depth 256 no other key can).
    function _otherLeaf(bytes32 key, uint256 depth, uint256 at) private view returns (bool, bytes32) {
        bytes32 otherKey;
        bytes32 otherValue;
        assembly ("memory-safe") {
            otherKey := calldataload(at)
            otherValue := calldataload(add(at, 32))
        }
        uint256 diff = uint256(otherKey ^ key);
        if (diff == 0 || (depth != 0 && diff >> (256 - depth) != 0)) return (false, bytes32(0));
        return (true, _hash(0x00, otherKey, otherValue));
    }

    /// @dev Hashes `cur` up from depth `depth` to the root, reading the non-empty siblings backwards
    ///      from `ptr`; false if a listed sibling is zero (non-canonical).
    function _walk(bytes32 cur, bytes32 key, uint256 depth, uint256 bitmap, uint256 ptr)
        private
        view
        returns (bool, bytes32)
    {
        unchecked {
            uint256 k = uint256(key);
            for (uint256 d = depth; d != 0;) {
                --d;
                bytes32 sib;
                if ((bitmap >> (255 - d)) & 1 == 1) {
                    ptr -= 32;
                    assembly ("memory-safe") {
                        sib := calldataload(ptr)
                    }
                    if (sib == bytes32(0)) return (false, bytes32(0));
                }
                cur = (k >> (255 - d)) & 1 == 0 ? _hash(0x01, cur, sib) : _hash(0x01, sib, cur);
            }
            return (true, cur);
        }
    }

    /// @dev sha256(tag ‖ a ‖ b) through the precompile, with the 65-byte preimage built past the
    ///      free memory pointer (scratch, never allocated) and the digest in scratch slot 0.
    function _hash(uint256 tag, bytes32 a, bytes32 b) private view returns (bytes32 h) {
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore8(p, tag)
            mstore(add(p, 1), a)
            mstore(add(p, 33), b)
            if iszero(staticcall(gas(), 0x02, p, 65, 0x00, 0x20)) { revert(0, 0) }
            h := mload(0x00)
        }
    }
}
