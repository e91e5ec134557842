// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Bn254} from "../src/lib/Bn254.sol";
import {OutputQuorum} from "../src/lib/OutputQuorum.sol";
import {BlsFixture} from "./utils/BlsFixture.sol";

/// @notice External entry points to the library, so reverts can be expected.
contract Bn254Harness {
    function add(Bn254.G1Point memory a, Bn254.G1Point memory b) external view returns (Bn254.G1Point memory) {
        return Bn254.add(a, b);
    }

    function hashToG1(bytes32 h) external view returns (Bn254.G1Point memory) {
        return Bn254.hashToG1(h);
    }

    function verify(bytes32 m, Bn254.G1Point memory pk1, Bn254.G2Point memory pk2, Bn254.G1Point memory sig)
        external
        view
        returns (bool)
    {
        return Bn254.verify(m, pk1, pk2, sig);
    }

    function outputMessageHash(
        uint256 l1ChainId,
        address oracle,
        uint256 l2ChainId,
        uint256 l2BlockNumber,
        bytes32 outputRoot,
        bytes32 l1BlockHash
    ) external pure returns (bytes32) {
        return OutputQuorum.outputMessageHash(l1ChainId, oracle, l2ChainId, l2BlockNumber, outputRoot, l1BlockHash);
    }
}

