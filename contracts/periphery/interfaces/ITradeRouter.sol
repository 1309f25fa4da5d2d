// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ILeveragedToken} from "../../interfaces/ILeveragedToken.sol";
import {PermitSignature} from "../../interfaces/PermitSignature.sol";

/// @title ITradeRouter
/// @notice Buys or sells a listed token for a wallet by whichever route pays more, in one transaction: the token's
/// Uniswap V2 pool against the stablecoin, or a mint / redeem at NAV. Both routes are quoted on chain at the moment
/// of the trade (the pool's formula with its 0.3% fee; `previewMint` / `previewRedeem`, mint, redeem and taker fees
/// included); the larger wins, a tie goes to NAV (it leaves the pool's price alone). Minting is left out while it
/// is paused, above the token's equity cap (`capHeadroom`, the whole amount in) or would revert; the pool while it is
/// empty. Every trade has a minimum out and a deadline; the
/// `...WithPermit` variants take an EIP-2612 signature for the amount in, so a wallet needs no approval transaction.
interface ITradeRouter {
    /// @notice Which way a trade went.
    enum Route {
        POOL, // swapped on the Uniswap V2 pool
        NAV // minted or redeemed at NAV
    }

    /// @notice An amount of zero was given.
    error TradeRouterZeroAmount();
    /// @notice The zero address was given as the receiver.
    error TradeRouterZeroAddress();
    /// @notice The trade came after its `deadline` (block time `timestamp`).
    error TradeRouterExpired(uint256 deadline, uint256 timestamp);
    /// @notice Neither route can take the trade now (no pool, and minting paused, over the cap, wiped out or on a stale
    /// price).
    error TradeRouterNoRoute(address token);
    /// @notice The better route pays `amountOut`, less than the caller's `minAmountOut`.
    error TradeRouterSlippage(uint256 amountOut, uint256 minAmountOut);
    /// @notice The permit failed and the allowance it was for is not there (`allowance` of `needed`).
    error TradeRouterPermitFailed(address coin, uint256 allowance, uint256 needed);

    /// @notice `buyer` paid `collateralIn` stablecoin for `sharesOut` of `token`, sent to `receiver`.
    event Bought(
        address indexed buyer,
        address indexed token,
        address receiver,
        Route route,
        uint256 collateralIn,
        uint256 sharesOut
    );
    /// @notice `seller` sold `sharesIn` of `token` for `collateralOut` stablecoin, sent to `receiver`.
    event Sold(
        address indexed seller,
        address indexed token,
        address receiver,
        Route route,
        uint256 sharesIn,
        uint256 collateralOut
    );

    /// @notice What `collateralIn` stablecoin buys now on each route (0: the route cannot take it).
    /// @return poolShares the shares the pool gives; @return mintShares the shares a mint gives
    function quoteBuy(
        ILeveragedToken token,
        uint256 collateralIn
    ) external view returns (uint256 poolShares, uint256 mintShares);

    /// @notice What `shares` of `token` sell for now on each route (0: the route cannot take them).
    /// @return poolCollateral the stablecoin the pool gives; @return redeemCollateral the stablecoin a redeem pays
    function quoteSell(
        ILeveragedToken token,
        uint256 shares
    ) external view returns (uint256 poolCollateral, uint256 redeemCollateral);

    /// @notice Buys `token` with `collateralIn` stablecoin (pulled from the caller) on the better route.
    /// @param minSharesOut the fewest shares accepted, else TradeRouterSlippage
    /// @param deadline the last block time the trade may happen at, else TradeRouterExpired
    /// @return sharesOut the shares sent to `receiver`; @return route the route taken
    function buy(
        ILeveragedToken token,
        uint256 collateralIn,
        uint256 minSharesOut,
        address receiver,
        uint256 deadline
    ) external returns (uint256 sharesOut, Route route);

    /// @notice `buy`, after an EIP-2612 permit of `collateralIn` stablecoin to this router signed by the caller. The
    /// permit's `deadline` is the trade's too. A permit already used (say, copied from the mempool by someone else) is
    /// fine as long as the allowance is there.
    function buyWithPermit(
        ILeveragedToken token,
        uint256 collateralIn,
        uint256 minSharesOut,
        address receiver,
        PermitSignature calldata permit
    ) external returns (uint256 sharesOut, Route route);

    /// @notice Sells `shares` of `token` (pulled from the caller) for stablecoin on the better route.
    /// @param minCollateralOut the least stablecoin accepted, else TradeRouterSlippage
    /// @param deadline the last block time the trade may happen at, else TradeRouterExpired
    /// @return collateralOut the stablecoin sent to `receiver`; @return route the route taken
    function sell(
        ILeveragedToken token,
        uint256 shares,
        uint256 minCollateralOut,
        address receiver,
        uint256 deadline
    ) external returns (uint256 collateralOut, Route route);

    /// @notice `sell`, after an EIP-2612 permit of `shares` of the token to this router signed by the caller. The
    /// permit's `deadline` is the trade's too.
    function sellWithPermit(
        ILeveragedToken token,
        uint256 shares,
        uint256 minCollateralOut,
        address receiver,
        PermitSignature calldata permit
    ) external returns (uint256 collateralOut, Route route);
}
