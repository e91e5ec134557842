// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

using OperatorSetLib for OperatorSet global;

/// @notice An AVS's operator set: the pair (AVS address, set id). Same layout as EigenLayer's, so
///         calldata that names an operator set encodes identically against the real contracts.
struct OperatorSet {
    address avs;
    uint32 id;
}

/// @notice The storage key of an operator set: the AVS address in the top 160 bits, the id in the
///         low 96 (the real contracts key their mappings the same way, which makes `decode` exact).
library OperatorSetLib {
    function key(OperatorSet memory os) internal pure returns (bytes32) {
        return bytes32((uint256(uint160(os.avs)) << 96) | uint256(os.id));
    }

    function decode(bytes32 k) internal pure returns (OperatorSet memory) {
        return OperatorSet({avs: address(uint160(uint256(k) >> 96)), id: uint32(uint256(k))});
    }
}
