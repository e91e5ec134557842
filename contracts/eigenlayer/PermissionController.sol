// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {IPermissionController} from "./interfaces/IPermissionController.sol";

/// @title PermissionController (EigenLayer stand-in)
/// @notice Who may act for an account (an operator or an AVS) on the core contracts: the account
///         itself, or an appointee it named for one (target contract, function selector) pair.
///         Same `canCall` answer as EigenLayer's for an account that never added admins, which is
///         every account here: admin hand-over is not part of the stand-in.
contract PermissionController is IPermissionController {
    using EnumerableSet for EnumerableSet.AddressSet;

    // account => keccak(target, selector) => appointees
    mapping(address account => mapping(bytes32 permission => EnumerableSet.AddressSet)) private _appointees;

    function setAppointee(address account, address appointee, address target, bytes4 selector) external {
        if (msg.sender != account) revert NotAdmin();
        if (!_appointees[account][_permission(target, selector)].add(appointee)) revert AppointeeAlreadySet();
        emit AppointeeSet(account, appointee, target, selector);
    }

    function removeAppointee(address account, address appointee, address target, bytes4 selector) external {
        if (msg.sender != account) revert NotAdmin();
        if (!_appointees[account][_permission(target, selector)].remove(appointee)) revert AppointeeNotSet();
        emit AppointeeRemoved(account, appointee, target, selector);
    }

    function isAdmin(address account, address caller) public pure returns (bool) {
        return account == caller;
    }

    function getAdmins(address account) external pure returns (address[] memory admins) {
        admins = new address[](1);
        admins[0] = account;
    }

    function canCall(address account, address caller, address target, bytes4 selector) external view returns (bool) {
        return isAdmin(account, caller) || _appointees[account][_permission(target, selector)].contains(caller);
    }

    function getAppointees(address account, address target, bytes4 selector) external view returns (address[] memory) {
        return _appointees[account][_permission(target, selector)].values();
    }

    function _permission(address target, bytes4 selector) private pure returns (bytes32) {
        return keccak256(abi.encode(target, selector));
    }
}
