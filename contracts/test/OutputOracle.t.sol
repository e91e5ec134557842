// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {OutputOracle} from "../src/OutputOracle.sol";
import {Fixture} from "./utils/Fixture.sol";

contract OutputOracleTest is Fixture {
    event OutputProposed(
        uint256 indexed outputIndex,
        bytes32 indexed outputRoot,
        uint256 indexed l2BlockNumber,
        bytes32 l1BlockHash,
        uint256 l1BlockNumber,
        uint256 timestamp
    );
    event OutputsInvalidated(uint256 indexed fromIndex, uint256 toIndex, address indexed challenger);

    function setUp() public {
        deployAll();
    }

    function test_pinsGenesisAndWindow() public view {
        vm.assertEq(oracle.genesisHash(), GENESIS, "genesis");
        vm.assertEq(oracle.challengeWindow(), WINDOW, "window");
        vm.assertEq(portal.genesisHash(), GENESIS, "portal genesis");
    }

    function test_constructorRejectsZeroValues() public {
        vm.expectRevert(OutputOracle.ZeroValue.selector);
        new OutputOracle(ADMIN, PROPOSER, CHALLENGER, bytes32(0), WINDOW);
        vm.expectRevert(OutputOracle.ZeroValue.selector);
        new OutputOracle(ADMIN, PROPOSER, CHALLENGER, GENESIS, 0);
        vm.expectRevert(OutputOracle.ZeroValue.selector);
        new OutputOracle(ADMIN, address(0), CHALLENGER, GENESIS, WINDOW);
    }

    function test_proposeRecordsAndEmits() public {
        bytes32 h = keccak256("l1/99");
        vm.setBlockhash(99, h);
        vm.expectEmit(true, true, true, true, address(oracle));
        emit OutputProposed(0, keccak256("root"), 10, h, 99, block.timestamp);
        vm.prank(PROPOSER);
        vm.assertEq(oracle.proposeOutput(keccak256("root"), 10, h, 99), 0, "index");
        OutputOracle.Output memory o = oracle.getOutput(0);
        vm.assertEq(o.outputRoot, keccak256("root"), "root");
        vm.assertEq(uint256(o.l2BlockNumber), 10, "l2");
        vm.assertEq(uint256(o.l1BlockNumber), 99, "l1");
        vm.assertEq(o.l1BlockHash, h, "l1 hash");
        vm.assertEq(uint256(o.timestamp), block.timestamp, "time");
        vm.assertEq(oracle.outputCount(), 1, "count");
        vm.assertEq(oracle.nextL2BlockNumber(), 11, "next");
    }

    function test_nonProposerCannotPropose() public {
        vm.setBlockhash(99, keccak256("h"));
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, USER, oracle.PROPOSER_ROLE()
            )
        );
        vm.prank(USER);
        oracle.proposeOutput(keccak256("root"), 10, keccak256("h"), 99);
    }

    function test_proposeRejectsZeroRoot() public {
        vm.setBlockhash(99, keccak256("h"));
        vm.expectRevert(OutputOracle.ZeroOutputRoot.selector);
        vm.prank(PROPOSER);
        oracle.proposeOutput(bytes32(0), 10, keccak256("h"), 99);
    }

    function test_proposeMustGoForward() public {
        propose(keccak256("a"), 10);
        bytes32 h = keccak256(abi.encode("l1", block.number - 1));
        vm.expectRevert(abi.encodeWithSelector(OutputOracle.InvalidL2BlockNumber.selector, 10, 11));
        vm.prank(PROPOSER);
        oracle.proposeOutput(keccak256("b"), 10, h, block.number - 1);
        OutputOracle fresh = new OutputOracle(ADMIN, PROPOSER, CHALLENGER, GENESIS, WINDOW);
        vm.expectRevert(abi.encodeWithSelector(OutputOracle.InvalidL2BlockNumber.selector, 0, 1));
        vm.prank(PROPOSER);
        fresh.proposeOutput(keccak256("b"), 0, h, block.number - 1);
    }

    function test_proposeRejectsL1Reorg() public {
        vm.setBlockhash(99, keccak256("canonical"));
        vm.expectRevert(
            abi.encodeWithSelector(
                OutputOracle.L1BlockHashMismatch.selector, 99, keccak256("orphaned"), keccak256("canonical")
            )
        );
        vm.prank(PROPOSER);
        oracle.proposeOutput(keccak256("root"), 10, keccak256("orphaned"), 99);
    }

    function test_proposeRejectsCurrentFutureAndForgottenL1Blocks() public {
        vm.startPrank(PROPOSER);
        vm.expectRevert(abi.encodeWithSelector(OutputOracle.L1BlockUnavailable.selector, 100));
        oracle.proposeOutput(keccak256("root"), 10, keccak256("h"), 100);
        vm.expectRevert(abi.encodeWithSelector(OutputOracle.L1BlockUnavailable.selector, 101));
        oracle.proposeOutput(keccak256("root"), 10, keccak256("h"), 101);
        vm.roll(100_000); // block 90 is out of BLOCKHASH's 256 and EIP-2935's 8191 blocks
        vm.expectRevert(abi.encodeWithSelector(OutputOracle.L1BlockUnavailable.selector, 90));
        oracle.proposeOutput(keccak256("root"), 10, keccak256("h"), 90);
        vm.stopPrank();
    }

    function test_finalAfterWindowUnlessInvalidated() public {
        propose(keccak256("a"), 10);
        (, uint256 finalizesAt, bool invalidated) = oracle.outputStatus(0);
        vm.assertEq(finalizesAt, block.timestamp + WINDOW, "finalizesAt");
        vm.assertFalse(invalidated, "invalidated");
        vm.assertFalse(oracle.isOutputFinalized(0), "final too early");
        vm.warp(finalizesAt - 1);
        vm.assertFalse(oracle.isOutputFinalized(0), "final one second early");
        vm.warp(finalizesAt);
        vm.assertTrue(oracle.isOutputFinalized(0), "final at finalizesAt");
        vm.assertFalse(oracle.isOutputFinalized(1), "unknown output final");
    }

    function test_invalidationCoversLaterOutputsAndReopensTheBlock() public {
        propose(keccak256("a"), 10);
        propose(keccak256("b"), 20);
        propose(keccak256("c"), 30);
        vm.expectEmit(true, true, true, true, address(oracle));
        emit OutputsInvalidated(1, 3, CHALLENGER);
        vm.prank(CHALLENGER);
        oracle.invalidateOutputs(1);
        vm.assertFalse(oracle.isOutputInvalidated(0), "earlier output stays valid");
        vm.assertTrue(oracle.isOutputInvalidated(1), "1");
        vm.assertTrue(oracle.isOutputInvalidated(2), "2");
        vm.assertEq(oracle.nextL2BlockNumber(), 20, "reopened at the invalidated block");
        uint256 replacement = propose(keccak256("b2"), 20);
        vm.assertFalse(oracle.isOutputInvalidated(replacement), "replacement valid");
        vm.warp(block.timestamp + WINDOW);
        vm.assertTrue(oracle.isOutputFinalized(0), "0 final");
        vm.assertFalse(oracle.isOutputFinalized(1), "invalidated never final");
        vm.assertFalse(oracle.isOutputFinalized(2), "later invalidated never final");
        vm.assertTrue(oracle.isOutputFinalized(replacement), "replacement final");
    }

    function test_invalidateRevertPaths() public {
        propose(keccak256("a"), 10);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, PROPOSER, oracle.CHALLENGER_ROLE()
            )
        );
        vm.prank(PROPOSER);
        oracle.invalidateOutputs(0);

        vm.startPrank(CHALLENGER);
        vm.expectRevert(abi.encodeWithSelector(OutputOracle.UnknownOutput.selector, 1));
        oracle.invalidateOutputs(1);
        oracle.invalidateOutputs(0);
        vm.expectRevert(abi.encodeWithSelector(OutputOracle.OutputAlreadyInvalidated.selector, 0));
        oracle.invalidateOutputs(0);
        vm.stopPrank();

        propose(keccak256("a2"), 10);
        vm.warp(block.timestamp + WINDOW);
        vm.expectRevert(abi.encodeWithSelector(OutputOracle.OutputAlreadyFinal.selector, 1));
        vm.prank(CHALLENGER);
        oracle.invalidateOutputs(1);
    }

    function test_unknownOutputViews() public {
        vm.expectRevert(abi.encodeWithSelector(OutputOracle.UnknownOutput.selector, 0));
        oracle.getOutput(0);
        vm.expectRevert(abi.encodeWithSelector(OutputOracle.UnknownOutput.selector, 0));
        oracle.isOutputInvalidated(0);
        (bytes32 root,,) = oracle.outputStatus(0);
        vm.assertEq(root, bytes32(0), "unknown root");
    }
}