/// @notice Bn254 against bridge/operators/bn254Bls.ts (test/vectors/blsVectors.json).
contract Bn254Test is BlsFixture {
    Bn254Harness internal h;

    function setUp() public {
        setUpBls();
        h = new Bn254Harness();
    }

    function assertG1(Bn254.G1Point memory a, Bn254.G1Point memory b, string memory what) internal pure {
        vm.assertEq(a.x, b.x, string.concat(what, ".x"));
        vm.assertEq(a.y, b.y, string.concat(what, ".y"));
    }

    function test_g2ConstantsMatchTypeScript() public view {
        Bn254.G2Point memory g = g2At(".g2");
        Bn254.G2Point memory n = g2At(".negG2");
        Bn254.G2Point memory cg = Bn254.g2();
        Bn254.G2Point memory cn = Bn254.negG2();
        for (uint256 i = 0; i < 2; ++i) {
            vm.assertEq(cg.x[i], g.x[i], "g2.x");
            vm.assertEq(cg.y[i], g.y[i], "g2.y");
            vm.assertEq(cn.x[i], n.x[i], "negG2.x");
            vm.assertEq(cn.y[i], n.y[i], "negG2.y");
        }
    }

    function test_hashToG1MatchesTypeScript() public view {
        uint256 n = vm.parseJsonUint(bls, ".hashToG1Count");
        vm.assertTrue(n >= 12, "cases");
        uint256 multi = 0;
        for (uint256 i = 0; i < n; ++i) {
            string memory p = string.concat(".hashToG1[", vm.toString(i), "]");
            bytes32 d = vm.parseJsonBytes32(bls, string.concat(p, ".digest"));
            assertG1(h.hashToG1(d), g1At(p), p);
            if (vm.parseJsonUint(bls, string.concat(p, ".tries")) > 1) ++multi;
        }
        vm.assertTrue(multi >= 3, "cases needing more than one try");
    }

    function test_keysAndSignaturesMatchTypeScript() public view {
        bytes32 m = vm.parseJsonBytes32(bls, ".message");
        for (uint256 i = 0; i < 8; ++i) {
            assertG1(Bn254.mul(Bn254.g1(), secretKey(i)), pkG1(i), "pubkeyG1");
            Bn254.G1Point memory sig = g1At(string.concat(opKey(i), ".signature"));
            assertG1(signWith(i, m), sig, "signature");
            vm.assertTrue(h.verify(m, pkG1(i), pkG2(i), sig), "verifies");
            vm.assertEq(Bn254.hashG1(pkG1(i)), vm.parseJsonBytes32(bls, string.concat(opKey(i), ".keyHash")), "hash");
        }
    }

    function test_aggregatesVerify() public view {
        bytes32 m = vm.parseJsonBytes32(bls, ".message");
        uint256 n = vm.parseJsonUint(bls, ".subsetCount");
        for (uint256 k = 0; k < n; ++k) {
            string memory p = string.concat(".subsets[", vm.toString(k), "]");
            uint256 mask = vm.parseJsonUint(bls, string.concat(p, ".mask"));
            Bn254.G1Point memory apk;
            Bn254.G1Point memory sigma;
            for (uint256 i = 0; i < 8; ++i) {
                if ((mask >> i) & 1 == 0) continue;
                apk = Bn254.add(apk, pkG1(i));
                sigma = Bn254.add(sigma, signWith(i, m));
            }
            assertG1(apk, g1At(string.concat(p, ".apkG1")), "apkG1");
            assertG1(sigma, g1At(string.concat(p, ".sigma")), "sigma");
            vm.assertTrue(h.verify(m, apk, g2At(string.concat(p, ".apkG2")), sigma), p);
        }
    }

    function test_rejectsWrongMessageKeyOrSignature() public view {
        bytes32 m = vm.parseJsonBytes32(bls, ".message");
        Bn254.G1Point memory sig = signWith(0, m);
        vm.assertFalse(h.verify(keccak256("other"), pkG1(0), pkG2(0), sig), "other message");
        vm.assertFalse(h.verify(m, pkG1(1), pkG2(1), sig), "other key");
        // G1 half of one key, G2 half of another: the second pairing equation fails.
        vm.assertFalse(h.verify(m, pkG1(1), pkG2(0), sig), "mismatched halves");
        vm.assertFalse(h.verify(m, pkG1(0), pkG2(0), Bn254.add(sig, Bn254.g1())), "tampered signature");
        vm.assertFalse(h.verify(m, pkG1(0), pkG2(0), Bn254.negate(sig)), "negated signature");
    }

    function test_invalidPoints() public {
        // Off the curve: the add precompile fails, the pairing check answers false. A failing
        // precompile burns all the gas it was given, so each call here gets a bounded amount.
        vm.expectRevert(Bn254.InvalidPoint.selector);
        h.add{gas: 1_000_000}(Bn254.G1Point(1, 3), Bn254.g1());
        vm.expectRevert(Bn254.InvalidPoint.selector);
        h.add{gas: 1_000_000}(Bn254.G1Point(Bn254.P, 2), Bn254.g1());
        bytes32 m = vm.parseJsonBytes32(bls, ".message");
        Bn254.G2Point memory bad = pkG2(0);
        bad.y[1] = addmod(bad.y[1], 1, Bn254.P);
        Bn254.G1Point memory sig = signWith(0, m);
        vm.assertFalse(h.verify{gas: 1_000_000}(m, pkG1(0), bad, sig), "G2 key off the curve");
    }

    function test_outputMessageMatchesTypeScript() public view {
        vm.assertEq(
            h.outputMessageHash(
                word(".output.l1ChainId"),
                vm.parseJsonAddress(bls, ".output.outputOracle"),
                word(".output.l2ChainId"),
                word(".output.l2BlockNumber"),
                vm.parseJsonBytes32(bls, ".output.outputRoot"),
                vm.parseJsonBytes32(bls, ".output.l1BlockHash")
            ),
            vm.parseJsonBytes32(bls, ".output.messageHash"),
            "output message"
        );
    }

    /// forge-config: default.fuzz.runs = 64
    function testFuzz_hashToG1IsOnCurve(bytes32 d) public view {
        Bn254.G1Point memory p = h.hashToG1(d);
        uint256 rhs = addmod(mulmod(mulmod(p.x, p.x, Bn254.P), p.x, Bn254.P), 3, Bn254.P);
        vm.assertEq(mulmod(p.y, p.y, Bn254.P), rhs, "on curve");
        vm.assertLe((p.x + Bn254.P - uint256(d) % Bn254.P) % Bn254.P, 64, "x near the digest");
    }
}
