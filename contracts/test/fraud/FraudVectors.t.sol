// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Test} from "../utils/Test.sol";
import {FraudHarness} from "./FraudHarness.sol";

/// @notice Cheatcodes beyond test/utils/Test.sol's (same handle, forge 1.x signatures).
interface VmFraud {
    function parseJsonInt(string calldata json, string calldata key) external pure returns (int256);
    function parseJsonUintArray(string calldata json, string calldata key) external pure returns (uint256[] memory);
}

/// @notice Reads test/vectors/fraudVectors.json (test/vectors/generateFraud.ts).
abstract contract FraudFixture is Test {
    VmFraud internal constant vmf = VmFraud(address(uint160(uint256(keccak256("hevm cheat code")))));
    string internal fv;

    function loadVectors() internal {
        fv = vm.readFile(string.concat(vm.projectRoot(), "/../test/vectors/fraudVectors.json"));
    }

    function at(string memory p, uint256 i, string memory field) internal pure returns (string memory) {
        return string.concat(p, "[", vm.toString(i), "].", field);
    }
}

/// @notice ChaCha20, the PRG entries, the sample positions and hash_to_curve against the TypeScript
///         implementation (and through it RFC 8439 and RFC 9380).
contract FraudVectorsTest is FraudFixture {
    FraudHarness internal h;

    function setUp() public {
        loadVectors();
        h = new FraudHarness();
    }

    function test_chacha20MatchesRfc8439() public view {
        for (uint256 i = 0; i < 2; i++) {
            bytes32 key = vm.parseJsonBytes32(fv, at(".chacha", i, "key"));
            bytes12 nonce = bytes12(vm.parseJsonBytes(fv, at(".chacha", i, "nonce")));
            uint32 counter = uint32(vm.parseJsonUint(fv, at(".chacha", i, "counter")));
            bytes memory want = vm.parseJsonBytes(fv, at(".chacha", i, "block"));
            vm.assertEq(keccak256(h.chachaBlock(key, nonce, counter)), keccak256(want), "normal block");
            vm.assertEq(keccak256(h.chachaBlockViaMirror(key, nonce, counter)), keccak256(want), "mirrored block");
        }
        // RFC 8439 §2.3.2, first bytes, independent of the JSON.
        bytes memory got = h.chachaBlock(
            0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f, bytes12(0x000000090000004a00000000), 1
        );
        vm.assertEq(bytes32(got), bytes32(0x10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e), "rfc");
    }

    function test_entriesMatchTypeScript() public view {
        bytes32 seed = vm.parseJsonBytes32(fv, ".entrySeed");
        for (uint256 i = 0; i < 6; i++) {
            uint256 n = vm.parseJsonUint(fv, at(".entries", i, "n"));
            int256 want = vmf.parseJsonInt(fv, at(".entries", i, "value"));
            int256 got = h.entry(
                seed,
                n,
                vm.parseJsonUint(fv, at(".entries", i, "j")),
                vm.parseJsonUint(fv, at(".entries", i, "r")),
                vm.parseJsonUint(fv, at(".entries", i, "c"))
            );
            vm.assertEq(uint256(got), uint256(want), string.concat("entry at n=", vm.toString(n)));
        }
        // PROTOCOL Appendix C §3.J: C_1[3][5] = 32817 at n = 64.
        vm.assertEq(uint256(h.entry(seed, 64, 1, 3, 5)), 32817, "3.J");
    }

    function test_positionsMatchProtocol() public view {
        bytes32 s = vm.parseJsonBytes32(fv, ".positions.sampleSeed");
        uint256[] memory got = h.positions(s, 64, 2, 4);
        // §3.J: (tile, row, col) = (45,5,3) (62,6,7) (58,7,4) (90,7,2).
        vm.assertEq(got.length, 4, "k");
        vm.assertEq(got[0], 45 * 64 + 5 * 8 + 3, "0");
        vm.assertEq(got[1], 62 * 64 + 6 * 8 + 7, "1");
        vm.assertEq(got[2], 58 * 64 + 7 * 8 + 4, "2");
        vm.assertEq(got[3], 90 * 64 + 7 * 8 + 2, "3");
        uint256[] memory o = h.opened(got);
        vm.assertEq(o.length, 4, "opened");
        vm.assertEq(o[0], 45, "sorted 0");
        vm.assertEq(o[3], 90, "sorted 3");
    }

    function test_openedSetIsDistinctAscending() public view {
        uint256[] memory e = new uint256[](6);
        (e[0], e[1], e[2], e[3], e[4], e[5]) = (5 * 64, 2 * 64 + 1, 5 * 64 + 9, 0, 2 * 64, 7 * 64);
        uint256[] memory o = h.opened(e);
        vm.assertEq(o.length, 4, "distinct");
        vm.assertEq(o[0], 0, "0");
        vm.assertEq(o[1], 2, "1");
        vm.assertEq(o[2], 5, "2");
        vm.assertEq(o[3], 7, "3");
    }

    function test_hashToCurveMatchesRfc9380() public view {
        bytes memory dst = vm.parseJsonBytes(fv, ".hashToCurve.dst");
        for (uint256 i = 0; i < 4; i++) {
            bytes memory msg_ = vm.parseJsonBytes(fv, at(".hashToCurve.cases", i, "msg"));
            bytes memory want = vm.parseJsonBytes(fv, at(".hashToCurve.cases", i, "point"));
            vm.assertEq(keccak256(h.hashToG1(msg_, dst)), keccak256(want), string.concat("case ", vm.toString(i)));
        }
    }

    function test_quicknetRoundsVerify() public view {
        bytes memory pk = vm.parseJsonBytes(fv, ".beacon.publicKey");
        for (uint256 i = 0; i < 3; i++) {
            uint64 round = uint64(vm.parseJsonUint(fv, at(".beacon.rounds", i, "round")));
            bytes memory sig = vm.parseJsonBytes(fv, at(".beacon.rounds", i, "signature"));
            bytes memory y = vm.parseJsonBytes(fv, at(".beacon.rounds", i, "y"));
            vm.assertTrue(h.verifyRound(pk, round, sig, y), "valid round");
            vm.assertFalse(h.verifyRound(pk, round + 1, sig, y), "another round's message");
        }
    }

    function test_badBeaconSignaturesFail() public view {
        bytes memory pk = vm.parseJsonBytes(fv, ".beacon.publicKey");
        bytes memory sig = vm.parseJsonBytes(fv, ".beacon.rounds[0].signature");
        bytes memory y = vm.parseJsonBytes(fv, ".beacon.rounds[0].y");
        bytes memory otherY = vm.parseJsonBytes(fv, ".beacon.rounds[1].y");
        vm.assertFalse(h.verifyRound(pk, 1, sig, otherY), "y of another point");
        bytes memory flipped = bytes.concat(sig);
        flipped[0] = flipped[0] ^ 0x20; // the other root's sign flag
        vm.assertFalse(h.verifyRound(pk, 1, flipped, y), "sign flag");
        bytes memory uncompressed = bytes.concat(sig);
        uncompressed[0] = uncompressed[0] & 0x7f;
        vm.assertFalse(h.verifyRound(pk, 1, uncompressed, y), "compression flag");
        bytes memory badX = bytes.concat(sig);
        badX[47] = badX[47] ^ 0x01;
        vm.assertFalse(h.verifyRound(pk, 1, badX, y), "x changed");
        bytes memory badPk = bytes.concat(pk);
        badPk[255] = badPk[255] ^ 0x01;
        vm.assertFalse(h.verifyRound(badPk, 1, sig, y), "public key off the curve");
    }
}
