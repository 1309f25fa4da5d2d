// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {ILeveragedToken} from "../interfaces/ILeveragedToken.sol";
import {CollateralPuller} from "./CollateralPuller.sol";

/// @title PreviewProbe
/// @notice Test-only: asks a token's preview and then does the action in the same call (one state, one timestamp),
/// and reports both, so a test can check that a preview is exactly what the action gives. A mint `atPreview` is a
/// careful victim: it sets `minSharesOut` to the preview.
contract PreviewProbe is CollateralPuller {
    using SafeERC20 for IERC20;

    /// @notice The preview and what the action gave.
    event Probed(bool mint, uint256 amount, uint256 preview, uint256 actual);

    /// @notice Pulls `amount` of `collateral` from the caller and mints `token` for `receiver`, with `minSharesOut`
    /// the preview when `atPreview`, else 0.
    function mint(
        ILeveragedToken token,
        IERC20 collateral,
        uint256 amount,
        address receiver,
        bool atPreview
    ) external returns (uint256 preview, uint256 shares) {
        _pullForMint(token, collateral, amount);
        preview = token.previewMint(amount);
        shares = token.mint(amount, atPreview ? preview : 0, receiver);
        emit Probed(true, amount, preview, shares);
    }

    /// @notice Pulls `shares` of `token` from the caller and redeems them for `receiver`.
    function redeem(
        ILeveragedToken token,
        uint256 shares,
        address receiver
    ) external returns (uint256 preview, uint256 collateralOut) {
        IERC20(address(token)).safeTransferFrom(msg.sender, address(this), shares);
        preview = token.previewRedeem(shares);
        collateralOut = token.redeem(shares, 0, receiver);
        emit Probed(false, shares, preview, collateralOut);
    }
}
