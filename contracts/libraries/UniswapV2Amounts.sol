// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title UniswapV2Amounts
/// @notice A Uniswap V2 pair's swap amounts with its 0.3% fee, exactly as `UniswapV2Library` computes them (and as
/// the pair's `K` check accepts them). The off-chain twin is `src/dex/constantProduct.ts`.
library UniswapV2Amounts {
    /// @notice The pool's fee: 3 in 1,000 of the amount in.
    uint256 internal constant FEE_PER_MILLE = 3;

    /// @notice What `amountIn` buys: `amountIn x 997 x reserveOut / (reserveIn x 1000 + amountIn x 997)`, rounded
    /// down; 0 when either reserve is empty.
    function getAmountOut(uint256 amountIn, uint256 reserveIn, uint256 reserveOut) internal pure returns (uint256) {
        if (reserveIn == 0 || reserveOut == 0) return 0;
        uint256 amountInWithFee = amountIn * (1000 - FEE_PER_MILLE);
        return (amountInWithFee * reserveOut) / (reserveIn * 1000 + amountInWithFee);
    }

    /// @notice What buying `amountOut` costs: `reserveIn x amountOut x 1000 / ((reserveOut - amountOut) x 997) + 1`
    /// (rounded down, plus one: never less than the pair needs). The caller ensures `amountOut < reserveOut`.
    function getAmountIn(uint256 amountOut, uint256 reserveIn, uint256 reserveOut) internal pure returns (uint256) {
        return (reserveIn * amountOut * 1000) / ((reserveOut - amountOut) * (1000 - FEE_PER_MILLE)) + 1;
    }
}
