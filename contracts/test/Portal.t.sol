// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {OutputRootProof} from "../src/lib/OutputRootLib.sol";
import {Withdrawal} from "../src/lib/WithdrawalLib.sol";
import {OutputOracle} from "../src/OutputOracle.sol";
import {Portal} from "../src/Portal.sol";
import {Fixture} from "./utils/Fixture.sol";

contract PortalTest is Fixture {
    event CreditsDeposited(uint256 indexed depositId, address indexed from, address indexed to, uint256 amount);
    event TransactionForced(uint256 indexed forcedTxIndex, address indexed sender, bytes signedTx);
    event WithdrawalProven(
        uint256 indexed index, bytes32 indexed leafHash, uint256 indexed outputIndex, address prover
    );
    event WithdrawalFinalized(uint256 indexed index, bytes32 indexed leafHash, address indexed to, uint256 amount);

    string internal constant HONEST = "honestTree";
    string internal constant FORGED = "forgedTree";

    function setUp() public {
        deployAll();
    }

    // ---- construction ----

    function test_constructorChecks() public {
        vm.expectRevert(abi.encodeWithSelector(Portal.GenesisMismatch.selector, keccak256("other"), GENESIS));
        new Portal(ADMIN, GUARDIAN, oracle, keccak256("other"), MAX_TX_BYTES, RATE_WINDOW, RATE_CAPACITY);
        vm.expectRevert(Portal.ZeroValue.selector);
        new Portal(ADMIN, address(0), oracle, GENESIS, MAX_TX_BYTES, RATE_WINDOW, RATE_CAPACITY);
        vm.expectRevert(Portal.ZeroValue.selector);
        new Portal(ADMIN, GUARDIAN, oracle, GENESIS, 0, RATE_WINDOW, RATE_CAPACITY);
        vm.expectRevert(Portal.ZeroValue.selector);
        new Portal(ADMIN, GUARDIAN, oracle, GENESIS, MAX_TX_BYTES, 0, RATE_CAPACITY);
        vm.assertEq(address(portal.oracle()), address(oracle), "oracle");
        vm.assertEq(portal.maxTxBytes(), MAX_TX_BYTES, "maxTxBytes");
    }

    // ---- deposits ----

    function fund(address who, uint256 amount) internal {
        vm.prank(address(portal));
        credit.mint(who, amount);
    }

    function test_depositBurnsAndEmitsSequentialIds() public {
        fund(USER, 100);
        vm.expectEmit(true, true, true, true, address(portal));
        emit CreditsDeposited(0, USER, address(0xD1), 60);
        vm.prank(USER);
        vm.assertEq(portal.depositCredits(address(0xD1), 60), 0, "id 0");
        vm.expectEmit(true, true, true, true, address(portal));
        emit CreditsDeposited(1, USER, address(0xD2), 40);
        vm.prank(USER);
        vm.assertEq(portal.depositCredits(address(0xD2), 40), 1, "id 1");
        vm.assertEq(credit.balanceOf(USER), 0, "burned");
        vm.assertEq(credit.totalSupply(), 0, "supply");
        vm.assertEq(portal.nextDepositId(), 2, "next id");
    }

    function test_depositRevertPaths() public {
        fund(USER, 10);
        vm.startPrank(USER);
        vm.expectRevert(Portal.ZeroValue.selector);
        portal.depositCredits(address(0xD1), 0);
        vm.expectRevert(Portal.ZeroValue.selector);
        portal.depositCredits(address(0), 1);
        vm.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, USER, 10, 11));
        portal.depositCredits(address(0xD1), 11);
        vm.stopPrank();
        vm.assertEq(portal.nextDepositId(), 0, "no id used");
    }

    // ---- forced transactions ----

    function test_forceTransactionEmitsSequentialIndices() public {
        bytes memory tx0 = hex"0a0b0c";
        vm.expectEmit(true, true, true, true, address(portal));
        emit TransactionForced(0, USER, tx0);
        vm.prank(USER);
        vm.assertEq(portal.forceTransaction(tx0), 0, "index 0");
        vm.prank(USER);
        vm.assertEq(portal.forceTransaction(new bytes(MAX_TX_BYTES)), 1, "maxTxBytes fits");
        vm.assertEq(portal.nextForcedTxIndex(), 2, "next");
    }

    function test_forceTransactionSizeBounds() public {
        vm.expectRevert(abi.encodeWithSelector(Portal.ForcedTxSize.selector, MAX_TX_BYTES + 1, MAX_TX_BYTES));
        portal.forceTransaction(new bytes(MAX_TX_BYTES + 1));
        vm.expectRevert(abi.encodeWithSelector(Portal.ForcedTxSize.selector, 0, MAX_TX_BYTES));
        portal.forceTransaction("");
    }

    // ---- proving ----

    function proposeTree(string memory tree) internal returns (uint256) {
        return propose(treeOutputRoot(tree), oracle.nextL2BlockNumber() + 100);
    }

    function prove(uint256 outputIndex, string memory tree, uint256 i) internal {
        portal.proveWithdrawal(outputIndex, treePreimage(tree), treeWithdrawal(tree, i), treeProof(tree, i));
    }

    function test_proveRecordsAndEmits() public {
        uint256 o = proposeTree(HONEST);
        Withdrawal memory w = treeWithdrawal(HONEST, 3);
        bytes32 leaf = portal.withdrawalLeafHash(w);
        vm.expectEmit(true, true, true, true, address(portal));
        emit WithdrawalProven(w.index, leaf, o, USER);
        vm.prank(USER);
        prove(o, HONEST, 3);
        (uint64 outputIndex, uint64 provenAt) = portal.provenWithdrawals(leaf);
        vm.assertEq(uint256(outputIndex), o, "output index");
        vm.assertEq(uint256(provenAt), block.timestamp, "proven at");
    }

    function test_proveAgainstUnknownOutputReverts() public {
        vm.expectRevert(abi.encodeWithSelector(Portal.UnknownOutput.selector, 0));
        prove(0, HONEST, 0);
    }

    function test_proveAgainstInvalidatedOutputReverts() public {
        uint256 o = proposeTree(HONEST);
        vm.prank(CHALLENGER);
        oracle.invalidateOutputs(o);
        vm.expectRevert(abi.encodeWithSelector(Portal.OutputInvalidated.selector, o));
        prove(o, HONEST, 0);
    }

    function test_proveWithWrongPreimageReverts() public {
        uint256 o = proposeTree(HONEST);
        OutputRootProof memory p = treePreimage(FORGED);
        Withdrawal memory w = treeWithdrawal(FORGED, 0);
        bytes memory proof = treeProof(FORGED, 0);
        vm.expectRevert(abi.encodeWithSelector(Portal.InvalidOutputRootProof.selector, o));
        portal.proveWithdrawal(o, p, w, proof);
    }

    function test_forgedWithdrawalProofReverts() public {
        uint256 o = proposeTree(HONEST);
        OutputRootProof memory p = treePreimage(HONEST);
        Withdrawal memory w = treeWithdrawal(HONEST, 2);
        bytes memory proof = treeProof(HONEST, 2);
        w.amount += 1;
        vm.expectRevert(abi.encodeWithSelector(Portal.InvalidWithdrawalProof.selector, w.index));
        portal.proveWithdrawal(o, p, w, proof);
        // Another withdrawal's proof does not prove this one.
        w = treeWithdrawal(HONEST, 2);
        proof = treeProof(HONEST, 1);
        vm.expectRevert(abi.encodeWithSelector(Portal.InvalidWithdrawalProof.selector, w.index));
        portal.proveWithdrawal(o, p, w, proof);
    }

    /// Any change to any field of a withdrawal makes its proof fail.
    /// forge-config: default.fuzz.runs = 64
    function testFuzz_alteredWithdrawalRejected(uint256 i, uint256 field, uint256 delta) public {
        uint256 o = proposeTree(HONEST);
        i = bound(i, 0, 7);
        delta = bound(delta, 1, type(uint64).max);
        Withdrawal memory w = treeWithdrawal(HONEST, i);
        field = bound(field, 0, 4);
        if (field == 0) w.index = (w.index + delta) % 8 == w.index ? w.index + 8 : (w.index + delta) % 8;
        if (field == 1) w.from = address(uint160(w.from) ^ uint160(delta));
        if (field == 2) w.to = address(uint160(w.to) ^ uint160(delta));
        if (field == 3) w.amount = w.amount ^ delta;
        if (field == 4) w.l2BlockNumber = w.l2BlockNumber ^ delta;
        OutputRootProof memory p = treePreimage(HONEST);
        bytes memory proof = treeProof(HONEST, i);
        vm.expectRevert(abi.encodeWithSelector(Portal.InvalidWithdrawalProof.selector, w.index));
        portal.proveWithdrawal(o, p, w, proof);
    }

    function test_proveIndexAboveU64Reverts() public {
        uint256 o = proposeTree(HONEST);
        OutputRootProof memory p = treePreimage(HONEST);
        Withdrawal memory w = treeWithdrawal(HONEST, 0);
        w.index = uint256(type(uint64).max) + 1;
        vm.expectRevert(abi.encodeWithSelector(Portal.WithdrawalIndexTooLarge.selector, w.index));
        portal.proveWithdrawal(o, p, w, "");
    }

    function test_proveTwiceRevertsUnlessTheOutputWasInvalidated() public {
        uint256 o = proposeTree(HONEST);
        prove(o, HONEST, 0);
        bytes32 leaf = portal.withdrawalLeafHash(treeWithdrawal(HONEST, 0));
        vm.expectRevert(abi.encodeWithSelector(Portal.WithdrawalAlreadyProven.selector, leaf, o));
        prove(o, HONEST, 0);
        vm.prank(CHALLENGER);
        oracle.invalidateOutputs(o);
        uint256 o2 = proposeTree(HONEST);
        prove(o2, HONEST, 0);
        (uint64 outputIndex,) = portal.provenWithdrawals(leaf);
        vm.assertEq(uint256(outputIndex), o2, "re-proven against the new output");
    }

    // ---- finalizing ----

    function test_finalizeMintsOnceAfterTheWindow() public {
        uint256 o = proposeTree(HONEST);
        prove(o, HONEST, 5);
        Withdrawal memory w = treeWithdrawal(HONEST, 5);
        bytes32 leaf = portal.withdrawalLeafHash(w);
        (, uint256 finalizesAt,) = oracle.outputStatus(o);

        vm.warp(finalizesAt - 1);
        vm.expectRevert(abi.encodeWithSelector(Portal.ChallengeWindowOpen.selector, o, finalizesAt));
        portal.finalizeWithdrawal(w);

        vm.warp(finalizesAt);
        vm.expectEmit(true, true, true, true, address(portal));
        emit WithdrawalFinalized(w.index, leaf, w.to, w.amount);
        portal.finalizeWithdrawal(w);
        vm.assertEq(credit.balanceOf(w.to), w.amount, "paid");
        vm.assertTrue(portal.isWithdrawalFinalized(w.index), "marked");

        vm.expectRevert(abi.encodeWithSelector(Portal.WithdrawalAlreadyFinalized.selector, w.index));
        portal.finalizeWithdrawal(w);
        vm.assertEq(credit.totalSupply(), w.amount, "paid once");
    }

    function test_finalizeUnprovenReverts() public {
        Withdrawal memory w = treeWithdrawal(HONEST, 1);
        vm.expectRevert(abi.encodeWithSelector(Portal.WithdrawalNotProven.selector, portal.withdrawalLeafHash(w)));
        portal.finalizeWithdrawal(w);
    }

    function test_finalizeFromOutputInvalidatedAfterProvingReverts() public {
        uint256 o = proposeTree(HONEST);
        prove(o, HONEST, 1);
        vm.prank(CHALLENGER);
        oracle.invalidateOutputs(o);
        vm.warp(block.timestamp + WINDOW);
        vm.expectRevert(abi.encodeWithSelector(Portal.OutputInvalidated.selector, o));
        portal.finalizeWithdrawal(treeWithdrawal(HONEST, 1));
    }

    /// A forged output's withdrawal and the honest one share an index: whichever is paid first,
    /// the index is never paid again.
    function test_conflictingWithdrawalsShareOneIndex() public {
        uint256 forged = proposeTree(FORGED);
        prove(forged, FORGED, 4);
        vm.prank(CHALLENGER);
        oracle.invalidateOutputs(forged);
        uint256 honest = proposeTree(HONEST);
        prove(honest, HONEST, 4);
        vm.warp(block.timestamp + WINDOW);
        vm.expectRevert(abi.encodeWithSelector(Portal.OutputInvalidated.selector, forged));
        portal.finalizeWithdrawal(treeWithdrawal(FORGED, 4));
        portal.finalizeWithdrawal(treeWithdrawal(HONEST, 4));
        vm.expectRevert(abi.encodeWithSelector(Portal.WithdrawalAlreadyFinalized.selector, 4));
        portal.finalizeWithdrawal(treeWithdrawal(FORGED, 4));
    }

    function test_rateLimitExceededThenRefills() public {
        Withdrawal memory w0 = treeWithdrawal(HONEST, 0);
        Withdrawal memory w1 = treeWithdrawal(HONEST, 1);
        uint208 cap = uint208(w0.amount + w1.amount / 2);
        vm.prank(ADMIN);
        portal.setFinalizationRateLimit(1000, cap);
        uint256 o = proposeTree(HONEST);
        prove(o, HONEST, 0);
        prove(o, HONEST, 1);
        vm.warp(block.timestamp + WINDOW);
        portal.finalizeWithdrawal(w0);
        uint256 left = cap - w0.amount;
        vm.expectRevert(abi.encodeWithSelector(Portal.FinalizationRateLimited.selector, w1.amount, left));
        portal.finalizeWithdrawal(w1);
        (uint256 window, uint256 capacity, uint256 available) = portal.finalizationRateLimit();
        vm.assertEq(window, 1000, "window");
        vm.assertEq(capacity, cap, "capacity");
        vm.assertEq(available, left, "available");
        vm.warp(block.timestamp + 1000); // a whole window refills the bucket
        portal.finalizeWithdrawal(w1);
        vm.assertEq(credit.totalSupply(), w0.amount + w1.amount, "both paid");
    }

    function test_setRateLimitRevertPaths() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, GUARDIAN, bytes32(0))
        );
        vm.prank(GUARDIAN);
        portal.setFinalizationRateLimit(1, 1);
        vm.expectRevert(Portal.ZeroValue.selector);
        vm.prank(ADMIN);
        portal.setFinalizationRateLimit(0, 1);
    }

    // ---- pause ----

    function test_nonGuardianCannotPause() public {
        bytes32 role = portal.GUARDIAN_ROLE();
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, ADMIN, role));
        vm.prank(ADMIN);
        portal.pause();
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, USER, role));
        vm.prank(USER);
        portal.pause();
        vm.prank(GUARDIAN);
        portal.pause();
        vm.expectRevert(abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, USER, role));
        vm.prank(USER);
        portal.unpause();
    }

    function test_pauseStopsWithdrawalsOnly() public {
        uint256 o = proposeTree(HONEST);
        prove(o, HONEST, 6);
        vm.prank(GUARDIAN);
        portal.pause();
        vm.expectRevert(Pausable.EnforcedPause.selector);
        prove(o, HONEST, 7);
        vm.warp(block.timestamp + WINDOW);
        Withdrawal memory w = treeWithdrawal(HONEST, 6);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        portal.finalizeWithdrawal(w);
        // Deposits and forced transactions never pause.
        portal.forceTransaction(hex"01");
        fund(USER, 1);
        vm.prank(USER);
        portal.depositCredits(USER, 1);
        vm.prank(GUARDIAN);
        portal.unpause();
        portal.finalizeWithdrawal(w);
        vm.assertEq(credit.balanceOf(w.to), w.amount, "paid after unpause");
    }
}

