// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

/// @notice The hook the AllocationManager calls on the AVS (or its registrar) after every
///         registration and deregistration; a revert undoes the whole call. ABI of EigenLayer
///         v1.12.0's IAVSRegistrar.
interface IAVSRegistrar {
    function registerOperator(address operator, address avs, uint32[] calldata operatorSetIds, bytes calldata data)
        external;
    function deregisterOperator(address operator, address avs, uint32[] calldata operatorSetIds) external;
    function supportsAVS(address avs) external view returns (bool);
}
