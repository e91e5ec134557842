// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {OperatorSet} from "../libraries/OperatorSetLib.sol";
import {IAVSRegistrar} from "./IAVSRegistrar.sol";
import {IDelegationManager} from "./IDelegationManager.sol";
import {IStrategy} from "./IStrategy.sol";

// EigenLayer v1.12.0's IAllocationManager: all errors, types and events exactly as there (they are
// the ABI); of the functions, every one the stand-in implements, with the real signature. Left
// out (not implemented): initialize/pausing, migrateSlashers, getAllocatedSets,
// getAllocatedStrategies, getAllocations, getStrategyAllocations, the getMaxMagnitudes overloads and
// getMaxMagnitudesAtBlock, isOperatorRedistributable, eigenStrategy.

interface IAllocationManagerErrors {
    error InvalidWadToSlash();
    error InputArrayLengthMismatch();
    error InvalidAVSRegistrar();
    error InvalidStrategy();
    error InvalidRedistributionRecipient();
    error OperatorSetAlreadyMigrated();
    error InvalidCaller();
    error InvalidOperator();
    error NonexistentAVSMetadata();
    error UninitializedAllocationDelay();
    error OperatorNotSlashable();
    error AlreadyMemberOfSet();
    error NotMemberOfSet();
    error InvalidOperatorSet();
    error StrategiesMustBeInAscendingOrder();
    error StrategyAlreadyInOperatorSet();
    error StrategyNotInOperatorSet();
    error SameMagnitude();
    error ModificationAlreadyPending();
    error InsufficientMagnitude();
    error SlasherNotSet();
    /// @dev Declared in IPausable in the real tree (which IAllocationManager extends); same selector.
    error InputAddressZero();
}

interface IAllocationManagerTypes {
    struct Allocation {
        uint64 currentMagnitude;
        int128 pendingDiff;
        uint32 effectBlock;
    }

    struct SlasherParams {
        address slasher;
        address pendingSlasher;
        uint32 effectBlock;
    }

    struct AllocationDelayInfo {
        uint32 delay;
        bool isSet;
        uint32 pendingDelay;
        uint32 effectBlock;
    }

    struct RegistrationStatus {
        bool registered;
        uint32 slashableUntil;
    }

    struct StrategyInfo {
        uint64 maxMagnitude;
        uint64 encumberedMagnitude;
    }

    struct SlashingParams {
        address operator;
        uint32 operatorSetId;
        IStrategy[] strategies;
        uint256[] wadsToSlash;
        string description;
    }

    struct AllocateParams {
        OperatorSet operatorSet;
        IStrategy[] strategies;
        uint64[] newMagnitudes;
    }

    struct RegisterParams {
        address avs;
        uint32[] operatorSetIds;
        bytes data;
    }

    struct DeregisterParams {
        address operator;
        address avs;
        uint32[] operatorSetIds;
    }

    struct CreateSetParams {
        uint32 operatorSetId;
        IStrategy[] strategies;
    }

    struct CreateSetParamsV2 {
        uint32 operatorSetId;
        IStrategy[] strategies;
        address slasher;
    }
}

interface IAllocationManagerEvents is IAllocationManagerTypes {
    event AllocationDelaySet(address operator, uint32 delay, uint32 effectBlock);
    event SlasherUpdated(OperatorSet operatorSet, address slasher, uint32 effectBlock);
    event SlasherMigrated(OperatorSet operatorSet, address slasher);
    event AllocationUpdated(
        address operator, OperatorSet operatorSet, IStrategy strategy, uint64 magnitude, uint32 effectBlock
    );
    event EncumberedMagnitudeUpdated(address operator, IStrategy strategy, uint64 encumberedMagnitude);
    event MaxMagnitudeUpdated(address operator, IStrategy strategy, uint64 maxMagnitude);
    event OperatorSlashed(
        address operator, OperatorSet operatorSet, IStrategy[] strategies, uint256[] wadSlashed, string description
    );
    event AVSRegistrarSet(address avs, IAVSRegistrar registrar);
    event AVSMetadataURIUpdated(address indexed avs, string metadataURI);
    event OperatorSetCreated(OperatorSet operatorSet);
    event OperatorAddedToOperatorSet(address indexed operator, OperatorSet operatorSet);
    event OperatorRemovedFromOperatorSet(address indexed operator, OperatorSet operatorSet);
    event RedistributionAddressSet(OperatorSet operatorSet, address redistributionRecipient);
    event StrategyAddedToOperatorSet(OperatorSet operatorSet, IStrategy strategy);
    event StrategyRemovedFromOperatorSet(OperatorSet operatorSet, IStrategy strategy);
}

