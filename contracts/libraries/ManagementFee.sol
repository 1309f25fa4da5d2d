// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title ManagementFee
/// @notice The management fee as continuous dilution: over `elapsed` seconds at `ratePerYear` the holders keep
/// `e^(-x)` of the token, `x = ratePerYear x elapsed / 1 year`, by minting `supply x (e^x - 1)` shares to the fee
/// recipient. Because `e^a x e^b = e^(a+b)`, the fee does not depend on how often it is accrued (beyond rounding):
/// at 3.65% a year (0.01% a day) holders give up `1 - e^(-0.0365)` = 3.584% of NAV in a year, whether it is accrued
/// once, daily or every block.
library ManagementFee {
    uint256 private constant WAD = 1e18;
    uint256 private constant YEAR = 365 days;
    /// @notice The largest exponent one accrual applies (e - 1 = 172% more shares): 10 years at a 10% rate.
    uint256 internal constant MAX_EXPONENT = WAD;

    /// @notice Fee shares for `supply` over `elapsed` seconds: `supply x (e^x - 1)` with
    /// `x = min(ratePerYear x elapsed / YEAR, MAX_EXPONENT)`, everything rounded down (in the holders' favour).
    function feeShares(uint256 supply, uint256 ratePerYear, uint256 elapsed) internal pure returns (uint256) {
        if (supply == 0 || ratePerYear == 0 || elapsed == 0) return 0;
        uint256 x = Math.min((ratePerYear * elapsed) / YEAR, MAX_EXPONENT);
        return Math.mulDiv(supply, expm1(x), WAD);
    }

    /// @notice `e^x - 1` for `0 <= x <= WAD` (WAD fixed point) by its Taylor series `x + x^2/2! + x^3/3! + ...`,
    /// each term rounded down; the series stops at the first zero term (at most about 20 terms at x = 1).
    function expm1(uint256 x) internal pure returns (uint256 sum) {
        uint256 term = x;
        sum = x;
        for (uint256 n = 2; term != 0; ++n) {
            term = (term * x) / (WAD * n);
            sum += term;
        }
    }
}
