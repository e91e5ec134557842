// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAllocationManagerErrors, IAllocationManagerTypes} from "../eigenlayer/interfaces/IAllocationManager.sol";
import {IStrategy} from "../eigenlayer/interfaces/IStrategy.sol";
import {ChallengeRecord} from "../src/fraud/ChallengeRecord.sol";
import {InvalidComputeProof} from "../src/fraud/InvalidComputeProof.sol";
import {FraudProofs} from "../src/FraudProofs.sol";
import {Bn254} from "../src/lib/Bn254.sol";
import {Withdrawal} from "../src/lib/WithdrawalLib.sol";
import {Portal} from "../src/Portal.sol";
import {FraudProofsFixture} from "./FraudProofsFixture.sol";

/// @notice Invalid compute and equivocation, end to end on the real stand-in with real BLS
///         signatures: a dishonest majority (operators 0-2 of 4) attests an output whose state
///         credits a faked reveal; the challenger's one transaction slashes exactly them, pays the
///         challenger and the treasury, invalidates the output and every later one, and keeps a
///         withdrawal proven against it from ever finalizing.
contract FraudProofsTest is FraudProofsFixture {
    event ChallengeInvalidated(uint256 indexed challengeId);

    uint256 internal constant DISHONEST = 0x07;
    uint64 internal constant CHEATING_ID = 7;

    function setUp() public {
        setUpFraud();
    }

    function test_dishonestMajorityIsSlashedAndTheChallengerPaid() public {
        uint256 o = postAttested(fraudOutputRoot(), 10, DISHONEST);
        vm.assertEq(oracle.signersHash(o), keccak256(abi.encodePacked(signersOf(DISHONEST))), "signers recorded");
        vm.roll(block.number + 1);
        uint256 later = postAttested(keccak256("a later output"), 11, DISHONEST);
        // A withdrawal proven against the bad output before anyone notices.
        Withdrawal memory w = treeWithdrawal(TREE, 0);
        portal.proveWithdrawal(o, fraudPreimage(), w, treeProof(TREE, 0));

        uint256[4] memory before;
        for (uint256 i = 0; i < 4; ++i) {
            before[i] = slashable(i);
            vm.assertEq(before[i], STAKE, "staked");
        }
        vm.warp(block.timestamp + 300);
        vm.expectEmit(true, false, false, false, address(portal));
        emit ChallengeInvalidated(CHEATING_ID);
        vm.prank(WATCHER);
        fraud.proveInvalidCompute(o, signersOf(DISHONEST), claim("cheating"));

        uint256 taken = 0;
        for (uint256 i = 0; i < 3; ++i) {
            uint256 now_ = slashable(i);
            assertSlashedBy(before[i], now_, WAD_INVALID_COMPUTE, "signer slashed by the invalid-compute WAD");
            taken += before[i] - now_;
        }
        vm.assertEq(slashable(3), before[3], "the honest non-signer is untouched");
        uint256 paid = token.balanceOf(WATCHER);
        vm.assertEq(paid, taken * CHALLENGER_BPS / 10_000, "challenger's share of everything slashed");
        vm.assertEq(token.balanceOf(TREASURY), taken - paid, "treasury gets the rest");
        vm.assertEq(token.balanceOf(address(fraud)), 0, "nothing stays in the slasher");
        vm.assertTrue(oracle.isOutputInvalidated(o), "output invalid");
        vm.assertTrue(oracle.isOutputInvalidated(later), "later output invalid");

        vm.warp(block.timestamp + WINDOW + 1);
        vm.expectRevert(abi.encodeWithSelector(Portal.OutputInvalidated.selector, o));
        portal.finalizeWithdrawal(w);
    }

    function test_replayRevertsAndADifferentOutputIsItsOwnCase() public {
        uint256 o = postAttested(fraudOutputRoot(), 10, DISHONEST);
        InvalidComputeProof.Claim memory c = claim("cheating");
        fraud.proveInvalidCompute(o, signersOf(DISHONEST), c);
        vm.expectRevert(abi.encodeWithSelector(FraudProofs.OutputInvalidated.selector, o));
        fraud.proveInvalidCompute(o, signersOf(DISHONEST), c);
        vm.assertTrue(
            fraud.computeVerdicts(keccak256(abi.encode(o, ChallengeRecord.key(CHEATING_ID)))), "verdict recorded"
        );
    }

    function test_proofAfterTheWindowReverts() public {
        uint256 o = postAttested(fraudOutputRoot(), 10, DISHONEST);
        (, uint256 finalizesAt,) = oracle.outputStatus(o);
        vm.warp(finalizesAt);
        vm.expectRevert(abi.encodeWithSelector(FraudProofs.ChallengeWindowClosed.selector, o, finalizesAt));
        fraud.proveInvalidCompute(o, signersOf(DISHONEST), claim("cheating"));
        vm.assertEq(slashable(0), STAKE, "nobody slashed");
    }

    function test_proofAgainstAValidOutputReverts() public {
        uint256 o = postAttested(fraudOutputRoot(), 10, 0x0f);
        // The honest reveal's record sits in the same state: every sample is right.
        InvalidComputeProof.Claim memory c = claim("honest");
        vm.expectRevert(abi.encodeWithSelector(InvalidComputeProof.SampleCorrect.selector, 0, int256(-18440)));
        fraud.proveInvalidCompute(o, signersOf(0x0f), c);
        // A FAILED record with the cheating openings: the chain already failed it.
        vm.expectRevert(abi.encodeWithSelector(InvalidComputeProof.RecordNotPassed.selector, uint8(6)));
        fraud.proveInvalidCompute(o, signersOf(0x0f), claim("failed"));
        // Another output's root.
        uint256 other = postAttested(keccak256("other"), 11, 0x0f);
        vm.expectRevert(abi.encodeWithSelector(FraudProofs.ClaimOutputMismatch.selector, other));
        fraud.proveInvalidCompute(other, signersOf(0x0f), claim("cheating"));
        vm.assertFalse(oracle.isOutputInvalidated(o), "still valid");
        vm.assertEq(slashable(0), STAKE, "nobody slashed");
    }

    function test_signerListMustBeTheRecordedOne() public {
        uint256 o = postAttested(fraudOutputRoot(), 10, DISHONEST);
        InvalidComputeProof.Claim memory c = claim("cheating");
        // Slashing the honest operator instead of a signer.
        address[] memory wrong = signersOf(0x0b);
        vm.expectRevert(abi.encodeWithSelector(FraudProofs.SignersMismatch.selector, o));
        fraud.proveInvalidCompute(o, wrong, c);
        // Leaving a signer out.
        vm.expectRevert(abi.encodeWithSelector(FraudProofs.SignersMismatch.selector, o));
        fraud.proveInvalidCompute(o, signersOf(0x03), c);
    }

    function test_onlyTheConfiguredSlasherSlashes() public {
        // Directly: anyone but FraudProofs.
        uint256[] memory wads = new uint256[](1);
        wads[0] = 1e17;
        IStrategy[] memory list = new IStrategy[](1);
        list[0] = strategy;
        IAllocationManagerTypes.SlashingParams memory p =
            IAllocationManagerTypes.SlashingParams(operatorAddr(0), SET_ID, list, wads, "not the slasher");
        vm.prank(WATCHER);
        vm.expectRevert(IAllocationManagerErrors.InvalidCaller.selector);
        elAm.slashOperator(AVS, p);
        vm.prank(AVS);
        vm.expectRevert(IAllocationManagerErrors.InvalidCaller.selector);
        elAm.slashOperator(AVS, p);
        // A second FraudProofs with every role but not the set's slasher: the whole proof reverts.
        FraudProofs rogue = new FraudProofs(config(MAX_POSTING_DELAY));
        vm.startPrank(ADMIN);
        oracle.grantRole(oracle.CHALLENGER_ROLE(), address(rogue));
        portal.grantRole(portal.VERDICT_ROLE(), address(rogue));
        vm.stopPrank();
        uint256 o = postAttested(fraudOutputRoot(), 10, DISHONEST);
        vm.expectRevert(IAllocationManagerErrors.InvalidCaller.selector);
        rogue.proveInvalidCompute(o, signersOf(DISHONEST), claim("cheating"));
        vm.assertFalse(oracle.isOutputInvalidated(o), "nothing half-applied");
        vm.assertEq(slashable(0), STAKE, "nobody slashed");
    }

    function test_verdictOnlyFromTheVerdictRole() public {
        vm.prank(WATCHER);
        vm.expectRevert();
        portal.recordVerdict(CHEATING_ID);
    }

    function test_timingInvariantIsCheckedAtDeployment() public {
        // windowBlocks 50 + 150 = 200 = DEALLOCATION_DELAY: a signer could be gone before the window ends.
        vm.expectRevert(
            abi.encodeWithSelector(
                FraudProofs.TimingInvariantViolated.selector, WINDOW_BLOCKS, 150, DEALLOCATION_DELAY
            )
        );
        new FraudProofs(config(150));
        new FraudProofs(config(149));
    }

    // ---------------------------------------------------------------- equivocation

    function equivocate(uint256 i, uint256 l2Block, bytes32 h, bytes32 a, bytes32 b)
        internal
        view
        returns (bytes32[2] memory roots, Bn254.G1Point[2] memory sigs)
    {
        roots = [a, b];
        sigs[0] = signWith(i, oracle.outputMessageHash(a, l2Block, h));
        sigs[1] = signWith(i, oracle.outputMessageHash(b, l2Block, h));
    }

    function test_equivocationSlashesExactlyTheEquivocator() public {
        bytes32 h = keccak256("l1 block");
        (bytes32[2] memory roots, Bn254.G1Point[2] memory sigs) = equivocate(1, 10, h, "root A", "root B");
        vm.prank(WATCHER);
        fraud.proveEquivocation(operatorAddr(1), 10, h, roots, pkG1(1), pkG2(1), sigs);
        assertSlashedBy(STAKE, slashable(1), WAD_EQUIVOCATION, "equivocator slashed");
        for (uint256 i = 0; i < 4; ++i) {
            if (i != 1) vm.assertEq(slashable(i), STAKE, "others untouched");
        }
        uint256 taken = STAKE - slashable(1);
        vm.assertEq(token.balanceOf(WATCHER), taken * CHALLENGER_BPS / 10_000, "challenger paid");

        vm.expectRevert(
            abi.encodeWithSelector(FraudProofs.AlreadyProven.selector, keccak256(abi.encode(operatorAddr(1), 10, h)))
        );
        fraud.proveEquivocation(operatorAddr(1), 10, h, roots, pkG1(1), pkG2(1), sigs);
    }

    function test_equivocationNeedsTwoRootsTheOperatorsKeyAndItsSignatures() public {
        bytes32 h = keccak256("l1 block");
        (bytes32[2] memory roots, Bn254.G1Point[2] memory sigs) = equivocate(1, 10, h, "root A", "root B");
        bytes32[2] memory same = [roots[0], roots[0]];
        vm.expectRevert(FraudProofs.SameRoot.selector);
        fraud.proveEquivocation(operatorAddr(1), 10, h, same, pkG1(1), pkG2(1), sigs);
        // Operator 1's signatures pinned on operator 2.
        vm.expectRevert(abi.encodeWithSelector(FraudProofs.KeyNotOperators.selector, operatorAddr(2)));
        fraud.proveEquivocation(operatorAddr(2), 10, h, roots, pkG1(1), pkG2(1), sigs);
        // One signature over another L2 block: not two claims about one block.
        Bn254.G1Point[2] memory mixed = [sigs[0], signWith(1, oracle.outputMessageHash(roots[1], 11, h))];
        vm.expectRevert(FraudProofs.InvalidEquivocationSignature.selector);
        fraud.proveEquivocation(operatorAddr(1), 10, h, roots, pkG1(1), pkG2(1), mixed);
        vm.assertEq(slashable(1), STAKE, "nobody slashed");
    }
}