/// Gas of proving and finalizing at the scale of a busy chain (a withdrawals tree of 100,000
/// leaves). Each measured call is the first in its test and its output was posted in setUp, so
/// storage is cold as in a real transaction. Snapshots: execution gas of the call, and the whole
/// transaction's gas = 21,000 + max(4·tokens + execution, 10·tokens) (EIP-7623), tokens = zero
/// calldata bytes + 4·non-zero bytes.
contract PortalGasTest is Fixture {
    uint256 internal outputIndex;

    function setUp() public {
        deployAll();
        outputIndex = propose(treeOutputRoot("bigTree"), 5000);
        portal.proveWithdrawal(outputIndex, treePreimage("bigTree"), treeWithdrawal("bigTree", 0), treeProof("bigTree", 0));
        // A paid withdrawal before: the finalization below is a steady-state one, not the first ever.
        portal.proveWithdrawal(outputIndex, treePreimage("bigTree"), treeWithdrawal("bigTree", 1), treeProof("bigTree", 1));
        vm.warp(block.timestamp + WINDOW);
        portal.finalizeWithdrawal(treeWithdrawal("bigTree", 1));
    }

    function txGas(bytes memory data, uint256 execution) internal pure returns (uint256) {
        uint256 tokens;
        for (uint256 i = 0; i < data.length; i++) tokens += data[i] == 0 ? 1 : 4;
        uint256 standard = 4 * tokens + execution;
        uint256 floor = 10 * tokens;
        return 21_000 + (standard > floor ? standard : floor);
    }

    function test_gas_proveWithdrawal() public {
        OutputRootProof memory p = treePreimage("bigTree");
        Withdrawal memory w = treeWithdrawal("bigTree", 5); // a 582-byte proof, about the mean at 100k
        bytes memory proof = treeProof("bigTree", 5);
        portal.proveWithdrawal(outputIndex, p, w, proof);
        uint256 execution = vm.snapshotGasLastCall("proveWithdrawal");
        bytes memory data = abi.encodeCall(Portal.proveWithdrawal, (outputIndex, p, w, proof));
        vm.snapshotValue("proveWithdrawal_calldata_bytes", data.length);
        vm.snapshotValue("proveWithdrawal_tx", txGas(data, execution));
    }

    function test_gas_finalizeWithdrawal() public {
        Withdrawal memory w = treeWithdrawal("bigTree", 0);
        portal.finalizeWithdrawal(w);
        uint256 execution = vm.snapshotGasLastCall("finalizeWithdrawal");
        vm.snapshotValue("finalizeWithdrawal_tx", txGas(abi.encodeCall(Portal.finalizeWithdrawal, (w)), execution));
        vm.assertEq(credit.balanceOf(w.to), w.amount, "paid");
    }
}
