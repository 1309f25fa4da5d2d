// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {ILeveragedToken} from "../interfaces/ILeveragedToken.sol";
import {ILeveragedTokenFactory} from "../interfaces/ILeveragedTokenFactory.sol";
import {IUniswapV2Factory, IUniswapV2Pair} from "./interfaces/IUniswapV2.sol";

/// @title ListedPools
/// @notice What the periphery contracts share: the tokens a factory lists, the stablecoin they are minted with, and
/// each token's Uniswap V2 pool against that stablecoin.
abstract contract ListedPools {
    /// @notice A token's pool, its reserves ordered as (token, stablecoin).
    struct Pool {
        IUniswapV2Pair pair; // the zero address when there is none
        bool tokenIsToken0;
        uint256 tokenReserve; // shares
        uint256 stableReserve; // stablecoin units
    }

    /// @notice `token` is not a token the factory lists.
    error ListedPoolsUnlistedToken(address token);
    /// @notice `token` was wiped out and retired by the factory: holders redeem it directly, nothing trades it here.
    error ListedPoolsRetiredToken(address token);
    /// @notice `token` has no Uniswap V2 pool against the stablecoin, or an empty one.
    error ListedPoolsNoPool(address token);
    /// @notice The zero address was given as a factory.
    error ListedPoolsZeroAddress();

    /// @notice The factory whose tokens are served.
    ILeveragedTokenFactory public immutable tokenFactory;
    /// @notice The Uniswap V2 factory of the pools.
    IUniswapV2Factory public immutable dexFactory;
    /// @notice The stablecoin the tokens are minted and redeemed with.
    IERC20 public immutable stablecoin;

    /// @param tokenFactory_ the factory that lists the tokens (its exchange's collateral is the stablecoin)
    /// @param dexFactory_ the Uniswap V2 factory of the pools
    constructor(ILeveragedTokenFactory tokenFactory_, IUniswapV2Factory dexFactory_) {
        if (address(tokenFactory_) == address(0) || address(dexFactory_) == address(0)) {
            revert ListedPoolsZeroAddress();
        }
        tokenFactory = tokenFactory_;
        dexFactory = dexFactory_;
        stablecoin = tokenFactory_.exchange().collateral();
    }

    /// @dev Reverts unless `token` is the factory's live token for its market and leverage: ListedPoolsRetiredToken
    /// for a retired one, ListedPoolsUnlistedToken for anything else.
    function _requireListed(ILeveragedToken token) internal view {
        if (_isListed(address(token))) return;
        if (tokenFactory.isRetired(address(token))) revert ListedPoolsRetiredToken(address(token));
        revert ListedPoolsUnlistedToken(address(token));
    }

    /// @dev `token`'s pool (a zero pair and reserves when there is none).
    function _pool(ILeveragedToken token) internal view returns (Pool memory pool) {
        address pair = dexFactory.getPair(address(token), address(stablecoin));
        if (pair == address(0)) return pool;
        pool.pair = IUniswapV2Pair(pair);
        pool.tokenIsToken0 = address(token) < address(stablecoin);
        (uint256 reserve0, uint256 reserve1, ) = pool.pair.getReserves();
        (pool.tokenReserve, pool.stableReserve) = pool.tokenIsToken0 ? (reserve0, reserve1) : (reserve1, reserve0);
    }

    /// @dev `token`'s pool; reverts with ListedPoolsNoPool when there is none or it is empty.
    function _requirePool(ILeveragedToken token) internal view returns (Pool memory pool) {
        pool = _pool(token);
        if (pool.tokenReserve == 0 || pool.stableReserve == 0) revert ListedPoolsNoPool(address(token));
    }

    /// @dev The pair's `swap` amounts for taking `tokenOut` shares and `stableOut` stablecoin from `pool`.
    function _swapAmounts(
        Pool memory pool,
        uint256 tokenOut,
        uint256 stableOut
    ) internal pure returns (uint256 amount0Out, uint256 amount1Out) {
        return pool.tokenIsToken0 ? (tokenOut, stableOut) : (stableOut, tokenOut);
    }

    /// @dev Whether the factory lists `token` as live: the factory's token for the token's own (market, leverage) is
    /// it (a retired token no longer is). Never reverts for a contract that is not a token.
    function _isListed(address token) private view returns (bool) {
        if (token.code.length == 0) return false;
        try ILeveragedToken(token).marketId() returns (uint256 marketId) {
            try ILeveragedToken(token).targetLeverage() returns (int256 leverage) {
                try tokenFactory.tokenFor(marketId, leverage) returns (address listed) {
                    return listed == token;
                } catch {
                    return false;
                }
            } catch {
                return false;
            }
        } catch {
            return false;
        }
    }
}
