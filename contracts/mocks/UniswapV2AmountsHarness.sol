// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {UniswapV2Amounts} from "../libraries/UniswapV2Amounts.sol";

/// @title UniswapV2AmountsHarness
/// @notice Test-only: `UniswapV2Amounts` in mined transactions (each result an event), so that the tests check it
/// against its TypeScript twin and solidity-coverage, which counts only mined transactions, sees every branch.
contract UniswapV2AmountsHarness {
    event Amount(uint256 amount);

    function getAmountOut(uint256 amountIn, uint256 reserveIn, uint256 reserveOut) external {
        emit Amount(UniswapV2Amounts.getAmountOut(amountIn, reserveIn, reserveOut));
    }

    function getAmountIn(uint256 amountOut, uint256 reserveIn, uint256 reserveOut) external {
        emit Amount(UniswapV2Amounts.getAmountIn(amountOut, reserveIn, reserveOut));
    }
}
