// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ChallengeRecord} from "../src/fraud/ChallengeRecord.sol";
import {FraudProofs} from "../src/FraudProofs.sol";
import {OutputRootProof} from "../src/lib/OutputRootLib.sol";
import {FraudProofsFixture} from "./FraudProofsFixture.sol";

/// @notice The availability proof on the same stack: a demand answered in time changes nothing;
///         an unanswered one, settled after its deadline, invalidates the output, slashes its
///         signers by the availability WAD, pays the demander and records the verdict.
contract FraudProofsAvailabilityTest is FraudProofsFixture {
    event ChallengeInvalidated(uint256 indexed challengeId);

    /// Operators 0-2 sign (blsVectors.json has the aggregate G2 key of that subset); 3 does not.
    uint256 internal constant SIGNERS = 0x07;

    function setUp() public {
        setUpFraud();
        fund(WATCHER, 1 ether);
    }

    function demand(uint256 o, string memory name) internal returns (bytes32) {
        string memory p = string.concat(".", name, ".");
        vm.prank(WATCHER);
        return fraud.demandOpenings{value: DEMAND_BOND}(
            o,
            fraudPreimage(),
            vm.parseJsonBytes(fv, string.concat(p, "record")),
            vm.parseJsonBytes(fv, string.concat(p, "recordProof"))
        );
    }

    function test_answeredInTimeNothingHappens() public {
        uint256 o = postAttested(fraudOutputRoot(), 10, SIGNERS);
        bytes32 k = demand(o, "honest");
        vm.assertEq(k, keccak256(abi.encode(o, ChallengeRecord.key(8))), "demand key");
        vm.warp(block.timestamp + AVAILABILITY_WINDOW);
        fraud.provideOpenings(k, vm.parseJsonBytes(fv, ".honest.tiles"), vm.parseJsonBytes(fv, ".honest.proof"));
        vm.warp(block.timestamp + 1);
        vm.expectRevert(abi.encodeWithSelector(FraudProofs.DemandAnswered.selector, k));
        fraud.finalizeAvailability(k, signersOf(SIGNERS));
        vm.assertFalse(oracle.isOutputInvalidated(o), "output stands");
        for (uint256 i = 0; i < 4; ++i) {
            vm.assertEq(slashable(i), STAKE, "nobody slashed");
        }
    }

    function test_unansweredDemandInvalidatesAndSlashes() public {
        uint256 o = postAttested(fraudOutputRoot(), 10, SIGNERS);
        bytes32 k = demand(o, "cheating");
        // Wrong bytes do not answer; the right ones after the deadline are too late.
        vm.expectRevert(FraudProofs.OpeningsDigestMismatch.selector);
        fraud.provideOpenings(k, vm.parseJsonBytes(fv, ".honest.tiles"), vm.parseJsonBytes(fv, ".honest.proof"));
        vm.expectRevert(abi.encodeWithSelector(FraudProofs.AvailabilityWindowOpen.selector, k, block.timestamp + AVAILABILITY_WINDOW));
        fraud.finalizeAvailability(k, signersOf(SIGNERS));
        vm.warp(block.timestamp + AVAILABILITY_WINDOW + 1);
        bytes memory tiles = vm.parseJsonBytes(fv, ".cheating.tiles");
        bytes memory proof = vm.parseJsonBytes(fv, ".cheating.proof");
        vm.expectRevert(
            abi.encodeWithSelector(FraudProofs.AvailabilityWindowOver.selector, k, block.timestamp - 1)
        );
        fraud.provideOpenings(k, tiles, proof);

        vm.expectEmit(true, false, false, false, address(portal));
        emit ChallengeInvalidated(7);
        fraud.finalizeAvailability(k, signersOf(SIGNERS));
        vm.assertTrue(oracle.isOutputInvalidated(o), "output invalid");
        vm.assertEq(slashable(3), STAKE, "the non-signer is untouched");
        uint256 taken = 0;
        for (uint256 i = 0; i < 3; ++i) {
            assertSlashedBy(STAKE, slashable(i), WAD_AVAILABILITY, "signer slashed by the availability WAD");
            taken += STAKE - slashable(i);
        }
        vm.assertEq(token.balanceOf(WATCHER), taken * CHALLENGER_BPS / 10_000, "the demander is paid");
        vm.assertEq(token.balanceOf(TREASURY), taken - token.balanceOf(WATCHER), "treasury");
        vm.expectRevert(abi.encodeWithSelector(FraudProofs.DemandSettled.selector, k));
        fraud.finalizeAvailability(k, signersOf(SIGNERS));
    }

    function test_demandsOnlyOfPassedRecordsInOpenOutputsAndEarlyEnough() public {
        uint256 o = postAttested(fraudOutputRoot(), 10, SIGNERS);
        string memory p = ".failed.";
        OutputRootProof memory pre = fraudPreimage();
        bytes memory rec = vm.parseJsonBytes(fv, string.concat(p, "record"));
        bytes memory rp = vm.parseJsonBytes(fv, string.concat(p, "recordProof"));
        vm.expectRevert(abi.encodeWithSelector(FraudProofs.RecordNotPassed.selector, uint8(6)));
        fraud.demandOpenings{value: DEMAND_BOND}(o, pre, rec, rp);
        // The cheating record with the FAILED record's proof: not in the state.
        bytes memory cheat = vm.parseJsonBytes(fv, ".cheating.record");
        vm.expectRevert(FraudProofs.RecordNotProven.selector);
        fraud.demandOpenings{value: DEMAND_BOND}(o, pre, cheat, rp);
        bytes32 k = demand(o, "cheating");
        vm.expectRevert(abi.encodeWithSelector(FraudProofs.AlreadyProven.selector, k));
        demand(o, "cheating");
        // Too late: the answer would leave no time to prove from it before the output is final.
        uint256 o2 = postAttested(fraudOutputRoot(), 11, SIGNERS);
        (, uint256 finalizesAt,) = oracle.outputStatus(o2);
        vm.warp(finalizesAt - 2 * AVAILABILITY_WINDOW + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                FraudProofs.DemandTooLate.selector, finalizesAt - AVAILABILITY_WINDOW + 1, finalizesAt - AVAILABILITY_WINDOW
            )
        );
        demand(o2, "cheating");
    }

    function test_settledAfterAnotherProofOnlyRecordsTheVerdict() public {
        uint256 o = postAttested(fraudOutputRoot(), 10, SIGNERS);
        bytes32 k = demand(o, "honest");
        fraud.proveInvalidCompute(o, signersOf(SIGNERS), claim("cheating"));
        uint256 after1 = slashable(1);
        vm.warp(block.timestamp + AVAILABILITY_WINDOW + 1);
        vm.expectEmit(true, false, false, false, address(portal));
        emit ChallengeInvalidated(8);
        fraud.finalizeAvailability(k, signersOf(SIGNERS));
        vm.assertEq(slashable(1), after1, "no second slash for one output");
    }
}
