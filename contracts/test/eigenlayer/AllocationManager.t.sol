// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {OpenAVSRegistrar} from "../../eigenlayer/OpenAVSRegistrar.sol";
import {PermissionControllerMixin} from "../../eigenlayer/PermissionControllerMixin.sol";
import {StrategyBase} from "../../eigenlayer/StrategyBase.sol";
import {IAllocationManagerErrors, IAllocationManagerTypes} from "../../eigenlayer/interfaces/IAllocationManager.sol";
import {IAVSRegistrar} from "../../eigenlayer/interfaces/IAVSRegistrar.sol";
import {IPermissionControllerErrors} from "../../eigenlayer/interfaces/IPermissionController.sol";
import {IStrategy} from "../../eigenlayer/interfaces/IStrategy.sol";
import {OperatorSet} from "../../eigenlayer/libraries/OperatorSetLib.sol";
import {EigenLayerFixture} from "./EigenLayerFixture.sol";

/// @notice Operator sets, registration and allocations: every revert path and the timing rules.
contract AllocationManagerTest is EigenLayerFixture {
    function setUp() public {
        deployEigenLayer();
        newOperator(OPERATOR, 1000e18);
        createSet(1, SLASHER);
    }

    // ---------------------------------------------------------------- operator sets

    function test_createSet_recordsStrategiesAndSlasher() public view {
        vm.assertTrue(am.isOperatorSet(set(1)), "set exists");
        vm.assertEq(am.getOperatorSetCount(avs), 1, "count");
        IStrategy[] memory s = am.getStrategiesInOperatorSet(set(1));
        vm.assertEq(s.length, 1, "one strategy");
        vm.assertEq(address(s[0]), address(strategy), "the strategy");
        vm.assertEq(am.getSlasher(set(1)), SLASHER, "slasher applies at once");
        vm.assertEq(am.getRedistributionRecipient(set(1)), BURN, "non-redistributing burns");
        vm.assertFalse(am.isRedistributingOperatorSet(set(1)), "not redistributing");
    }

    function test_createSet_v1_slasherIsTheAvs() public {
        IAllocationManagerTypes.CreateSetParams[] memory p = new IAllocationManagerTypes.CreateSetParams[](1);
        p[0] = IAllocationManagerTypes.CreateSetParams(7, one(strategy));
        am.createOperatorSets(avs, p);
        vm.assertEq(am.getSlasher(set(7)), avs, "slasher");
    }

    function test_createSet_withoutMetadataReverts() public {
        IAllocationManagerTypes.CreateSetParamsV2[] memory p = new IAllocationManagerTypes.CreateSetParamsV2[](1);
        p[0] = IAllocationManagerTypes.CreateSetParamsV2(1, one(strategy), SLASHER);
        vm.expectRevert(IAllocationManagerErrors.NonexistentAVSMetadata.selector);
        vm.prank(STRANGER);
        am.createOperatorSets(STRANGER, p);
    }

    function test_createSet_forAnotherAvsReverts() public {
        IAllocationManagerTypes.CreateSetParamsV2[] memory p = new IAllocationManagerTypes.CreateSetParamsV2[](1);
        p[0] = IAllocationManagerTypes.CreateSetParamsV2(2, one(strategy), SLASHER);
        vm.expectRevert(PermissionControllerMixin.InvalidPermissions.selector);
        vm.prank(STRANGER);
        am.createOperatorSets(avs, p);
    }

    function test_createSet_duplicateIdReverts() public {
        vm.expectRevert(IAllocationManagerErrors.InvalidOperatorSet.selector);
        createSet(1, SLASHER);
    }

    function test_createSet_duplicateStrategyReverts() public {
        IStrategy[] memory twice = new IStrategy[](2);
        twice[0] = strategy;
        twice[1] = strategy;
        IAllocationManagerTypes.CreateSetParamsV2[] memory p = new IAllocationManagerTypes.CreateSetParamsV2[](1);
        p[0] = IAllocationManagerTypes.CreateSetParamsV2(2, twice, SLASHER);
        vm.expectRevert(IAllocationManagerErrors.StrategyAlreadyInOperatorSet.selector);
        am.createOperatorSets(avs, p);
    }

    function test_createSet_zeroSlasherReverts() public {
        vm.expectRevert(IAllocationManagerErrors.InputAddressZero.selector);
        createSet(2, address(0));
    }

    function test_createRedistributingSet_recordsRecipient() public {
        createRedistributingSet(2, SLASHER, RECIPIENT);
        vm.assertEq(am.getRedistributionRecipient(set(2)), RECIPIENT, "recipient");
        vm.assertTrue(am.isRedistributingOperatorSet(set(2)), "redistributing");
    }

    function test_createRedistributingSet_v1_slasherIsTheAvs() public {
        IAllocationManagerTypes.CreateSetParams[] memory p = new IAllocationManagerTypes.CreateSetParams[](1);
        p[0] = IAllocationManagerTypes.CreateSetParams(3, one(strategy));
        address[] memory r = new address[](1);
        r[0] = RECIPIENT;
        am.createRedistributingOperatorSets(avs, p, r);
        vm.assertEq(am.getSlasher(set(3)), avs, "slasher");
        vm.assertEq(am.getRedistributionRecipient(set(3)), RECIPIENT, "recipient");
    }

    function test_createRedistributingSet_lengthMismatchReverts() public {
        IAllocationManagerTypes.CreateSetParamsV2[] memory p = new IAllocationManagerTypes.CreateSetParamsV2[](1);
        p[0] = IAllocationManagerTypes.CreateSetParamsV2(2, one(strategy), SLASHER);
        vm.expectRevert(IAllocationManagerErrors.InputArrayLengthMismatch.selector);
        am.createRedistributingOperatorSets(avs, p, new address[](0));
    }

    function test_createRedistributingSet_zeroRecipientReverts() public {
        vm.expectRevert(IAllocationManagerErrors.InputAddressZero.selector);
        createRedistributingSet(2, SLASHER, address(0));
    }

    function test_createRedistributingSet_burnRecipientReverts() public {
        vm.expectRevert(IAllocationManagerErrors.InvalidRedistributionRecipient.selector);
        createRedistributingSet(2, SLASHER, BURN);
    }

    function test_createRedistributingSet_nativeEthStrategyReverts() public {
        createRedistributingSet(2, SLASHER, RECIPIENT);
        vm.expectRevert(IAllocationManagerErrors.InvalidStrategy.selector);
        am.addStrategiesToOperatorSet(avs, 2, one(IStrategy(0xbeaC0eeEeeeeEEeEeEEEEeeEEeEeeeEeeEEBEaC0)));
    }

    function test_addAndRemoveStrategies() public {
        StrategyBase other = newStrategy(token);
        am.addStrategiesToOperatorSet(avs, 1, one(other));
        vm.assertEq(am.getStrategiesInOperatorSet(set(1)).length, 2, "added");
        vm.expectRevert(IAllocationManagerErrors.StrategyAlreadyInOperatorSet.selector);
        am.addStrategiesToOperatorSet(avs, 1, one(other));
        am.removeStrategiesFromOperatorSet(avs, 1, one(other));
        vm.assertEq(am.getStrategiesInOperatorSet(set(1)).length, 1, "removed");
        vm.expectRevert(IAllocationManagerErrors.StrategyNotInOperatorSet.selector);
        am.removeStrategiesFromOperatorSet(avs, 1, one(other));
    }

    function test_strategyChangesOnMissingSetRevert() public {
        vm.expectRevert(IAllocationManagerErrors.InvalidOperatorSet.selector);
        am.addStrategiesToOperatorSet(avs, 9, one(strategy));
        vm.expectRevert(IAllocationManagerErrors.InvalidOperatorSet.selector);
        am.removeStrategiesFromOperatorSet(avs, 9, one(strategy));
    }

    function test_appointeeMayActForTheAvs() public {
        pc.setAppointee(avs, STRANGER, address(am), am.addStrategiesToOperatorSet.selector);
        StrategyBase other = newStrategy(token);
        vm.prank(STRANGER);
        am.addStrategiesToOperatorSet(avs, 1, one(other));
        // ...but only for that one function.
        vm.expectRevert(PermissionControllerMixin.InvalidPermissions.selector);
        vm.prank(STRANGER);
        am.removeStrategiesFromOperatorSet(avs, 1, one(other));
        pc.removeAppointee(avs, STRANGER, address(am), am.addStrategiesToOperatorSet.selector);
        vm.expectRevert(PermissionControllerMixin.InvalidPermissions.selector);
        vm.prank(STRANGER);
        am.addStrategiesToOperatorSet(avs, 1, one(other));
    }

    function test_onlyTheAccountAppoints() public {
        vm.expectRevert(IPermissionControllerErrors.NotAdmin.selector);
        vm.prank(STRANGER);
        pc.setAppointee(avs, STRANGER, address(am), am.slashOperator.selector);
        pc.setAppointee(avs, STRANGER, address(am), am.slashOperator.selector);
        vm.expectRevert(IPermissionControllerErrors.AppointeeAlreadySet.selector);
        pc.setAppointee(avs, STRANGER, address(am), am.slashOperator.selector);
        vm.expectRevert(IPermissionControllerErrors.AppointeeNotSet.selector);
        pc.removeAppointee(avs, SLASHER, address(am), am.slashOperator.selector);
    }

    // ---------------------------------------------------------------- slasher changes

    function test_updateSlasher_waitsTheConfigurationDelay() public {
        am.updateSlasher(set(1), STRANGER);
        (address pending, uint32 effect) = am.getPendingSlasher(set(1));
        vm.assertEq(pending, STRANGER, "pending");
        vm.assertEq(effect, START_BLOCK + CONFIG_DELAY + 1, "effect block");
        vm.assertEq(am.getSlasher(set(1)), SLASHER, "old slasher until then");
        vm.roll(effect);
        vm.assertEq(am.getSlasher(set(1)), STRANGER, "new slasher");
        (pending,) = am.getPendingSlasher(set(1));
        vm.assertEq(pending, address(0), "nothing pending");
    }

    function test_updateSlasher_revertPaths() public {
        vm.expectRevert(IAllocationManagerErrors.InvalidOperatorSet.selector);
        am.updateSlasher(set(9), STRANGER);
        vm.expectRevert(IAllocationManagerErrors.InputAddressZero.selector);
        am.updateSlasher(set(1), address(0));
        vm.expectRevert(PermissionControllerMixin.InvalidPermissions.selector);
        vm.prank(STRANGER);
        am.updateSlasher(set(1), STRANGER);
    }

    // ---------------------------------------------------------------- registration

    function test_register_membersAndHook() public {
        register(OPERATOR, 1);
        address[] memory members = am.getMembers(set(1));
        vm.assertEq(members.length, 1, "one member");
        vm.assertEq(members[0], OPERATOR, "the operator");
        vm.assertEq(am.getMemberCount(set(1)), 1, "count");
        vm.assertTrue(am.isMemberOfOperatorSet(OPERATOR, set(1)), "member");
        vm.assertTrue(am.isOperatorSlashable(OPERATOR, set(1)), "slashable");
        OperatorSet[] memory sets = am.getRegisteredSets(OPERATOR);
        vm.assertEq(sets.length, 1, "registered sets");
        vm.assertEq(sets[0].avs, avs, "set avs");
        vm.assertEq(sets[0].id, 1, "set id");
        vm.assertEq(registerCalls, 1, "hook called");
        vm.assertEq(lastHookOperator, OPERATOR, "hook operator");
    }

    function test_deregister_removesMemberButStaysSlashableForTheDelay() public {
        register(OPERATOR, 1);
        deregister(OPERATOR, 1);
        vm.assertEq(am.getMembers(set(1)).length, 0, "no members");
        vm.assertFalse(am.isMemberOfOperatorSet(OPERATOR, set(1)), "not member");
        vm.assertEq(am.getRegisteredSets(OPERATOR).length, 0, "no registered sets");
        vm.assertEq(deregisterCalls, 1, "hook called");
        advance(DEALLOCATION_DELAY);
        vm.assertTrue(am.isOperatorSlashable(OPERATOR, set(1)), "slashable through the delay");
        vm.expectRevert(IAllocationManagerErrors.AlreadyMemberOfSet.selector);
        register(OPERATOR, 1);
        advance(1);
        vm.assertFalse(am.isOperatorSlashable(OPERATOR, set(1)), "not after it");
        register(OPERATOR, 1);
        vm.assertTrue(am.isMemberOfOperatorSet(OPERATOR, set(1)), "member again");
    }

    function test_deregister_byTheAvs() public {
        register(OPERATOR, 1);
        am.deregisterFromOperatorSets(IAllocationManagerTypes.DeregisterParams(OPERATOR, avs, ids(1)));
        vm.assertEq(am.getMemberCount(set(1)), 0, "removed by the AVS");
    }

    function test_deregister_revertPaths() public {
        register(OPERATOR, 1);
        vm.expectRevert(IAllocationManagerErrors.InvalidCaller.selector);
        vm.prank(STRANGER);
        am.deregisterFromOperatorSets(IAllocationManagerTypes.DeregisterParams(OPERATOR, avs, ids(1)));
        vm.expectRevert(IAllocationManagerErrors.InvalidOperatorSet.selector);
        deregister(OPERATOR, 9);
        newOperator(OPERATOR2, 0);
        vm.expectRevert(IAllocationManagerErrors.NotMemberOfSet.selector);
        deregister(OPERATOR2, 1);
    }

    function test_register_revertPaths() public {
        vm.expectRevert(IAllocationManagerErrors.InvalidOperator.selector);
        register(STRANGER, 1);
        vm.expectRevert(PermissionControllerMixin.InvalidPermissions.selector);
        vm.prank(STRANGER);
        am.registerForOperatorSets(OPERATOR, IAllocationManagerTypes.RegisterParams(avs, ids(1), ""));
        vm.expectRevert(IAllocationManagerErrors.InvalidOperatorSet.selector);
        register(OPERATOR, 9);
        register(OPERATOR, 1);
        vm.expectRevert(IAllocationManagerErrors.AlreadyMemberOfSet.selector);
        register(OPERATOR, 1);
    }

    function test_register_avsVetoUndoesIt() public {
        vetoRegistration = true;
        vm.expectRevert(bytes("AVS says no"));
        register(OPERATOR, 1);
        vm.assertEq(am.getMemberCount(set(1)), 0, "not a member");
        vm.assertFalse(am.isOperatorSlashable(OPERATOR, set(1)), "not slashable");
    }

    function test_setAVSRegistrar_routesHooks() public {
        OpenAVSRegistrar registrar = new OpenAVSRegistrar(address(am), avs);
        am.setAVSRegistrar(avs, registrar);
        vm.assertEq(address(am.getAVSRegistrar(avs)), address(registrar), "registrar");
        register(OPERATOR, 1);
        vm.assertEq(registerCalls, 0, "the AVS's own hook is no longer called");
        vm.assertTrue(am.isMemberOfOperatorSet(OPERATOR, set(1)), "member");
        // The registrar answers the AllocationManager alone.
        vm.expectRevert(OpenAVSRegistrar.NotAllocationManager.selector);
        registrar.registerOperator(OPERATOR, avs, ids(1), "");
    }

    function test_setAVSRegistrar_foreignRegistrarReverts() public {
        OpenAVSRegistrar registrar = new OpenAVSRegistrar(address(am), STRANGER);
        vm.expectRevert(IAllocationManagerErrors.InvalidAVSRegistrar.selector);
        am.setAVSRegistrar(avs, registrar);
        vm.expectRevert(PermissionControllerMixin.InvalidPermissions.selector);
        vm.prank(STRANGER);
        am.setAVSRegistrar(avs, IAVSRegistrar(avs));
    }

    // ---------------------------------------------------------------- allocation delay

    function test_allocationDelay_newOperatorAtOnce_changeAfterConfigDelay() public {
        (bool isSet, uint32 delay) = am.getAllocationDelay(OPERATOR);
        vm.assertTrue(isSet, "set at registration");
        vm.assertEq(delay, ALLOCATION_DELAY, "delay");
        vm.prank(OPERATOR);
        am.setAllocationDelay(OPERATOR, 99);
        (, delay) = am.getAllocationDelay(OPERATOR);
        vm.assertEq(delay, ALLOCATION_DELAY, "unchanged within the configuration delay");
        advance(CONFIG_DELAY + 1);
        (, delay) = am.getAllocationDelay(OPERATOR);
        vm.assertEq(delay, 99, "new delay");
    }

    function test_allocationDelay_revertPaths() public {
        vm.expectRevert(PermissionControllerMixin.InvalidPermissions.selector);
        vm.prank(STRANGER);
        am.setAllocationDelay(OPERATOR, 1);
        vm.expectRevert(IAllocationManagerErrors.InvalidOperator.selector);
        vm.prank(STRANGER);
        am.setAllocationDelay(STRANGER, 1);
        (bool isSet,) = am.getAllocationDelay(STRANGER);
        vm.assertFalse(isSet, "a non-operator has none");
        vm.expectRevert(IAllocationManagerErrors.UninitializedAllocationDelay.selector);
        vm.prank(STRANGER);
        am.modifyAllocations(STRANGER, allocParams(1, strategy, 1));
    }

    // ---------------------------------------------------------------- allocations

    function test_allocation_takesEffectAfterTheAllocationDelay() public {
        register(OPERATOR, 1);
        allocate(OPERATOR, 1, WAD / 2);
        IAllocationManagerTypes.Allocation memory a = am.getAllocation(OPERATOR, set(1), strategy);
        vm.assertEq(a.currentMagnitude, 0, "nothing yet");
        vm.assertEq(uint256(int256(a.pendingDiff)), WAD / 2, "pending");
        vm.assertEq(a.effectBlock, START_BLOCK + ALLOCATION_DELAY, "effect block");
        vm.assertEq(am.getEncumberedMagnitude(OPERATOR, strategy), WAD / 2, "reserved at once");
        vm.assertEq(am.getAllocatableMagnitude(OPERATOR, strategy), WAD / 2, "rest allocatable");
        vm.assertEq(stake(OPERATOR, 1), 0, "no stake before the delay");
        advance(ALLOCATION_DELAY);
        a = am.getAllocation(OPERATOR, set(1), strategy);
        vm.assertEq(a.currentMagnitude, WAD / 2, "in effect");
        vm.assertEq(stake(OPERATOR, 1), 500e18, "half the delegated stake");
    }

    function test_allocation_revertPaths() public {
        vm.expectRevert(PermissionControllerMixin.InvalidPermissions.selector);
        vm.prank(STRANGER);
        am.modifyAllocations(OPERATOR, allocParams(1, strategy, 1));
        vm.expectRevert(IAllocationManagerErrors.InvalidOperatorSet.selector);
        allocate(OPERATOR, 9, 1);
        vm.expectRevert(IAllocationManagerErrors.InsufficientMagnitude.selector);
        allocate(OPERATOR, 1, WAD + 1);
        vm.expectRevert(IAllocationManagerErrors.SameMagnitude.selector);
        allocate(OPERATOR, 1, 0);
        allocate(OPERATOR, 1, WAD);
        vm.expectRevert(IAllocationManagerErrors.ModificationAlreadyPending.selector);
        allocate(OPERATOR, 1, 1);
        IAllocationManagerTypes.AllocateParams[] memory p = allocParams(1, strategy, 1);
        p[0].newMagnitudes = new uint64[](0);
        vm.expectRevert(IAllocationManagerErrors.InputArrayLengthMismatch.selector);
        vm.prank(OPERATOR);
        am.modifyAllocations(OPERATOR, p);
    }

    function test_allocation_acrossSetsCannotExceedMax() public {
        createSet(2, SLASHER);
        allocate(OPERATOR, 1, 600e15);
        vm.expectRevert(IAllocationManagerErrors.InsufficientMagnitude.selector);
        allocate(OPERATOR, 2, 400e15 + 1);
        allocate(OPERATOR, 2, 400e15);
        vm.assertEq(am.getAllocatableMagnitude(OPERATOR, strategy), 0, "all allocated");
    }

    function test_deallocation_unregistered_isImmediate() public {
        allocate(OPERATOR, 1, WAD);
        advance(ALLOCATION_DELAY);
        allocate(OPERATOR, 1, WAD / 4);
        IAllocationManagerTypes.Allocation memory a = am.getAllocation(OPERATOR, set(1), strategy);
        vm.assertEq(a.currentMagnitude, WAD / 4, "applied now: nobody could slash it");
        vm.assertEq(am.getAllocatableMagnitude(OPERATOR, strategy), WAD - WAD / 4, "freed now");
    }

    function test_deallocation_staysSlashableUntilTheDelay() public {
        register(OPERATOR, 1);
        allocate(OPERATOR, 1, WAD);
        advance(ALLOCATION_DELAY);
        allocate(OPERATOR, 1, 0);
        uint256 deallocBlock = block.number;
        IAllocationManagerTypes.Allocation memory a = am.getAllocation(OPERATOR, set(1), strategy);
        vm.assertEq(a.effectBlock, deallocBlock + DEALLOCATION_DELAY + 1, "effect block");
        vm.assertEq(am.getAllocatableMagnitude(OPERATOR, strategy), 0, "not freed yet");
        vm.roll(deallocBlock + DEALLOCATION_DELAY);
        vm.assertEq(stake(OPERATOR, 1), 1000e18, "still all slashable at the last block");
        (, uint256 shares) = slash(OPERATOR, 1, WAD / 10);
        vm.assertEq(shares, 100e18, "slashed at the last block of the delay");
        advance(1);
        vm.assertEq(am.getAllocation(OPERATOR, set(1), strategy).currentMagnitude, 0, "gone");
        vm.assertEq(stake(OPERATOR, 1), 0, "nothing slashable");
        (, shares) = slash(OPERATOR, 1, WAD / 10);
        vm.assertEq(shares, 0, "a slash after the delay takes nothing");
        vm.assertEq(am.getAllocatableMagnitude(OPERATOR, strategy), am.getMaxMagnitude(OPERATOR, strategy), "freed");
    }

    function test_clearDeallocationQueue_releasesEncumbered() public {
        register(OPERATOR, 1);
        allocate(OPERATOR, 1, WAD);
        advance(ALLOCATION_DELAY);
        allocate(OPERATOR, 1, WAD / 2);
        advance(DEALLOCATION_DELAY + 1);
        uint16[] memory n = new uint16[](1);
        n[0] = 1;
        am.clearDeallocationQueue(OPERATOR, one(strategy), n);
        vm.assertEq(am.getEncumberedMagnitude(OPERATOR, strategy), WAD / 2, "released");
        // The freed half can go to another set right away.
        createSet(2, SLASHER);
        allocate(OPERATOR, 2, WAD / 2);
        vm.expectRevert(IAllocationManagerErrors.InputArrayLengthMismatch.selector);
        am.clearDeallocationQueue(OPERATOR, one(strategy), new uint16[](0));
    }

    function test_minimumSlashableStake_futureBlock() public {
        register(OPERATOR, 1);
        allocate(OPERATOR, 1, WAD / 2);
        advance(ALLOCATION_DELAY);
        allocate(OPERATOR, 1, WAD / 8);
        uint32 effect = am.getAllocation(OPERATOR, set(1), strategy).effectBlock;
        vm.assertEq(minStake(OPERATOR, 1, uint32(block.number)), 500e18, "now: half");
        vm.assertEq(minStake(OPERATOR, 1, effect - 1), 500e18, "before the deallocation lands");
        vm.assertEq(minStake(OPERATOR, 1, effect), 125e18, "once it lands");
        // A pending increase never counts toward the minimum.
        createSet(2, SLASHER);
        register(OPERATOR, 2);
        allocate(OPERATOR, 2, WAD / 2);
        vm.assertEq(minStake(OPERATOR, 2, uint32(block.number + 1000)), 0, "pending increase not counted");
        // An operator the set cannot slash has none.
        newOperator(OPERATOR2, 10e18);
        allocate(OPERATOR2, 1, WAD);
        advance(ALLOCATION_DELAY);
        vm.assertEq(minStake(OPERATOR2, 1, uint32(block.number)), 0, "unregistered: 0");
        address[] memory ops = new address[](1);
        ops[0] = OPERATOR2;
        vm.assertEq(am.getAllocatedStake(set(1), ops, one(strategy))[0][0], 10e18, "allocated regardless");
    }

    function stake(address op, uint32 id) internal view returns (uint256) {
        return minStake(op, id, uint32(block.number));
    }

    function minStake(address op, uint32 id, uint32 futureBlock) internal view returns (uint256) {
        address[] memory ops = new address[](1);
        ops[0] = op;
        return am.getMinimumSlashableStake(set(id), ops, one(strategy), futureBlock)[0][0];
    }
}
