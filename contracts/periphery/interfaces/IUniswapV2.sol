// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// The parts of Uniswap V2 (as deployed from @uniswap/v2-core 1.0.1) that the periphery calls. Declared here rather
// than imported from the npm package, whose interface files carry no license identifier (a compiler warning).

/// @notice A Uniswap V2 factory: one pair per token pair.
interface IUniswapV2Factory {
    /// @notice The pair of `tokenA` and `tokenB` (either order), or the zero address.
    function getPair(address tokenA, address tokenB) external view returns (address pair);
}

/// @notice A Uniswap V2 pair.
interface IUniswapV2Pair {
    /// @notice The reserves, ordered by token address (token0 < token1), and the last update's time.
    function getReserves() external view returns (uint112 reserve0, uint112 reserve1, uint32 blockTimestampLast);

    /// @notice Sends the amounts out to `to`, calls `to.uniswapV2Call` when `data` is not empty, then requires the
    /// reserves' product (net of the 0.3% fee on what came in) not to have fallen.
    function swap(uint256 amount0Out, uint256 amount1Out, address to, bytes calldata data) external;
}

/// @notice What a pair calls back during a flash swap.
interface IUniswapV2Callee {
    /// @notice Called by the pair after it sent `amount0` / `amount1` to this contract, for `sender` (who called
    /// `swap`); the pair must be paid back before this returns.
    function uniswapV2Call(address sender, uint256 amount0, uint256 amount1, bytes calldata data) external;
}
