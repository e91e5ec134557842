// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAllocationManagerView} from "./IAllocationManagerView.sol";

/// @title IEigenLayerSlashing
/// @notice What the fraud proofs call in EigenLayer (Layr-Labs/eigenlayer-contracts v1.12.0):
///         AllocationManager.slashOperator and DEALLOCATION_DELAY, StrategyManager's clearing of a
///         slash's redistributable shares, and a strategy's token. Declared here, not imported, so
///         src/ builds alone; the selectors are the real ones (strategies typed `address`, as the ABI
///         has them), so the same code drives the devnet stand-in and a real deployment.
interface IAllocationManagerSlashing is IAllocationManagerView {
    /// @notice EigenLayer's SlashingParams: strategies strictly ascending, each wad in (0, 1e18].
    struct SlashingParams {
        address operator;
        uint32 operatorSetId;
        address[] strategies;
        uint256[] wadsToSlash;
        string description;
    }

    /// @notice Slashes `params.operator` in (avs, params.operatorSetId); only the set's slasher.
    function slashOperator(address avs, SlashingParams calldata params)
        external
        returns (uint256 slashId, uint256[] memory shares);

    /// @notice Blocks deallocated or deregistered stake stays slashable.
    function DEALLOCATION_DELAY() external view returns (uint32);
}

/// @notice StrategyManager's clearing step: sends a slash's redistributable shares, as tokens, to
///         the operator set's redistribution recipient.
interface IStrategyManagerSlashing {
    function clearBurnOrRedistributableShares(IAllocationManagerView.OperatorSet calldata operatorSet, uint256 slashId)
        external
        returns (uint256[] memory);
}

/// @notice The one view of IStrategy the payout needs.
interface IStrategyToken {
    function underlyingToken() external view returns (address);
}
