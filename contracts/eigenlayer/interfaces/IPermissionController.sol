// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

// EigenLayer v1.12.0's IPermissionController: all errors and events; of the functions, the ones
// the stand-in implements (appointees and the `canCall` check). Admin hand-over (pending admins)
// is left out: here every account is its own and only admin.

interface IPermissionControllerErrors {
    error NotAdmin();
    error AdminNotSet();
    error AppointeeAlreadySet();
    error AppointeeNotSet();
    error CannotHaveZeroAdmins();
    error AdminAlreadySet();
    error AdminNotPending();
    error AdminAlreadyPending();
}

interface IPermissionControllerEvents {
    event AppointeeSet(address indexed account, address indexed appointee, address target, bytes4 selector);
    event AppointeeRemoved(address indexed account, address indexed appointee, address target, bytes4 selector);
    event PendingAdminAdded(address indexed account, address admin);
    event PendingAdminRemoved(address indexed account, address admin);
    event AdminSet(address indexed account, address admin);
    event AdminRemoved(address indexed account, address admin);
}

interface IPermissionController is IPermissionControllerErrors, IPermissionControllerEvents {
    function setAppointee(address account, address appointee, address target, bytes4 selector) external;
    function removeAppointee(address account, address appointee, address target, bytes4 selector) external;
    function isAdmin(address account, address caller) external view returns (bool);
    function getAdmins(address account) external view returns (address[] memory);
    function canCall(address account, address caller, address target, bytes4 selector) external view returns (bool);
    function getAppointees(address account, address target, bytes4 selector) external view returns (address[] memory);
}
