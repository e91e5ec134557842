// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {OperatorSet} from "../libraries/OperatorSetLib.sol";
import {IDelegationManager} from "./IDelegationManager.sol";
import {IStrategy} from "./IStrategy.sol";

// EigenLayer v1.12.0's IStrategyManager (with the IShareManager functions it inherits): all errors
// and events; of the functions, the deposit path, the deposit whitelist and the slashed-shares
// path (increase on slash, permissionless clear to the redistribution recipient or burn address).

interface IStrategyManagerErrors {
    error MaxStrategiesExceeded();
    error OnlyDelegationManager();
    error OnlyStrategyWhitelister();
    error SharesAmountTooHigh();
    error SharesAmountZero();
    error StakerAddressZero();
    error StrategyNotFound();
    error StrategyNotWhitelisted();
    error StrategyAlreadyInSlash();
}

interface IStrategyManagerEvents {
    event Deposit(address staker, IStrategy strategy, uint256 shares);
    event StrategyWhitelisterChanged(address previousAddress, address newAddress);
    event StrategyAddedToDepositWhitelist(IStrategy strategy);
    event StrategyRemovedFromDepositWhitelist(IStrategy strategy);
    event BurnOrRedistributableSharesIncreased(
        OperatorSet operatorSet, uint256 slashId, IStrategy strategy, uint256 shares
    );
    event BurnOrRedistributableSharesDecreased(
        OperatorSet operatorSet, uint256 slashId, IStrategy strategy, uint256 shares
    );
    event BurnableSharesDecreased(IStrategy strategy, uint256 shares);
}

interface IStrategyManager is IStrategyManagerErrors, IStrategyManagerEvents {
    function depositIntoStrategy(IStrategy strategy, IERC20 token, uint256 amount)
        external
        returns (uint256 depositShares);
    function increaseBurnOrRedistributableShares(
        OperatorSet calldata operatorSet,
        uint256 slashId,
        IStrategy strategy,
        uint256 addedSharesToBurn
    ) external;
    function clearBurnOrRedistributableShares(OperatorSet calldata operatorSet, uint256 slashId)
        external
        returns (uint256[] memory);
    function clearBurnOrRedistributableSharesByStrategy(
        OperatorSet calldata operatorSet,
        uint256 slashId,
        IStrategy strategy
    ) external returns (uint256);
    function getBurnOrRedistributableShares(OperatorSet calldata operatorSet, uint256 slashId)
        external
        view
        returns (IStrategy[] memory, uint256[] memory);
    function getBurnOrRedistributableShares(OperatorSet calldata operatorSet, uint256 slashId, IStrategy strategy)
        external
        view
        returns (uint256);
    function getBurnOrRedistributableCount(OperatorSet calldata operatorSet, uint256 slashId)
        external
        view
        returns (uint256);
    function addStrategiesToDepositWhitelist(IStrategy[] calldata strategiesToWhitelist) external;
    function removeStrategiesFromDepositWhitelist(IStrategy[] calldata strategiesToRemoveFromWhitelist) external;
    function strategyIsWhitelistedForDeposit(IStrategy strategy) external view returns (bool);
    function getDeposits(address staker) external view returns (IStrategy[] memory, uint256[] memory);
    function stakerDepositShares(address user, IStrategy strategy) external view returns (uint256 shares);
    function delegation() external view returns (IDelegationManager);
    function strategyWhitelister() external view returns (address);
}
