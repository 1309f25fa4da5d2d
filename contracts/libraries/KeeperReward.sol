// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";

import {LeverageMath} from "./LeverageMath.sol";

/// @title KeeperReward
/// @notice What a leveraged token pays whoever does a due rebalance: a Dutch auction of the tip. It starts at 0 when
/// the rebalance falls due and rises linearly with the seconds it waits, reaching `cap` after `rampTime`; above the
/// emergency leverage it is `cap` at once. Whatever the curve says, it never exceeds a budget that accrues at
/// `maxPerYearBps` of the levered equity a year since the last rebalance: rewards over any stretch of time are at most
/// `maxPerYearBps x` that time `x` the equity (a yearly bound in bp, enforced on chain). Every amount rounds down
/// (in the holders' favour). The token's views and the exchange's `tradeToLeverage` (which pays it in the same call
/// as the trade, asking the token for its terms only when a reward may be due) both compute it here (`rewardAt`),
/// straight from the one word `pack` lays the terms out in.
library KeeperReward {
    uint256 private constant WAD = 1e18;
    uint256 private constant BPS = 10_000;
    uint256 private constant YEAR = 365 days;

    /// @notice A token's reward terms in one word (what `keeperRewardTerms` returns, one word rather than seven: the
    /// cheapest answer to the exchange's question, read by `rewardAt` field by field): its reward settings (`cap`,
    /// `rampTime`, `maxPerYearBps`), its clock (`lastRebalance`, `interval`) and its band's width, at bits 0, 64, 96,
    /// 112, 144 and 176. Each fits its field by its type.
    function pack(
        uint64 cap,
        uint32 rampTime,
        uint16 maxPerYearBps,
        uint32 lastRebalance,
        uint32 interval,
        uint64 band
    ) internal pure returns (uint256) {
        return
            uint256(cap) |
            (uint256(rampTime) << 64) |
            (uint256(maxPerYearBps) << 96) |
            (uint256(lastRebalance) << 112) |
            (uint256(interval) << 144) |
            (uint256(band) << 176);
    }

    /// @notice The |leverage| from which a rebalance is an emergency (the reward is its cap at once): half the band
    /// beyond its upper edge, `|target| x (1 + 1.5 x band)` (4.5x for a 3x token with a band of 1/3), rounded down.
    function emergencyLeverage(int256 targetLeverage, uint256 band) internal pure returns (uint256) {
        return (SignedMath.abs(targetLeverage) * (WAD + (band * 3) / 2)) / WAD;
    }

    /// @notice The reward (collateral units) at time `at` of a rebalance, on the terms `packed` (`pack`) of a token
    /// of `targetLeverage`, that finds `levered` equity at |leverage| `leverage`, the price published at
    /// `priceTime`: 0 for `levered <= 0` or at or before the last rebalance. It is due at `lastRebalance + interval`
    /// and has waited since then, or, above the band's upper edge (`LeverageMath.band`), since the later of the last
    /// rebalance and `priceTime` (the round that took it there, or a later one: never longer than it waited); below
    /// the band before it is due it is not due for a reward at all (a donation lowers leverage; only the price raises
    /// it). Then `min(curve, budget)`: `curve = cap` in an emergency (`leverage >= emergencyLeverage`) or once
    /// `waited >= rampTime`, else `cap x waited / rampTime`; `budget = levered x maxPerYearBps x (at -
    /// lastRebalance) / (10,000 x 365 days)`.
    function rewardAt(
        uint256 packed,
        int256 targetLeverage,
        int256 levered,
        uint256 leverage,
        uint256 priceTime,
        uint256 at
    ) internal pure returns (uint256) {
        uint256 lastRebalance = uint32(packed >> 112);
        if (levered <= 0 || at <= lastRebalance) return 0;
        uint256 curve = _curve(packed, targetLeverage, leverage, priceTime, at);
        if (curve == 0) return 0;
        return Math.min(curve, Math.mulDiv(uint256(levered), uint16(packed >> 96) * (at - lastRebalance), BPS * YEAR));
    }

    /// @dev `rewardAt`'s curve (`at` after the last rebalance), 0 when no reward is due.
    function _curve(
        uint256 packed,
        int256 targetLeverage,
        uint256 leverage,
        uint256 priceTime,
        uint256 at
    ) private pure returns (uint256) {
        uint256 lastRebalance = uint32(packed >> 112);
        uint256 timeDue;
        unchecked {
            timeDue = lastRebalance + uint32(packed >> 144); // two 32-bit fields: no overflow
        }
        bool due = at >= timeDue;
        uint256 waited = due ? at - timeDue : 0;
        (, uint256 upper) = LeverageMath.band(targetLeverage, uint64(packed >> 176));
        if (leverage > upper) {
            if (leverage >= emergencyLeverage(targetLeverage, uint64(packed >> 176))) return uint64(packed); // the cap
            due = true;
            uint256 since = Math.max(lastRebalance, priceTime);
            if (at > since) waited = Math.max(waited, at - since);
        }
        if (!due) return 0;
        uint256 rampTime = uint32(packed >> 64);
        if (waited >= rampTime) return uint64(packed);
        unchecked {
            return (uint64(packed) * waited) / rampTime; // a 64-bit cap x fewer than 2^32 seconds
        }
    }
}

/// @notice What the exchange asks a leveraged token for when its `tradeToLeverage` may owe a keeper reward.
interface ITermsSource {
    /// @notice The token's keeper reward terms as of now (its settings, clock and band), in one word
    /// (`KeeperReward.pack`; the exchange reads them with `KeeperReward.rewardAt` at the call's target leverage).
    function keeperRewardTerms() external view returns (uint256);
}
