// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {ILeveragedToken} from "../interfaces/ILeveragedToken.sol";
import {ILeveragedTokenFactory} from "../interfaces/ILeveragedTokenFactory.sol";
import {UniswapV2Amounts} from "../libraries/UniswapV2Amounts.sol";
import {IFlashArbitrage} from "./interfaces/IFlashArbitrage.sol";
import {IUniswapV2Callee, IUniswapV2Factory} from "./interfaces/IUniswapV2.sol";
import {ListedPools} from "./ListedPools.sol";

/// @title FlashArbitrage
/// @notice Mint/redeem arbitrage between a listed token's Uniswap V2 pool and its NAV, funded by the pool's own flash
/// swap (see `IFlashArbitrage`).
/// @dev The callback is accepted only from the pair this contract is swapping with, for this contract, during that
/// swap: the pair is kept in transient storage for the length of the call. Every entry point is non-reentrant.
/// Balances: a call starts and ends with none (a stablecoin or share sent here by mistake stays here; nothing reads
/// balances).
contract FlashArbitrage is IFlashArbitrage, IUniswapV2Callee, ListedPools, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @dev What the callback is to do, decided before the swap.
    struct Terms {
        Direction direction;
        ILeveragedToken token;
        uint256 shares; // buy: taken from the pool; sell: owed to the pool (what `collateralIn` mints)
        uint256 collateral; // buy: owed to the pool; sell: taken from the pool
        uint256 collateralIn; // sell: minted with; buy: 0
        uint256 minProfit;
        address receiver;
    }

    /// @dev The pair of the flash swap in progress; zero outside one.
    address private transient _activePair;
    /// @dev The profit the callback paid out, for the caller's return value and event.
    uint256 private transient _profit;

    /// @param tokenFactory_ the factory that lists the tokens
    /// @param dexFactory_ the Uniswap V2 factory of their pools
    constructor(
        ILeveragedTokenFactory tokenFactory_,
        IUniswapV2Factory dexFactory_
    ) ListedPools(tokenFactory_, dexFactory_) {}

    /// @inheritdoc IFlashArbitrage
    function buyAndRedeem(
        ILeveragedToken token,
        uint256 shares,
        uint256 minProfit,
        address receiver
    ) external nonReentrant returns (uint256 profit) {
        Pool memory pool = _checkedPool(token, shares, receiver);
        if (shares >= pool.tokenReserve) revert FlashArbitrageInsufficientLiquidity(shares, pool.tokenReserve);
        uint256 owed = UniswapV2Amounts.getAmountIn(shares, pool.stableReserve, pool.tokenReserve);
        Terms memory terms = Terms(Direction.BUY_AND_REDEEM, token, shares, owed, 0, minProfit, receiver);
        return _flash(pool, terms, shares, 0);
    }

    /// @inheritdoc IFlashArbitrage
    function mintAndSell(
        ILeveragedToken token,
        uint256 collateralIn,
        uint256 minProfit,
        address receiver
    ) external nonReentrant returns (uint256 profit) {
        Pool memory pool = _checkedPool(token, collateralIn, receiver);
        uint256 shares = token.previewMint(collateralIn);
        if (shares == 0) revert FlashArbitrageNothingMinted(address(token), collateralIn);
        uint256 collateralOut = UniswapV2Amounts.getAmountOut(shares, pool.tokenReserve, pool.stableReserve);
        // Everything is known before the swap: refuse an unprofitable one without borrowing.
        if (collateralOut < collateralIn + minProfit) {
            revert FlashArbitrageUnprofitable(int256(collateralOut) - int256(collateralIn), minProfit);
        }
        Terms memory terms = Terms(
            Direction.MINT_AND_SELL,
            token,
            shares,
            collateralOut,
            collateralIn,
            minProfit,
            receiver
        );
        return _flash(pool, terms, 0, collateralOut);
    }

    /// @notice The pair's flash-swap callback: redeems and pays the pool in stablecoin, or mints and pays it in
    /// shares, then pays the profit. Only the pair this contract is swapping with, for this contract.
    function uniswapV2Call(address sender, uint256, uint256, bytes calldata data) external {
        if (msg.sender != _activePair || sender != address(this)) {
            revert FlashArbitrageUnauthorizedCallback(msg.sender, sender);
        }
        Terms memory terms = abi.decode(data, (Terms));
        uint256 profit;
        if (terms.direction == Direction.BUY_AND_REDEEM) {
            uint256 collateralOut = terms.token.redeem(terms.shares, 0, address(this));
            if (collateralOut < terms.collateral + terms.minProfit) {
                revert FlashArbitrageUnprofitable(int256(collateralOut) - int256(terms.collateral), terms.minProfit);
            }
            profit = collateralOut - terms.collateral;
            stablecoin.safeTransfer(msg.sender, terms.collateral);
        } else {
            _approveToken(terms.token, terms.collateralIn);
            // previewMint is exact but above the band (the mint's rebalance costs a taker fee it leaves out); a
            // mint short of the shares owed reverts with LeveragedTokenMintSlippage.
            uint256 minted = terms.token.mint(terms.collateralIn, terms.shares, address(this));
            IERC20(address(terms.token)).safeTransfer(msg.sender, terms.shares);
            if (minted > terms.shares) IERC20(address(terms.token)).safeTransfer(terms.receiver, minted - terms.shares);
            profit = terms.collateral - terms.collateralIn;
        }
        if (profit != 0) stablecoin.safeTransfer(terms.receiver, profit);
        _profit = profit;
    }

    /// @dev The checks every arbitrage starts with; returns the token's (non-empty) pool.
    function _checkedPool(ILeveragedToken token, uint256 amount, address receiver) private view returns (Pool memory) {
        if (amount == 0) revert FlashArbitrageZeroAmount();
        if (receiver == address(0)) revert FlashArbitrageZeroAddress();
        _requireListed(token);
        return _requirePool(token);
    }

    /// @dev Runs the flash swap of `terms` (the callback does the work) and emits its event.
    function _flash(
        Pool memory pool,
        Terms memory terms,
        uint256 tokenOut,
        uint256 stableOut
    ) private returns (uint256 profit) {
        (uint256 amount0Out, uint256 amount1Out) = _swapAmounts(pool, tokenOut, stableOut);
        _activePair = address(pool.pair);
        pool.pair.swap(amount0Out, amount1Out, address(this), abi.encode(terms));
        profit = _profit;
        (_activePair, _profit) = (address(0), 0);
        emit Arbitraged(
            msg.sender,
            address(terms.token),
            terms.direction,
            terms.shares,
            terms.collateral,
            profit,
            terms.receiver
        );
    }

    /// @dev The token pulls what it mints with; a listed token may pull from this contract without limit, since the
    /// contract holds nothing between calls (one approval per token instead of one per call).
    function _approveToken(ILeveragedToken token, uint256 amount) private {
        if (stablecoin.allowance(address(this), address(token)) < amount) {
            stablecoin.forceApprove(address(token), type(uint256).max);
        }
    }
}
