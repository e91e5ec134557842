// SPDX-License-Identifier: MIT
pragma solidity ^0.8.27;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @dev 1.0 in the fixed-point unit EigenLayer uses for magnitudes and slash proportions.
uint64 constant WAD = 1e18;

/// @notice The fixed-point helpers slashing uses, with EigenLayer's rounding directions: every
///         rounding choice favours the protocol's solvency (a slash never takes more shares than
///         the magnitude it removed, but never leaves magnitude behind that it did remove).
library WadMath {
    /// @dev x * y / WAD, rounded down.
    function mulWad(uint256 x, uint256 y) internal pure returns (uint256) {
        return Math.mulDiv(x, y, WAD);
    }

    /// @dev x * WAD / y, rounded down.
    function divWad(uint256 x, uint256 y) internal pure returns (uint256) {
        return Math.mulDiv(x, WAD, y);
    }

    /// @dev x * y / WAD, rounded up: used for the magnitude a slash removes, so a tiny nonzero
    ///      slash of a nonzero allocation always removes at least one unit.
    function mulWadRoundUp(uint256 x, uint256 y) internal pure returns (uint256) {
        return Math.mulDiv(x, y, WAD, Math.Rounding.Ceil);
    }

    /// @dev The operator shares a max-magnitude drop from `prevMax` to `newMax` removes. The
    ///      remaining shares are rounded up, so the slashed amount is rounded down: never more than
    ///      the exact proportion (`prevMax` is nonzero whenever a slash reaches this).
    function slashedShares(uint256 operatorShares, uint256 prevMax, uint256 newMax) internal pure returns (uint256) {
        return operatorShares - Math.mulDiv(operatorShares, newMax, prevMax, Math.Rounding.Ceil);
    }
}
