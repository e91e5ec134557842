// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title DevStakeToken
/// @notice The devnet's restaking token: a plain ERC-20 whose whole fixed supply goes to `holder`
///         at deployment (it hands it to operators). Stands in for whatever token a real
///         EigenLayer strategy wraps; never deployed against a real EigenLayer.
contract DevStakeToken is ERC20 {
    constructor(string memory name_, string memory symbol_, address holder, uint256 supply) ERC20(name_, symbol_) {
        _mint(holder, supply);
    }
}
