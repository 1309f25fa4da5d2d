// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";

import {ILeveragedToken} from "../interfaces/ILeveragedToken.sol";

/// @title KeeperReward
/// @notice What a leveraged token pays whoever does a due rebalance: a Dutch auction of the tip. It starts at 0 when
/// the rebalance falls due and rises linearly with the seconds it waits, reaching `cap` after `rampTime`; above the
/// emergency leverage it is `cap` at once. Whatever the curve says, it never exceeds a budget that accrues at
/// `maxPerYearBps` of the levered equity a year since the last rebalance: rewards over any stretch of time are at most
/// `maxPerYearBps x` that time `x` the equity (a yearly bound in bp, enforced on chain). Every amount rounds down
/// (in the holders' favour).
library KeeperReward {
    uint256 private constant WAD = 1e18;
    uint256 private constant BPS = 10_000;
    uint256 private constant YEAR = 365 days;

    /// @notice The |leverage| from which a rebalance is an emergency (the reward is its cap at once): half the band
    /// beyond its upper edge, `|target| x (1 + 1.5 x band)` (4.5x for a 3x token with a band of 1/3), rounded down.
    function emergencyLeverage(int256 targetLeverage, uint256 band) internal pure returns (uint256) {
        return (SignedMath.abs(targetLeverage) * (WAD + (band * 3) / 2)) / WAD;
    }

    /// @notice The reward (collateral units) of a rebalance that has waited `waited` seconds since it fell due:
    /// `min(curve, budget)` with `curve = cap` for an emergency or once `waited >= rampTime`, else
    /// `cap x waited / rampTime`, and `budget = equity x maxPerYearBps x sinceLast / (10,000 x 365 days)`.
    /// @param equity the levered equity (collateral units) the budget is a share of
    /// @param sinceLast seconds since the token's last rebalance
    function reward(
        ILeveragedToken.RewardSettings memory s,
        uint256 waited,
        bool emergency,
        uint256 equity,
        uint256 sinceLast
    ) internal pure returns (uint256) {
        uint256 curve = emergency || waited >= s.rampTime ? s.cap : (uint256(s.cap) * waited) / s.rampTime;
        if (curve == 0) return 0;
        return Math.min(curve, Math.mulDiv(equity, uint256(s.maxPerYearBps) * sinceLast, BPS * YEAR));
    }
}
