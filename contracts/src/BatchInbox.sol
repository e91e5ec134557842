// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/// @title BatchInbox
/// @notice Where the batcher posts L2 batches as calldata. Derivation reads the batch bytes from the
///         calldata of successful top-level transactions to this contract calling `postBatch`
///         (receipt status 1, so the sender was the batcher at that L1 block). Nothing is stored and
///         nothing is logged: the data is already in the transaction, and a log of it would cost
///         8 gas a byte more; a successful `postBatch` changes no state, so it emits no event.
contract BatchInbox is AccessControl {
    /// @notice The only account whose `postBatch` succeeds.
    address public batcher;

    /// @notice The admin replaced the batcher (a key rotation); effective from the next transaction.
    event BatcherChanged(address indexed previousBatcher, address indexed newBatcher);

    /// @notice `postBatch` from an account other than the batcher.
    error NotBatcher(address caller);
    /// @notice `postBatch` with no data.
    error EmptyBatch();
    /// @notice The zero address where an account is needed.
    error ZeroAddress();

    /// @param admin Holds DEFAULT_ADMIN_ROLE: may replace the batcher and manage roles.
    /// @param initialBatcher The batcher account.
    constructor(address admin, address initialBatcher) {
        if (admin == address(0) || initialBatcher == address(0)) revert ZeroAddress();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        batcher = initialBatcher;
        emit BatcherChanged(address(0), initialBatcher);
    }

    /// @notice Posts one batcher transaction's frames (docs/PROTOCOL.md §5: version byte ‖ frames).
    ///         Reverts unless the caller is the batcher and `data` is non-empty; derivation ignores
    ///         reverted transactions.
    /// @param data The batch bytes (read by derivation from the calldata; unused here).
    function postBatch(bytes calldata data) external view {
        if (msg.sender != batcher) revert NotBatcher(msg.sender);
        if (data.length == 0) revert EmptyBatch();
    }

    /// @notice Replaces the batcher. Admin only.
    /// @param newBatcher The new batcher account (not the zero address).
    function setBatcher(address newBatcher) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (newBatcher == address(0)) revert ZeroAddress();
        emit BatcherChanged(batcher, newBatcher);
        batcher = newBatcher;
    }
}
