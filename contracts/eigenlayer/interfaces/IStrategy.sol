// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

// The ABI of EigenLayer v1.12.0's IStrategy (src/contracts/interfaces/IStrategy.sol): every
// signature, event and error as there, so a client built against this file talks to a real
// strategy unchanged.

interface IStrategyErrors {
    error OnlyStrategyManager();
    error NewSharesZero();
    error TotalSharesExceedsMax();
    error WithdrawalAmountExceedsTotalDeposits();
    error OnlyUnderlyingToken();
    error MaxPerDepositExceedsMax();
    error BalanceExceedsMaxTotalDeposits();
}

interface IStrategyEvents {
    event ExchangeRateEmitted(uint256 rate);
    event StrategyTokenSet(IERC20 token, uint8 decimals);
}

interface IStrategy is IStrategyErrors, IStrategyEvents {
    function deposit(IERC20 token, uint256 amount) external returns (uint256);
    function withdraw(address recipient, IERC20 token, uint256 amountShares) external returns (uint256);
    function beforeAddShares(address staker, uint256 shares) external;
    function beforeRemoveShares(address staker, uint256 shares) external;
    function sharesToUnderlying(uint256 amountShares) external returns (uint256);
    function underlyingToShares(uint256 amountUnderlying) external returns (uint256);
    function userUnderlying(address user) external returns (uint256);
    function shares(address user) external view returns (uint256);
    function sharesToUnderlyingView(uint256 amountShares) external view returns (uint256);
    function underlyingToSharesView(uint256 amountUnderlying) external view returns (uint256);
    function userUnderlyingView(address user) external view returns (uint256);
    function underlyingToken() external view returns (IERC20);
    function totalShares() external view returns (uint256);
    function explanation() external view returns (string memory);
}
