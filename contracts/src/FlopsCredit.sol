// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title FlopsCredit
/// @notice Flops credits on L1: an ERC-20 with 18 decimals whose base unit is one L2 credit unit
///         (amounts are 1:1 with L2 amounts). Only the Portal that deployed it mints (finalized
///         withdrawals) and burns (deposits); every mint and burn is an ERC-20 Transfer event.
contract FlopsCredit is ERC20 {
    /// @notice The Portal: the only minter and burner (the deployer; the Portal creates this token).
    address public immutable portal;

    /// @notice A caller other than the Portal tried to mint or burn.
    error OnlyPortal(address caller);

    constructor() ERC20("Flops Credit", "FLOPS") {
        portal = msg.sender;
    }

    modifier onlyPortal() {
        if (msg.sender != portal) revert OnlyPortal(msg.sender);
        _;
    }

    /// @notice Mints `amount` to `to` (a finalized withdrawal). Portal only.
    /// @param to The receiver (not the zero address).
    /// @param amount Base units.
    function mint(address to, uint256 amount) external onlyPortal {
        _mint(to, amount);
    }

    /// @notice Burns `amount` of `from`'s balance (a deposit to L2; the Portal passes its caller). Portal only.
    /// @param from The holder whose balance is burned.
    /// @param amount Base units; reverts with ERC20InsufficientBalance above the balance.
    function burn(address from, uint256 amount) external onlyPortal {
        _burn(from, amount);
    }
}
