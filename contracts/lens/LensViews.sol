// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @dev The few Uniswap V2 views the lens reads (factory and pair), without importing Uniswap's 0.5/0.6 sources.
interface IUniswapV2FactoryView {
    function getPair(address tokenA, address tokenB) external view returns (address pair);
}

interface IUniswapV2PairView {
    function token0() external view returns (address);

    function getReserves() external view returns (uint112 reserve0, uint112 reserve1, uint32 blockTimestampLast);
}
