// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {ILeveragedToken} from "../interfaces/ILeveragedToken.sol";

/// @title CollateralPuller
/// @notice Test-only: what the mocks that mint for a caller (MintRedeemer, PreviewProbe) do first.
abstract contract CollateralPuller {
    using SafeERC20 for IERC20;

    /// @dev Pulls `amount` of `collateral` from the caller and lets `token` take exactly that for a mint.
    function _pullForMint(ILeveragedToken token, IERC20 collateral, uint256 amount) internal {
        collateral.safeTransferFrom(msg.sender, address(this), amount);
        collateral.forceApprove(address(token), amount);
    }
}
