// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ChaCha20} from "./ChaCha20.sol";

/// @title ComputeSample
/// @notice One sample of the reveal check of docs/PROTOCOL.md Appendix C, re-run on L1: the sample
///         positions (§3.G), the opened set, the multiproof root (§3.F) and one entry of C_j
///         recomputed from the seed (§3.C), exactly as chain/proof/{sample,tileTree,prg}.ts.
library ComputeSample {
    uint256 internal constant TILE_BYTES = 256;

    /// @notice The k sampled entry indexes e ∈ [0, m·n²) in draw order (tile = e >> 6, row =
    ///         (e >> 3) & 7, col = e & 7), drawn from the keystream of `sampleSeed` (nonce 0) as u64le
    ///         values with rejection of values ≥ 2^64 − (2^64 mod N).
    function samplePositions(bytes32 sampleSeed, uint256 n, uint256 m, uint256 k)
        internal
        pure
        returns (uint256[] memory entries)
    {
        uint256 entryCount = m * n * n;
        // 2^64 mod N without 2^64 itself overflowing anything (N ≤ 2^50 for every valid tier).
        uint256 limit = (1 << 64) - ((1 << 64) % entryCount);
        (uint256 kb, uint256 kc) = ChaCha20.keyRows(sampleSeed);
        entries = new uint256[](k);
        uint256[4] memory blk;
        uint256 draw = 0;
        for (uint256 s = 0; s < k; draw++) {
            uint256 q = draw & 7;
            if (q == 0) (blk[0], blk[1], blk[2], blk[3]) = ChaCha20.blockPacked(kb, kc, draw >> 3);
            // Draw q = keystream words 2q (low half) and 2q+1: lanes 2(q&1), 2(q&1)+1 of row q>>1.
            uint256 row = blk[q >> 1] >> (128 * (q & 1));
            uint256 v = (row & 0xffffffff) | (((row >> 64) & 0xffffffff) << 32);
            if (v < limit) entries[s++] = v % entryCount;
        }
    }

    /// @notice The opened set: distinct tiles of `entries`, ascending.
    /// @dev Insertion sort that drops duplicates (k ≤ 64 in every tier), in assembly: Solidity's
    ///      bounds-checked element moves made this cost more than the whole multiproof.
    function openedTiles(uint256[] memory entries) internal pure returns (uint256[] memory tiles) {
        uint256 count = entries.length;
        tiles = new uint256[](count);
        assembly ("memory-safe") {
            let data := add(tiles, 0x20)
            let src := add(entries, 0x20)
            let len := 0
            for { let s := 0 } lt(s, count) { s := add(s, 1) } {
                let t := shr(6, mload(add(src, shl(5, s))))
                // Find the first slot i whose tile is ≥ t (scanning down from the end).
                let i := len
                for {} gt(i, 0) {} {
                    if iszero(gt(mload(add(data, shl(5, sub(i, 1)))), t)) { break }
                    i := sub(i, 1)
                }
                let dup := 0
                if gt(i, 0) { dup := eq(mload(add(data, shl(5, sub(i, 1)))), t) }
                if iszero(dup) {
                    for { let x := len } gt(x, i) { x := sub(x, 1) } {
                        mstore(add(data, shl(5, x)), mload(add(data, shl(5, sub(x, 1)))))
                    }
                    mstore(add(data, shl(5, i)), t)
                    len := add(len, 1)
                }
            }
            mstore(tiles, len)
        }
    }

    /// @notice Slot of `tile` in the ascending opened set (it must be there).
    function slotOf(uint256[] memory opened, uint256 tile) internal pure returns (uint256 lo) {
        uint256 hi = opened.length;
        while (lo < hi) {
            uint256 mid = (lo + hi) >> 1;
            if (opened[mid] < tile) lo = mid + 1;
            else hi = mid;
        }
    }

    /// @notice The root implied by the opened tiles (256 bytes each, ascending) and a canonical
    ///      multiproof; `ok` is false unless the proof holds exactly the hashes the walk consumes
    ///      (so a proof of the wrong length is rejected, as multiproofSize does in TypeScript).
    /// @dev Level by level in place, as chain/proof/tileTree.ts rootFromMultiproof: a known even
    ///      node whose right neighbour is known too merges with it, every other node takes its
    ///      sibling from the proof, in proof order. In assembly: hundreds of hashes at the production
    ///      tiers, and Solidity's checked array accesses cost more than the sha256 calls.
    function multiproofRoot(uint256[] memory opened, bytes calldata tiles, bytes calldata proof, uint256 depth)
        internal
        view
        returns (bool ok, bytes32 root)
    {
        uint256 cnt = opened.length;
        if (cnt == 0 || tiles.length != cnt * TILE_BYTES) return (false, bytes32(0));
        assembly ("memory-safe") {
            // ids[cnt], hs[cnt], then a 288-byte buffer for the prefixed hash inputs.
            let ids := mload(0x40)
            let hs := add(ids, shl(5, cnt))
            let buf := add(hs, shl(5, cnt))
            mstore(0x40, add(buf, 0x120))
            for { let i := 0 } lt(i, cnt) { i := add(i, 1) } {
                mstore(add(ids, shl(5, i)), mload(add(add(opened, 0x20), shl(5, i))))
                mstore8(buf, 0)
                calldatacopy(add(buf, 1), add(tiles.offset, shl(8, i)), 256)
                if iszero(staticcall(gas(), 0x02, buf, 257, add(hs, shl(5, i)), 0x20)) { revert(0, 0) }
            }
            function walk(ids_, hs_, buf_, cnt_, depth_, p, end) -> good, r {
                for { let h := 0 } lt(h, depth_) { h := add(h, 1) } {
                    let w := 0
                    for { let t := 0 } lt(t, cnt_) { t := add(t, 1) } {
                        let i := mload(add(ids_, shl(5, t)))
                        mstore8(buf_, 1)
                        // (Yul's `and` evaluates both sides: ids_[cnt_] is hs_[0], read and ignored.)
                        switch and(and(iszero(and(i, 1)), lt(add(t, 1), cnt_)), eq(mload(add(ids_, shl(5, add(t, 1)))), add(i, 1)))
                        case 1 {
                            mstore(add(buf_, 1), mload(add(hs_, shl(5, t))))
                            mstore(add(buf_, 33), mload(add(hs_, shl(5, add(t, 1)))))
                            t := add(t, 1)
                        }
                        default {
                            if gt(add(p, 32), end) { leave }
                            switch and(i, 1)
                            case 0 {
                                mstore(add(buf_, 1), mload(add(hs_, shl(5, t))))
                                mstore(add(buf_, 33), calldataload(p))
                            }
                            default {
                                mstore(add(buf_, 1), calldataload(p))
                                mstore(add(buf_, 33), mload(add(hs_, shl(5, t))))
                            }
                            p := add(p, 32)
                        }
                        if iszero(staticcall(gas(), 0x02, buf_, 65, add(hs_, shl(5, w)), 0x20)) { revert(0, 0) }
                        mstore(add(ids_, shl(5, w)), shr(1, i))
                        w := add(w, 1)
                    }
                    cnt_ := w
                }
                good := eq(p, end)
                r := mload(hs_)
            }
            ok, root := walk(ids, hs, buf, cnt, depth, proof.offset, add(proof.offset, proof.length))
        }
    }

    /// @notice Entry (row, col) of the tile in slot `slot` of `tiles`, as int32 (little-endian).
    function tileEntry(bytes calldata tiles, uint256 slot, uint256 row, uint256 col) internal pure returns (int256) {
        uint256 o = slot * TILE_BYTES + (row * 8 + col) * 4;
        uint32 v = uint32(uint8(tiles[o])) | (uint32(uint8(tiles[o + 1])) << 8)
            | (uint32(uint8(tiles[o + 2])) << 16) | (uint32(uint8(tiles[o + 3])) << 24);
        return int256(int32(v));
    }

    /// @notice C_j[r][c] = Σ_x A_j[r][x]·B_j[x][c] from the seed (§3.C): row r of A_j is bytes
    ///         [r·n, (r+1)·n) of the stream with nonce (0, j, 0), column c of B_j the same range (c)
    ///         of the stream with nonce (1, j, 0), each byte an int8.
    function entry(bytes32 seed, uint256 n, uint256 j, uint256 r, uint256 c) internal pure returns (int256) {
        return n >= 64 ? _entryBlocks(seed, n, j, r, c) : _entryBytes(seed, n, j, r, c);
    }

    /// @dev n ≥ 64: row and column are whole blocks [r·n/64, (r+1)·n/64), block t of the row paired
    ///      byte for byte with block t of the column. A normal A block times a mirrored B block gives
    ///      the 16-byte-lane dot products (see _fold). Bytes are biased to unsigned (b ^ 0x80 = b + 128
    ///      as int8) so no lane ever goes negative: Σ a·b = Σ (ua−128)(ub−128)
    ///      = Σ ua·ub − 128·(Σ ua + Σ ub) + 16384·n.
    function _entryBlocks(bytes32 seed, uint256 n, uint256 j, uint256 r, uint256 c)
        private
        pure
        returns (int256)
    {
        uint256 blocks = n >> 6;
        // [A key rows b, c; mirrored B key rows b, c; A row d; B row d (mirrored)].
        uint256[6] memory k;
        (k[0], k[1]) = ChaCha20.keyRows(seed);
        (k[2], k[3]) = ChaCha20.keyRowsMirrored(seed);
        k[4] = (r * blocks) | (j << 128);
        k[5] = ((c * blocks) << 192) | (1 << 128) | (j << 64);
        uint256[4] memory a;
        uint256 prod = 0;
        uint256 sums = 0;
        for (uint256 t = 0; t < blocks; t++) {
            (a[0], a[1], a[2], a[3]) = ChaCha20.blockPacked(k[0], k[1], k[4] + t);
            (uint256 y0, uint256 y1, uint256 y2, uint256 y3) = ChaCha20.blockMirrored(k[2], k[3], k[5] + (t << 192));
            (prod, sums) = _fold(prod, sums, a, y0, y1, y2, y3);
        }
        uint256 uu = prod >> 192;
        uint256 su = (sums & 0xffffffffffffffff) + ((sums >> 64) & 0xffffffffffffffff)
            + ((sums >> 128) & 0xffffffffffffffff) + (sums >> 192);
        return int256(uu) - 128 * int256(su) + 16384 * int256(n);
    }

    /// @dev Adds one block pair to the accumulators. For byte q of each lane: aq, bq hold one
    ///      unsigned byte per 64-bit lane (B mirrored), and mul(aq, bq) has Σ_l aq[l]·bq[3−l] in its
    ///      top lane: the lane-wise products summed. The lower lanes collect cross terms that never
    ///      carry into the top one (each < 2^64 for n < 2^17); `sums` collects Σ ua + Σ ub per lane.
    function _fold(uint256 prod, uint256 sums, uint256[4] memory a, uint256 y0, uint256 y1, uint256 y2, uint256 y3)
        private
        pure
        returns (uint256, uint256)
    {
        assembly ("memory-safe") {
            function lanes(p, s, x, y) -> p2, s2 {
                let bias := 0x0000000080808080000000008080808000000000808080800000000080808080
                let lo := 0x00000000000000ff00000000000000ff00000000000000ff00000000000000ff
                x := xor(x, bias)
                y := xor(y, bias)
                let u0 := and(x, lo)
                let v0 := and(y, lo)
                let u1 := and(shr(8, x), lo)
                let v1 := and(shr(8, y), lo)
                let u2 := and(shr(16, x), lo)
                let v2 := and(shr(16, y), lo)
                let u3 := shr(24, x)
                let v3 := shr(24, y)
                // Byte 3 of each u32; the mask also clears what the shift brought down from the lane above.
                u3 := and(u3, lo)
                v3 := and(v3, lo)
                p2 := add(add(add(p, mul(u0, v0)), add(mul(u1, v1), mul(u2, v2))), mul(u3, v3))
                s2 := add(s, add(add(add(u0, v0), add(u1, v1)), add(add(u2, v2), add(u3, v3))))
            }
            prod, sums := lanes(prod, sums, mload(a), y0)
            prod, sums := lanes(prod, sums, mload(add(a, 0x20)), y1)
            prod, sums := lanes(prod, sums, mload(add(a, 0x40)), y2)
            prod, sums := lanes(prod, sums, mload(add(a, 0x60)), y3)
        }
        return (prod, sums);
    }

    /// @dev n < 64 (test tiers): rows share blocks; row r starts at byte (r·n mod 64) of block
    ///      ⌊r·n/64⌋. Plain byte loop over the serialized blocks.
    function _entryBytes(bytes32 seed, uint256 n, uint256 j, uint256 r, uint256 c) private pure returns (int256 sum) {
        bytes memory ra = _blockBytes(seed, ((r * n) >> 6) | (j << 128));
        bytes memory cb = _blockBytes(seed, ((c * n) >> 6) | (1 << 64) | (j << 128));
        uint256 oa = (r * n) & 63;
        uint256 ob = (c * n) & 63;
        for (uint256 x = 0; x < n; x++) {
            sum += int256(int8(uint8(ra[oa + x]))) * int256(int8(uint8(cb[ob + x])));
        }
    }

    /// @dev The 64 bytes of one block of the seed's stream; `d` = counter | nonce words (packed row d).
    function _blockBytes(bytes32 seed, uint256 d) private pure returns (bytes memory) {
        (uint256 kb, uint256 kc) = ChaCha20.keyRows(seed);
        (uint256 x0, uint256 x1, uint256 x2, uint256 x3) = ChaCha20.blockPacked(kb, kc, d);
        return ChaCha20.toBytes(x0, x1, x2, x3);
    }
}
