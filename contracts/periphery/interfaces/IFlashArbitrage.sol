// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ILeveragedToken} from "../../interfaces/ILeveragedToken.sol";

/// @title IFlashArbitrage
/// @notice Holds a listed token's Uniswap V2 pool at NAV with no capital: a flash swap borrows one side of the pool,
/// the token's own mint or redeem turns it into the other side at NAV, the pool is paid back, and what is left is the
/// profit, paid in stablecoin. Pool below NAV: `buyAndRedeem` takes shares from the pool, redeems them and pays the
/// pool in stablecoin. Pool above NAV: `mintAndSell` takes stablecoin from the pool, mints shares with part of it and
/// pays the pool in shares. Permissionless; it sizes nothing (the caller passes the amount, see
/// `src/arbitrage/sizing.ts` for the optimal one), keeps no balance between calls, and reverts unless the profit
/// is at least the caller's minimum.
interface IFlashArbitrage {
    /// @notice Which way an arbitrage went.
    enum Direction {
        BUY_AND_REDEEM, // the pool was below NAV: shares bought from the pool were redeemed
        MINT_AND_SELL // the pool was above NAV: shares minted at NAV were sold to the pool
    }

    /// @notice An amount of zero was given.
    error FlashArbitrageZeroAmount();
    /// @notice The zero address was given as the receiver.
    error FlashArbitrageZeroAddress();
    /// @notice The arbitrage would make `profit` stablecoin units (negative: a loss), less than `minProfit`.
    error FlashArbitrageUnprofitable(int256 profit, uint256 minProfit);
    /// @notice `uniswapV2Call` was called by `caller` for `sender` outside this contract's own flash swap.
    error FlashArbitrageUnauthorizedCallback(address caller, address sender);
    /// @notice The pool holds `reserve` and cannot give `amountOut`.
    error FlashArbitrageInsufficientLiquidity(uint256 amountOut, uint256 reserve);
    /// @notice `collateralIn` would mint no shares (the token is wiped out, or the amount is too small).
    error FlashArbitrageNothingMinted(address token, uint256 collateralIn);

    /// @notice `caller` arbitraged `token`'s pool: `shares` went through the pool against `collateral` stablecoin
    /// (paid to the pool when buying, taken from it when selling), and `profit` stablecoin went to `receiver`.
    event Arbitraged(
        address indexed caller,
        address indexed token,
        Direction direction,
        uint256 shares,
        uint256 collateral,
        uint256 profit,
        address receiver
    );

    /// @notice Pool below NAV: flash-borrows `shares` from `token`'s pool, redeems them at NAV, pays the pool the
    /// stablecoin the pair's formula asks for them, and sends the rest to `receiver`.
    /// @param token a token the factory lists, with a pool against the stablecoin
    /// @param shares the shares to take from the pool and redeem
    /// @param minProfit the least stablecoin `receiver` must get, else FlashArbitrageUnprofitable
    /// @return profit the stablecoin sent to `receiver`
    function buyAndRedeem(
        ILeveragedToken token,
        uint256 shares,
        uint256 minProfit,
        address receiver
    ) external returns (uint256 profit);

    /// @notice Pool above NAV: flash-borrows from `token`'s pool the stablecoin that the shares `collateralIn` mints
    /// (`previewMint`) sell for, mints them with `collateralIn` of it, pays the pool in those shares and sends the
    /// rest of the stablecoin to `receiver`.
    /// @param token a token the factory lists, with a pool against the stablecoin
    /// @param collateralIn the stablecoin to mint with
    /// @param minProfit the least stablecoin `receiver` must get, else FlashArbitrageUnprofitable
    /// @return profit the stablecoin sent to `receiver`
    function mintAndSell(
        ILeveragedToken token,
        uint256 collateralIn,
        uint256 minProfit,
        address receiver
    ) external returns (uint256 profit);
}