interface IAllocationManager is IAllocationManagerErrors, IAllocationManagerEvents {
    // Storage getters
    function delegation() external view returns (IDelegationManager);
    function DEALLOCATION_DELAY() external view returns (uint32 delay);
    function ALLOCATION_CONFIGURATION_DELAY() external view returns (uint32);
    function SLASHER_CONFIGURATION_DELAY() external view returns (uint32);

    // Actions
    function slashOperator(address avs, SlashingParams calldata params)
        external
        returns (uint256 slashId, uint256[] memory shares);
    function modifyAllocations(address operator, AllocateParams[] calldata params) external;
    function clearDeallocationQueue(address operator, IStrategy[] calldata strategies, uint16[] calldata numToClear)
        external;
    function registerForOperatorSets(address operator, RegisterParams calldata params) external;
    function deregisterFromOperatorSets(DeregisterParams calldata params) external;
    function setAllocationDelay(address operator, uint32 delay) external;
    function setAVSRegistrar(address avs, IAVSRegistrar registrar) external;
    function updateAVSMetadataURI(address avs, string calldata metadataURI) external;
    function createOperatorSets(address avs, CreateSetParams[] calldata params) external;
    function createOperatorSets(address avs, CreateSetParamsV2[] calldata params) external;
    function createRedistributingOperatorSets(
        address avs,
        CreateSetParams[] calldata params,
        address[] calldata redistributionRecipients
    ) external;
    function createRedistributingOperatorSets(
        address avs,
        CreateSetParamsV2[] calldata params,
        address[] calldata redistributionRecipients
    ) external;
    function addStrategiesToOperatorSet(address avs, uint32 operatorSetId, IStrategy[] calldata strategies) external;
    function removeStrategiesFromOperatorSet(address avs, uint32 operatorSetId, IStrategy[] calldata strategies)
        external;
    function updateSlasher(OperatorSet memory operatorSet, address slasher) external;

    // Views
    function getOperatorSetCount(address avs) external view returns (uint256);
    function getAllocation(address operator, OperatorSet memory operatorSet, IStrategy strategy)
        external
        view
        returns (Allocation memory);
    function getEncumberedMagnitude(address operator, IStrategy strategy) external view returns (uint64);
    function getAllocatableMagnitude(address operator, IStrategy strategy) external view returns (uint64);
    function getMaxMagnitude(address operator, IStrategy strategy) external view returns (uint64);
    function getAllocationDelay(address operator) external view returns (bool isSet, uint32 delay);
    function getRegisteredSets(address operator) external view returns (OperatorSet[] memory operatorSets);
    function isMemberOfOperatorSet(address operator, OperatorSet memory operatorSet) external view returns (bool);
    function isOperatorSet(OperatorSet memory operatorSet) external view returns (bool);
    function getMembers(OperatorSet memory operatorSet) external view returns (address[] memory operators);
    function getMemberCount(OperatorSet memory operatorSet) external view returns (uint256);
    function getAVSRegistrar(address avs) external view returns (IAVSRegistrar);
    function getStrategiesInOperatorSet(OperatorSet memory operatorSet)
        external
        view
        returns (IStrategy[] memory strategies);
    function getMinimumSlashableStake(
        OperatorSet memory operatorSet,
        address[] memory operators,
        IStrategy[] memory strategies,
        uint32 futureBlock
    ) external view returns (uint256[][] memory slashableStake);
    function getAllocatedStake(
        OperatorSet memory operatorSet,
        address[] memory operators,
        IStrategy[] memory strategies
    ) external view returns (uint256[][] memory slashableStake);
    function isOperatorSlashable(address operator, OperatorSet memory operatorSet) external view returns (bool);
    function getSlasher(OperatorSet memory operatorSet) external view returns (address);
    function getPendingSlasher(OperatorSet memory operatorSet)
        external
        view
        returns (address pendingSlasher, uint32 effectBlock);
    function getRedistributionRecipient(OperatorSet memory operatorSet) external view returns (address);
    function isRedistributingOperatorSet(OperatorSet memory operatorSet) external view returns (bool);
    function getSlashCount(OperatorSet memory operatorSet) external view returns (uint256);
}
