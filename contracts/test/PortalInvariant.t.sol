// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {FlopsCredit} from "../src/FlopsCredit.sol";
import {OutputRootProof} from "../src/lib/OutputRootLib.sol";
import {Withdrawal} from "../src/lib/WithdrawalLib.sol";
import {OutputOracle} from "../src/OutputOracle.sol";
import {Portal} from "../src/Portal.sol";
import {Fixture} from "./utils/Fixture.sol";

/// @notice Random sequences of proposals (of the honest tree and of a forged tree that pays the
///         same indices to others), invalidations, proofs, finalizations, deposits and time.
contract PortalHandler is Fixture {
    uint256 internal constant N = 8;

    OutputRootProof[2] internal preimages;
    bytes32[2] internal roots;
    Withdrawal[N][2] internal ws;
    bytes[N][2] internal proofs;

    /// Ghosts: what finalizations and deposits did, as the handler saw them.
    uint256[N] public paidCount;
    uint256 public totalPaid;
    uint256 public totalDeposited;
    uint256 public finalizations;

    constructor(Portal portal_, OutputOracle oracle_, string memory vectors_) {
        portal = portal_;
        oracle = oracle_;
        credit = portal_.credit();
        vectors = vectors_;
        string[2] memory trees = ["honestTree", "forgedTree"];
        for (uint256 t = 0; t < 2; t++) {
            preimages[t] = treePreimage(trees[t]);
            roots[t] = treeOutputRoot(trees[t]);
            for (uint256 i = 0; i < N; i++) {
                ws[t][i] = treeWithdrawal(trees[t], i);
                proofs[t][i] = treeProof(trees[t], i);
            }
        }
    }

    function proposeOutput(bool forged) external {
        vm.roll(block.number + 1);
        propose(roots[forged ? 1 : 0], oracle.nextL2BlockNumber());
    }

    function invalidate(uint256 seed) external {
        uint256 count = oracle.outputCount();
        if (count == 0) return;
        vm.prank(CHALLENGER);
        try oracle.invalidateOutputs(seed % count) {} catch {}
    }

    function prove(uint256 seed, bool forged, uint256 i) external {
        uint256 count = oracle.outputCount();
        if (count == 0) return;
        uint256 t = forged ? 1 : 0;
        i %= N;
        try portal.proveWithdrawal(seed % count, preimages[t], ws[t][i], proofs[t][i]) {} catch {}
    }

    function finalize(bool forged, uint256 i) external {
        Withdrawal memory w = ws[forged ? 1 : 0][i % N];
        (uint64 outputIndex,) = portal.provenWithdrawals(portal.withdrawalLeafHash(w));
        try portal.finalizeWithdrawal(w) {
            // Paid only from a final, valid output.
            vm.assertTrue(oracle.isOutputFinalized(outputIndex), "paid from a non-final output");
            paidCount[w.index]++;
            totalPaid += w.amount;
            finalizations++;
        } catch {}
    }

    function deposit(bool forged, uint256 i, uint256 amount) external {
        address holder = ws[forged ? 1 : 0][i % N].to;
        uint256 balance = credit.balanceOf(holder);
        if (balance == 0) return;
        amount = bound(amount, 1, balance);
        vm.prank(holder);
        portal.depositCredits(holder, amount);
        totalDeposited += amount;
    }

    function wait(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 0, WINDOW));
    }

    /// The most the Portal may have paid: per index, the largest amount of a withdrawal proven
    /// against an output that is final now.
    function provenAndFinal() external view returns (uint256 total) {
        for (uint256 i = 0; i < N; i++) {
            uint256 best;
            for (uint256 t = 0; t < 2; t++) {
                (uint64 o, uint64 provenAt) = portal.provenWithdrawals(portal.withdrawalLeafHash(ws[t][i]));
                if (provenAt != 0 && oracle.isOutputFinalized(o) && ws[t][i].amount > best) best = ws[t][i].amount;
            }
            total += best;
        }
    }

    function isPaid(uint256 i) external view returns (bool) {
        return portal.isWithdrawalFinalized(ws[0][i].index);
    }
}

contract PortalInvariantTest is Fixture {
    PortalHandler internal handler;

    function setUp() public {
        deployAll();
        handler = new PortalHandler(portal, oracle, vectors);
        vm.label(address(handler), "PortalHandler");
    }

    /// Forge fuzzes only the handler's functions.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function invariant_noWithdrawalPaidTwice() public view {
        for (uint256 i = 0; i < 8; i++) {
            vm.assertLe(handler.paidCount(i), 1, "a withdrawal index was paid twice");
            vm.assertEq(handler.isPaid(i), handler.paidCount(i) == 1, "finalized flag disagrees");
        }
    }

    function invariant_mintedAtMostProvenAndFinal() public view {
        // Every token in existence or burned by a deposit was minted by a finalization...
        vm.assertEq(credit.totalSupply() + handler.totalDeposited(), handler.totalPaid(), "mints outside finalize");
        // ...and no more was minted than withdrawals proven against final outputs.
        vm.assertLe(handler.totalPaid(), handler.provenAndFinal(), "minted above proven-and-final withdrawals");
    }
}
