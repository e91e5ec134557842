// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title IAllocationManagerView
/// @notice The four views of EigenLayer's `IAllocationManager` (Layr-Labs/eigenlayer-contracts
///         v1.12.0) the operator registry and the output quorum read. Declared here, not imported,
///         so src/ builds alone; the selectors are the real ones, so the same code reads the
///         devnet stand-in (contracts/eigenlayer/) and a real deployment.
/// @dev EigenLayer types its strategies `IStrategy`, an interface: in the ABI (and so in every
///      selector) that is `address`, which is what this declaration uses.
interface IAllocationManagerView {
    /// @notice An operator set: the AVS that created it and its id (EigenLayer's OperatorSetLib).
    struct OperatorSet {
        address avs;
        uint32 id;
    }

    /// @notice Whether `operator` is registered to `operatorSet` now.
    function isMemberOfOperatorSet(address operator, OperatorSet memory operatorSet) external view returns (bool);

    /// @notice The operators registered to `operatorSet` now.
    function getMembers(OperatorSet memory operatorSet) external view returns (address[] memory operators);

    /// @notice The strategies (IStrategy addresses) slashable in `operatorSet`.
    function getStrategiesInOperatorSet(OperatorSet memory operatorSet)
        external
        view
        returns (address[] memory strategies);

    /// @notice slashableStake[i][j]: the least stake of operators[i] in strategies[j] slashable by
    ///         `operatorSet` at every block up to `futureBlock` (0 for an operator not slashable now).
    function getMinimumSlashableStake(
        OperatorSet memory operatorSet,
        address[] memory operators,
        address[] memory strategies,
        uint32 futureBlock
    ) external view returns (uint256[][] memory slashableStake);
}
