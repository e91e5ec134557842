// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FraudProofs} from "../src/FraudProofs.sol";
import {OutputRootProof} from "../src/lib/OutputRootLib.sol";
import {FraudProofsFixture} from "./FraudProofsFixture.sol";

/// @notice Refuses ETH until told otherwise: a demander that would block its own settlement.
contract BondRefuser {
    bool internal open;

    function setOpen(bool o) external {
        open = o;
    }

    function demand(FraudProofs f, uint256 outputIndex, uint64 id) external payable returns (bytes32) {
        return f.demandRecord{value: msg.value}(outputIndex, id);
    }

    function withdraw(FraudProofs f) external {
        f.withdrawBonds();
    }

    receive() external payable {
        require(open, "no ETH");
    }
}

/// @notice Record demands (a challenger's way to the dishonest state) and the demand bonds, on the
///         fixture's stack: answered by inclusion (the answer then proves invalid compute) or by
///         exclusion, every rejected answer, and an unanswered demand invalidating and slashing
///         without a Portal verdict; bonds go to the answerer or back to the demander, none stays.
contract FraudProofsRecordTest is FraudProofsFixture {
    event RecordDemanded(
        bytes32 indexed demandKey,
        uint256 indexed outputIndex,
        uint256 indexed challengeId,
        uint256 deadline,
        address demander
    );
    event RecordProvided(bytes32 indexed demandKey, OutputRootProof preimage, bytes record, bytes recordProof);

    /// Operators 0-2 sign; 3 does not.
    uint256 internal constant SIGNERS = 0x07;
    address internal constant ANSWERER = address(0xA115);
    /// Exclusion proofs of ids 11 (ends at another key's leaf) and 12 (ends at an empty subtree)
    /// under the fraud vectors' state root, by chain/smt's `prove` + `encodeSmtProof` over
    /// test/vectors/fraudCases.ts's `buildFraudState` tree.
    bytes internal constant ABSENT_11 =
        hex"010006fc904d2b70bb1cbefd8ed88ae3067dd3f90ff162295b3504942d808b6a8a22c33e3da5b686e3bf2e72a8e0c12feb60c790417b916e51eda4bbd3c45492d7e53d414fa9f6d7d9fae931ae1391ee9b3d72b810c1c2d4e4eb797d44f1011f9cb553b2b227e94ffce8c19a4510f88334f0c10b1ead71ebafcf2f06b9840392670329b3327a398ad1f43721ffe946f420fd71ef30f714f2109055a92b8e3de44c696005689d0753c016042d469414a3d7f6c85d185133a3610348197d270039339b1d8f2782a7ec4f5564a9092be64ce06f7a75fe83cbaa6cf9f598d4b69558bf81a4c2707d56f1f282aee234577e650bea2e7b18bb6131a499582be18876aba99d4b60";
    bytes internal constant ABSENT_12 =
        hex"000003e068d5519ec8db8e507268a34e1df6bd9c7021e40175abbff7742fe8e1372a019376a39705a78edbe080d4494aa968a80aaf6d9e668a6a56dd132d692571a9eed55d595f82104fffffda53ffdcd0e82b0b0861e566b397f07124c2f484c6c0c95c";

    function setUp() public {
        setUpFraud();
        fund(WATCHER, 1 ether);
    }

    function demandRecord(uint256 o, uint64 id) internal returns (bytes32) {
        vm.prank(WATCHER);
        return fraud.demandRecord{value: DEMAND_BOND}(o, id);
    }

    function rec(string memory name) internal view returns (bytes memory) {
        return vm.parseJsonBytes(fv, string.concat(".", name, ".record"));
    }

    function proofOf(string memory name) internal view returns (bytes memory) {
        return vm.parseJsonBytes(fv, string.concat(".", name, ".recordProof"));
    }

    function answer(bytes32 k, bytes memory record, bytes memory proof) internal {
        vm.prank(ANSWERER);
        fraud.provideRecord(k, fraudPreimage(), record, proof);
    }

    function test_answeredByInclusionPaysTheAnswererAndTheAnswerProvesFraud() public {
        uint256 o = postAttested(fraudOutputRoot(), 10, SIGNERS);
        uint256 watcherEth = WATCHER.balance;
        bytes32 k = keccak256(abi.encode("record", o, uint256(7)));
        vm.expectEmit(true, true, true, true, address(fraud));
        emit RecordDemanded(k, o, 7, block.timestamp + AVAILABILITY_WINDOW, WATCHER);
        bytes32 got = demandRecord(o, 7);
        vm.snapshotGasLastCall("demandRecord");
        vm.assertEq(got, k, "demand key");
        vm.assertEq(WATCHER.balance, watcherEth - DEMAND_BOND, "bond taken");
        vm.assertEq(address(fraud).balance, DEMAND_BOND, "bond held");

        vm.warp(block.timestamp + AVAILABILITY_WINDOW); // the deadline itself is in time
        vm.expectEmit(true, false, false, true, address(fraud));
        emit RecordProvided(k, fraudPreimage(), rec("cheating"), proofOf("cheating"));
        answer(k, rec("cheating"), proofOf("cheating"));
        vm.snapshotGasLastCall("provideRecord_inclusion");
        vm.assertEq(ANSWERER.balance, DEMAND_BOND, "the answerer gets the bond");
        vm.assertEq(address(fraud).balance, 0, "no ETH stays");
        vm.expectRevert(abi.encodeWithSelector(FraudProofs.DemandAnswered.selector, k));
        answer(k, rec("cheating"), proofOf("cheating"));
        vm.warp(block.timestamp + 1);
        vm.expectRevert(abi.encodeWithSelector(FraudProofs.DemandAnswered.selector, k));
        fraud.finalizeRecordDemand(k, signersOf(SIGNERS));
        vm.assertFalse(oracle.isOutputInvalidated(o), "an answer changes nothing");
        vm.assertEq(slashable(0), STAKE, "nobody slashed");
        // What the answer revealed is what the invalid-compute proof needs.
        vm.prank(WATCHER);
        fraud.proveInvalidCompute(o, signersOf(SIGNERS), claim("cheating"));
        vm.assertTrue(oracle.isOutputInvalidated(o), "proven from the answer");
    }

    function test_answeredByExclusionOfEitherKind() public {
        uint256 o = postAttested(fraudOutputRoot(), 10, SIGNERS);
        bytes32 k11 = demandRecord(o, 11);
        bytes32 k12 = demandRecord(o, 12);
        // Each proof is for its own key only; an inclusion proof is no exclusion proof.
        vm.expectRevert(FraudProofs.RecordNotProven.selector);
        answer(k11, "", ABSENT_12);
        vm.expectRevert(FraudProofs.RecordNotProven.selector);
        answer(k11, "", proofOf("cheating"));
        answer(k11, "", ABSENT_11);
        answer(k12, "", ABSENT_12);
        vm.snapshotGasLastCall("provideRecord_exclusion");
        vm.assertEq(ANSWERER.balance, 2 * DEMAND_BOND, "both bonds to the answerer");
        // A present record cannot be answered as absent.
        bytes32 k7 = demandRecord(o, 7);
        vm.expectRevert(FraudProofs.RecordNotProven.selector);
        answer(k7, "", ABSENT_11);
    }

    function test_wrongPreimageIdOrProofIsNoAnswer() public {
        uint256 o = postAttested(fraudOutputRoot(), 10, SIGNERS);
        bytes32 k = demandRecord(o, 8);
        OutputRootProof memory bad = fraudPreimage();
        bad.withdrawalsRoot = keccak256("another tree");
        vm.prank(ANSWERER);
        vm.expectRevert(abi.encodeWithSelector(FraudProofs.InvalidOutputRootProof.selector, o));
        fraud.provideRecord(k, bad, rec("honest"), proofOf("honest"));
        // Another record, with its own valid proof: not the one demanded.
        vm.expectRevert(abi.encodeWithSelector(FraudProofs.RecordIdMismatch.selector, uint64(7), uint64(8)));
        answer(k, rec("cheating"), proofOf("cheating"));
        // The demanded record with another record's proof, or changed by one byte.
        vm.expectRevert(FraudProofs.RecordNotProven.selector);
        answer(k, rec("honest"), proofOf("cheating"));
        bytes memory changed = rec("honest");
        changed[changed.length - 1] ^= 0x01;
        vm.expectRevert(FraudProofs.RecordNotProven.selector);
        answer(k, changed, proofOf("honest"));
        vm.expectRevert(FraudProofs.RecordMalformed.selector);
        answer(k, hex"ff", proofOf("honest"));
        // The demanded record PASSED but without its openings digest (fraudCases.ts's honest record
        // less that field): it could never be proven wrong, so it answers nothing.
        vm.expectRevert(FraudProofs.RecordMalformed.selector);
        answer(
            k,
            hex"08081214aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1864200530e80738014230b55e7cb2d5c613ee0b2e28d6750aabbb78c39dcc96bd9d38c2c2e12198df95571de8e8e402a0cc48871c7089a2b3af4b48882750f02e5a20f1c5be7cb70c3ed261a373d67cd8755d133ce57ac7c8343a3eaface6a433194a60026a30b6b6a585449b66eb12e875b64fcbab3799861a00e4dbf092d99e969a5eac57dd3f798acf61e705fe4f093db92662680770b0ea0182010204d288010c",
            proofOf("honest")
        );
        vm.expectRevert(abi.encodeWithSelector(FraudProofs.UnknownDemand.selector, bytes32(uint256(1))));
        answer(bytes32(uint256(1)), rec("honest"), proofOf("honest"));
        answer(k, rec("honest"), proofOf("honest"));
        vm.assertEq(ANSWERER.balance, DEMAND_BOND, "only the right answer is paid");
    }

    function test_unansweredDemandInvalidatesSlashesAndRefundsWithoutAVerdict() public {
        uint256 o = postAttested(fraudOutputRoot(), 10, SIGNERS);
        vm.roll(block.number + 1);
        uint256 later = postAttested(keccak256("a later output"), 11, SIGNERS);
        uint256 watcherEth = WATCHER.balance;
        bytes32 k = demandRecord(o, 7);
        uint256 deadline = block.timestamp + AVAILABILITY_WINDOW;
        vm.expectRevert(abi.encodeWithSelector(FraudProofs.AvailabilityWindowOpen.selector, k, deadline));
        fraud.finalizeRecordDemand(k, signersOf(SIGNERS));
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(FraudProofs.AvailabilityWindowOver.selector, k, deadline));
        answer(k, rec("cheating"), proofOf("cheating"));
        vm.expectRevert(abi.encodeWithSelector(FraudProofs.SignersMismatch.selector, o));
        fraud.finalizeRecordDemand(k, signersOf(0x03));
        // Without the Portal's verdict role: a verdict call would revert the settlement.
        bytes32 verdictRole = portal.VERDICT_ROLE();
        vm.prank(ADMIN);
        portal.revokeRole(verdictRole, address(fraud));
        fraud.finalizeRecordDemand(k, signersOf(SIGNERS));
        vm.snapshotGasLastCall("finalizeRecordDemand_3_signers");

        vm.assertTrue(oracle.isOutputInvalidated(o), "output invalid");
        vm.assertTrue(oracle.isOutputInvalidated(later), "later output invalid");
        vm.assertEq(slashable(3), STAKE, "the non-signer is untouched");
        uint256 taken = 0;
        for (uint256 i = 0; i < 3; ++i) {
            assertSlashedBy(STAKE, slashable(i), WAD_AVAILABILITY, "signer slashed by the availability WAD");
            taken += STAKE - slashable(i);
        }
        vm.assertEq(token.balanceOf(WATCHER), taken * CHALLENGER_BPS / 10_000, "the demander is paid");
        vm.assertEq(token.balanceOf(TREASURY), taken - token.balanceOf(WATCHER), "treasury");
        vm.assertEq(WATCHER.balance, watcherEth, "the bond is back");
        vm.assertEq(address(fraud).balance, 0, "no ETH stays");
        vm.expectRevert(abi.encodeWithSelector(FraudProofs.DemandSettled.selector, k));
        fraud.finalizeRecordDemand(k, signersOf(SIGNERS));
    }

    function test_settledAfterAnotherProofOnlyRefunds() public {
        uint256 o = postAttested(fraudOutputRoot(), 10, SIGNERS);
        uint256 watcherEth = WATCHER.balance;
        bytes32 k = demandRecord(o, 8);
        fraud.proveInvalidCompute(o, signersOf(SIGNERS), claim("cheating"));
        uint256 after1 = slashable(1);
        vm.warp(block.timestamp + AVAILABILITY_WINDOW + 1);
        fraud.finalizeRecordDemand(k, signersOf(SIGNERS));
        vm.assertEq(slashable(1), after1, "no second slash for one output");
        vm.assertEq(WATCHER.balance, watcherEth, "the bond is back");
    }

    function test_demandRulesAndBondValue() public {
        uint256 o = postAttested(fraudOutputRoot(), 10, SIGNERS);
        vm.prank(WATCHER);
        vm.expectRevert(abi.encodeWithSelector(FraudProofs.WrongDemandBond.selector, 0, DEMAND_BOND));
        fraud.demandRecord(o, 7);
        vm.prank(WATCHER);
        vm.expectRevert(abi.encodeWithSelector(FraudProofs.WrongDemandBond.selector, DEMAND_BOND + 1, DEMAND_BOND));
        fraud.demandRecord{value: DEMAND_BOND + 1}(o, 7);
        vm.prank(WATCHER);
        vm.expectRevert(abi.encodeWithSelector(FraudProofs.WrongDemandBond.selector, 0, DEMAND_BOND));
        fraud.demandOpenings(o, fraudPreimage(), rec("cheating"), proofOf("cheating"));
        vm.expectRevert(abi.encodeWithSelector(FraudProofs.UnknownOutput.selector, o + 1));
        demandRecord(o + 1, 7);
        bytes32 k = demandRecord(o, 7);
        vm.expectRevert(abi.encodeWithSelector(FraudProofs.AlreadyProven.selector, k));
        demandRecord(o, 7);
        // The openings demand of the same record is another demand (its own key).
        vm.prank(WATCHER);
        bytes32 ko = fraud.demandOpenings{value: DEMAND_BOND}(o, fraudPreimage(), rec("cheating"), proofOf("cheating"));
        vm.assertTrue(ko != k, "distinct keys");
        vm.expectRevert(abi.encodeWithSelector(FraudProofs.UnknownDemand.selector, ko));
        fraud.finalizeRecordDemand(ko, signersOf(SIGNERS));
        // Too late: the answer would leave no time to prove from it before the output is final.
        uint256 o2 = postAttested(fraudOutputRoot(), 11, SIGNERS);
        (, uint256 finalizesAt,) = oracle.outputStatus(o2);
        vm.warp(finalizesAt - 2 * AVAILABILITY_WINDOW + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                FraudProofs.DemandTooLate.selector,
                finalizesAt - AVAILABILITY_WINDOW + 1,
                finalizesAt - AVAILABILITY_WINDOW
            )
        );
        demandRecord(o2, 7);
        vm.warp(finalizesAt - 2 * AVAILABILITY_WINDOW);
        demandRecord(o2, 7);
        vm.assertEq(address(fraud).balance, 3 * DEMAND_BOND, "three demands held");
    }

    function test_openingsBondsGoToTheAnswererOrBackToTheDemander() public {
        uint256 o = postAttested(fraudOutputRoot(), 10, SIGNERS);
        uint256 watcherEth = WATCHER.balance;
        vm.startPrank(WATCHER);
        bytes32 kh = fraud.demandOpenings{value: DEMAND_BOND}(o, fraudPreimage(), rec("honest"), proofOf("honest"));
        bytes32 kc = fraud.demandOpenings{value: DEMAND_BOND}(o, fraudPreimage(), rec("cheating"), proofOf("cheating"));
        vm.stopPrank();
        vm.prank(ANSWERER);
        fraud.provideOpenings(kh, vm.parseJsonBytes(fv, ".honest.tiles"), vm.parseJsonBytes(fv, ".honest.proof"));
        vm.assertEq(ANSWERER.balance, DEMAND_BOND, "answerer paid");
        vm.warp(block.timestamp + AVAILABILITY_WINDOW + 1);
        fraud.finalizeAvailability(kc, signersOf(SIGNERS));
        vm.assertEq(WATCHER.balance, watcherEth - DEMAND_BOND, "one bond back, one paid out");
        vm.assertEq(address(fraud).balance, 0, "no ETH stays");
    }

    function test_aDemanderRefusingETHCannotBlockItsSettlement() public {
        BondRefuser r = new BondRefuser();
        uint256 o = postAttested(fraudOutputRoot(), 10, SIGNERS);
        bytes32 k = r.demand{value: DEMAND_BOND}(fraud, o, 7);
        vm.warp(block.timestamp + AVAILABILITY_WINDOW + 1);
        fraud.finalizeRecordDemand(k, signersOf(SIGNERS));
        vm.assertTrue(oracle.isOutputInvalidated(o), "settled anyway");
        vm.assertEq(fraud.bondsOwed(address(r)), DEMAND_BOND, "credited");
        vm.expectRevert(FraudProofs.BondTransferFailed.selector);
        r.withdraw(fraud);
        r.setOpen(true);
        r.withdraw(fraud);
        vm.assertEq(address(r).balance, DEMAND_BOND, "withdrawn");
        vm.assertEq(address(fraud).balance, 0, "no ETH stays");
        vm.expectRevert(FraudProofs.NothingOwed.selector);
        r.withdraw(fraud);
    }
}
