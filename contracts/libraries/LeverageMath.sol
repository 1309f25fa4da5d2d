// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";

import {SignedWad} from "./SignedWad.sol";

/// @title LeverageMath
/// @notice A leveraged token's formulas, each once, with its rounding: the drift band, the size a mint adds, shares for
/// equity added, the redeemer's part, the fees, and the rules that keep a token safe at tiny supply (dead shares, the
/// holders' live value, dust). `LeveragedToken` quotes and acts with them. Current leverage, the levered value under
/// the equity cap, the band test, the target size and whether a value holds a position are the exchange's formulas
/// (`PerpMath`, with which its `tradeToLeverage` sizes a rebalance): the token uses them from there.
/// @dev Always in favour of the token and the holders who stay, never the caller: shares and payouts round down,
/// what stayers keep and fees round up, sizes round toward zero. Units: values and amounts in collateral units (a
/// value is signed: an account can be under water), shares 18 decimals, leverage and the band WAD, sizes base WAD,
/// prices USD WAD; `scale` is 10^(18 - collateral decimals). Products of bounded quantities (sizes and values as
/// the exchange stores them, leverage up to the exchange's bounds) are plain checked arithmetic; anything scaled by a
/// caller's amount or the supply goes through `Math.mulDiv`.
library LeverageMath {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant BPS = 10_000;
    /// @notice Equity (USD WAD) below which an account holds no position: a dust account.
    uint256 internal constant MIN_POSITION_EQUITY = 0.01e18;
    /// @notice The most |target leverage| a token may have (WAD): 10x, long or short. (A product rule, not the
    /// exchange's bound on what it trades to, `PerpExchange.MAX_TRADE_LEVERAGE`.)
    uint256 internal constant MAX_LEVERAGE = 10e18;
    /// @notice The shares a token's first mint locks for good (dead shares).
    uint256 internal constant MINIMUM_SHARES = 1e12;

    // ---------------------------------------------------------------------------------------------------------
    // Leverage and the band
    // ---------------------------------------------------------------------------------------------------------

    /// @notice The drift band's bounds on |leverage|: `|L| x (1 - band)` and `|L| x (1 + band)`, rounded down.
    function band(int256 targetLeverage, uint256 width) internal pure returns (uint256 lower, uint256 upper) {
        uint256 target = SignedMath.abs(targetLeverage);
        return ((target * (WAD - width)) / WAD, (target * (WAD + width)) / WAD);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Dead shares, live value and dust
    // ---------------------------------------------------------------------------------------------------------

    /// @notice Whether a value (collateral units, >= 0) is below MIN_POSITION_EQUITY.
    function isDust(uint256 value, uint256 scale) internal pure returns (bool) {
        return value * scale < MIN_POSITION_EQUITY;
    }

    /// @notice The part of `value` that belongs to shares other than the dead ones: `value x (supply -
    /// MINIMUM_SHARES) / supply` rounded down; 0 without them.
    function liveValue(uint256 value, uint256 supply) internal pure returns (uint256) {
        if (supply <= MINIMUM_SHARES) return 0;
        return Math.mulDiv(value, supply - MINIMUM_SHARES, supply);
    }

    /// @notice The least account value that holds a position with `supply` shares: the one whose live value is not
    /// dust. With `T = ceil(MIN_POSITION_EQUITY / scale)`, `floor(v x (s - M) / s) >= T` exactly when
    /// `v >= ceil(T x s / (s - M))`; none (the largest uint256) while the dead shares are all the supply. A token's
    /// `minValue` for `PerpMath.holdsPosition`, so that its holders' part besides the dead shares is not dust (the dead
    /// shares' part, which a donation can make large, is never levered alone).
    function minPositionValue(uint256 supply, uint256 scale) internal pure returns (uint256) {
        if (supply <= MINIMUM_SHARES) return type(uint256).max;
        return
            Math.mulDiv(Math.ceilDiv(MIN_POSITION_EQUITY, scale), supply, supply - MINIMUM_SHARES, Math.Rounding.Ceil);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Mint
    // ---------------------------------------------------------------------------------------------------------

    /// @notice A mint or redeem fee: `amount x bps / 10,000` rounded up.
    function fee(uint256 amount, uint256 bps) internal pure returns (uint256) {
        return Math.mulDiv(amount, bps, BPS, Math.Rounding.Ceil);
    }

    /// @notice The most a mint may take in whose net of its fee (`amount - fee(amount, bps)`) is at most `net`:
    /// since the fee rounds up, that net is `amount x (10,000 - bps) / 10,000` rounded down, so the most is
    /// `((net + 1) x 10,000 - 1) / (10,000 - bps)` rounded down. 0 for a net of 0 (no room: a mint that deposits
    /// nothing mints nothing); `type(uint256).max` when the formula does not fit (no limit).
    function grossForNet(uint256 net, uint256 bps) internal pure returns (uint256) {
        if (net == 0) return 0;
        if (net >= type(uint256).max / BPS) return type(uint256).max;
        return ((net + 1) * BPS - 1) / (BPS - bps);
    }

    /// @notice The size a mint of `net` collateral adds, so that leverage is the same after the mint and the
    /// exchange's taker fee `t` (which the minter pays): the equity added is `a = net / (1 + |l| t)` and the size
    /// grows by `size x a / value`, i.e. `size x net / (value + |notional| t)`, or by `L x net / (price x (1 + |L|
    /// t))` when there is no position yet. None when the holders' live value `live` plus `net` is still dust.
    /// Rounded toward zero.
    function mintSizeDelta(
        uint256 net,
        int256 value,
        int256 size,
        uint256 price,
        int256 targetLeverage,
        uint256 takerFeeBps,
        uint256 live,
        uint256 scale
    ) internal pure returns (int256) {
        if (isDust(live + net, scale)) return 0;
        uint256 netTimesBps = net * scale * BPS;
        if (size == 0) {
            uint256 denominator = Math.mulDiv(price, BPS * WAD + SignedMath.abs(targetLeverage) * takerFeeBps, WAD);
            return SignedWad.mulDivTowardZero(targetLeverage, netTimesBps, denominator);
        }
        uint256 valueTimesBps = uint256(value) * scale * BPS;
        uint256 feeTimesBps = Math.mulDiv(SignedMath.abs(size), price, WAD) * takerFeeBps;
        return SignedWad.mulDivTowardZero(size, netTimesBps, valueTimesBps + feeTimesBps);
    }

    /// @notice Shares for `added` equity: `added x supply / valueBefore`, or `added x 1e18 / initialNav` at zero
    /// supply; rounded down; none for nothing added.
    function sharesFor(
        int256 added,
        int256 valueBefore,
        uint256 supply,
        uint256 initialNav
    ) internal pure returns (uint256) {
        if (added <= 0) return 0;
        if (supply == 0) return Math.mulDiv(uint256(added), WAD, initialNav);
        return Math.mulDiv(uint256(added), supply, uint256(valueBefore));
    }

    /// @notice At zero supply, equity found in the account (a donation) priced at the initial NAV: `value x 1e18 /
    /// initialNav` rounded down; none for a value <= 0.
    function unclaimedEquityShares(int256 value, uint256 initialNav) internal pure returns (uint256) {
        return value > 0 ? Math.mulDiv(uint256(value), WAD, initialNav) : 0;
    }

    /// @notice The mint headroom under `cap`: `cap - value`, or 0 at or above the cap (a value <= 0 counts as 0).
    function headroom(uint256 cap, int256 value) internal pure returns (uint256) {
        uint256 equity = value > 0 ? uint256(value) : 0;
        return cap > equity ? cap - equity : 0;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Redeem
    // ---------------------------------------------------------------------------------------------------------

    /// @notice What the holders who stay keep of a positive value when `shares` of `supply` leave:
    /// `value x (supply - shares) / supply` rounded up.
    function stayersPart(int256 value, uint256 shares, uint256 supply) internal pure returns (uint256) {
        return Math.mulDiv(uint256(value), supply - shares, supply, Math.Rounding.Ceil);
    }

    /// @notice What a redeemer of `shares` gets before fees: what the trade left minus what the stayers keep, or 0.
    function redeemerPart(
        int256 valueBefore,
        int256 valueAfter,
        uint256 shares,
        uint256 supply
    ) internal pure returns (uint256) {
        uint256 keep = stayersPart(valueBefore, shares, supply);
        return valueAfter > int256(keep) ? uint256(valueAfter) - keep : 0;
    }

    /// @notice Whether a redeem of `shares` from a positive value leaves the holders who stay (the dead shares
    /// aside) only dust, so that it closes the whole position.
    function leavesDust(int256 value, uint256 shares, uint256 supply, uint256 scale) internal pure returns (bool) {
        return isDust(liveValue(stayersPart(value, shares, supply), supply - shares), scale);
    }

    /// @notice What a redeem trades: the whole position when it closes it, else `shares / supply` of it, rounded
    /// toward zero.
    function redeemSizeDelta(
        bool closeAll,
        int256 size,
        uint256 shares,
        uint256 supply
    ) internal pure returns (int256) {
        return closeAll ? -size : -SignedWad.mulDivTowardZero(size, shares, supply);
    }

    /// @notice A pro-rata part: `amount x shares / supply` rounded down (a redeem after a wipe-out).
    function proRata(uint256 amount, uint256 shares, uint256 supply) internal pure returns (uint256) {
        return Math.mulDiv(amount, shares, supply);
    }
}
