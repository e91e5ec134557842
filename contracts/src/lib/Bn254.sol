// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title Bn254
/// @notice BN254 (alt_bn128) arithmetic through the EVM precompiles (EIP-196 add 0x06 and mul 0x07,
///         EIP-197 pairing 0x08, EIP-198 modexp 0x05) and the BLS signature check the operator
///         quorum uses: signatures and hashed messages on G1, public keys on G1 and G2.
///         bridge/operators/bn254Bls.ts is the TypeScript twin; test/vectors/blsVectors.json holds
///         vectors both sides check.
/// @dev G2 coordinates are in the precompile's order, imaginary part first: `x = [x.c1, x.c0]`.
///      The point at infinity is (0, 0) on G1 and all zeros on G2, as the precompiles read it.
///      Precompile calls forward all gas (so a future repricing cannot break them); a precompile
///      that fails on a hostile point burns what it was given, which only the sender pays.
library Bn254 {
    /// @notice A G1 point in affine coordinates.
    struct G1Point {
        uint256 x;
        uint256 y;
    }

    /// @notice A G2 point in affine coordinates over Fp2, each coordinate [imaginary, real].
    struct G2Point {
        uint256[2] x;
        uint256[2] y;
    }

    /// @notice The base field modulus p.
    uint256 internal constant P = 21888242871839275222246405745257275088696311157297823662689037894645226208583;
    /// @notice The group order r (the scalar field modulus).
    uint256 internal constant R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;

    // The G2 generator of EIP-197, and its negation (y replaced by p - y), imaginary part first.
    uint256 internal constant G2_X1 = 11559732032986387107991004021392285783925812861821192530917403151452391805634;
    uint256 internal constant G2_X0 = 10857046999023057135944570762232829481370756359578518086990519993285655852781;
    uint256 internal constant G2_Y1 = 4082367875863433681332203403145435568316851327593401208105741076214120093531;
    uint256 internal constant G2_Y0 = 8495653923123431417604973247489272438418190587263600148770280649306958101930;
    uint256 internal constant NEG_G2_Y1 = 17805874995975841540914202342111839520379459829704422454583296818431106115052;
    uint256 internal constant NEG_G2_Y0 = 13392588948715843804641432497768002650278120570034223513918757245338268106653;

    // (p + 1) / 4: since p = 3 mod 4, a^((p+1)/4) is a square root of a whenever one exists.
    uint256 private constant SQRT_EXP = 5472060717959818805561601436314318772174077789324455915672259473661306552146;

    /// @notice A precompile rejected its input (a coordinate >= p or a point off the curve).
    error InvalidPoint();

    /// @notice The G1 generator (1, 2).
    function g1() internal pure returns (G1Point memory) {
        return G1Point(1, 2);
    }

    /// @notice The G2 generator.
    function g2() internal pure returns (G2Point memory) {
        return G2Point([G2_X1, G2_X0], [G2_Y1, G2_Y0]);
    }

    /// @notice -G2 (the generator with y negated): pairing checks are products equal to one.
    function negG2() internal pure returns (G2Point memory) {
        return G2Point([G2_X1, G2_X0], [NEG_G2_Y1, NEG_G2_Y0]);
    }

    /// @notice Whether `a` is the point at infinity.
    function isZero(G1Point memory a) internal pure returns (bool) {
        return a.x == 0 && a.y == 0;
    }

    /// @notice a + b (precompile 0x06); reverts InvalidPoint when either is not on the curve.
    function add(G1Point memory a, G1Point memory b) internal view returns (G1Point memory out) {
        bool ok;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, mload(a))
            mstore(add(m, 0x20), mload(add(a, 0x20)))
            mstore(add(m, 0x40), mload(b))
            mstore(add(m, 0x60), mload(add(b, 0x20)))
            ok := staticcall(gas(), 0x06, m, 0x80, out, 0x40)
        }
        if (!ok) revert InvalidPoint();
    }

    /// @notice s * a (precompile 0x07); reverts InvalidPoint when `a` is not on the curve.
    function mul(G1Point memory a, uint256 s) internal view returns (G1Point memory out) {
        bool ok;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, mload(a))
            mstore(add(m, 0x20), mload(add(a, 0x20)))
            mstore(add(m, 0x40), s)
            ok := staticcall(gas(), 0x07, m, 0x60, out, 0x40)
        }
        if (!ok) revert InvalidPoint();
    }

    /// @notice -a. Only meaningful for a point on the curve (coordinates below p).
    function negate(G1Point memory a) internal pure returns (G1Point memory) {
        if (a.x == 0 && a.y == 0) return a;
        return G1Point(a.x, P - (a.y % P));
    }

    /// @notice Whether e(a1, a2) * e(b1, b2) == 1 (precompile 0x08). False, not a revert, when an
    ///         input is not a valid point (off the curve, or a G2 point outside the subgroup): a
    ///         hostile signature is simply an invalid one.
    function pairing2(G1Point memory a1, G2Point memory a2, G1Point memory b1, G2Point memory b2)
        internal
        view
        returns (bool)
    {
        uint256[12] memory input = [
            a1.x, a1.y, a2.x[0], a2.x[1], a2.y[0], a2.y[1], b1.x, b1.y, b2.x[0], b2.x[1], b2.y[0], b2.y[1]
        ];
        uint256[1] memory out;
        bool ok;
        assembly ("memory-safe") {
            ok := staticcall(gas(), 0x08, input, 0x180, out, 0x20)
        }
        return ok && out[0] == 1;
    }

    /// @notice keccak256(abi.encode(x, y)): how the registry names a G1 public key.
    function hashG1(G1Point memory a) internal pure returns (bytes32) {
        return keccak256(abi.encode(a.x, a.y));
    }

    /// @notice Maps a 32-byte digest to G1 by try-and-increment: x = h mod p, then x + 1, ... until
    ///         x^3 + 3 is a square; y = (x^3 + 3)^((p+1)/4). Not RFC 9380 (that needs far more gas);
    ///         its only job is a point nobody knows the discrete log of, which this is for
    ///         keccak-chosen x. About two tries on average, ~1.4k gas of modexp each.
    function hashToG1(bytes32 h) internal view returns (G1Point memory) {
        uint256 x = uint256(h) % P;
        while (true) {
            uint256 rhs = addmod(mulmod(mulmod(x, x, P), x, P), 3, P);
            uint256 y = _expModP(rhs, SQRT_EXP);
            if (mulmod(y, y, P) == rhs) return G1Point(x, y);
            x = addmod(x, 1, P);
        }
        // Unreachable: half of all x give a square.
        return G1Point(0, 0);
    }

    /// @notice Whether `sigma` is a BLS signature over `msgHash` by the key whose G1 and G2 halves
    ///         are `pkG1` and `pkG2` (so also whether those are one key), in one pairing call:
    ///         e(sigma + gamma*pkG1, -G2) * e(H(m) + gamma*G1, pkG2) == 1 with gamma a hash of all
    ///         inputs. Equal to e(sigma, G2) == e(H(m), pkG2) and e(pkG1, G2) == e(G1, pkG2), except
    ///         with probability ~1/r for inputs chosen before gamma is known.
    function verify(bytes32 msgHash, G1Point memory pkG1, G2Point memory pkG2, G1Point memory sigma)
        internal
        view
        returns (bool)
    {
        uint256 gamma = uint256(
            keccak256(
                abi.encode(
                    msgHash, pkG1.x, pkG1.y, pkG2.x[0], pkG2.x[1], pkG2.y[0], pkG2.y[1], sigma.x, sigma.y
                )
            )
        ) % R;
        return pairing2(
            add(sigma, mul(pkG1, gamma)), negG2(), add(hashToG1(msgHash), mul(g1(), gamma)), pkG2
        );
    }

    function _expModP(uint256 base, uint256 e) private view returns (uint256 result) {
        bool ok;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, 0x20)
            mstore(add(m, 0x20), 0x20)
            mstore(add(m, 0x40), 0x20)
            mstore(add(m, 0x60), base)
            mstore(add(m, 0x80), e)
            mstore(add(m, 0xa0), P)
            ok := staticcall(gas(), 0x05, m, 0xc0, m, 0x20)
            result := mload(m)
        }
        // modexp never fails on well-formed input; a failure here means no gas was left.
        if (!ok) revert InvalidPoint();
    }
}
