// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {EnumerableMap} from "@openzeppelin/contracts/utils/structs/EnumerableMap.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {OperatorSet} from "./libraries/OperatorSetLib.sol";
import {IAllocationManager} from "./interfaces/IAllocationManager.sol";
import {IDelegationManager} from "./interfaces/IDelegationManager.sol";
import {IStrategy} from "./interfaces/IStrategy.sol";
import {IStrategyManager} from "./interfaces/IStrategyManager.sol";

/// @title StrategyManager (EigenLayer stand-in)
/// @notice Stakers' deposit shares per strategy, the deposit whitelist, and the shares a slash
///         took, parked per (operator set, slash id) until anyone clears them: clearing withdraws
///         the underlying from the strategy to the operator set's redistribution recipient (the
///         burn address for a non-redistributing set), as EigenLayer's StrategyManager does.
///         Not in the stand-in: withdrawals (deposits stay put), deposits by signature, the
///         legacy `burnShares` path, pausing and upgrades.
contract StrategyManager is IStrategyManager, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using EnumerableSet for EnumerableSet.AddressSet;
    using EnumerableMap for EnumerableMap.AddressToUintMap;

    IDelegationManager public immutable delegation;
    IAllocationManager public immutable allocationManager;
    address public immutable strategyWhitelister;

    mapping(IStrategy strategy => bool) public strategyIsWhitelistedForDeposit;
    mapping(address staker => mapping(IStrategy strategy => uint256)) public stakerDepositShares;
    mapping(address staker => EnumerableSet.AddressSet) private _stakerStrategies;
    // operator set key => slash id => strategy => shares awaiting clearing
    mapping(bytes32 setKey => mapping(uint256 slashId => EnumerableMap.AddressToUintMap)) private _slashedShares;

    constructor(IDelegationManager _delegation, IAllocationManager _allocationManager, address _strategyWhitelister) {
        delegation = _delegation;
        allocationManager = _allocationManager;
        strategyWhitelister = _strategyWhitelister;
    }

    function addStrategiesToDepositWhitelist(IStrategy[] calldata strategies) external {
        if (msg.sender != strategyWhitelister) revert OnlyStrategyWhitelister();
        for (uint256 i = 0; i < strategies.length; ++i) {
            if (!strategyIsWhitelistedForDeposit[strategies[i]]) {
                strategyIsWhitelistedForDeposit[strategies[i]] = true;
                emit StrategyAddedToDepositWhitelist(strategies[i]);
            }
        }
    }

    function removeStrategiesFromDepositWhitelist(IStrategy[] calldata strategies) external {
        if (msg.sender != strategyWhitelister) revert OnlyStrategyWhitelister();
        for (uint256 i = 0; i < strategies.length; ++i) {
            if (strategyIsWhitelistedForDeposit[strategies[i]]) {
                strategyIsWhitelistedForDeposit[strategies[i]] = false;
                emit StrategyRemovedFromDepositWhitelist(strategies[i]);
            }
        }
    }

    /// @notice Moves `amount` of `token` from the caller into `strategy` and credits the shares to
    ///         the caller (and to the operator the caller is delegated to).
    function depositIntoStrategy(IStrategy strategy, IERC20 token, uint256 amount)
        external
        nonReentrant
        returns (uint256 depositShares)
    {
        // Only whitelisted strategies: an arbitrary contract could mint itself any share count.
        if (!strategyIsWhitelistedForDeposit[strategy]) revert StrategyNotWhitelisted();
        token.safeTransferFrom(msg.sender, address(strategy), amount);
        depositShares = strategy.deposit(token, amount);
        if (depositShares == 0) revert SharesAmountZero();
        uint256 prev = stakerDepositShares[msg.sender][strategy];
        stakerDepositShares[msg.sender][strategy] = prev + depositShares;
        _stakerStrategies[msg.sender].add(address(strategy));
        emit Deposit(msg.sender, strategy, depositShares);
        delegation.increaseDelegatedShares(msg.sender, strategy, prev, depositShares);
    }

    function increaseBurnOrRedistributableShares(
        OperatorSet calldata operatorSet,
        uint256 slashId,
        IStrategy strategy,
        uint256 addedSharesToBurn
    ) external nonReentrant {
        if (msg.sender != address(delegation)) revert OnlyDelegationManager();
        // One entry per strategy per slash: a second would mean the same slash counted twice.
        if (!_slashedShares[operatorSet.key()][slashId].set(address(strategy), addedSharesToBurn)) {
            revert StrategyAlreadyInSlash();
        }
        emit BurnOrRedistributableSharesIncreased(operatorSet, slashId, strategy, addedSharesToBurn);
    }

    /// @notice Permissionless: pays out every strategy's slashed shares of one slash.
    function clearBurnOrRedistributableShares(OperatorSet calldata operatorSet, uint256 slashId)
        external
        nonReentrant
        returns (uint256[] memory amounts)
    {
        address[] memory strategies = _slashedShares[operatorSet.key()][slashId].keys();
        amounts = new uint256[](strategies.length);
        for (uint256 i = 0; i < strategies.length; ++i) {
            amounts[i] = _clear(operatorSet, slashId, IStrategy(strategies[i]));
        }
    }

    function clearBurnOrRedistributableSharesByStrategy(
        OperatorSet calldata operatorSet,
        uint256 slashId,
        IStrategy strategy
    ) external nonReentrant returns (uint256) {
        return _clear(operatorSet, slashId, strategy);
    }

    function getBurnOrRedistributableShares(OperatorSet calldata operatorSet, uint256 slashId)
        external
        view
        returns (IStrategy[] memory strategies, uint256[] memory shares)
    {
        EnumerableMap.AddressToUintMap storage pending = _slashedShares[operatorSet.key()][slashId];
        uint256 n = pending.length();
        strategies = new IStrategy[](n);
        shares = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            (address s, uint256 amount) = pending.at(i);
            strategies[i] = IStrategy(s);
            shares[i] = amount;
        }
    }

    function getBurnOrRedistributableShares(OperatorSet calldata operatorSet, uint256 slashId, IStrategy strategy)
        external
        view
        returns (uint256 shares)
    {
        (, shares) = _slashedShares[operatorSet.key()][slashId].tryGet(address(strategy));
    }

    function getBurnOrRedistributableCount(OperatorSet calldata operatorSet, uint256 slashId)
        external
        view
        returns (uint256)
    {
        return _slashedShares[operatorSet.key()][slashId].length();
    }

    function getDeposits(address staker)
        external
        view
        returns (IStrategy[] memory strategies, uint256[] memory shares)
    {
        address[] memory list = _stakerStrategies[staker].values();
        strategies = new IStrategy[](list.length);
        shares = new uint256[](list.length);
        for (uint256 i = 0; i < list.length; ++i) {
            strategies[i] = IStrategy(list[i]);
            shares[i] = stakerDepositShares[staker][strategies[i]];
        }
    }

    /// @dev Removes the entry before the external withdraw so a reentrant clear finds nothing.
    function _clear(OperatorSet calldata operatorSet, uint256 slashId, IStrategy strategy) private returns (uint256) {
        EnumerableMap.AddressToUintMap storage pending = _slashedShares[operatorSet.key()][slashId];
        (, uint256 shares) = pending.tryGet(address(strategy));
        pending.remove(address(strategy));
        if (shares == 0) return 0;
        address recipient = allocationManager.getRedistributionRecipient(operatorSet);
        uint256 amountOut = strategy.withdraw(recipient, strategy.underlyingToken(), shares);
        emit BurnOrRedistributableSharesDecreased(operatorSet, slashId, strategy, shares);
        return amountOut;
    }
}
