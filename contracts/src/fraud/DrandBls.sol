// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title DrandBls
/// @notice Verifies a drand round of scheme `bls-unchained-g1-rfc9380` (docs/PROTOCOL.md §2,
///         chain/beacon/verifyBeaconRound.ts) with the BLS12-381 precompiles of EIP-2537:
///         message = sha256(u64be round), H = hash_to_curve_G1(message) (RFC 9380, SSWU, random
///         oracle, DST below), valid iff e(sig, −g2)·e(H, pk) = 1.
/// @dev hash_to_curve = expand_message_xmd(sha256, 128 bytes) → two field elements (each 64 bytes
///      reduced mod p by the modexp precompile with exponent 1) → MAP_FP_TO_G1 twice (the precompile
///      maps, applies the isogeny and clears the cofactor, which is linear, so the sum of the two
///      maps is the RFC's clear_cofactor(Q0 + Q1)) → G1ADD. The 48-byte signature is compressed
///      (ZCash flags in the top 3 bits); the caller supplies its y, which is checked against the
///      sign flag and is unique for x once the precompile has checked the point is on the curve and
///      in the subgroup (PAIRING_CHECK does both). Points use the EIP-2537 encoding: each base
///      field element 64 bytes (16 zero bytes ‖ 48 big-endian), Fp2 = c0 ‖ c1, G1 = x ‖ y (128 bytes),
///      G2 = x ‖ y (256 bytes).
library DrandBls {
    bytes internal constant DST = "BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_";

    // The base field modulus p, split 16 ‖ 32 bytes, and (p−1)/2 (the sign threshold).
    uint256 private constant P_HI = 0x1a0111ea397fe69a4b1ba7b6434bacd7;
    uint256 private constant P_LO = 0x64774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab;
    uint256 private constant HALF_HI = 0x0d0088f51cbff34d258dd3db21a5d66b;
    uint256 private constant HALF_LO = 0xb23ba5c279c2895fb39869507b587b120f55ffff58a9ffffdcff7fffffffd555;

    address private constant G1ADD = address(0x0b);
    address private constant PAIRING_CHECK = address(0x0f);
    address private constant MAP_FP_TO_G1 = address(0x10);
    address private constant MODEXP = address(0x05);
    /// @dev EIP-2537: 32,600 per pair + 37,700 = 102,900 for two pairs.
    uint256 private constant PAIRING_GAS = 150_000;

    /// @notice True iff (sig, y) is a valid signature of `round` under `publicKey` (a 256-byte
    ///         EIP-2537 G2 point). Never reverts on a bad signature; false instead.
    function verifyRound(bytes memory publicKey, uint64 round, bytes memory sig, bytes memory y)
        internal
        view
        returns (bool)
    {
        (bool ok, bytes memory sigPoint) = decodeSignature(sig, y);
        if (!ok || publicKey.length != 256) return false;
        bytes memory h = hashToG1(abi.encodePacked(sha256(abi.encodePacked(round))), DST);
        if (h.length != 128) return false;
        bytes memory input = abi.encodePacked(sigPoint, _negG2(), h, publicKey);
        // A point off the curve or outside the subgroup makes the precompile fail, and a failing
        // precompile burns the gas it was given: give it its price (2 pairs) and a margin, no more.
        (bool success, bytes memory out) = PAIRING_CHECK.staticcall{gas: PAIRING_GAS}(input);
        return success && out.length == 32 && abi.decode(out, (uint256)) == 1;
    }

    /// @notice The EIP-2537 G1 point of a compressed signature with the given y (48 bytes each);
    ///         `ok` is false for a bad encoding: not compressed, the point at infinity, x or y ≥ p,
    ///         or y whose sign is not the flag's. On-curve is left to the precompile.
    function decodeSignature(bytes memory sig, bytes memory y) internal pure returns (bool ok, bytes memory point) {
        if (sig.length != 48 || y.length != 48) return (false, point);
        uint8 flags = uint8(sig[0]) & 0xe0;
        if (flags & 0x80 == 0 || flags & 0x40 != 0) return (false, point);
        (uint256 xHi, uint256 xLo) = _split(sig);
        xHi &= 0x1fffffffffffffffffffffffffffffff;
        (uint256 yHi, uint256 yLo) = _split(y);
        if (!_lt(xHi, xLo, P_HI, P_LO) || !_lt(yHi, yLo, P_HI, P_LO)) return (false, point);
        // Flag 0x20: y is the lexicographically larger root, i.e. y > (p−1)/2.
        bool larger = _lt(HALF_HI, HALF_LO, yHi, yLo);
        if (larger != (flags & 0x20 != 0)) return (false, point);
        point = abi.encodePacked(xHi, xLo, yHi, yLo);
        return (true, point);
    }

    /// @notice RFC 9380 hash_to_curve for BLS12381G1_XMD:SHA-256_SSWU_RO_ with tag `dst`
    ///         (at most 255 bytes): a 128-byte EIP-2537 point.
    function hashToG1(bytes memory message, bytes memory dst) internal view returns (bytes memory) {
        bytes memory dstPrime = abi.encodePacked(dst, uint8(dst.length));
        // expand_message_xmd, len_in_bytes = 128: Z_pad (64 zero bytes) ‖ msg ‖ I2OSP(128, 2) ‖ 0x00 ‖ DST'.
        bytes32 b0 = sha256(abi.encodePacked(bytes32(0), bytes32(0), message, uint16(128), uint8(0), dstPrime));
        bytes32 b1 = sha256(abi.encodePacked(b0, uint8(1), dstPrime));
        bytes32 b2 = sha256(abi.encodePacked(b0 ^ b1, uint8(2), dstPrime));
        bytes32 b3 = sha256(abi.encodePacked(b0 ^ b2, uint8(3), dstPrime));
        bytes32 b4 = sha256(abi.encodePacked(b0 ^ b3, uint8(4), dstPrime));
        bytes memory q0 = _mapToG1(b1, b2);
        bytes memory q1 = _mapToG1(b3, b4);
        (bool ok, bytes memory sum) = G1ADD.staticcall(abi.encodePacked(q0, q1));
        require(ok && sum.length == 128, "DrandBls: G1ADD");
        return sum;
    }

    /// @dev MAP_FP_TO_G1(OS2IP(hi ‖ lo) mod p). The reduction is modexp(base 64 bytes, exponent 1, p).
    function _mapToG1(bytes32 hi, bytes32 lo) private view returns (bytes memory) {
        bytes memory input = abi.encodePacked(
            uint256(64), uint256(1), uint256(48), hi, lo, uint8(1), bytes16(uint128(P_HI)), bytes32(P_LO)
        );
        (bool ok, bytes memory u) = MODEXP.staticcall(input);
        require(ok && u.length == 48, "DrandBls: MODEXP");
        bytes memory point;
        (ok, point) = MAP_FP_TO_G1.staticcall(abi.encodePacked(bytes16(0), u));
        require(ok && point.length == 128, "DrandBls: MAP_FP_TO_G1");
        return point;
    }

    /// @dev −g2, the negated G2 generator (EIP-2537 encoding).
    function _negG2() private pure returns (bytes memory) {
        return abi.encodePacked(
            bytes32(0x00000000000000000000000000000000024aa2b2f08f0a91260805272dc51051),
            bytes32(0xc6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8),
            bytes32(0x0000000000000000000000000000000013e02b6052719f607dacd3a088274f65),
            bytes32(0x596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e),
            bytes32(0x000000000000000000000000000000000d1b3cc2c7027888be51d9ef691d77bc),
            bytes32(0xb679afda66c73f17f9ee3837a55024f78c71363275a75d75d86bab79f74782aa),
            bytes32(0x0000000000000000000000000000000013fa4d4a0ad8b1ce186ed5061789213d),
            bytes32(0x993923066dddaf1040bc3ff59f825c78df74f2d75467e25e0f55f8a00fa030ed)
        );
    }

    /// @dev A 48-byte big-endian value as (top 16 bytes, low 32 bytes).
    function _split(bytes memory b) private pure returns (uint256 hi, uint256 lo) {
        assembly ("memory-safe") {
            hi := shr(128, mload(add(b, 0x20)))
            lo := mload(add(b, 0x30))
        }
    }

    /// @dev (aHi, aLo) < (bHi, bLo) as 48-byte numbers.
    function _lt(uint256 aHi, uint256 aLo, uint256 bHi, uint256 bLo) private pure returns (bool) {
        return aHi < bHi || (aHi == bHi && aLo < bLo);
    }
}
