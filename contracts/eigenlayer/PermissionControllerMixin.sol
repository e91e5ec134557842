// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IPermissionController} from "./interfaces/IPermissionController.sol";

/// @notice The caller check of EigenLayer's core contracts: may `msg.sender` act for `account` on
///         this function (this contract's address and `msg.sig`)? Asked of the PermissionController.
abstract contract PermissionControllerMixin {
    /// @dev Same name and selector as EigenLayer's mixin error.
    error InvalidPermissions();

    IPermissionController public immutable permissionController;

    constructor(IPermissionController _permissionController) {
        permissionController = _permissionController;
    }

    modifier checkCanCall(address account) {
        if (!_canCall(account)) revert InvalidPermissions();
        _;
    }

    function _canCall(address account) internal view returns (bool) {
        return permissionController.canCall(account, msg.sender, address(this), msg.sig);
    }
}
