// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {OperatorSet} from "../libraries/OperatorSetLib.sol";
import {IStrategy} from "./IStrategy.sol";

// EigenLayer v1.12.0's IDelegationManager (and the ISignatureUtilsMixin pieces it uses): all
// errors, types and events; of the functions, the ones operator registration, delegation and
// slashing touch. Withdrawals (queue/complete), undelegation and EigenPods are not part of the
// stand-in (contracts/README.md "EigenLayer stand-in").

interface ISignatureUtilsMixinErrors {
    error InvalidSignature();
    error SignatureExpired();
}

interface ISignatureUtilsMixinTypes {
    struct SignatureWithExpiry {
        bytes signature;
        uint256 expiry;
    }

    struct SignatureWithSaltAndExpiry {
        bytes signature;
        bytes32 salt;
        uint256 expiry;
    }
}

interface IDelegationManagerErrors {
    error OnlyStrategyManagerOrEigenPodManager();
    error OnlyEigenPodManager();
    error OnlyAllocationManager();
    error OperatorsCannotUndelegate();
    error ActivelyDelegated();
    error NotActivelyDelegated();
    error OperatorNotRegistered();
    error WithdrawalNotQueued();
    error CallerCannotUndelegate();
    error InputArrayLengthMismatch();
    error InputArrayLengthZero();
    error FullySlashed();
    error SaltSpent();
    error WithdrawalDelayNotElapsed();
    error WithdrawerNotCaller();
}

interface IDelegationManagerTypes {
    struct OperatorDetails {
        address __deprecated_earningsReceiver;
        address delegationApprover;
        uint32 __deprecated_stakerOptOutWindowBlocks;
    }

    struct DelegationApproval {
        address staker;
        address operator;
        bytes32 salt;
        uint256 expiry;
    }

    struct Withdrawal {
        address staker;
        address delegatedTo;
        address withdrawer;
        uint256 nonce;
        uint32 startBlock;
        IStrategy[] strategies;
        uint256[] scaledShares;
    }

    struct QueuedWithdrawalParams {
        IStrategy[] strategies;
        uint256[] depositShares;
        address __deprecated_withdrawer;
    }
}

interface IDelegationManagerEvents is IDelegationManagerTypes {
    event OperatorRegistered(address indexed operator, address delegationApprover);
    event DelegationApproverUpdated(address indexed operator, address newDelegationApprover);
    event OperatorMetadataURIUpdated(address indexed operator, string metadataURI);
    event OperatorSharesIncreased(address indexed operator, address staker, IStrategy strategy, uint256 shares);
    event OperatorSharesDecreased(address indexed operator, address staker, IStrategy strategy, uint256 shares);
    event StakerDelegated(address indexed staker, address indexed operator);
    event StakerUndelegated(address indexed staker, address indexed operator);
    event StakerForceUndelegated(address indexed staker, address indexed operator);
    event DepositScalingFactorUpdated(address staker, IStrategy strategy, uint256 newDepositScalingFactor);
    event SlashingWithdrawalQueued(bytes32 withdrawalRoot, Withdrawal withdrawal, uint256[] sharesToWithdraw);
    event SlashingWithdrawalCompleted(bytes32 withdrawalRoot);
    event OperatorSharesSlashed(address indexed operator, IStrategy strategy, uint256 totalSlashedShares);
}

interface IDelegationManager is
    ISignatureUtilsMixinErrors,
    ISignatureUtilsMixinTypes,
    IDelegationManagerErrors,
    IDelegationManagerEvents
{
    function registerAsOperator(address initDelegationApprover, uint32 allocationDelay, string calldata metadataURI)
        external;
    function updateOperatorMetadataURI(address operator, string calldata metadataURI) external;
    function delegateTo(address operator, SignatureWithExpiry memory approverSignatureAndExpiry, bytes32 approverSalt)
        external;
    function increaseDelegatedShares(address staker, IStrategy strategy, uint256 prevDepositShares, uint256 addedShares)
        external;
    function slashOperatorShares(
        address operator,
        OperatorSet calldata operatorSet,
        uint256 slashId,
        IStrategy strategy,
        uint64 prevMaxMagnitude,
        uint64 newMaxMagnitude
    ) external returns (uint256 totalDepositSharesToSlash);
    function delegatedTo(address staker) external view returns (address);
    function isDelegated(address staker) external view returns (bool);
    function isOperator(address operator) external view returns (bool);
    function delegationApprover(address operator) external view returns (address);
    function getOperatorShares(address operator, IStrategy[] memory strategies) external view returns (uint256[] memory);
    function getOperatorsShares(address[] memory operators, IStrategy[] memory strategies)
        external
        view
        returns (uint256[][] memory);
}

