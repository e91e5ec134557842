// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title ChaCha20
/// @notice The RFC 8439 §2.3 block function, as docs/PROTOCOL.md Appendix C §3.B uses it (the PRG of
///         the work matrices and the sample positions), for EVM re-checks of one sample.
/// @dev Layout ("packed"): the 16-word state is four 256-bit words, one per state row (a = words
///      0-3, b = 4-7, c = 8-11, d = 12-15). Each u32 sits in the low half of a 64-bit lane, lane l
///      at bits [64l, 64l+32), so one ADD/XOR/shift runs the four quarter rounds of a column (or a
///      diagonal) at once, and the spare 32 bits of each lane catch the carries of an add and the
///      bits a rotate shifts out. The diagonal round rotates the lanes of b, c, d and back.
///      A "mirrored" block holds word 3-l in lane l instead: the same rounds with the lane rotations
///      turned the other way. The dot product (ComputeSample) multiplies a normal A block by a
///      mirrored B block: a 4-lane polynomial product then sums the lane-wise products in its top
///      lane, so the B block never needs reversing. Nothing here serializes to bytes unless asked.
library ChaCha20 {
    /// @dev "expand 32-byte k" as packed lanes, normal and mirrored order.
    uint256 internal constant SIGMA = 0x000000006b2065740000000079622d32000000003320646e0000000061707865;
    uint256 internal constant SIGMA_MIRRORED =
        0x0000000061707865000000003320646e0000000079622d32000000006b206574;
    /// @dev One bit per u32 lane: the low 32 bits of each 64-bit lane.
    uint256 internal constant LANES = 0x00000000ffffffff00000000ffffffff00000000ffffffff00000000ffffffff;

    /// @notice The key's eight u32le words as the packed b and c rows (normal lane order).
    function keyRows(bytes32 key) internal pure returns (uint256 b, uint256 c) {
        for (uint256 i = 0; i < 4; i++) {
            b |= _wordLe(key, i) << (64 * i);
            c |= _wordLe(key, i + 4) << (64 * i);
        }
    }

    /// @notice The same rows in mirrored lane order.
    function keyRowsMirrored(bytes32 key) internal pure returns (uint256 b, uint256 c) {
        for (uint256 i = 0; i < 4; i++) {
            b |= _wordLe(key, i) << (64 * (3 - i));
            c |= _wordLe(key, i + 4) << (64 * (3 - i));
        }
    }

    /// @notice Row d (counter, nonce words) for a 12-byte nonce, normal lane order; the counter
    ///         goes in lane 0 (add it to the result: `d | counter`).
    function nonceRow(bytes12 nonce) internal pure returns (uint256 d) {
        bytes32 n = bytes32(nonce);
        for (uint256 i = 0; i < 3; i++) {
            d |= _wordLe(n, i) << (64 * (i + 1));
        }
    }

    /// @notice The block for the packed input rows (b, c, d) in normal lane order.
    function blockPacked(uint256 b, uint256 c, uint256 d)
        internal
        pure
        returns (uint256, uint256, uint256, uint256)
    {
        return _block(SIGMA, b, c, d, 64, 192);
    }

    /// @notice The block for rows in mirrored lane order (output mirrored too).
    function blockMirrored(uint256 b, uint256 c, uint256 d)
        internal
        pure
        returns (uint256, uint256, uint256, uint256)
    {
        return _block(SIGMA_MIRRORED, b, c, d, 192, 64);
    }

    /// @notice u32 word w (0..15) of a normal packed block: keystream bytes [4w, 4w+4) as u32le.
    function word(uint256 x0, uint256 x1, uint256 x2, uint256 x3, uint256 w) internal pure returns (uint256) {
        uint256 row = w < 8 ? (w < 4 ? x0 : x1) : (w < 12 ? x2 : x3);
        return (row >> (64 * (w & 3))) & 0xffffffff;
    }

    /// @notice The 64 keystream bytes of a normal packed block (RFC 8439 serialization).
    function toBytes(uint256 x0, uint256 x1, uint256 x2, uint256 x3) internal pure returns (bytes memory out) {
        out = new bytes(64);
        for (uint256 w = 0; w < 16; w++) {
            uint256 v = word(x0, x1, x2, x3, w);
            for (uint256 q = 0; q < 4; q++) {
                out[4 * w + q] = bytes1(uint8(v >> (8 * q)));
            }
        }
    }

    /// @dev u32le of key bytes [4i, 4i+4).
    function _wordLe(bytes32 key, uint256 i) private pure returns (uint256 v) {
        uint256 be = (uint256(key) >> (224 - 32 * i)) & 0xffffffff;
        v = ((be & 0xff) << 24) | ((be & 0xff00) << 8) | ((be >> 8) & 0xff00) | (be >> 24);
    }

    /// @dev 20 rounds plus the feed-forward. (s, t) = (64, 192) turns the diagonal lane rotation
    ///      for normal order, (192, 64) for mirrored. The return slots double as the working rows to
    ///      keep the stack shallow. Every add is masked back to 32 bits before the next step reads it.
    ///      A rotate left by r is one expression with its operand read once: mul by 2^32 + 1 copies
    ///      each lane's u32 into its upper half (no carries: the halves do not overlap), shr(32 − r)
    ///      brings bits [32 − r, 64 − r) down, which is x rotated by r, and the mask drops the rest.
    function _block(uint256 a0, uint256 b0, uint256 c0, uint256 d0, uint256 s, uint256 t)
        private
        pure
        returns (uint256 a, uint256 b, uint256 c, uint256 d)
    {
        assembly ("memory-safe") {
            let m := LANES
            let dup := 0x100000001
            a := a0
            b := b0
            c := c0
            d := d0
            for { let i := 0 } lt(i, 10) { i := add(i, 1) } {
                // Column round: QR(0,4,8,12) … QR(3,7,11,15), one per lane.
                a := and(add(a, b), m)
                d := and(shr(16, mul(xor(d, a), dup)), m)
                c := and(add(c, d), m)
                b := and(shr(20, mul(xor(b, c), dup)), m)
                a := and(add(a, b), m)
                d := and(shr(24, mul(xor(d, a), dup)), m)
                c := and(add(c, d), m)
                b := and(shr(25, mul(xor(b, c), dup)), m)
                // Diagonal round: lane i of b, c, d takes word i+1, i+2, i+3 of its row.
                b := or(shr(s, b), shl(t, b))
                c := or(shr(128, c), shl(128, c))
                d := or(shl(s, d), shr(t, d))
                a := and(add(a, b), m)
                d := and(shr(16, mul(xor(d, a), dup)), m)
                c := and(add(c, d), m)
                b := and(shr(20, mul(xor(b, c), dup)), m)
                a := and(add(a, b), m)
                d := and(shr(24, mul(xor(d, a), dup)), m)
                c := and(add(c, d), m)
                b := and(shr(25, mul(xor(b, c), dup)), m)
                b := or(shl(s, b), shr(t, b))
                c := or(shr(128, c), shl(128, c))
                d := or(shr(s, d), shl(t, d))
            }
            a := and(add(a, a0), m)
            b := and(add(b, b0), m)
            c := and(add(c, c0), m)
            d := and(add(d, d0), m)
        }
    }
}
