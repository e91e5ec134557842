// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IAllocationManagerView} from "../interfaces/IAllocationManagerView.sol";
import {
    IAllocationManagerSlashing,
    IStrategyManagerSlashing,
    IStrategyToken
} from "../interfaces/IEigenLayerSlashing.sol";

/// @title RedistributingSlasher
/// @notice The slashing half of the fraud proofs: slashes operators of one redistributing operator
///         set through `AllocationManager.slashOperator` (this contract must be the set's slasher
///         and its redistribution recipient), clears each slash through the StrategyManager so the
///         tokens arrive here, and pays them out at once: `challengerShareBps` / 10,000 to whoever
///         proved the fault, the rest to the treasury. Nothing is kept between calls.
/// @dev Every strategy of the set is slashed by the same WAD (the set's strategies are taken to be
///      of one unit, as the quorum counts them). Payouts are measured as this contract's balance
///      change per token, so the amount is what EigenLayer actually sent, rounding included.
abstract contract RedistributingSlasher {
    using SafeERC20 for IERC20;

    uint256 private constant WAD = 1e18;
    uint256 private constant BPS = 10_000;

    IAllocationManagerSlashing public immutable allocationManager;
    IStrategyManagerSlashing public immutable strategyManager;
    address public immutable avs;
    uint32 public immutable operatorSetId;
    /// @notice Receives what the challenger's share leaves.
    address public immutable treasury;
    /// @notice The challenger's part of each payout, in parts of 10,000.
    uint16 public immutable challengerShareBps;

    /// @notice `operator` was slashed by `wad` (slash `slashId` of the set) for `fault`.
    event Slashed(address indexed operator, uint256 indexed slashId, uint256 wad, string fault);
    /// @notice `token` from this proof's slashes: `toChallenger` to `challenger`, the rest to the treasury.
    event SlashPaidOut(address indexed token, address indexed challenger, uint256 toChallenger, uint256 toTreasury);

    /// @notice A zero address, a WAD outside (0, 1e18] or a share above 10,000.
    error InvalidSlashingConfig();

    constructor(
        IAllocationManagerSlashing allocationManager_,
        IStrategyManagerSlashing strategyManager_,
        address avs_,
        uint32 operatorSetId_,
        address treasury_,
        uint16 challengerShareBps_
    ) {
        if (
            address(allocationManager_) == address(0) || address(strategyManager_) == address(0)
                || avs_ == address(0) || treasury_ == address(0) || challengerShareBps_ > BPS
        ) revert InvalidSlashingConfig();
        allocationManager = allocationManager_;
        strategyManager = strategyManager_;
        avs = avs_;
        operatorSetId = operatorSetId_;
        treasury = treasury_;
        challengerShareBps = challengerShareBps_;
    }

    function _checkWad(uint256 wad) internal pure {
        if (wad == 0 || wad > WAD) revert InvalidSlashingConfig();
    }

    /// @dev Slashes every one of `operators` by `wad` in every strategy of the set, then pays out.
    ///      Reverts if any slash reverts (an operator no longer slashable, or this contract not the
    ///      set's slasher): a proof never half-applies.
    function _slashAndPay(address[] memory operators, uint256 wad, address challenger, string memory fault) internal {
        IAllocationManagerView.OperatorSet memory set = IAllocationManagerView.OperatorSet(avs, operatorSetId);
        address[] memory strategies = _ascending(allocationManager.getStrategiesInOperatorSet(set));
        address[] memory tokens = new address[](strategies.length);
        uint256[] memory before = new uint256[](strategies.length);
        uint256[] memory wads = new uint256[](strategies.length);
        for (uint256 j = 0; j < strategies.length; ++j) {
            tokens[j] = IStrategyToken(strategies[j]).underlyingToken();
            before[j] = IERC20(tokens[j]).balanceOf(address(this));
            wads[j] = wad;
        }
        if (strategies.length != 0) {
            for (uint256 i = 0; i < operators.length; ++i) {
                (uint256 slashId,) = allocationManager.slashOperator(
                    avs, IAllocationManagerSlashing.SlashingParams(operators[i], operatorSetId, strategies, wads, fault)
                );
                strategyManager.clearBurnOrRedistributableShares(set, slashId);
                emit Slashed(operators[i], slashId, wad, fault);
            }
        }
        for (uint256 j = 0; j < tokens.length; ++j) {
            if (_seenBefore(tokens, j)) continue;
            uint256 gained = IERC20(tokens[j]).balanceOf(address(this)) - before[j];
            if (gained == 0) continue;
            uint256 toChallenger = gained * challengerShareBps / BPS;
            if (toChallenger != 0) IERC20(tokens[j]).safeTransfer(challenger, toChallenger);
            if (gained != toChallenger) IERC20(tokens[j]).safeTransfer(treasury, gained - toChallenger);
            emit SlashPaidOut(tokens[j], challenger, toChallenger, gained - toChallenger);
        }
    }

    /// @dev Whether tokens[j] occurs before j (two strategies over one token pay out once).
    function _seenBefore(address[] memory tokens, uint256 j) private pure returns (bool) {
        for (uint256 k = 0; k < j; ++k) {
            if (tokens[k] == tokens[j]) return true;
        }
        return false;
    }

    /// @dev slashOperator wants strategies strictly ascending; the set lists them in its own order.
    function _ascending(address[] memory a) private pure returns (address[] memory) {
        for (uint256 i = 1; i < a.length; ++i) {
            address v = a[i];
            uint256 j = i;
            while (j > 0 && a[j - 1] > v) {
                a[j] = a[j - 1];
                --j;
            }
            a[j] = v;
        }
        return a;
    }
}
