// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ChaCha20} from "../../src/fraud/ChaCha20.sol";
import {ComputeSample} from "../../src/fraud/ComputeSample.sol";
import {DrandBls} from "../../src/fraud/DrandBls.sol";

/// @notice External entry points over the fraud-proof libraries, for the vector tests.
contract FraudHarness {
    function chachaBlock(bytes32 key, bytes12 nonce, uint32 counter) external pure returns (bytes memory) {
        (uint256 b, uint256 c) = ChaCha20.keyRows(key);
        (uint256 x0, uint256 x1, uint256 x2, uint256 x3) = ChaCha20.blockPacked(b, c, ChaCha20.nonceRow(nonce) | counter);
        return ChaCha20.toBytes(x0, x1, x2, x3);
    }

    /// @dev The mirrored block, un-mirrored lane by lane: must equal the normal block.
    function chachaBlockViaMirror(bytes32 key, bytes12 nonce, uint32 counter) external pure returns (bytes memory) {
        (uint256 b, uint256 c) = ChaCha20.keyRowsMirrored(key);
        uint256 d = _mirror(ChaCha20.nonceRow(nonce) | counter);
        (uint256 x0, uint256 x1, uint256 x2, uint256 x3) = ChaCha20.blockMirrored(b, c, d);
        return ChaCha20.toBytes(_mirror(x0), _mirror(x1), _mirror(x2), _mirror(x3));
    }

    function entry(bytes32 seed, uint256 n, uint256 j, uint256 r, uint256 c) external pure returns (int256) {
        return ComputeSample.entry(seed, n, j, r, c);
    }

    function positions(bytes32 sampleSeed, uint256 n, uint256 m, uint256 k) external pure returns (uint256[] memory) {
        return ComputeSample.samplePositions(sampleSeed, n, m, k);
    }

    function opened(uint256[] memory entries) external pure returns (uint256[] memory) {
        return ComputeSample.openedTiles(entries);
    }

    function hashToG1(bytes memory message, bytes memory dst) external view returns (bytes memory) {
        return DrandBls.hashToG1(message, dst);
    }

    function verifyRound(bytes memory pk, uint64 round, bytes memory sig, bytes memory y) external view returns (bool) {
        return DrandBls.verifyRound(pk, round, sig, y);
    }

    function _mirror(uint256 x) private pure returns (uint256 y) {
        for (uint256 l = 0; l < 4; l++) {
            y |= ((x >> (64 * l)) & 0xffffffffffffffff) << (64 * (3 - l));
        }
    }
}
