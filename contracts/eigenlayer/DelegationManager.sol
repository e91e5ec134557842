// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {OperatorSet} from "./libraries/OperatorSetLib.sol";
import {WadMath} from "./libraries/WadMath.sol";
import {IAllocationManager} from "./interfaces/IAllocationManager.sol";
import {IDelegationManager} from "./interfaces/IDelegationManager.sol";
import {IPermissionController} from "./interfaces/IPermissionController.sol";
import {IStrategy} from "./interfaces/IStrategy.sol";
import {IStrategyManager} from "./interfaces/IStrategyManager.sol";
import {PermissionControllerMixin} from "./PermissionControllerMixin.sol";

/// @title DelegationManager (EigenLayer stand-in)
/// @notice Operators, stakers' delegations and each operator's delegated shares per strategy (the
///         number AVSs read). A slash lowers the operator's shares by the same proportion its max
///         magnitude fell and hands the shares to the StrategyManager to burn or redistribute.
///         Simplified (not observable by an AVS): no withdrawals, undelegation or redelegation,
///         so a staker's withdrawable shares are never computed and no deposit scaling factor is
///         kept; delegation approvers are recorded but signatures are not checked, so delegating
///         to an operator that names an approver reverts.
contract DelegationManager is IDelegationManager, PermissionControllerMixin, ReentrancyGuardTransient {
    /// @dev `wire` from anyone but the deployer, a second time, or with a zero address.
    error WireRefused();

    /// @dev The wiring is circular (each core contract calls the others), so the two addresses
    ///      that do not exist yet at construction are set once, by the deployer, right after.
    address private immutable _deployer;
    IAllocationManager public allocationManager;
    IStrategyManager public strategyManager;

    mapping(address staker => address operator) public delegatedTo;
    mapping(address operator => address approver) public delegationApprover;
    mapping(address operator => mapping(IStrategy strategy => uint256)) public operatorShares;

    modifier onlyAllocationManager() {
        if (msg.sender != address(allocationManager)) revert OnlyAllocationManager();
        _;
    }

    constructor(IPermissionController _permissionController) PermissionControllerMixin(_permissionController) {
        _deployer = msg.sender;
    }

    /// @notice Sets the two core contracts deployed after this one; callable once, by the deployer.
    function wire(IAllocationManager _allocationManager, IStrategyManager _strategyManager) external {
        if (msg.sender != _deployer || address(allocationManager) != address(0)) revert WireRefused();
        if (address(_allocationManager) == address(0) || address(_strategyManager) == address(0)) revert WireRefused();
        allocationManager = _allocationManager;
        strategyManager = _strategyManager;
    }

    function registerAsOperator(address initDelegationApprover, uint32 allocationDelay, string calldata metadataURI)
        external
        nonReentrant
    {
        if (delegatedTo[msg.sender] != address(0)) revert ActivelyDelegated();
        delegationApprover[msg.sender] = initDelegationApprover;
        emit OperatorRegistered(msg.sender, initDelegationApprover);
        // The allocation delay of a new operator applies at once (the AllocationManager knows the
        // call is from here).
        allocationManager.setAllocationDelay(msg.sender, allocationDelay);
        emit OperatorMetadataURIUpdated(msg.sender, metadataURI);
        _delegate(msg.sender, msg.sender);
    }

    function updateOperatorMetadataURI(address operator, string calldata metadataURI) external checkCanCall(operator) {
        if (!isOperator(operator)) revert OperatorNotRegistered();
        emit OperatorMetadataURIUpdated(operator, metadataURI);
    }

    function delegateTo(address operator, SignatureWithExpiry memory, bytes32) external nonReentrant {
        if (delegatedTo[msg.sender] != address(0)) revert ActivelyDelegated();
        if (!isOperator(operator)) revert OperatorNotRegistered();
        if (delegationApprover[operator] != address(0)) revert InvalidSignature();
        _delegate(msg.sender, operator);
    }

    function increaseDelegatedShares(address staker, IStrategy strategy, uint256, uint256 addedShares) external {
        if (msg.sender != address(strategyManager)) revert OnlyStrategyManagerOrEigenPodManager();
        address operator = delegatedTo[staker];
        if (operator != address(0)) _increaseOperatorShares(operator, staker, strategy, addedShares);
    }

    function slashOperatorShares(
        address operator,
        OperatorSet calldata operatorSet,
        uint256 slashId,
        IStrategy strategy,
        uint64 prevMaxMagnitude,
        uint64 newMaxMagnitude
    ) external onlyAllocationManager nonReentrant returns (uint256 totalDepositSharesToSlash) {
        uint256 current = operatorShares[operator][strategy];
        totalDepositSharesToSlash = WadMath.slashedShares(current, prevMaxMagnitude, newMaxMagnitude);
        operatorShares[operator][strategy] = current - totalDepositSharesToSlash;
        // Staker address(0): the decrease belongs to no staker (the real contract logs it so too).
        emit OperatorSharesDecreased(operator, address(0), strategy, totalDepositSharesToSlash);
        emit OperatorSharesSlashed(operator, strategy, totalDepositSharesToSlash);
        strategyManager.increaseBurnOrRedistributableShares(operatorSet, slashId, strategy, totalDepositSharesToSlash);
    }

    function isDelegated(address staker) public view returns (bool) {
        return delegatedTo[staker] != address(0);
    }

    function isOperator(address operator) public view returns (bool) {
        return operator != address(0) && delegatedTo[operator] == operator;
    }

    function getOperatorShares(address operator, IStrategy[] memory strategies)
        public
        view
        returns (uint256[] memory shares)
    {
        shares = new uint256[](strategies.length);
        for (uint256 i = 0; i < strategies.length; ++i) {
            shares[i] = operatorShares[operator][strategies[i]];
        }
    }

    function getOperatorsShares(address[] memory operators, IStrategy[] memory strategies)
        external
        view
        returns (uint256[][] memory shares)
    {
        shares = new uint256[][](operators.length);
        for (uint256 i = 0; i < operators.length; ++i) {
            shares[i] = getOperatorShares(operators[i], strategies);
        }
    }

    /// @dev Moves the staker's existing deposits onto the operator. With no undelegation, a staker
    ///      delegates at most once and has never been slashed before, so its withdrawable shares are
    ///      exactly its deposit shares.
    function _delegate(address staker, address operator) private {
        delegatedTo[staker] = operator;
        emit StakerDelegated(staker, operator);
        (IStrategy[] memory strategies, uint256[] memory shares) = strategyManager.getDeposits(staker);
        for (uint256 i = 0; i < strategies.length; ++i) {
            _increaseOperatorShares(operator, staker, strategies[i], shares[i]);
        }
    }

    /// @dev An operator whose max magnitude for the strategy is 0 was slashed to nothing: new stake
    ///      delegated to it could never be allocated (EigenLayer refuses it the same way).
    function _increaseOperatorShares(address operator, address staker, IStrategy strategy, uint256 shares) private {
        if (allocationManager.getMaxMagnitude(operator, strategy) == 0) revert FullySlashed();
        operatorShares[operator][strategy] += shares;
        emit OperatorSharesIncreased(operator, staker, strategy, shares);
    }
}
