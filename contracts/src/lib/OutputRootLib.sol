// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice The preimage of an output root (docs/PROTOCOL.md §5).
struct OutputRootProof {
    bytes32 stateRoot;
    bytes32 withdrawalsRoot;
    bytes32 l2BlockHash;
}

/// @title OutputRootLib
/// @notice output root = keccak256(abi.encode(bytes32 version 0, stateRoot, withdrawalsRoot,
///         l2BlockHash)), as chain/commitment/outputRoot.ts computes it.
library OutputRootLib {
    /// @notice The only output root version so far.
    bytes32 internal constant VERSION = bytes32(0);

    /// @notice The output root of `p`.
    function hash(OutputRootProof calldata p) internal pure returns (bytes32) {
        return keccak256(abi.encode(VERSION, p.stateRoot, p.withdrawalsRoot, p.l2BlockHash));
    }
}
