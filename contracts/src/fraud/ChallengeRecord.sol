// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice The fields of a challenge state record (flops.v1.Challenge, chain/wire/challenge.ts) an
///         invalid-compute proof needs.
struct ChallengeFields {
    uint64 id;
    address node;
    uint32 tier;
    /// flops.v1.ChallengeStatus: 5 = PASSED.
    uint8 status;
    uint64 r1;
    bytes r1Signature;
    bytes32 root;
    uint64 r2;
    bytes r2Signature;
    bytes32 openingsDigest;
    /// Which of node, r1Signature, root, r2Signature, openingsDigest were present (bits 0-4).
    uint8 present;
}

/// @title ChallengeRecord
/// @notice Reads the protobuf bytes of a challenge record (docs/PROTOCOL.md Appendix E: the SMT leaf
///         at sha256(0x03 ‖ u64be id) has value hash sha256(these bytes)).
/// @dev The chain writes records canonically (chain/wire/codec.ts): fields in ascending number, each
///      once. The reader insists on that (a field number not above the previous one is malformed),
///      so the bytes have one reading and protobuf's "last one wins" never applies. Only wire types
///      0 (varint) and 2 (length-delimited) occur in this message; anything else is malformed.
///      Fixed-size bytes must have their size. Fields it does not need are skipped by wire type.
library ChallengeRecord {
    uint8 internal constant STATUS_PASSED = 5;
    uint8 internal constant ALL_PRESENT = 0x1f;

    /// @notice `ok` is false for bytes that are not a canonical record of the expected shape.
    function decode(bytes calldata rec) internal pure returns (bool ok, ChallengeFields memory f) {
        uint256 pos = 0;
        uint256 last = 0;
        while (pos < rec.length) {
            uint256 tag;
            (ok, tag, pos) = _varint(rec, pos);
            if (!ok) return (false, f);
            uint256 field = tag >> 3;
            uint256 wire = tag & 7;
            if (field <= last) return (false, f);
            last = field;
            if (wire == 0) {
                uint256 v;
                (ok, v, pos) = _varint(rec, pos);
                if (!ok) return (false, f);
                if (field == 1) f.id = uint64(v);
                else if (field == 3) f.tier = uint32(v);
                else if (field == 4) f.status = uint8(v);
                else if (field == 7) f.r1 = uint64(v);
                else if (field == 12) f.r2 = uint64(v);
                if ((field == 3 && v > type(uint32).max) || (field == 4 && v > 8)) return (false, f);
            } else if (wire == 2) {
                uint256 len;
                (ok, len, pos) = _varint(rec, pos);
                if (!ok || len > rec.length - pos) return (false, f);
                bytes calldata b = rec[pos:pos + len];
                pos += len;
                if (field == 2) {
                    if (len != 20) return (false, f);
                    f.node = address(bytes20(b));
                    f.present |= 1;
                } else if (field == 8) {
                    if (len != 48) return (false, f);
                    f.r1Signature = b;
                    f.present |= 2;
                } else if (field == 11) {
                    if (len != 32) return (false, f);
                    f.root = bytes32(b);
                    f.present |= 4;
                } else if (field == 13) {
                    if (len != 48) return (false, f);
                    f.r2Signature = b;
                    f.present |= 8;
                } else if (field == 15) {
                    if (len != 32) return (false, f);
                    f.openingsDigest = bytes32(b);
                    f.present |= 16;
                }
            } else {
                return (false, f);
            }
        }
        return (true, f);
    }

    /// @notice The record's SMT key: sha256(0x03 ‖ u64be id) (namespace CHALLENGE).
    function key(uint64 id) internal pure returns (bytes32) {
        return sha256(abi.encodePacked(uint8(0x03), id));
    }

    /// @dev A protobuf varint (at most 10 bytes, value < 2^64) starting at `pos`.
    function _varint(bytes calldata b, uint256 pos) private pure returns (bool ok, uint256 v, uint256 next) {
        for (uint256 i = 0; i < 10; i++) {
            if (pos + i >= b.length) return (false, 0, pos);
            uint256 byt = uint8(b[pos + i]);
            v |= (byt & 0x7f) << (7 * i);
            if (byt & 0x80 == 0) return (v < (1 << 64), v, pos + i + 1);
        }
        return (false, 0, pos);
    }
}
