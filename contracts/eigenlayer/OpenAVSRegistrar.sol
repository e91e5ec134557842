// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAVSRegistrar} from "./interfaces/IAVSRegistrar.sol";

/// @title OpenAVSRegistrar
/// @notice The smallest AVS registrar: serves one AVS, lets any operator in and out, and answers
///         only the AllocationManager (the hook is how an AVS vetoes a registration; this one never
///         does). For the devnet and tests until the AVS's own registrar (operator quorum) exists.
contract OpenAVSRegistrar is IAVSRegistrar {
    error NotAllocationManager();
    error WrongAVS();

    address public immutable allocationManager;
    address public immutable avs;

    constructor(address _allocationManager, address _avs) {
        allocationManager = _allocationManager;
        avs = _avs;
    }

    function registerOperator(address, address avs_, uint32[] calldata, bytes calldata) external view {
        _check(avs_);
    }

    function deregisterOperator(address, address avs_, uint32[] calldata) external view {
        _check(avs_);
    }

    function supportsAVS(address avs_) external view returns (bool) {
        return avs_ == avs;
    }

    function _check(address avs_) private view {
        if (msg.sender != allocationManager) revert NotAllocationManager();
        if (avs_ != avs) revert WrongAVS();
    }
}
