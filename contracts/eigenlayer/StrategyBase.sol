// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IStrategy} from "./interfaces/IStrategy.sol";
import {IStrategyManager} from "./interfaces/IStrategyManager.sol";

/// @title StrategyBase (EigenLayer stand-in)
/// @notice A vault over one ERC-20: holds the tokens, counts shares; the StrategyManager alone moves
///         shares in and out and keeps who owns them. Exchange rate as EigenLayer's StrategyBase:
///         1e3 virtual shares and 1e3 virtual tokens on both sides of every conversion (the
///         first-depositor inflation defence), rounding down in the vault's favour. Not upgradeable
///         and not pausable (the real one is both).
contract StrategyBase is IStrategy {
    using SafeERC20 for IERC20;

    uint256 internal constant SHARES_OFFSET = 1e3;
    uint256 internal constant BALANCE_OFFSET = 1e3;
    /// @dev Same cap as EigenLayer's (keeps off-chain reward maths in range).
    uint256 internal constant MAX_TOTAL_SHARES = 1e38 - 1;

    IStrategyManager public immutable strategyManager;
    IERC20 public immutable underlyingToken;
    uint256 public totalShares;

    modifier onlyStrategyManager() {
        if (msg.sender != address(strategyManager)) revert OnlyStrategyManager();
        _;
    }

    constructor(IStrategyManager _strategyManager, IERC20 _underlyingToken) {
        strategyManager = _strategyManager;
        underlyingToken = _underlyingToken;
        emit StrategyTokenSet(_underlyingToken, IERC20Metadata(address(_underlyingToken)).decimals());
    }

    /// @dev The StrategyManager has already moved `amount` in, so the price is taken against the
    ///      balance before it (balance - amount).
    function deposit(IERC20 token, uint256 amount) external onlyStrategyManager returns (uint256 newShares) {
        if (token != underlyingToken) revert OnlyUnderlyingToken();
        uint256 priorShares = totalShares;
        uint256 priorBalance = _balance() + BALANCE_OFFSET - amount;
        newShares = (amount * (priorShares + SHARES_OFFSET)) / priorBalance;
        if (newShares == 0) revert NewSharesZero();
        totalShares = priorShares + newShares;
        if (totalShares > MAX_TOTAL_SHARES) revert TotalSharesExceedsMax();
        _emitRate();
    }

    function withdraw(address recipient, IERC20 token, uint256 amountShares)
        external
        onlyStrategyManager
        returns (uint256 amountOut)
    {
        if (token != underlyingToken) revert OnlyUnderlyingToken();
        uint256 priorShares = totalShares;
        if (amountShares > priorShares) revert WithdrawalAmountExceedsTotalDeposits();
        amountOut = ((_balance() + BALANCE_OFFSET) * amountShares) / (priorShares + SHARES_OFFSET);
        totalShares = priorShares - amountShares;
        _emitRate();
        if (amountOut != 0) underlyingToken.safeTransfer(recipient, amountOut);
    }

    /// @dev Hooks the real StrategyManager calls around share moves; nothing to check here.
    function beforeAddShares(address, uint256) external view onlyStrategyManager {}

    function beforeRemoveShares(address, uint256) external view onlyStrategyManager {}

    function sharesToUnderlying(uint256 amountShares) external view returns (uint256) {
        return sharesToUnderlyingView(amountShares);
    }

    function underlyingToShares(uint256 amountUnderlying) external view returns (uint256) {
        return underlyingToSharesView(amountUnderlying);
    }

    function userUnderlying(address user) external view returns (uint256) {
        return userUnderlyingView(user);
    }

    function shares(address user) public view returns (uint256) {
        return strategyManager.stakerDepositShares(user, this);
    }

    function sharesToUnderlyingView(uint256 amountShares) public view returns (uint256) {
        return ((_balance() + BALANCE_OFFSET) * amountShares) / (totalShares + SHARES_OFFSET);
    }

    function underlyingToSharesView(uint256 amountUnderlying) public view returns (uint256) {
        return (amountUnderlying * (totalShares + SHARES_OFFSET)) / (_balance() + BALANCE_OFFSET);
    }

    function userUnderlyingView(address user) public view returns (uint256) {
        return sharesToUnderlyingView(shares(user));
    }

    function explanation() external pure returns (string memory) {
        return "EigenLayer stand-in: plain ERC-20 strategy with virtual shares";
    }

    function _balance() internal view returns (uint256) {
        return underlyingToken.balanceOf(address(this));
    }

    /// @dev Underlying per 1e18 shares, for indexers (as the real strategy emits it).
    function _emitRate() internal {
        emit ExchangeRateEmitted((1e18 * (_balance() + BALANCE_OFFSET)) / (totalShares + SHARES_OFFSET));
    }
}
