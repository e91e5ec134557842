// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {StrategyBase} from "../../eigenlayer/StrategyBase.sol";
import {IAllocationManagerErrors, IAllocationManagerTypes} from "../../eigenlayer/interfaces/IAllocationManager.sol";
import {IStrategy} from "../../eigenlayer/interfaces/IStrategy.sol";
import {WadMath} from "../../eigenlayer/libraries/WadMath.sol";
import {EigenLayerFixture} from "./EigenLayerFixture.sol";

/// @notice slashOperator: who may call it, its WAD maths and rounding, and where the slashed
///         tokens end up.
contract SlashingTest is EigenLayerFixture {
    uint256 internal constant STAKE = 1000e18;

    function setUp() public {
        deployEigenLayer();
        newOperator(OPERATOR, STAKE);
        createRedistributingSet(1, SLASHER, RECIPIENT);
        createSet(2, SLASHER);
        register(OPERATOR, 1);
        register(OPERATOR, 2);
        allocate(OPERATOR, 1, WAD / 2);
        allocate(OPERATOR, 2, WAD / 4);
        advance(ALLOCATION_DELAY);
    }

    // ---------------------------------------------------------------- who may slash

    function test_onlyTheSlasherSlashes() public {
        vm.expectRevert(IAllocationManagerErrors.InvalidCaller.selector);
        am.slashOperator(avs, slashParams(OPERATOR, 1, WAD)); // the AVS itself is not the slasher
        vm.expectRevert(IAllocationManagerErrors.InvalidCaller.selector);
        vm.prank(STRANGER);
        am.slashOperator(avs, slashParams(OPERATOR, 1, WAD));
        // Slashing "as" another AVS finds no such operator set.
        vm.expectRevert(IAllocationManagerErrors.InvalidOperatorSet.selector);
        vm.prank(SLASHER);
        am.slashOperator(STRANGER, slashParams(OPERATOR, 1, WAD));
    }

    function test_newSlasherOnlyAfterTheDelay() public {
        am.updateSlasher(set(1), STRANGER);
        vm.expectRevert(IAllocationManagerErrors.InvalidCaller.selector);
        vm.prank(STRANGER);
        am.slashOperator(avs, slashParams(OPERATOR, 1, WAD / 10));
        advance(CONFIG_DELAY + 1);
        vm.prank(STRANGER);
        (uint256 slashId,) = am.slashOperator(avs, slashParams(OPERATOR, 1, WAD / 10));
        vm.assertEq(slashId, 1, "new slasher slashes");
        vm.expectRevert(IAllocationManagerErrors.InvalidCaller.selector);
        slash(OPERATOR, 1, WAD / 10);
    }

    function test_slash_revertPaths() public {
        vm.expectRevert(IAllocationManagerErrors.InvalidOperatorSet.selector);
        slash(OPERATOR, 9, WAD);
        vm.expectRevert(IAllocationManagerErrors.OperatorNotSlashable.selector);
        slash(STRANGER, 1, WAD);
        vm.expectRevert(IAllocationManagerErrors.InvalidWadToSlash.selector);
        slash(OPERATOR, 1, 0);
        vm.expectRevert(IAllocationManagerErrors.InvalidWadToSlash.selector);
        slash(OPERATOR, 1, WAD + 1);

        IAllocationManagerTypes.SlashingParams memory p = slashParams(OPERATOR, 1, WAD);
        p.wadsToSlash = new uint256[](2);
        vm.expectRevert(IAllocationManagerErrors.InputArrayLengthMismatch.selector);
        vm.prank(SLASHER);
        am.slashOperator(avs, p);

        StrategyBase other = newStrategy(token);
        p = slashParams(OPERATOR, 1, WAD);
        p.strategies = one(other);
        vm.expectRevert(IAllocationManagerErrors.StrategyNotInOperatorSet.selector);
        vm.prank(SLASHER);
        am.slashOperator(avs, p);

        am.addStrategiesToOperatorSet(avs, 1, one(other));
        (IStrategy lo, IStrategy hi) = address(other) < address(strategy)
            ? (IStrategy(other), IStrategy(strategy))
            : (IStrategy(strategy), IStrategy(other));
        p.strategies = new IStrategy[](2);
        p.wadsToSlash = new uint256[](2);
        (p.strategies[0], p.strategies[1]) = (hi, lo);
        (p.wadsToSlash[0], p.wadsToSlash[1]) = (WAD, WAD);
        vm.expectRevert(IAllocationManagerErrors.StrategiesMustBeInAscendingOrder.selector);
        vm.prank(SLASHER);
        am.slashOperator(avs, p);
        (p.strategies[0], p.strategies[1]) = (lo, lo);
        vm.expectRevert(IAllocationManagerErrors.StrategiesMustBeInAscendingOrder.selector);
        vm.prank(SLASHER);
        am.slashOperator(avs, p);
        (p.strategies[0], p.strategies[1]) = (lo, hi);
        vm.prank(SLASHER);
        am.slashOperator(avs, p); // ascending: accepted
    }

    // ---------------------------------------------------------------- WAD maths

    function test_slash_halfOfAHalfAllocation() public {
        (uint256 slashId, uint256 shares) = slash(OPERATOR, 1, WAD / 2);
        vm.assertEq(slashId, 1, "first slash of the set");
        vm.assertEq(am.getSlashCount(set(1)), 1, "slash count");
        // A quarter of the max magnitude, so a quarter of the delegated shares.
        vm.assertEq(shares, STAKE / 4, "shares slashed");
        vm.assertEq(operatorShares(OPERATOR), STAKE * 3 / 4, "operator shares left");
        vm.assertEq(am.getMaxMagnitude(OPERATOR, strategy), WAD * 3 / 4, "max magnitude");
        vm.assertEq(am.getAllocation(OPERATOR, set(1), strategy).currentMagnitude, WAD / 4, "allocation");
        vm.assertEq(am.getEncumberedMagnitude(OPERATOR, strategy), WAD / 2, "encumbered: 1/4 + 1/4");
        // The other set's stake is untouched in tokens: (1/4 of a 3/4 max) of 750 shares, the
        // proportion floored to 0.333..., so a few hundred wei under 250e18.
        vm.assertLe(stakeOf(2), 250e18, "set 2 keeps its stake");
        vm.assertLe(250e18 - stakeOf(2), 1000, "within rounding");
        vm.assertEq(stakeOf(1), stakeOf(2), "set 1 has the same left");
        (, shares) = slash(OPERATOR, 1, WAD / 2);
        vm.assertEq(am.getSlashCount(set(1)), 2, "second slash");
    }

    function test_slash_tinyWadRoundsMagnitudeUp() public {
        // 1 wei of WAD on a 0.5 WAD allocation is 0.5 units: rounded up to 1.
        slash(OPERATOR, 1, 1);
        vm.assertEq(am.getMaxMagnitude(OPERATOR, strategy), WAD - 1, "one unit gone");
        vm.assertEq(am.getAllocation(OPERATOR, set(1), strategy).currentMagnitude, WAD / 2 - 1, "allocation");
        // Shares: 1000e18 * (1 - 1e-18) is exactly 1000e18 - 1000: the slashed amount rounds down.
        vm.assertEq(operatorShares(OPERATOR), STAKE - 1000, "shares");
    }

    function test_slash_sharesRoundDown() public pure {
        // Max magnitude 3 -> 2 (a third lost): the shares slashed round down.
        vm.assertEq(WadMath.slashedShares(3, 3, 2), 1, "exact third");
        vm.assertEq(WadMath.slashedShares(10, 3, 2), 3, "3.33 slashed -> 3");
        vm.assertEq(WadMath.slashedShares(10, 3, 1), 6, "6.67 slashed -> 6");
        vm.assertEq(WadMath.mulWadRoundUp(3, 1), 1, "rounds up");
        vm.assertEq(WadMath.mulWad(3, 1), 0, "rounds down");
    }

    function test_slash_fullAllocationEmptiesIt() public {
        (, uint256 shares) = slash(OPERATOR, 1, WAD);
        vm.assertEq(shares, STAKE / 2, "half the shares");
        vm.assertEq(am.getAllocation(OPERATOR, set(1), strategy).currentMagnitude, 0, "nothing left");
        (, shares) = slash(OPERATOR, 1, WAD);
        vm.assertEq(shares, 0, "a second slash finds nothing");
    }

    function test_slash_pendingDeallocationShrinksInProportion() public {
        allocate(OPERATOR, 1, WAD / 10); // pending -0.4 WAD, slashable through the delay
        slash(OPERATOR, 1, WAD / 2);
        IAllocationManagerTypes.Allocation memory a = am.getAllocation(OPERATOR, set(1), strategy);
        vm.assertEq(a.currentMagnitude, WAD / 4, "half of 0.5");
        vm.assertEq(uint256(int256(-a.pendingDiff)), WAD / 5, "half of the 0.4 deallocation");
        advance(DEALLOCATION_DELAY + 1);
        vm.assertEq(am.getAllocation(OPERATOR, set(1), strategy).currentMagnitude, WAD / 20, "0.05 remains");
        vm.assertEq(am.getEncumberedMagnitude(OPERATOR, strategy), WAD / 20 + WAD / 4, "set 1 + set 2");
    }

    // ---------------------------------------------------------------- where the tokens go

    function test_redistribution_recipientReceivesTheTokens() public {
        (uint256 slashId, uint256 shares) = slash(OPERATOR, 1, WAD / 2);
        (IStrategy[] memory pending, uint256[] memory pendingShares) =
            sm.getBurnOrRedistributableShares(set(1), slashId);
        vm.assertEq(pending.length, 1, "one strategy pending");
        vm.assertEq(pendingShares[0], shares, "the slashed shares");
        vm.assertEq(sm.getBurnOrRedistributableCount(set(1), slashId), 1, "count");
        uint256 expected = strategy.sharesToUnderlyingView(shares);
        uint256[] memory out = sm.clearBurnOrRedistributableShares(set(1), slashId);
        vm.assertEq(out[0], expected, "amount out");
        vm.assertEq(token.balanceOf(RECIPIENT), expected, "recipient paid");
        vm.assertEq(expected, 250e18, "a quarter of the stake");
        vm.assertEq(token.balanceOf(address(strategy)), STAKE - expected, "left in the strategy");
        // Cleared once: a second clear pays nothing.
        out = sm.clearBurnOrRedistributableShares(set(1), slashId);
        vm.assertEq(out.length, 0, "nothing pending");
        vm.assertEq(token.balanceOf(RECIPIENT), expected, "paid once");
    }

    function test_nonRedistributingSet_burns() public {
        (uint256 slashId,) = slash(OPERATOR, 2, WAD);
        uint256 paid = sm.clearBurnOrRedistributableSharesByStrategy(set(2), slashId, strategy);
        vm.assertEq(paid, 250e18, "a quarter of the stake");
        vm.assertEq(token.balanceOf(BURN), paid, "to the burn address");
        vm.assertEq(token.balanceOf(RECIPIENT), 0, "not to the other set's recipient");
        vm.assertEq(sm.clearBurnOrRedistributableSharesByStrategy(set(2), slashId, strategy), 0, "once");
    }

    function test_fullySlashedOperatorRefusesNewStake() public {
        createSet(3, SLASHER);
        register(OPERATOR, 3);
        allocate(OPERATOR, 3, WAD / 4);
        advance(ALLOCATION_DELAY);
        slash(OPERATOR, 1, WAD);
        slash(OPERATOR, 2, WAD);
        slash(OPERATOR, 3, WAD);
        vm.assertEq(am.getMaxMagnitude(OPERATOR, strategy), 0, "max magnitude 0");
        vm.assertEq(operatorShares(OPERATOR), 0, "no shares left");
        token.transfer(OPERATOR, 1e18);
        vm.startPrank(OPERATOR);
        token.approve(address(sm), 1e18);
        vm.expectRevert(bytes4(keccak256("FullySlashed()")));
        sm.depositIntoStrategy(strategy, token, 1e18);
        vm.stopPrank();
        address[] memory ops = new address[](1);
        ops[0] = OPERATOR;
        vm.assertEq(am.getMinimumSlashableStake(set(1), ops, one(strategy), uint32(block.number))[0][0], 0, "zero");
    }

    // ---------------------------------------------------------------- gas

    /// @dev Gas of the AVS-facing calls (printed by contracts/forge.test.ts): one strategy, a
    ///      fresh operator set, the operator already registered with EigenLayer.
    function test_gas_avsCalls() public {
        newOperator(OPERATOR2, 100e18);
        createRedistributingSet(5, SLASHER, RECIPIENT);
        vm.prank(OPERATOR2);
        am.registerForOperatorSets(OPERATOR2, IAllocationManagerTypes.RegisterParams(avs, ids(5), ""));
        vm.snapshotGasLastCall("eigenlayer_registerForOperatorSets");
        vm.prank(OPERATOR2);
        am.modifyAllocations(OPERATOR2, allocParams(5, strategy, WAD / 2));
        vm.snapshotGasLastCall("eigenlayer_modifyAllocations");
        advance(ALLOCATION_DELAY);
        vm.prank(SLASHER);
        (uint256 slashId,) = am.slashOperator(avs, slashParams(OPERATOR2, 5, WAD / 10));
        vm.snapshotGasLastCall("eigenlayer_slashOperator");
        sm.clearBurnOrRedistributableShares(set(5), slashId);
        vm.snapshotGasLastCall("eigenlayer_clearBurnOrRedistributableShares");
        vm.assertEq(token.balanceOf(RECIPIENT), 5e18, "5% of 100 tokens redistributed");
    }

    // ---------------------------------------------------------------- fuzz

    /// @dev Any allocation, proportion and delegated share count: the magnitude removed is
    ///      ceil(alloc * w), the reported proportion is floor(cut / max), and the shares taken are
    ///      the largest whole number not above the exact proportion cut / max of the shares.
    function testFuzz_slashMath(uint64 allocation, uint256 wad, uint256 extraStake) public {
        allocation = uint64(bound(allocation, 1, WAD / 4)); // sets 1 and 2 hold 3/4
        wad = bound(wad, 1, WAD);
        extraStake = bound(extraStake, 0, 1e27);
        if (extraStake != 0) depositAs(OPERATOR, strategy, extraStake);
        createRedistributingSet(3, SLASHER, RECIPIENT);
        register(OPERATOR, 3);
        allocate(OPERATOR, 3, allocation);
        advance(ALLOCATION_DELAY);

        uint256 sharesBefore = operatorShares(OPERATOR);
        uint64 maxBefore = am.getMaxMagnitude(OPERATOR, strategy);
        (uint256 slashId, uint256 slashed) = slash(OPERATOR, 3, wad);

        uint256 cut = (uint256(allocation) * wad + WAD - 1) / WAD;
        vm.assertEq(maxBefore - am.getMaxMagnitude(OPERATOR, strategy), cut, "magnitude cut rounds up");
        vm.assertEq(am.getAllocation(OPERATOR, set(3), strategy).currentMagnitude, allocation - cut, "allocation");
        vm.assertEq(operatorShares(OPERATOR), sharesBefore - slashed, "operator shares");
        // slashed <= shares * cut / max < slashed + 1
        vm.assertLe(slashed * maxBefore, sharesBefore * cut, "never more than the exact proportion");
        vm.assertTrue(sharesBefore * cut < (slashed + 1) * maxBefore, "the largest such whole number");
        uint256[] memory out = sm.clearBurnOrRedistributableShares(set(3), slashId);
        vm.assertEq(token.balanceOf(RECIPIENT), out[0], "recipient gets the underlying");
        vm.assertLe(out[0], slashed, "rate <= 1: no more tokens than shares");
    }

    /// @dev A slash during a pending deallocation never makes the allocation negative, and once it
    ///      lands the encumbered magnitude is exactly what stays allocated.
    function testFuzz_slashDuringDeallocation(uint64 down, uint256 wad) public {
        down = uint64(bound(down, 0, WAD / 2 - 1));
        wad = bound(wad, 1, WAD);
        allocate(OPERATOR, 1, down);
        slash(OPERATOR, 1, wad);
        IAllocationManagerTypes.Allocation memory a = am.getAllocation(OPERATOR, set(1), strategy);
        vm.assertTrue(int256(uint256(a.currentMagnitude)) + a.pendingDiff >= 0, "never negative");
        advance(DEALLOCATION_DELAY + 1);
        uint64 left = am.getAllocation(OPERATOR, set(1), strategy).currentMagnitude;
        uint64 other = am.getAllocation(OPERATOR, set(2), strategy).currentMagnitude;
        vm.assertEq(am.getEncumberedMagnitude(OPERATOR, strategy), left + other, "encumbered = allocated");
        vm.assertLe(left, down, "no more than the deallocation target");
        vm.assertLe(left + other, am.getMaxMagnitude(OPERATOR, strategy), "within max");
    }

    /// @dev The three WAD helpers against their exact definitions.
    function testFuzz_wadHelpers(uint256 x, uint256 y) public pure {
        x = bound(x, 0, type(uint128).max);
        y = bound(y, 1, type(uint64).max);
        uint256 down = WadMath.mulWad(x, y);
        uint256 up = WadMath.mulWadRoundUp(x, y);
        vm.assertEq(down, (x * y) / WAD, "mulWad floors");
        vm.assertEq(up, (x * y) % WAD == 0 ? down : down + 1, "mulWadRoundUp ceils");
        vm.assertEq(WadMath.divWad(x, y), (x * WAD) / y, "divWad floors");
        uint256 prev = y;
        uint256 next = x % (prev + 1);
        uint256 slashed = WadMath.slashedShares(x, prev, next);
        vm.assertLe(slashed * prev, x * (prev - next), "slashed <= exact");
        vm.assertTrue(x * (prev - next) < (slashed + 1) * prev, "slashed is the floor");
    }

    function stakeOf(uint32 id) internal view returns (uint256) {
        address[] memory ops = new address[](1);
        ops[0] = OPERATOR;
        return am.getMinimumSlashableStake(set(id), ops, one(strategy), uint32(block.number))[0][0];
    }
}
