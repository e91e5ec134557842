// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice An L2 withdrawal, as the L2 `withdraw` transaction records it (docs/PROTOCOL.md Appendix E).
struct Withdrawal {
    /// @dev Position in the L2 withdrawals tree, sequential from 0; below 2^64.
    uint256 index;
    /// @dev The L2 account whose credits were burned.
    address from;
    /// @dev The L1 account the ERC-20 is minted to.
    address to;
    /// @dev Credits, 1:1 with FlopsCredit base units.
    uint256 amount;
    /// @dev The L2 block that included the withdrawal.
    uint256 l2BlockNumber;
}

/// @title WithdrawalLib
/// @notice The withdrawals tree's key and value hash (chain/commitment/withdrawalLeaf.ts): an SMT keyed
///         by sha256(u64be index) whose value hash is
///         sha256(abi.encode(uint256 index, address from, address to, uint256 amount, uint256 l2BlockNumber)).
library WithdrawalLib {
    /// @notice Withdrawal indices are u64 on L2.
    uint256 internal constant MAX_INDEX = type(uint64).max;

    /// @notice The SMT key of withdrawal `index` (which must be at most MAX_INDEX).
    function key(uint256 index) internal pure returns (bytes32) {
        return sha256(abi.encodePacked(uint64(index)));
    }

    /// @notice The SMT value hash of `w`: also the withdrawal's identity on L1.
    function leafHash(Withdrawal calldata w) internal pure returns (bytes32) {
        return sha256(abi.encode(w.index, w.from, w.to, w.amount, w.l2BlockNumber));
    }
}
