// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {ILeveragedToken} from "../interfaces/ILeveragedToken.sol";
import {CollateralPuller} from "./CollateralPuller.sol";

/// @title MintRedeemer
/// @notice Test-only: mints and redeems every share in one call (one block, one timestamp), and hands the
/// stablecoin back to the caller, so a test can check a round trip never returns more than was put in.
contract MintRedeemer is CollateralPuller {
    using SafeERC20 for IERC20;

    event RoundTrip(uint256 collateralIn, uint256 shares, uint256 collateralOut);

    /// @notice Pulls `amount` of `collateral` from the caller, mints `token` with it, redeems all, pays back.
    function mintAndRedeem(
        ILeveragedToken token,
        IERC20 collateral,
        uint256 amount
    ) external returns (uint256 shares, uint256 collateralOut) {
        _pullForMint(token, collateral, amount);
        shares = token.mint(amount, 0, address(this));
        collateralOut = token.redeem(shares, 0, address(this));
        collateral.safeTransfer(msg.sender, collateral.balanceOf(address(this)));
        emit RoundTrip(amount, shares, collateralOut);
    }
}
