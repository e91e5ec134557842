// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {DoubleEndedQueue} from "@openzeppelin/contracts/utils/structs/DoubleEndedQueue.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {OperatorSet, OperatorSetLib} from "./libraries/OperatorSetLib.sol";
import {WAD, WadMath} from "./libraries/WadMath.sol";
import {IAllocationManager} from "./interfaces/IAllocationManager.sol";
import {IAVSRegistrar} from "./interfaces/IAVSRegistrar.sol";
import {IDelegationManager} from "./interfaces/IDelegationManager.sol";
import {IPermissionController} from "./interfaces/IPermissionController.sol";
import {IStrategy} from "./interfaces/IStrategy.sol";
import {PermissionControllerMixin} from "./PermissionControllerMixin.sol";

/// @title AllocationManager (EigenLayer stand-in)
/// @notice Operator sets, operator registration, allocations of slashable magnitude and slashing,
///         with EigenLayer v1.12.0's ABI and rules (docs/core/AllocationManager.md there):
///         - magnitudes are WADs: an operator starts with max magnitude 1e18 per strategy, allocates
///           parts of it to operator sets, and a slash of proportion w removes ceil(w * allocated)
///           from the allocation and from the max; the operator's delegated shares fall by the same
///           proportion as the max (rounded so no more than that);
///         - an allocation increase takes effect after the operator's allocation delay; a decrease
///           of a slashable allocation stays slashable for DEALLOCATION_DELAY blocks (it takes
///           effect at +DEALLOCATION_DELAY+1); an operator deregistered from a set stays slashable
///           by it until +DEALLOCATION_DELAY;
///         - a changed allocation delay or slasher takes effect after ALLOCATION_CONFIGURATION_DELAY
///           (+1) blocks; a new operator's delay and a new set's slasher apply at once;
///         - only the set's slasher may slash; the slashed underlying goes (through the
///           StrategyManager's clear step) to the set's redistribution recipient, or to the burn
///           address for a non-redistributing set.
///         Simplified: not pausable or upgradeable; max magnitude kept as its latest value only (no
///         history); the views listed in interfaces/IAllocationManager.sol as left out are absent.
contract AllocationManager is IAllocationManager, PermissionControllerMixin {
    using EnumerableSet for EnumerableSet.AddressSet;
    using EnumerableSet for EnumerableSet.Bytes32Set;
    using EnumerableSet for EnumerableSet.UintSet;
    using DoubleEndedQueue for DoubleEndedQueue.Bytes32Deque;
    using WadMath for uint256;

    /// @dev Where a non-redistributing set's slashed tokens go (same address as EigenLayer's).
    address internal constant DEFAULT_BURN_ADDRESS = 0x00000000000000000000000000000000000E16E4;
    /// @dev Native ETH cannot be redistributed; same sentinel address as EigenLayer's.
    IStrategy internal constant BEACONCHAIN_ETH_STRAT = IStrategy(0xbeaC0eeEeeeeEEeEeEEEEeeEEeEeeeEeeEEBEaC0);

    IDelegationManager public immutable delegation;
    /// @dev 14 days of blocks on mainnet (100,800); a few blocks on the devnet.
    uint32 public immutable DEALLOCATION_DELAY;
    uint32 public immutable ALLOCATION_CONFIGURATION_DELAY;

    mapping(address avs => bool) private _avsRegisteredMetadata;
    mapping(address avs => IAVSRegistrar) private _avsRegistrar;
    mapping(address avs => EnumerableSet.UintSet) private _operatorSets;
    mapping(bytes32 setKey => EnumerableSet.AddressSet) private _setStrategies;
    mapping(bytes32 setKey => EnumerableSet.AddressSet) private _setMembers;
    mapping(bytes32 setKey => address) private _redistributionRecipients;
    mapping(bytes32 setKey => SlasherParams) private _slashers;
    mapping(bytes32 setKey => uint256) private _slashIds;
    mapping(address operator => EnumerableSet.Bytes32Set) private _registeredSets;
    mapping(address operator => mapping(bytes32 setKey => RegistrationStatus)) private _registration;
    mapping(address operator => AllocationDelayInfo) private _allocationDelay;
    mapping(address operator => mapping(IStrategy strategy => uint64)) private _encumbered;
    /// @dev WAD minus the max magnitude, so the zero default means "never slashed".
    mapping(address operator => mapping(IStrategy strategy => uint64)) private _magnitudeLost;
    mapping(address operator => mapping(bytes32 setKey => mapping(IStrategy strategy => Allocation))) private
        _allocations;
    /// @dev Per operator and strategy, the sets with a pending slashable deallocation, oldest first
    ///      (all share one delay, so effect blocks are in order too).
    mapping(address operator => mapping(IStrategy strategy => DoubleEndedQueue.Bytes32Deque)) private
        _deallocationQueue;

    constructor(
        IDelegationManager _delegation,
        IPermissionController _permissionController,
        uint32 _DEALLOCATION_DELAY,
        uint32 _ALLOCATION_CONFIGURATION_DELAY
    ) PermissionControllerMixin(_permissionController) {
        delegation = _delegation;
        DEALLOCATION_DELAY = _DEALLOCATION_DELAY;
        ALLOCATION_CONFIGURATION_DELAY = _ALLOCATION_CONFIGURATION_DELAY;
    }

    /// @dev EigenLayer uses one value for both configuration delays.
    function SLASHER_CONFIGURATION_DELAY() external view returns (uint32) {
        return ALLOCATION_CONFIGURATION_DELAY;
    }

    // ------------------------------------------------------------------ slashing

    function slashOperator(address avs, SlashingParams calldata params)
        external
        returns (uint256 slashId, uint256[] memory shares)
    {
        OperatorSet memory operatorSet = OperatorSet(avs, params.operatorSetId);
        if (params.strategies.length != params.wadsToSlash.length) revert InputArrayLengthMismatch();
        if (!_exists(operatorSet)) revert InvalidOperatorSet();
        if (!isOperatorSlashable(params.operator, operatorSet)) revert OperatorNotSlashable();
        if (msg.sender != getSlasher(operatorSet)) revert InvalidCaller();

        bytes32 setKey = operatorSet.key();
        slashId = ++_slashIds[setKey];
        shares = new uint256[](params.strategies.length);
        uint256[] memory wadSlashed = new uint256[](params.strategies.length);
        for (uint256 i = 0; i < params.strategies.length; ++i) {
            IStrategy strategy = params.strategies[i];
            // Strictly ascending: no strategy twice in one slash.
            if (i != 0 && uint160(address(strategy)) <= uint160(address(params.strategies[i - 1]))) {
                revert StrategiesMustBeInAscendingOrder();
            }
            uint256 wad = params.wadsToSlash[i];
            if (wad == 0 || wad > WAD) revert InvalidWadToSlash();
            if (!_setStrategies[setKey].contains(address(strategy))) revert StrategyNotInOperatorSet();
            (wadSlashed[i], shares[i]) = _slashStrategy(params.operator, operatorSet, slashId, strategy, wad);
        }
        emit OperatorSlashed(params.operator, operatorSet, params.strategies, wadSlashed, params.description);
    }

    /// @return wadSlashed the part of the operator's whole max magnitude (so of all its delegated
    ///         shares) the slash removed; sharesSlashed the operator shares taken.
    function _slashStrategy(
        address operator,
        OperatorSet memory operatorSet,
        uint256 slashId,
        IStrategy strategy,
        uint256 wad
    ) private returns (uint256 wadSlashed, uint256 sharesSlashed) {
        bytes32 setKey = operatorSet.key();
        (StrategyInfo memory info, Allocation memory alloc) = _updatedAllocation(operator, setKey, strategy);
        if (alloc.currentMagnitude == 0) return (0, 0);

        // Rounded up: a slash of a nonzero allocation always removes something.
        uint64 cut = uint64(uint256(alloc.currentMagnitude).mulWadRoundUp(wad));
        uint64 prevMax = info.maxMagnitude;
        wadSlashed = uint256(cut).divWad(prevMax);
        alloc.currentMagnitude -= cut;
        info.maxMagnitude -= cut;
        info.encumberedMagnitude -= cut;

        // A pending deallocation shrinks by the same proportion, so what it frees later is what
        // is left of it (the slashed part is gone, not freed).
        if (alloc.pendingDiff < 0) {
            uint64 pendingCut = uint64(uint256(uint128(-alloc.pendingDiff)).mulWadRoundUp(wad));
            alloc.pendingDiff += int128(uint128(pendingCut));
            emit AllocationUpdated(
                operator, operatorSet, strategy, _add(alloc.currentMagnitude, alloc.pendingDiff), alloc.effectBlock
            );
        }
        _store(operator, setKey, strategy, info, alloc);
        emit AllocationUpdated(operator, operatorSet, strategy, alloc.currentMagnitude, uint32(block.number));

        _magnitudeLost[operator][strategy] = WAD - info.maxMagnitude;
        emit MaxMagnitudeUpdated(operator, strategy, info.maxMagnitude);

        sharesSlashed =
            delegation.slashOperatorShares(operator, operatorSet, slashId, strategy, prevMax, info.maxMagnitude);
    }

    // ------------------------------------------------------------------ allocations

    function modifyAllocations(address operator, AllocateParams[] calldata params) external checkCanCall(operator) {
        (bool isSet, uint32 delay) = getAllocationDelay(operator);
        if (!isSet) revert UninitializedAllocationDelay();
        for (uint256 i = 0; i < params.length; ++i) {
            AllocateParams calldata p = params[i];
            if (p.strategies.length != p.newMagnitudes.length) revert InputArrayLengthMismatch();
            OperatorSet memory operatorSet = p.operatorSet;
            if (!_exists(operatorSet)) revert InvalidOperatorSet();
            bool operatorSlashable = isOperatorSlashable(operator, operatorSet);
            for (uint256 j = 0; j < p.strategies.length; ++j) {
                _modifyAllocation(operator, operatorSet, p.strategies[j], p.newMagnitudes[j], operatorSlashable, delay);
            }
        }
    }

    function _modifyAllocation(
        address operator,
        OperatorSet memory operatorSet,
        IStrategy strategy,
        uint64 newMagnitude,
        bool operatorSlashable,
        uint32 delay
    ) private {
        // Free whatever finished deallocations hold first, so the magnitude check below sees it.
        _clearQueue(operator, strategy, type(uint16).max);
        bytes32 setKey = operatorSet.key();
        (StrategyInfo memory info, Allocation memory alloc) = _updatedAllocation(operator, setKey, strategy);
        if (alloc.effectBlock != 0) revert ModificationAlreadyPending();
        if (newMagnitude == alloc.currentMagnitude) revert SameMagnitude();
        alloc.pendingDiff = int128(uint128(newMagnitude)) - int128(uint128(alloc.currentMagnitude));

        if (alloc.pendingDiff < 0) {
            bool slashable =
                operatorSlashable && alloc.currentMagnitude != 0 && _setStrategies[setKey].contains(address(strategy));
            if (slashable) {
                // Still slashable through DEALLOCATION_DELAY blocks: takes effect the block after.
                _deallocationQueue[operator][strategy].pushBack(setKey);
                alloc.effectBlock = uint32(block.number) + DEALLOCATION_DELAY + 1;
            } else {
                // Nobody can slash it: free it now.
                info.encumberedMagnitude = _add(info.encumberedMagnitude, alloc.pendingDiff);
                alloc.currentMagnitude = newMagnitude;
                alloc.pendingDiff = 0;
                alloc.effectBlock = uint32(block.number);
            }
        } else {
            // Reserved now, slashable only once the operator's allocation delay has passed.
            info.encumberedMagnitude = _add(info.encumberedMagnitude, alloc.pendingDiff);
            if (info.encumberedMagnitude > info.maxMagnitude) revert InsufficientMagnitude();
            alloc.effectBlock = uint32(block.number) + delay;
        }
        _store(operator, setKey, strategy, info, alloc);
        emit AllocationUpdated(operator, operatorSet, strategy, newMagnitude, alloc.effectBlock);
    }

    function clearDeallocationQueue(address operator, IStrategy[] calldata strategies, uint16[] calldata numToClear)
        external
    {
        if (strategies.length != numToClear.length) revert InputArrayLengthMismatch();
        for (uint256 i = 0; i < strategies.length; ++i) {
            _clearQueue(operator, strategies[i], numToClear[i]);
        }
    }

    function _clearQueue(address operator, IStrategy strategy, uint16 numToClear) private {
        DoubleEndedQueue.Bytes32Deque storage queue = _deallocationQueue[operator][strategy];
        for (uint256 n = 0; n < numToClear && !queue.empty(); ++n) {
            bytes32 setKey = queue.front();
            (StrategyInfo memory info, Allocation memory alloc) = _updatedAllocation(operator, setKey, strategy);
            if (block.number < alloc.effectBlock) break;
            _store(operator, setKey, strategy, info, alloc);
            queue.popFront();
        }
    }

    function setAllocationDelay(address operator, uint32 delay) external {
        // Called by the DelegationManager only while registering a new operator: applies at once.
        bool newOperator = msg.sender == address(delegation);
        if (!newOperator) {
            if (!_canCall(operator)) revert InvalidPermissions();
            if (!delegation.isOperator(operator)) revert InvalidOperator();
        }
        AllocationDelayInfo memory info = _allocationDelay[operator];
        if (info.effectBlock != 0 && block.number >= info.effectBlock) {
            info.delay = info.pendingDelay;
            info.isSet = true;
        }
        info.pendingDelay = delay;
        if (newOperator) {
            info.delay = delay;
            info.isSet = true;
            info.effectBlock = uint32(block.number);
        } else {
            info.effectBlock = uint32(block.number) + ALLOCATION_CONFIGURATION_DELAY + 1;
        }
        _allocationDelay[operator] = info;
        emit AllocationDelaySet(operator, delay, info.effectBlock);
    }

    // ------------------------------------------------------------------ registration

    function registerForOperatorSets(address operator, RegisterParams calldata params) external checkCanCall(operator) {
        if (!delegation.isOperator(operator)) revert InvalidOperator();
        for (uint256 i = 0; i < params.operatorSetIds.length; ++i) {
            OperatorSet memory operatorSet = OperatorSet(params.avs, params.operatorSetIds[i]);
            if (!_exists(operatorSet)) revert InvalidOperatorSet();
            // Also refused while still slashable after a deregistration.
            if (isOperatorSlashable(operator, operatorSet)) revert AlreadyMemberOfSet();
            bytes32 setKey = operatorSet.key();
            _registeredSets[operator].add(setKey);
            _setMembers[setKey].add(operator);
            _registration[operator][setKey].registered = true;
            emit OperatorAddedToOperatorSet(operator, operatorSet);
        }
        // The AVS's own checks run last and can veto the whole registration by reverting.
        getAVSRegistrar(params.avs).registerOperator(operator, params.avs, params.operatorSetIds, params.data);
    }

    function deregisterFromOperatorSets(DeregisterParams calldata params) external {
        if (!_canCall(params.operator) && !_canCall(params.avs)) revert InvalidCaller();
        for (uint256 i = 0; i < params.operatorSetIds.length; ++i) {
            OperatorSet memory operatorSet = OperatorSet(params.avs, params.operatorSetIds[i]);
            if (!_exists(operatorSet)) revert InvalidOperatorSet();
            bytes32 setKey = operatorSet.key();
            if (!_registration[params.operator][setKey].registered) revert NotMemberOfSet();
            _registeredSets[params.operator].remove(setKey);
            _setMembers[setKey].remove(params.operator);
            _registration[params.operator][setKey] =
                RegistrationStatus({registered: false, slashableUntil: uint32(block.number) + DEALLOCATION_DELAY});
            emit OperatorRemovedFromOperatorSet(params.operator, operatorSet);
        }
        getAVSRegistrar(params.avs).deregisterOperator(params.operator, params.avs, params.operatorSetIds);
    }

    // ------------------------------------------------------------------ AVS configuration

    function setAVSRegistrar(address avs, IAVSRegistrar registrar) external checkCanCall(avs) {
        // A registrar must accept this AVS, so one AVS's registrar cannot be wired to another.
        if (!registrar.supportsAVS(avs)) revert InvalidAVSRegistrar();
        _avsRegistrar[avs] = registrar;
        emit AVSRegistrarSet(avs, getAVSRegistrar(avs));
    }

    function updateAVSMetadataURI(address avs, string calldata metadataURI) external checkCanCall(avs) {
        _avsRegisteredMetadata[avs] = true;
        emit AVSMetadataURIUpdated(avs, metadataURI);
    }

    function createOperatorSets(address avs, CreateSetParams[] calldata params) external checkCanCall(avs) {
        if (!_avsRegisteredMetadata[avs]) revert NonexistentAVSMetadata();
        for (uint256 i = 0; i < params.length; ++i) {
            _createSet(avs, params[i].operatorSetId, params[i].strategies, avs, DEFAULT_BURN_ADDRESS);
        }
    }

    function createOperatorSets(address avs, CreateSetParamsV2[] calldata params) external checkCanCall(avs) {
        if (!_avsRegisteredMetadata[avs]) revert NonexistentAVSMetadata();
        for (uint256 i = 0; i < params.length; ++i) {
            _createSet(avs, params[i].operatorSetId, params[i].strategies, params[i].slasher, DEFAULT_BURN_ADDRESS);
        }
    }

    function createRedistributingOperatorSets(
        address avs,
        CreateSetParams[] calldata params,
        address[] calldata redistributionRecipients
    ) external checkCanCall(avs) {
        if (params.length != redistributionRecipients.length) {
            revert InputArrayLengthMismatch();
        }
        if (!_avsRegisteredMetadata[avs]) revert NonexistentAVSMetadata();
        for (uint256 i = 0; i < params.length; ++i) {
            _checkRecipient(redistributionRecipients[i]);
            _createSet(avs, params[i].operatorSetId, params[i].strategies, avs, redistributionRecipients[i]);
        }
    }

    function createRedistributingOperatorSets(
        address avs,
        CreateSetParamsV2[] calldata params,
        address[] calldata redistributionRecipients
    ) external checkCanCall(avs) {
        if (params.length != redistributionRecipients.length) {
            revert InputArrayLengthMismatch();
        }
        if (!_avsRegisteredMetadata[avs]) revert NonexistentAVSMetadata();
        for (uint256 i = 0; i < params.length; ++i) {
            _checkRecipient(redistributionRecipients[i]);
            _createSet(
                avs, params[i].operatorSetId, params[i].strategies, params[i].slasher, redistributionRecipients[i]
            );
        }
    }

    function addStrategiesToOperatorSet(address avs, uint32 operatorSetId, IStrategy[] calldata strategies)
        external
        checkCanCall(avs)
    {
        OperatorSet memory operatorSet = OperatorSet(avs, operatorSetId);
        if (!_exists(operatorSet)) revert InvalidOperatorSet();
        bool redistributing = isRedistributingOperatorSet(operatorSet);
        for (uint256 i = 0; i < strategies.length; ++i) {
            _addStrategy(operatorSet, strategies[i], redistributing);
        }
    }

    function removeStrategiesFromOperatorSet(address avs, uint32 operatorSetId, IStrategy[] calldata strategies)
        external
        checkCanCall(avs)
    {
        OperatorSet memory operatorSet = OperatorSet(avs, operatorSetId);
        if (!_exists(operatorSet)) revert InvalidOperatorSet();
        bytes32 setKey = operatorSet.key();
        for (uint256 i = 0; i < strategies.length; ++i) {
            if (!_setStrategies[setKey].remove(address(strategies[i]))) revert StrategyNotInOperatorSet();
            emit StrategyRemovedFromOperatorSet(operatorSet, strategies[i]);
        }
    }

    function updateSlasher(OperatorSet memory operatorSet, address slasher) external checkCanCall(operatorSet.avs) {
        if (!_exists(operatorSet)) revert InvalidOperatorSet();
        if (getSlasher(operatorSet) == address(0)) revert SlasherNotSet();
        _updateSlasher(operatorSet, slasher, false);
    }

    function _checkRecipient(address recipient) private pure {
        if (recipient == address(0)) revert InputAddressZero();
        if (recipient == DEFAULT_BURN_ADDRESS) revert InvalidRedistributionRecipient();
    }

    function _createSet(
        address avs,
        uint32 operatorSetId,
        IStrategy[] calldata strategies,
        address slasher,
        address recipient
    ) private {
        OperatorSet memory operatorSet = OperatorSet(avs, operatorSetId);
        if (!_operatorSets[avs].add(operatorSetId)) revert InvalidOperatorSet();
        emit OperatorSetCreated(operatorSet);
        bool redistributing = recipient != DEFAULT_BURN_ADDRESS;
        if (redistributing) {
            _redistributionRecipients[operatorSet.key()] = recipient;
            emit RedistributionAddressSet(operatorSet, recipient);
        }
        for (uint256 i = 0; i < strategies.length; ++i) {
            _addStrategy(operatorSet, strategies[i], redistributing);
        }
        _updateSlasher(operatorSet, slasher, true);
    }

    function _addStrategy(OperatorSet memory operatorSet, IStrategy strategy, bool redistributing) private {
        if (redistributing && strategy == BEACONCHAIN_ETH_STRAT) revert InvalidStrategy();
        if (!_setStrategies[operatorSet.key()].add(address(strategy))) revert StrategyAlreadyInOperatorSet();
        emit StrategyAddedToOperatorSet(operatorSet, strategy);
    }

    /// @dev `instant`: at set creation the slasher applies now; a later change waits out the
    ///      configuration delay so operators can leave before a new slasher can act.
    function _updateSlasher(OperatorSet memory operatorSet, address slasher, bool instant) private {
        if (slasher == address(0)) revert InputAddressZero();
        bytes32 setKey = operatorSet.key();
        SlasherParams memory p = _slashers[setKey];
        if (p.effectBlock != 0 && block.number >= p.effectBlock) p.slasher = p.pendingSlasher;
        // The same change already pending: keep its countdown.
        if (slasher == p.pendingSlasher && block.number < p.effectBlock) return;
        p.pendingSlasher = slasher;
        if (instant) {
            p.slasher = slasher;
            p.effectBlock = uint32(block.number);
        } else {
            p.effectBlock = uint32(block.number) + ALLOCATION_CONFIGURATION_DELAY + 1;
        }
        _slashers[setKey] = p;
        emit SlasherUpdated(operatorSet, slasher, p.effectBlock);
    }

    // ------------------------------------------------------------------ views

    function getOperatorSetCount(address avs) external view returns (uint256) {
        return _operatorSets[avs].length();
    }

    function getAllocation(address operator, OperatorSet memory operatorSet, IStrategy strategy)
        public
        view
        returns (Allocation memory alloc)
    {
        (, alloc) = _updatedAllocation(operator, operatorSet.key(), strategy);
    }

    function getEncumberedMagnitude(address operator, IStrategy strategy) public view returns (uint64) {
        // As if the finished deallocations were cleared (what the next allocation will see).
        uint64 encumbered = _encumbered[operator][strategy];
        DoubleEndedQueue.Bytes32Deque storage queue = _deallocationQueue[operator][strategy];
        uint256 n = queue.length();
        for (uint256 i = 0; i < n; ++i) {
            Allocation memory alloc = _allocations[operator][queue.at(i)][strategy];
            if (block.number < alloc.effectBlock) break;
            if (alloc.pendingDiff < 0) encumbered = _add(encumbered, alloc.pendingDiff);
        }
        return encumbered;
    }

    function getAllocatableMagnitude(address operator, IStrategy strategy) external view returns (uint64) {
        return getMaxMagnitude(operator, strategy) - getEncumberedMagnitude(operator, strategy);
    }

    function getMaxMagnitude(address operator, IStrategy strategy) public view returns (uint64) {
        return WAD - _magnitudeLost[operator][strategy];
    }

    function getAllocationDelay(address operator) public view returns (bool isSet, uint32 delay) {
        AllocationDelayInfo memory info = _allocationDelay[operator];
        (isSet, delay) = (info.isSet, info.delay);
        if (info.effectBlock != 0 && block.number >= info.effectBlock) (isSet, delay) = (true, info.pendingDelay);
    }

    function getRegisteredSets(address operator) external view returns (OperatorSet[] memory operatorSets) {
        uint256 n = _registeredSets[operator].length();
        operatorSets = new OperatorSet[](n);
        for (uint256 i = 0; i < n; ++i) {
            operatorSets[i] = OperatorSetLib.decode(_registeredSets[operator].at(i));
        }
    }

    function isMemberOfOperatorSet(address operator, OperatorSet memory operatorSet) external view returns (bool) {
        return _setMembers[operatorSet.key()].contains(operator);
    }

    function isOperatorSet(OperatorSet memory operatorSet) external view returns (bool) {
        return _exists(operatorSet);
    }

    function getMembers(OperatorSet memory operatorSet) external view returns (address[] memory) {
        return _setMembers[operatorSet.key()].values();
    }

    function getMemberCount(OperatorSet memory operatorSet) external view returns (uint256) {
        return _setMembers[operatorSet.key()].length();
    }

    function getAVSRegistrar(address avs) public view returns (IAVSRegistrar) {
        IAVSRegistrar registrar = _avsRegistrar[avs];
        return address(registrar) == address(0) ? IAVSRegistrar(avs) : registrar;
    }

    function getStrategiesInOperatorSet(OperatorSet memory operatorSet)
        external
        view
        returns (IStrategy[] memory strategies)
    {
        address[] memory list = _setStrategies[operatorSet.key()].values();
        strategies = new IStrategy[](list.length);
        for (uint256 i = 0; i < list.length; ++i) {
            strategies[i] = IStrategy(list[i]);
        }
    }

    function getMinimumSlashableStake(
        OperatorSet memory operatorSet,
        address[] memory operators,
        IStrategy[] memory strategies,
        uint32 futureBlock
    ) external view returns (uint256[][] memory slashableStake) {
        slashableStake = _minimumAllocatedStake(operatorSet, operators, strategies, futureBlock);
        for (uint256 i = 0; i < operators.length; ++i) {
            if (!isOperatorSlashable(operators[i], operatorSet)) {
                for (uint256 j = 0; j < strategies.length; ++j) {
                    slashableStake[i][j] = 0;
                }
            }
        }
    }

    function getAllocatedStake(
        OperatorSet memory operatorSet,
        address[] memory operators,
        IStrategy[] memory strategies
    ) external view returns (uint256[][] memory) {
        return _minimumAllocatedStake(operatorSet, operators, strategies, uint32(block.number));
    }

    function isOperatorSlashable(address operator, OperatorSet memory operatorSet) public view returns (bool) {
        RegistrationStatus memory status = _registration[operator][operatorSet.key()];
        return status.registered || block.number <= status.slashableUntil;
    }

    function getSlasher(OperatorSet memory operatorSet) public view returns (address) {
        SlasherParams memory p = _slashers[operatorSet.key()];
        return (p.effectBlock != 0 && block.number >= p.effectBlock) ? p.pendingSlasher : p.slasher;
    }

    function getPendingSlasher(OperatorSet memory operatorSet)
        external
        view
        returns (address pendingSlasher, uint32 effectBlock)
    {
        SlasherParams memory p = _slashers[operatorSet.key()];
        if (block.number < p.effectBlock) (pendingSlasher, effectBlock) = (p.pendingSlasher, p.effectBlock);
    }

    function getRedistributionRecipient(OperatorSet memory operatorSet) public view returns (address) {
        address recipient = _redistributionRecipients[operatorSet.key()];
        return recipient == address(0) ? DEFAULT_BURN_ADDRESS : recipient;
    }

    function isRedistributingOperatorSet(OperatorSet memory operatorSet) public view returns (bool) {
        return getRedistributionRecipient(operatorSet) != DEFAULT_BURN_ADDRESS;
    }

    function getSlashCount(OperatorSet memory operatorSet) external view returns (uint256) {
        return _slashIds[operatorSet.key()];
    }

    // ------------------------------------------------------------------ internals

    function _exists(OperatorSet memory operatorSet) private view returns (bool) {
        return _operatorSets[operatorSet.avs].contains(operatorSet.id);
    }

    /// @dev The allocation as of now: a pending change whose effect block has come is applied (and
    ///      a finished deallocation's magnitude released from the encumbered total).
    function _updatedAllocation(address operator, bytes32 setKey, IStrategy strategy)
        private
        view
        returns (StrategyInfo memory info, Allocation memory alloc)
    {
        info = StrategyInfo({
            maxMagnitude: getMaxMagnitude(operator, strategy), encumberedMagnitude: _encumbered[operator][strategy]
        });
        alloc = _allocations[operator][setKey][strategy];
        if (block.number < alloc.effectBlock) return (info, alloc);
        alloc.currentMagnitude = _add(alloc.currentMagnitude, alloc.pendingDiff);
        if (alloc.pendingDiff < 0) info.encumberedMagnitude = _add(info.encumberedMagnitude, alloc.pendingDiff);
        alloc.pendingDiff = 0;
        alloc.effectBlock = 0;
    }

    function _store(
        address operator,
        bytes32 setKey,
        IStrategy strategy,
        StrategyInfo memory info,
        Allocation memory alloc
    ) private {
        if (_encumbered[operator][strategy] != info.encumberedMagnitude) {
            _encumbered[operator][strategy] = info.encumberedMagnitude;
            emit EncumberedMagnitudeUpdated(operator, strategy, info.encumberedMagnitude);
        }
        _allocations[operator][setKey][strategy] = alloc;
    }

    /// @dev Stake slashable by the set: delegated shares times allocated/max magnitude. Only
    ///      decreases that are in effect by `futureBlock` are counted, never pending increases, so
    ///      the result is a lower bound up to `futureBlock` (if no slash comes between).
    function _minimumAllocatedStake(
        OperatorSet memory operatorSet,
        address[] memory operators,
        IStrategy[] memory strategies,
        uint32 futureBlock
    ) private view returns (uint256[][] memory stake) {
        stake = new uint256[][](operators.length);
        uint256[][] memory delegated = delegation.getOperatorsShares(operators, strategies);
        for (uint256 i = 0; i < operators.length; ++i) {
            stake[i] = new uint256[](strategies.length);
            for (uint256 j = 0; j < strategies.length; ++j) {
                uint64 maxMagnitude = getMaxMagnitude(operators[i], strategies[j]);
                if (maxMagnitude == 0) continue;
                Allocation memory alloc = getAllocation(operators[i], operatorSet, strategies[j]);
                if (alloc.effectBlock <= futureBlock && alloc.pendingDiff < 0) {
                    alloc.currentMagnitude = _add(alloc.currentMagnitude, alloc.pendingDiff);
                }
                stake[i][j] = delegated[i][j].mulWad(uint256(alloc.currentMagnitude).divWad(maxMagnitude));
            }
        }
    }

    function _add(uint64 a, int128 b) private pure returns (uint64) {
        return SafeCast.toUint64(SafeCast.toUint256(int256(int128(uint128(a))) + int256(b)));
    }
}