/// @notice With two slashes per transaction: the proof slashes the first two signers, and
///         `slashConvicted` the rest, paying the challenger recorded at conviction.
contract FraudProofsBatchTest is FraudProofsFixture {
    function slashesPerTx() internal pure override returns (uint32) {
        return 2;
    }

    function setUp() public {
        setUpFraud();
    }

    function test_signersBeyondTheBatchAreSlashedLater() public {
        uint256 o = postAttested(fraudOutputRoot(), 10, 0x07);
        vm.expectRevert(abi.encodeWithSelector(FraudProofs.NotConvicted.selector, o));
        fraud.slashConvicted(o, signersOf(0x07));
        vm.prank(WATCHER);
        fraud.proveInvalidCompute(o, signersOf(0x07), claim("cheating"));
        assertSlashedBy(STAKE, slashable(0), WAD_INVALID_COMPUTE, "first batch: 0");
        assertSlashedBy(STAKE, slashable(1), WAD_INVALID_COMPUTE, "first batch: 1");
        vm.assertEq(slashable(2), STAKE, "not yet");
        uint256 paid = token.balanceOf(WATCHER);
        vm.expectRevert(abi.encodeWithSelector(FraudProofs.SignersMismatch.selector, o));
        fraud.slashConvicted(o, signersOf(0x03));
        fraud.slashConvicted(o, signersOf(0x07)); // anyone; the watcher is paid
        assertSlashedBy(STAKE, slashable(2), WAD_INVALID_COMPUTE, "second batch: 2");
        vm.assertEq(slashable(3), STAKE, "non-signer");
        vm.assertTrue(token.balanceOf(WATCHER) > paid, "the challenger is paid for the later batch too");
        vm.expectRevert(abi.encodeWithSelector(FraudProofs.AllSignersSlashed.selector, o));
        fraud.slashConvicted(o, signersOf(0x07));
    }
}
