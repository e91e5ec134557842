// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {DelegationManager} from "../../eigenlayer/DelegationManager.sol";
import {StrategyBase} from "../../eigenlayer/StrategyBase.sol";
import {
    IDelegationManagerErrors,
    ISignatureUtilsMixinErrors,
    ISignatureUtilsMixinTypes
} from "../../eigenlayer/interfaces/IDelegationManager.sol";
import {IStrategy, IStrategyErrors} from "../../eigenlayer/interfaces/IStrategy.sol";
import {IStrategyManagerErrors} from "../../eigenlayer/interfaces/IStrategyManager.sol";
import {OperatorSet} from "../../eigenlayer/libraries/OperatorSetLib.sol";
import {EigenLayerFixture} from "./EigenLayerFixture.sol";

/// @notice The pieces around the AllocationManager: deposits, delegation, the strategy vault and
///         the one-caller-only entry points between the core contracts.
contract CoreWiringTest is EigenLayerFixture {
    function setUp() public {
        deployEigenLayer();
    }

    function test_depositThenDelegate_movesSharesToTheOperator() public {
        newOperator(OPERATOR, 100e18);
        vm.assertEq(operatorShares(OPERATOR), 100e18, "operator's own deposit");
        uint256 shares = depositAs(STAKER, strategy, 40e18);
        vm.assertEq(sm.stakerDepositShares(STAKER, strategy), shares, "staker shares");
        vm.assertEq(strategy.shares(STAKER), shares, "strategy view");
        vm.assertEq(operatorShares(OPERATOR), 100e18, "not delegated yet");
        vm.prank(STAKER);
        dm.delegateTo(OPERATOR, ISignatureUtilsMixinTypes.SignatureWithExpiry("", 0), bytes32(0));
        vm.assertEq(dm.delegatedTo(STAKER), OPERATOR, "delegated");
        vm.assertEq(operatorShares(OPERATOR), 140e18, "staker's shares follow");
        depositAs(STAKER, strategy, 10e18);
        vm.assertEq(operatorShares(OPERATOR), 150e18, "later deposits too");
        address[] memory ops = new address[](1);
        ops[0] = OPERATOR;
        vm.assertEq(dm.getOperatorsShares(ops, one(strategy))[0][0], 150e18, "batch view");
    }

    function test_delegation_revertPaths() public {
        ISignatureUtilsMixinTypes.SignatureWithExpiry memory noSig;
        vm.expectRevert(IDelegationManagerErrors.OperatorNotRegistered.selector);
        vm.prank(STAKER);
        dm.delegateTo(OPERATOR, noSig, bytes32(0));
        newOperator(OPERATOR, 0);
        vm.expectRevert(IDelegationManagerErrors.ActivelyDelegated.selector);
        vm.prank(OPERATOR);
        dm.registerAsOperator(address(0), 0, "");
        vm.prank(STAKER);
        dm.delegateTo(OPERATOR, noSig, bytes32(0));
        vm.expectRevert(IDelegationManagerErrors.ActivelyDelegated.selector);
        vm.prank(STAKER);
        dm.delegateTo(OPERATOR, noSig, bytes32(0));
        vm.expectRevert(IDelegationManagerErrors.ActivelyDelegated.selector);
        vm.prank(STAKER);
        dm.registerAsOperator(address(0), 0, "");
        // An operator with an approver: signatures are not checked here, so nobody gets in.
        vm.prank(OPERATOR2);
        dm.registerAsOperator(STRANGER, 0, "");
        vm.expectRevert(ISignatureUtilsMixinErrors.InvalidSignature.selector);
        vm.prank(STRANGER);
        dm.delegateTo(OPERATOR2, noSig, bytes32(0));
    }

    function test_operatorMetadata_onlyForOperatorsByThemselves() public {
        newOperator(OPERATOR, 0);
        vm.prank(OPERATOR);
        dm.updateOperatorMetadataURI(OPERATOR, "ipfs://new");
        vm.expectRevert(bytes4(keccak256("InvalidPermissions()")));
        vm.prank(STRANGER);
        dm.updateOperatorMetadataURI(OPERATOR, "ipfs://evil");
        vm.expectRevert(IDelegationManagerErrors.OperatorNotRegistered.selector);
        vm.prank(STRANGER);
        dm.updateOperatorMetadataURI(STRANGER, "ipfs://x");
    }

    function test_coreEntryPoints_answerOneCallerOnly() public {
        OperatorSet memory os = set(1);
        vm.expectRevert(IDelegationManagerErrors.OnlyAllocationManager.selector);
        dm.slashOperatorShares(OPERATOR, os, 1, strategy, WAD, 0);
        vm.expectRevert(IDelegationManagerErrors.OnlyStrategyManagerOrEigenPodManager.selector);
        dm.increaseDelegatedShares(STAKER, strategy, 0, 1e30);
        vm.expectRevert(IStrategyManagerErrors.OnlyDelegationManager.selector);
        sm.increaseBurnOrRedistributableShares(os, 1, strategy, 1);
        vm.expectRevert(IStrategyErrors.OnlyStrategyManager.selector);
        strategy.deposit(token, 1);
        vm.expectRevert(IStrategyErrors.OnlyStrategyManager.selector);
        strategy.withdraw(STRANGER, token, 1);
        vm.expectRevert(DelegationManager.WireRefused.selector);
        dm.wire(am, sm);
        DelegationManager fresh = new DelegationManager(pc);
        vm.expectRevert(DelegationManager.WireRefused.selector);
        vm.prank(STRANGER);
        fresh.wire(am, sm);
    }

    function test_depositWhitelist() public {
        StrategyBase rogue = new StrategyBase(sm, token);
        token.approve(address(sm), 1e18);
        vm.expectRevert(IStrategyManagerErrors.StrategyNotWhitelisted.selector);
        sm.depositIntoStrategy(rogue, token, 1e18);
        vm.expectRevert(IStrategyManagerErrors.OnlyStrategyWhitelister.selector);
        vm.prank(STRANGER);
        sm.addStrategiesToDepositWhitelist(one(rogue));
        sm.removeStrategiesFromDepositWhitelist(one(strategy));
        vm.assertFalse(sm.strategyIsWhitelistedForDeposit(strategy), "removed");
        vm.expectRevert(IStrategyManagerErrors.StrategyNotWhitelisted.selector);
        sm.depositIntoStrategy(strategy, token, 1e18);
    }

    function test_strategy_virtualSharesAndWrongToken() public {
        uint256 shares = depositAs(STAKER, strategy, 1e18);
        vm.assertEq(shares, 1e18, "1:1 on an empty vault");
        vm.assertEq(strategy.totalShares(), 1e18, "total");
        vm.assertEq(strategy.sharesToUnderlyingView(1e18), 1e18, "round trip");
        vm.assertEq(strategy.userUnderlyingView(STAKER), 1e18, "user underlying");
        // A donation moves the rate, but the 1e3 virtual shares keep a later depositor's loss tiny.
        token.transfer(address(strategy), 1e18);
        uint256 later = depositAs(OPERATOR, strategy, 1e18);
        vm.assertEq(later, (uint256(1e18) * (1e18 + 1e3)) / (2e18 + 1e3), "priced against the prior balance");
        // Dust: a deposit worth less than one share is refused.
        token.transfer(address(strategy), 1e24);
        token.transfer(STAKER, 1);
        vm.startPrank(STAKER);
        token.approve(address(sm), 1);
        vm.expectRevert(IStrategyErrors.NewSharesZero.selector);
        sm.depositIntoStrategy(strategy, token, 1);
        vm.stopPrank();
        // The strategy only takes its own token.
        StrategyBase other = newStrategy(new TokenForTest());
        token.approve(address(sm), 1e18);
        vm.expectRevert(IStrategyErrors.OnlyUnderlyingToken.selector);
        sm.depositIntoStrategy(other, token, 1e18);
        vm.assertEq(address(other.underlyingToken()) != address(token), true, "different token");
        vm.assertEq(uint256(bytes(other.explanation()).length) > 0, true, "explains itself");
    }

    function test_increaseBurnTwiceForOneSlashReverts() public {
        // Reached only through a buggy caller; the StrategyManager still refuses a double entry.
        newOperator(OPERATOR, 10e18);
        createSet(1, SLASHER);
        register(OPERATOR, 1);
        allocate(OPERATOR, 1, WAD);
        advance(ALLOCATION_DELAY);
        (uint256 slashId,) = slash(OPERATOR, 1, WAD / 2);
        vm.expectRevert(IStrategyManagerErrors.StrategyAlreadyInSlash.selector);
        vm.prank(address(dm));
        sm.increaseBurnOrRedistributableShares(set(1), slashId, strategy, 1);
    }
}

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

contract TokenForTest is ERC20("Other", "OTH") {
    constructor() {
        _mint(msg.sender, 1e24);
    }
}
