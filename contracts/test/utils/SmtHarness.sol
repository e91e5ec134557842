// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {OutputRootLib, OutputRootProof} from "../../src/lib/OutputRootLib.sol";
import {SmtVerifier} from "../../src/lib/SmtVerifier.sol";
import {Withdrawal, WithdrawalLib} from "../../src/lib/WithdrawalLib.sol";

/// @notice External entry points to the internal libraries (their inputs are calldata).
contract SmtHarness {
    function verify(bytes32 root, bytes32 key, bytes32 valueHash, bool inclusion, bytes calldata proof)
        external
        view
        returns (bool)
    {
        return inclusion
            ? SmtVerifier.verifyInclusion(root, key, valueHash, proof)
            : SmtVerifier.verifyExclusion(root, key, proof);
    }

    function outputRoot(OutputRootProof calldata p) external pure returns (bytes32) {
        return OutputRootLib.hash(p);
    }

    function withdrawalKey(uint256 index) external pure returns (bytes32) {
        return WithdrawalLib.key(index);
    }

    function withdrawalLeaf(Withdrawal calldata w) external pure returns (bytes32) {
        return WithdrawalLib.leafHash(w);
    }
}
