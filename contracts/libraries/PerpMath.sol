// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";

import {IPerpExchange} from "../interfaces/IPerpExchange.sol";
import {SignedWad} from "./SignedWad.sol";

/// @title PerpMath
/// @notice The perpetual exchange's formulas, each once: an account's value, a fill and its cost basis, the taker fee,
/// funding, margin requirements and the margin check, a whole trade settled into the margin, and the leverage and
/// target size `tradeToLeverage` trades to. `PerpExchange` trades and previews with them, and a leveraged token quotes
/// its mints, redeems and rebalances with the same code, so a quote is what the trade does.
/// @dev Rounding is always in favour of the exchange's fund (against the trader): notional down (toward negative
/// infinity), cost basis up, fee, funding paid and margin requirements up, funding received down, the margin's change
/// down, realizable profit down. What an account owes is never forgiven while it holds a position: what its margin
/// cannot pay is charged to the position's cost basis (`settle`). Units: sizes base WAD (18 decimals), prices USD WAD,
/// notional, cost basis, PnL, fees and funding USD WAD, margin and account values in collateral units; `scale` is
/// 10^(18 - collateral decimals).
///
/// Bounds: the exchange stores sizes and cost bases in 128 bits and accepts prices below 2^112, so `size x price` and
/// `size x price x bps` fit in 256 bits and are computed in plain (checked) arithmetic; a product beyond them would
/// revert, never wrap. Only funding, whose index grows without bound, needs full-precision `Math.mulDiv`.
library PerpMath {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant BPS = 10_000;
    uint256 internal constant YEAR = 365 days;

    /// @notice What a trade changes of one account in one market (funding is passed in, owed since its last
    /// settlement).
    struct Account {
        uint256 margin; // collateral units, settled
        int256 size; // base WAD, signed
        int256 openNotional; // USD WAD, signed like the size: size x average entry price, rounded up
    }

    /// @notice `size x price`, USD WAD, rounded down (toward negative infinity).
    function notional(int256 size, uint256 price) internal pure returns (int256) {
        return SignedWad.divFloor(size * int256(price), WAD);
    }

    /// @notice margin + (notional - openNotional - funding) in collateral units, the PnL part rounded down. Negative
    /// when the account is under water.
    function value(
        uint256 margin,
        int256 size,
        int256 openNotional,
        int256 funding,
        uint256 price,
        uint256 scale
    ) internal pure returns (int256) {
        return int256(margin) + SignedWad.divFloor(notional(size, price) - openNotional - funding, scale);
    }

    /// @notice `value` of an account in memory.
    function valueOf(Account memory a, int256 funding, uint256 price, uint256 scale) internal pure returns (int256) {
        return value(a.margin, a.size, a.openNotional, funding, price, scale);
    }

    /// @notice Funding owed over a change of the market's cumulative funding index, USD WAD:
    /// `size x price x indexDelta / (WAD^2 x YEAR)`, rounded up when the account pays (a long while the index rose,
    /// a short while it fell) and down when it receives (then negative).
    function accruedFunding(int256 size, uint256 price, int256 indexDelta) internal pure returns (int256) {
        if (size == 0 || indexDelta == 0) return 0;
        uint256 base = SignedMath.abs(size) * price;
        uint256 delta = SignedMath.abs(indexDelta);
        if ((size > 0) == (indexDelta > 0)) {
            return int256(Math.mulDiv(base, delta, WAD * WAD * YEAR, Math.Rounding.Ceil));
        }
        return -int256(Math.mulDiv(base, delta, WAD * WAD * YEAR));
    }

    /// @notice A margin requirement (or a liquidation penalty): `|size| x price x bps` in collateral units, rounded
    /// up.
    function requirement(int256 size, uint256 price, uint256 bps, uint256 scale) internal pure returns (uint256) {
        return Math.ceilDiv(SignedMath.abs(size) * price * bps, WAD * BPS * scale);
    }

    /// @notice The margin check: whether `accountValue` (collateral units) covers the margin `bps` of a position of
    /// `size` at `price` requires (`requirement`, rounded up), and that requirement. A value equal to it covers it.
    function coversMargin(
        int256 accountValue,
        int256 size,
        uint256 price,
        uint256 bps,
        uint256 scale
    ) internal pure returns (bool covered, uint256 required) {
        required = requirement(size, price, bps, scale);
        covered = accountValue >= int256(required);
    }

    /// @notice The taker fee of trading `sizeDelta` at `price`: `|sizeDelta| x price x feeBps`, USD WAD, rounded up.
    function takerFee(int256 sizeDelta, uint256 price, uint256 feeBps) internal pure returns (uint256) {
        return Math.ceilDiv(SignedMath.abs(sizeDelta) * price * feeBps, WAD * BPS);
    }

    /// @notice The cost basis after a fill of `sizeDelta` at `price`, and the PnL it realizes (USD WAD):
    /// - open or increase: the cost basis grows by the fill's notional, rounded up; nothing is realized;
    /// - reduce: the closed fraction of the cost basis, rounded up, is realized against the fill's notional, rounded
    ///   down;
    /// - close or flip: the whole position is realized, and what is left opens at `price`, its cost rounded up.
    /// @return newOpenNotional the cost basis after
    /// @return realizedPnl the PnL realized (0 for an open or increase)
    /// @return increasesExposure whether the fill opens or grows a position (the initial margin then applies)
    function fill(
        int256 size,
        int256 openNotional,
        uint256 price,
        int256 sizeDelta
    ) internal pure returns (int256 newOpenNotional, int256 realizedPnl, bool increasesExposure) {
        if (size == 0 || (size > 0) == (sizeDelta > 0)) {
            return (openNotional + SignedWad.divCeil(sizeDelta * int256(price), WAD), 0, true);
        }
        uint256 absSize = SignedMath.abs(size);
        uint256 absDelta = SignedMath.abs(sizeDelta);
        if (absDelta < absSize) {
            int256 closedNotional = SignedWad.divCeil(openNotional * int256(absDelta), absSize);
            return (openNotional - closedNotional, notional(-sizeDelta, price) - closedNotional, false);
        }
        int256 newSize = size + sizeDelta;
        return (SignedWad.divCeil(newSize * int256(price), WAD), notional(size, price) - openNotional, newSize != 0);
    }

    /// @notice Settles a signed USD WAD change into the account `a`, in place: the change is rounded down to collateral
    /// units (in favour of the fund). A gain is added to the margin. A payment (a loss, funding, a fee) comes out of
    /// the margin; what the margin cannot cover is charged to the position while there is one: its cost basis grows by
    /// it, so that its unrealized PnL, and the account's value, fall by exactly that much. Nothing owed is forgiven
    /// while the account holds a position: the fund collects it when the position is reduced or closed. Without a
    /// position the shortfall is bad debt, exactly what is missing (the account's value was below 0).
    /// @return marginDelta what the margin changed by (collateral units): the cash moved between account and fund
    /// @return badDebt the loss the account could not cover (collateral units), only once it holds no position
    function settle(
        Account memory a,
        int256 wadDelta,
        uint256 scale
    ) internal pure returns (int256 marginDelta, uint256 badDebt) {
        marginDelta = SignedWad.divFloor(wadDelta, scale);
        uint256 marginBefore = a.margin;
        if (marginDelta >= 0) {
            a.margin = marginBefore + uint256(marginDelta);
            return (marginDelta, 0);
        }
        uint256 loss = uint256(-marginDelta);
        if (loss <= marginBefore) {
            a.margin = marginBefore - loss;
            return (marginDelta, 0);
        }
        a.margin = 0;
        marginDelta = -int256(marginBefore);
        unchecked {
            // loss > marginBefore was checked above.
            loss -= marginBefore;
        }
        if (a.size != 0) a.openNotional += int256(loss * scale);
        else badDebt = loss;
    }

    /// @notice The unrealized profit of `a` at `price` that can be realized into its margin: `notional -
    /// openNotional` rounded down to collateral units, or 0 when there is none (funding is settled before).
    function realizableProfit(Account memory a, uint256 price, uint256 scale) internal pure returns (uint256) {
        int256 profit = SignedWad.divFloor(notional(a.size, price) - a.openNotional, scale);
        return profit > 0 ? uint256(profit) : 0;
    }

    /// @notice Realizes `amount` (collateral units, at most `realizableProfit`) of `a`'s unrealized profit into its
    /// margin, in place: the margin grows by it and the cost basis by as much, so the value does not change. The fund
    /// pays it.
    function realize(Account memory a, uint256 amount, uint256 scale) internal pure {
        a.margin += amount;
        a.openNotional += int256(amount * scale);
    }

    /// @notice Trades `sizeDelta` on the account `a` at `price`: fills it (`fill`), charges the taker fee and settles
    /// `fundingOwed` (USD WAD) and the realized PnL into the account (`settle`), all in place. What
    /// `PerpExchange.trade` does to an account, what its previews do, and what a leveraged token's quotes do.
    /// @return s what moved between the account and the fund (`marginDelta` > 0: the fund pays)
    /// @return increasesExposure whether the trade opens or grows a position
    function trade(
        Account memory a,
        int256 sizeDelta,
        uint256 price,
        uint256 takerFeeBps,
        int256 fundingOwed,
        uint256 scale
    ) internal pure returns (IPerpExchange.Settlement memory s, bool increasesExposure) {
        (a.openNotional, s.realizedPnl, increasesExposure) = fill(a.size, a.openNotional, price, sizeDelta);
        a.size += sizeDelta;
        s.fundingPaid = fundingOwed;
        s.fee = takerFee(sizeDelta, price, takerFeeBps);
        (s.marginDelta, s.badDebt) = settle(a, s.realizedPnl - fundingOwed - int256(s.fee), scale);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Leverage: what `PerpExchange.tradeToLeverage` sizes a position with (and a leveraged token, via LeverageMath)
    // ---------------------------------------------------------------------------------------------------------

    /// @notice Current leverage: `notional x WAD / accountValue`, signed WAD, rounded toward zero (the notional
    /// itself rounded down); 0 without a position; the largest magnitude (signed like the position) at a value <= 0.
    function leverage(int256 accountValue, int256 size, uint256 price, uint256 scale) internal pure returns (int256) {
        if (size == 0) return 0;
        if (accountValue <= 0) return size > 0 ? type(int256).max : type(int256).min;
        return (notional(size, price) * int256(WAD)) / (accountValue * int256(scale));
    }

    /// @notice Whether |leverage| of `size` on a positive `accountValue` at `price` is within the band [`lower`,
    /// `upper`], bounds included (|leverage| rounded toward zero, as `leverage`); never for an empty band.
    function inBand(
        int256 accountValue,
        int256 size,
        uint256 price,
        uint256 lower,
        uint256 upper,
        uint256 scale
    ) internal pure returns (bool) {
        uint256 current = SignedMath.abs(leverage(accountValue, size, price, scale));
        return current >= lower && current <= upper;
    }

    /// @notice The part of an account's value that is levered: `min(accountValue, cap)`, exact; a value <= 0 as it is.
    /// What the account holds beyond the cap is not levered.
    function levered(int256 accountValue, uint256 cap) internal pure returns (int256) {
        // cap < accountValue: it fits int256
        return accountValue > 0 && uint256(accountValue) > cap ? int256(cap) : accountValue;
    }

    /// @notice Whether an account of `accountValue` holds a position: above 0 and at least `minValue` (exact; a
    /// leveraged token's dust rule, `LeverageMath.minPositionValue`).
    function holdsPosition(int256 accountValue, uint256 minValue) internal pure returns (bool) {
        return accountValue > 0 && uint256(accountValue) >= minValue;
    }

    /// @notice The size that puts an account at `targetLeverage`: `L x accountValue / price`, base WAD, rounded toward
    /// zero; none when the value holds no position (`holdsPosition`: below `minValue`, or <= 0).
    function targetSize(
        int256 targetLeverage,
        int256 accountValue,
        uint256 price,
        uint256 minValue,
        uint256 scale
    ) internal pure returns (int256) {
        if (!holdsPosition(accountValue, minValue)) return 0;
        return (targetLeverage * (accountValue * int256(scale))) / int256(price);
    }

    /// @notice A trade of `sizeDelta` (none if 0) replayed on a copy `a` of an account, as `trade` does it, and the
    /// account's value after: a quote or preview of what the trade would leave.
    /// @return valueAfter the account's value after (collateral units)
    /// @return fundingLeft the funding still owed: `fundingOwed` without a trade, 0 once a trade settled it
    function replay(
        Account memory a,
        int256 sizeDelta,
        uint256 price,
        uint256 takerFeeBps,
        int256 fundingOwed,
        uint256 scale
    ) internal pure returns (int256 valueAfter, int256 fundingLeft) {
        if (sizeDelta != 0) trade(a, sizeDelta, price, takerFeeBps, fundingOwed, scale);
        else fundingLeft = fundingOwed;
        valueAfter = valueOf(a, fundingLeft, price, scale);
    }
}
