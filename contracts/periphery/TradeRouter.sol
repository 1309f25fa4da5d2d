// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {ILeveragedToken} from "../interfaces/ILeveragedToken.sol";
import {ILeveragedTokenFactory} from "../interfaces/ILeveragedTokenFactory.sol";
import {PermitSignature, PermitSignatures} from "../interfaces/PermitSignature.sol";
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
        return _trade(token, true, collateralIn, minSharesOut, receiver);
    }

    /// @inheritdoc ITradeRouter
    function buyWithPermit(
        ILeveragedToken token,
        uint256 collateralIn,
        uint256 minSharesOut,
        address receiver,
        PermitSignature calldata permit
    ) external nonReentrant beforeDeadline(permit.deadline) returns (uint256, Route) {
        _permit(permit, stablecoin, collateralIn);
        return _trade(token, true, collateralIn, minSharesOut, receiver);
    }

    /// @inheritdoc ITradeRouter
    function sell(
        ILeveragedToken token,
        uint256 shares,
        uint256 minCollateralOut,
        address receiver,
        uint256 deadline
    ) external nonReentrant beforeDeadline(deadline) returns (uint256, Route) {
        return _trade(token, false, shares, minCollateralOut, receiver);
    }

    /// @inheritdoc ITradeRouter
    function sellWithPermit(
        ILeveragedToken token,
        uint256 shares,
        uint256 minCollateralOut,
        address receiver,
        PermitSignature calldata permit
    ) external nonReentrant beforeDeadline(permit.deadline) returns (uint256, Route) {
        _permit(permit, IERC20(address(token)), shares);
        return _trade(token, false, shares, minCollateralOut, receiver);
    }

    /// @dev A buy (`buying`: `amountIn` stablecoin for shares) or a sell (`amountIn` shares for stablecoin) on the
    /// better route: the coin in goes straight to the pair, or through this contract into the token's mint or redeem.
    function _trade(
        ILeveragedToken token,
        bool buying,
        uint256 amountIn,
        uint256 minAmountOut,
        address receiver
    ) private returns (uint256 amountOut, Route route) {
        if (amountIn == 0) revert TradeRouterZeroAmount();
        if (receiver == address(0)) revert TradeRouterZeroAddress();
        _requireListed(token);
        Pool memory pool = _pool(token);
        (uint256 poolOut, uint256 navOut) = buying
            ? _quoteBuy(token, pool, amountIn)
            : _quoteSell(token, pool, amountIn);
        (route, amountOut) = _choose(address(token), poolOut, navOut, minAmountOut);
        IERC20 coinIn = buying ? stablecoin : IERC20(address(token));
        if (route == Route.POOL) {
            coinIn.safeTransferFrom(msg.sender, address(pool.pair), amountIn);
            (uint256 amount0Out, uint256 amount1Out) = buying
                ? _swapAmounts(pool, amountOut, 0)
                : _swapAmounts(pool, 0, amountOut);
            pool.pair.swap(amount0Out, amount1Out, receiver, "");
        } else {
            coinIn.safeTransferFrom(msg.sender, address(this), amountIn);
            amountOut =
                buying
                    ? _mint(token, amountIn, minAmountOut, receiver)
                    : token.redeem(amountIn, minAmountOut, receiver);
        }
        if (buying) emit Bought(msg.sender, address(token), receiver, route, amountIn, amountOut);
        else emit Sold(msg.sender, address(token), receiver, route, amountIn, amountOut);
    }

    /// @dev Mints `token` with `collateralIn` stablecoin this router holds for the moment.
    function _mint(
        ILeveragedToken token,
        uint256 collateralIn,
        uint256 minSharesOut,
        address receiver
    ) private returns (uint256) {
        if (stablecoin.allowance(address(this), address(token)) < collateralIn) {
            // The router holds nothing between calls: one approval per listed token, not one per trade.
            stablecoin.forceApprove(address(token), type(uint256).max);
        }
        // Above the band the mint rebalances first and gives a little less than its preview: its own minimum.
        return token.mint(collateralIn, minSharesOut, receiver);
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
        if (token.paused()) return (poolShares, 0);
        // previewMint reverts where the mint would on the price (stale, invalid): the route is closed then (and the
        // cap's headroom, which values the account, would revert the same way).
        try token.previewMint(collateralIn) returns (uint256 shares) {
            mintShares = shares;
        } catch {
            return (poolShares, 0);
        }
        // Within the equity cap as a whole: the mint fee comes off first, so this is a little stricter than the
        // token's own check, and never lets through a mint the token would refuse.
        if (collateralIn > token.capHeadroom()) mintShares = 0;
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

    /// @dev Applies an EIP-2612 permit of `value` of `coin` from the caller to this router. A permit that fails
    /// (already used: someone copied it from the mempool) is fine when the allowance is there anyway.
    function _permit(PermitSignature calldata permit, IERC20 coin, uint256 value) private {
        if (PermitSignatures.tryPermit(permit, address(coin), value)) return;
        uint256 allowance = coin.allowance(msg.sender, address(this));
        if (allowance < value) revert TradeRouterPermitFailed(address(coin), allowance, value);
    }
}
