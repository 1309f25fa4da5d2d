// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {ILeveragedToken} from "../interfaces/ILeveragedToken.sol";
import {ILeveragedTokenFactory} from "../interfaces/ILeveragedTokenFactory.sol";
import {UniswapV2Amounts} from "../libraries/UniswapV2Amounts.sol";
import {ITradeRouter} from "./interfaces/ITradeRouter.sol";
import {IUniswapV2Factory} from "./interfaces/IUniswapV2.sol";
import {ListedPools} from "./ListedPools.sol";

/// @title TradeRouter
/// @notice Best-price buys and sells of listed tokens for wallets (see `ITradeRouter`).
/// @dev Holds nothing between calls: the amount in goes straight to the pair, or through this contract into the
/// token's mint or redeem, and the output goes straight to the receiver. The off-chain twin of the quotes is
/// `src/dex/quotes.ts`.
contract TradeRouter is ITradeRouter, ListedPools, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    modifier beforeDeadline(uint256 deadline) {
        if (block.timestamp > deadline) revert TradeRouterExpired(deadline, block.timestamp);
        _;
    }

    /// @param tokenFactory_ the factory that lists the tokens
    /// @param dexFactory_ the Uniswap V2 factory of their pools
    constructor(
        ILeveragedTokenFactory tokenFactory_,
        IUniswapV2Factory dexFactory_
    ) ListedPools(tokenFactory_, dexFactory_) {}

    /// @inheritdoc ITradeRouter
    function quoteBuy(
        ILeveragedToken token,
        uint256 collateralIn
    ) external view returns (uint256 poolShares, uint256 mintShares) {
        _requireListed(token);
        return _quoteBuy(token, _pool(token), collateralIn);
    }

    /// @inheritdoc ITradeRouter
    function quoteSell(
        ILeveragedToken token,
        uint256 shares
    ) external view returns (uint256 poolCollateral, uint256 redeemCollateral) {
        _requireListed(token);
        return _quoteSell(token, _pool(token), shares);
    }

    /// @inheritdoc ITradeRouter
    function buy(
        ILeveragedToken token,
        uint256 collateralIn,
        uint256 minSharesOut,
        address receiver,
        uint256 deadline
    ) external nonReentrant beforeDeadline(deadline) returns (uint256, Route) {
        return _buy(token, collateralIn, minSharesOut, receiver);
    }

    /// @inheritdoc ITradeRouter
    function buyWithPermit(
        ILeveragedToken token,
        uint256 collateralIn,
        uint256 minSharesOut,
        address receiver,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant beforeDeadline(deadline) returns (uint256, Route) {
        _permit(address(_stablecoin), collateralIn, deadline, v, r, s);
        return _buy(token, collateralIn, minSharesOut, receiver);
    }

    /// @inheritdoc ITradeRouter
    function sell(
        ILeveragedToken token,
        uint256 shares,
        uint256 minCollateralOut,
        address receiver,
        uint256 deadline
    ) external nonReentrant beforeDeadline(deadline) returns (uint256, Route) {
        return _sell(token, shares, minCollateralOut, receiver);
    }

    /// @inheritdoc ITradeRouter
    function sellWithPermit(
        ILeveragedToken token,
        uint256 shares,
        uint256 minCollateralOut,
        address receiver,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant beforeDeadline(deadline) returns (uint256, Route) {
        _permit(address(token), shares, deadline, v, r, s);
        return _sell(token, shares, minCollateralOut, receiver);
    }

    function _buy(
        ILeveragedToken token,
        uint256 collateralIn,
        uint256 minSharesOut,
        address receiver
    ) private returns (uint256 sharesOut, Route route) {
        _checkTrade(token, collateralIn, receiver);
        Pool memory pool = _pool(token);
        (uint256 poolShares, uint256 mintShares) = _quoteBuy(token, pool, collateralIn);
        (route, sharesOut) = _choose(address(token), poolShares, mintShares, minSharesOut);
        if (route == Route.POOL) {
            _stablecoin.safeTransferFrom(msg.sender, address(pool.pair), collateralIn);
            (uint256 amount0Out, uint256 amount1Out) = _swapAmounts(pool, sharesOut, 0);
            pool.pair.swap(amount0Out, amount1Out, receiver, "");
        } else {
            _stablecoin.safeTransferFrom(msg.sender, address(this), collateralIn);
            if (_stablecoin.allowance(address(this), address(token)) < collateralIn) {
                // The router holds nothing between calls: one approval per listed token, not one per trade.
                _stablecoin.forceApprove(address(token), type(uint256).max);
            }
            // Above the band the mint rebalances first and gives a little less than its preview: its own minimum.
            sharesOut = token.mint(collateralIn, minSharesOut, receiver);
        }
        emit Bought(msg.sender, address(token), receiver, route, collateralIn, sharesOut);
    }

    function _sell(
        ILeveragedToken token,
        uint256 shares,
        uint256 minCollateralOut,
        address receiver
    ) private returns (uint256 collateralOut, Route route) {
        _checkTrade(token, shares, receiver);
        Pool memory pool = _pool(token);
        (uint256 poolCollateral, uint256 redeemCollateral) = _quoteSell(token, pool, shares);
        (route, collateralOut) = _choose(address(token), poolCollateral, redeemCollateral, minCollateralOut);
        if (route == Route.POOL) {
            IERC20(address(token)).safeTransferFrom(msg.sender, address(pool.pair), shares);
            (uint256 amount0Out, uint256 amount1Out) = _swapAmounts(pool, 0, collateralOut);
            pool.pair.swap(amount0Out, amount1Out, receiver, "");
        } else {
            IERC20(address(token)).safeTransferFrom(msg.sender, address(this), shares);
            collateralOut = token.redeem(shares, minCollateralOut, receiver);
        }
        emit Sold(msg.sender, address(token), receiver, route, shares, collateralOut);
    }

    function _checkTrade(ILeveragedToken token, uint256 amount, address receiver) private view {
        if (amount == 0) revert TradeRouterZeroAmount();
        if (receiver == address(0)) revert TradeRouterZeroAddress();
        _requireListed(token);
    }

    /// @dev The better of the two quotes (a tie goes to NAV), checked against the minimum.
    function _choose(
        address token,
        uint256 poolOut,
        uint256 navOut,
        uint256 minOut
    ) private pure returns (Route route, uint256 amountOut) {
        (route, amountOut) = poolOut > navOut ? (Route.POOL, poolOut) : (Route.NAV, navOut);
        if (amountOut == 0) revert TradeRouterNoRoute(token);
        if (amountOut < minOut) revert TradeRouterSlippage(amountOut, minOut);
    }

    function _quoteBuy(
        ILeveragedToken token,
        Pool memory pool,
        uint256 collateralIn
    ) private view returns (uint256 poolShares, uint256 mintShares) {
        poolShares = UniswapV2Amounts.getAmountOut(collateralIn, pool.stableReserve, pool.tokenReserve);
        if (Pausable(address(token)).paused()) return (poolShares, 0);
        // Within the equity cap as a whole: the mint fee comes off first, so this is a little stricter than the
        // token's own check, and never lets through a mint the token would refuse.
        if (collateralIn > token.capHeadroom()) return (poolShares, 0);
        // previewMint reverts where the mint would on the price (stale, invalid): the route is closed then.
        try token.previewMint(collateralIn) returns (uint256 shares) {
            mintShares = shares;
        } catch {
            mintShares = 0;
        }
    }

    function _quoteSell(
        ILeveragedToken token,
        Pool memory pool,
        uint256 shares
    ) private view returns (uint256 poolCollateral, uint256 redeemCollateral) {
        poolCollateral = UniswapV2Amounts.getAmountOut(shares, pool.tokenReserve, pool.stableReserve);
        try token.previewRedeem(shares) returns (uint256 collateral) {
            redeemCollateral = collateral;
        } catch {
            redeemCollateral = 0;
        }
    }

    /// @dev Applies an EIP-2612 permit of `value` from the caller to this router. A permit that fails (already used:
    /// someone copied it from the mempool) is fine when the allowance is there anyway.
    function _permit(address coin, uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s) private {
        try IERC20Permit(coin).permit(msg.sender, address(this), value, deadline, v, r, s) {
            return;
        } catch {
            uint256 allowance = IERC20(coin).allowance(msg.sender, address(this));
            if (allowance < value) revert TradeRouterPermitFailed(coin, allowance, value);
        }
    }
}
