// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FraudProofs} from "../src/FraudProofs.sol";
import {Bn254} from "../src/lib/Bn254.sol";
import {OutputOracle} from "../src/OutputOracle.sol";
import {FraudProofsFixture} from "./FraudProofsFixture.sol";

/// @notice Equivocation that breaks the quorum (PROTOCOL §6 item 1), with real signatures: four
///         operators of 1000 each, quorum 2/3 of 4000. An output all four signed survives one
///         proven equivocator (3000 left) and falls with two (2000 left); one three signed falls
///         with one. Only equivocations on the output's own (L2 block, L1 block hash) by its own
///         signers count, and nothing more is slashed.
contract FraudProofsQuorumTest is FraudProofsFixture {
    event QuorumBroken(
        uint256 indexed outputIndex, uint256 remainingStake, uint256 totalStake, uint256 equivocators, address caller
    );

    bytes32 internal constant OTHER_ROOT = keccak256("the other root");

    function setUp() public {
        setUpFraud();
    }

    /// @dev Proves that operator `i` signed `OTHER_ROOT` beside output `o`'s root, for its block.
    function equivocateOn(uint256 o, uint256 i) internal {
        OutputOracle.Output memory out = oracle.getOutput(o);
        proveEquivocation(i, out.l2BlockNumber, out.l1BlockHash, out.outputRoot);
    }

    function proveEquivocation(uint256 i, uint256 l2Block, bytes32 h, bytes32 root) internal {
        bytes32[2] memory roots = [root, OTHER_ROOT];
        Bn254.G1Point[2] memory sigs = [
            signWith(i, oracle.outputMessageHash(root, l2Block, h)),
            signWith(i, oracle.outputMessageHash(OTHER_ROOT, l2Block, h))
        ];
        vm.prank(WATCHER);
        fraud.proveEquivocation(operatorAddr(i), l2Block, h, roots, pkG1(i), pkG2(i), sigs);
    }

    function test_theOracleRecordsTheStakeItCounted() public {
        uint256 o = postAttested(keccak256("root"), 10, 0x07);
        (uint32 stakeBlock, uint224 total) = oracle.attestedStake(o);
        vm.assertEq(stakeBlock, block.number + WINDOW_BLOCKS, "stake block");
        vm.assertEq(total, 4 * STAKE, "total stake");
    }

    function test_allSignedOneEquivocatorHoldsTwoBreak() public {
        uint256 o = postAttested(keccak256("root"), 10, 0x0f);
        vm.roll(block.number + 1);
        uint256 later = postAttested(keccak256("later"), 11, 0x0f);
        vm.expectRevert(abi.encodeWithSelector(FraudProofs.NoEquivocation.selector, o));
        fraud.invalidateBrokenQuorum(o, signersOf(0x0f));
        equivocateOn(o, 1);
        vm.expectRevert(abi.encodeWithSelector(FraudProofs.QuorumHolds.selector, 3 * STAKE, 4 * STAKE));
        fraud.invalidateBrokenQuorum(o, signersOf(0x0f));
        equivocateOn(o, 2);
        vm.expectRevert(abi.encodeWithSelector(FraudProofs.SignersMismatch.selector, o));
        fraud.invalidateBrokenQuorum(o, signersOf(0x07));
        uint256 s0 = slashable(0);
        uint256 s1 = slashable(1);
        vm.expectEmit(true, false, false, true, address(fraud));
        emit QuorumBroken(o, 2 * STAKE, 4 * STAKE, 2, address(this));
        fraud.invalidateBrokenQuorum(o, signersOf(0x0f));
        vm.snapshotGasLastCall("invalidateBrokenQuorum_4_signers");
        vm.assertTrue(oracle.isOutputInvalidated(o), "output invalid");
        vm.assertTrue(oracle.isOutputInvalidated(later), "later output invalid");
        vm.assertEq(slashable(0), s0, "no slash for an honest signer");
        vm.assertEq(slashable(1), s1, "no second slash for an equivocator");
        vm.expectRevert(abi.encodeWithSelector(FraudProofs.OutputInvalidated.selector, o));
        fraud.invalidateBrokenQuorum(o, signersOf(0x0f));
    }

    function test_threeSignedOneEquivocatorBreaks() public {
        uint256 o = postAttested(keccak256("root"), 10, 0x07);
        equivocateOn(o, 0);
        fraud.invalidateBrokenQuorum(o, signersOf(0x07));
        vm.assertTrue(oracle.isOutputInvalidated(o), "2000 of 4000 < 2/3");
    }

    function test_onlyTheOutputsBlockAndSignersCount() public {
        uint256 o = postAttested(keccak256("root"), 10, 0x07);
        OutputOracle.Output memory out = oracle.getOutput(o);
        // A signer's equivocation on another L1 block hash, or another L2 block.
        proveEquivocation(0, out.l2BlockNumber, keccak256("another l1 block"), out.outputRoot);
        proveEquivocation(1, out.l2BlockNumber + 1, out.l1BlockHash, out.outputRoot);
        // The non-signer's equivocation on the output's own block.
        equivocateOn(o, 3);
        vm.expectRevert(abi.encodeWithSelector(FraudProofs.NoEquivocation.selector, o));
        fraud.invalidateBrokenQuorum(o, signersOf(0x07));
        vm.assertFalse(oracle.isOutputInvalidated(o), "stands");
    }

    function test_onlyWhileTheOutputIsOpen() public {
        uint256 o = postAttested(keccak256("root"), 10, 0x07);
        equivocateOn(o, 0);
        (, uint256 finalizesAt,) = oracle.outputStatus(o);
        vm.warp(finalizesAt);
        vm.expectRevert(abi.encodeWithSelector(FraudProofs.ChallengeWindowClosed.selector, o, finalizesAt));
        fraud.invalidateBrokenQuorum(o, signersOf(0x07));
    }
}
