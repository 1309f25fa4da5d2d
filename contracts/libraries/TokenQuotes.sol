// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";

import {ILeveragedToken} from "../interfaces/ILeveragedToken.sol";
import {IPerpExchange} from "../interfaces/IPerpExchange.sol";
import {LeverageMath} from "./LeverageMath.sol";
import {PerpMath} from "./PerpMath.sol";

/// @title TokenQuotes
/// @notice A leveraged token's quote engine: what a mint or a redeem does from one snapshot of its exchange account,
/// and which rebalance is due. Pure given the token's `Terms` (but `action`, which reads the clock): the previews stop
/// at a quote and the actions act on it, so a preview is exactly what its action does. A quote replays the trades
/// with `PerpMath`, the code the exchange trades with; the formulas are `LeverageMath`'s and `PerpMath`'s, each once
/// with its rounding. The band rules are here once: `action` (what a keeper may do), `_rebalancesFirst` (a mint
/// above the band or with a dust account's position), `_isOverLevered` (a redeem above the band).
library TokenQuotes {
    /// @notice What a token's quotes depend on besides its account: its immutables and settings, read once per call.
    struct Terms {
        int256 targetLeverage; // signed WAD
        uint256 scale; // 10 ** (18 - collateral decimals): USD WAD per collateral unit
        uint256 initialNav; // collateral units per whole token while the supply is 0
        uint256 band; // WAD: the band's half-width as a fraction of |target|
        uint256 cap; // collateral units: the equity cap (type(uint256).max for none)
        uint256 timeDue; // unix seconds: the last rebalance + the interval
        bool wipedOut;
    }

    /// @notice What every quote and view starts from (memory only): the exchange account now (`accountState`) and the
    /// supply it is shared by (the management fee accrued for an action, counted pending for a view).
    struct Snapshot {
        IPerpExchange.AccountState account;
        uint256 supply;
    }

    /// @notice A rebalance that a mint or redeem does first (above the band, or a dust account's position), as quoted.
    // solhint-disable-next-line gas-struct-packing
    struct RebalanceFirst {
        bool due;
        int256 valueBefore; // collateral units
        int256 sizeBefore; // base WAD
        int256 sizeDelta; // base WAD: to the target size
        int256 valueAfter; // collateral units
    }

    /// @notice What a mint of some collateral does, as `quoteMint` finds it.
    // solhint-disable-next-line gas-struct-packing
    struct MintQuote {
        bool refused; // the value is <= 0 (a wipe-out is due, or the rebalance's fee took what was left)
        uint256 fee; // the mint fee, collateral units
        uint256 net; // what is deposited
        uint256 assigned; // first mint: shares for equity found at zero supply, to the fee recipient
        RebalanceFirst rebalance;
        int256 valueBefore; // what the mint is priced against (after the rebalance first)
        int256 sizeDelta; // the mint's own trade
        uint256 shares; // for the minter, the first mint's dead shares included
    }

    /// @notice What a redeem of some shares does, as `quoteRedeem` finds it.
    // solhint-disable-next-line gas-struct-packing
    struct RedeemQuote {
        RebalanceFirst rebalance;
        bool wipesOut; // the value (after the rebalance first) is <= 0: the redeem wipes the token out
        int256 value; // the value the redeem found (after the rebalance first)
        int256 sizeDelta; // the redeem's own trade (the whole position when it closes it)
        uint256 marginLeft; // the settled margin after the trade
        uint256 gross; // what the redeemer's shares are worth
        uint256 fee; // the redeem fee out of `gross`
    }

    /// @notice What a mint of `collateralIn` does from `s`: the mint fee comes off the top; at zero supply equity found
    /// in the account is assigned to the fee recipient at the initial NAV; a value <= 0 refuses the mint; above the
    /// band, or with a dust account's position, the due rebalance is done first; then the net is deposited and the
    /// position grows by `mintSizeDelta`, and the shares are priced on the equity actually added.
    function quoteMint(
        Terms memory k,
        Snapshot memory s,
        uint256 collateralIn,
        uint256 mintFeeBps
    ) internal pure returns (MintQuote memory q) {
        IPerpExchange.AccountState memory acc = s.account;
        q.fee = LeverageMath.fee(collateralIn, mintFeeBps);
        q.net = collateralIn - q.fee;
        PerpMath.Account memory a = PerpMath.Account(acc.margin, acc.size, acc.openNotional);
        int256 funding = acc.fundingOwed;
        int256 value = acc.value;
        uint256 supply = s.supply;
        if (supply == 0) {
            q.assigned = LeverageMath.unclaimedEquityShares(value, k.initialNav); // no position at zero supply
            supply = q.assigned;
        } else if (value <= 0) {
            q.refused = true; // a wipe-out is due: never a mint priced against a value <= 0
            return q;
        } else if (_rebalancesFirst(k, PerpMath.levered(value, k.cap), a.size, acc.price, supply)) {
            (value, funding) = _quoteRebalanceFirst(k, q.rebalance, a, value, funding, acc, supply);
            if (value <= 0) {
                q.refused = true; // the rebalance's fee took what was left
                return q;
            }
        }
        q.valueBefore = value;
        q.sizeDelta = _mintSizeDelta(k, q.net, value, a.size, acc, s.supply == 0 ? 0 : supply);
        a.margin += q.net;
        (int256 valueAfter, ) = _quoteTrade(k, a, q.sizeDelta, funding, acc);
        q.shares = LeverageMath.sharesFor(valueAfter - value, value, supply, k.initialNav);
    }

    /// @notice `LeverageMath.mintSizeDelta` for a mint of `net` on `value` shared by `supply` shares (0: the first
    /// mint, whose holders have no live value yet).
    function _mintSizeDelta(
        Terms memory k,
        uint256 net,
        int256 value,
        int256 size,
        IPerpExchange.AccountState memory acc,
        uint256 supply
    ) private pure returns (int256) {
        uint256 live = supply == 0 ? 0 : LeverageMath.liveValue(uint256(value), supply);
        return
            LeverageMath.mintSizeDelta(net, value, size, acc.price, k.targetLeverage, acc.takerFeeBps, live, k.scale);
    }

    /// @notice What a redeem of `shares` does from `s`: after a wipe-out, its part of the margin left; otherwise the
    /// holders who stay keep `value x (supply - shares) / supply` rounded up and the redeemer gets what the trade
    /// leaves beyond that; the whole position is closed when what stays is dust; above
    /// the band the due rebalance is done first; a value <= 0 wipes the token out. The redeem fee comes out of it.
    function quoteRedeem(
        Terms memory k,
        Snapshot memory s,
        uint256 shares,
        uint256 redeemFeeBps
    ) internal pure returns (RedeemQuote memory q) {
        IPerpExchange.AccountState memory acc = s.account;
        uint256 supply = s.supply;
        if (k.wipedOut) {
            q.gross = LeverageMath.proRata(acc.margin, shares, supply);
        } else {
            PerpMath.Account memory a = PerpMath.Account(acc.margin, acc.size, acc.openNotional);
            int256 funding = acc.fundingOwed;
            int256 value = acc.value;
            bool closeAll = value <= 0 || LeverageMath.leavesDust(value, shares, supply, k.scale);
            // Above its band the account may be under the exchange's maintenance margin, where it refuses a
            // withdrawal: a redeem that leaves a position does the due rebalance first (as a mint does).
            if (!closeAll && _isOverLevered(k, PerpMath.levered(value, k.cap), a.size, acc.price)) {
                (value, funding) = _quoteRebalanceFirst(k, q.rebalance, a, value, funding, acc, supply);
            }
            q.value = value;
            if (value <= 0) {
                // Nothing is left (under water, or the rebalance's fee took the rest): the position is closed for good
                // and the redeemer gets its part of what margin is left.
                q.wipesOut = true;
                q.sizeDelta = -a.size;
                _quoteTrade(k, a, q.sizeDelta, funding, acc);
                q.gross = LeverageMath.proRata(a.margin, shares, supply);
            } else {
                q.sizeDelta = LeverageMath.redeemSizeDelta(closeAll, a.size, shares, supply);
                (int256 valueAfter, ) = _quoteTrade(k, a, q.sizeDelta, funding, acc);
                // The stayers' part is what stays; the redeemer gets the rest, whatever part of it is unrealized profit
                // (the exchange realizes what the withdrawal needs beyond the settled margin).
                q.gross = LeverageMath.redeemerPart(value, valueAfter, shares, supply);
            }
            q.marginLeft = a.margin;
        }
        q.fee = LeverageMath.fee(q.gross, redeemFeeBps);
    }

    /// @notice Quotes the rebalance a mint or redeem does first, from a positive value, into `r` and onto `a`; returns
    /// the value after and the funding still owed (0 once a trade settled it).
    function _quoteRebalanceFirst(
        Terms memory k,
        RebalanceFirst memory r,
        PerpMath.Account memory a,
        int256 value,
        int256 funding,
        IPerpExchange.AccountState memory acc,
        uint256 supply
    ) private pure returns (int256 valueAfter, int256 fundingAfter) {
        (r.due, r.valueBefore, r.sizeBefore) = (true, value, a.size);
        r.sizeDelta = _targetSize(k, value, acc.price, supply) - a.size;
        (r.valueAfter, fundingAfter) = _quoteTrade(k, a, r.sizeDelta, funding, acc);
        valueAfter = r.valueAfter;
    }

    /// @notice The size a rebalance trades to on `value` shared by `supply` shares (`PerpMath.targetSize` of the
    /// levered value, none for a dust account).
    function _targetSize(Terms memory k, int256 value, uint256 price, uint256 supply) private pure returns (int256) {
        uint256 minValue = LeverageMath.minPositionValue(supply, k.scale);
        return PerpMath.targetSize(k.targetLeverage, PerpMath.levered(value, k.cap), price, minValue, k.scale);
    }

    /// @notice Replays a trade of `sizeDelta` (none if 0) on `a` as the exchange does it (`PerpMath.replay`) at the
    /// snapshot's price and taker fee; returns the account's value after and the funding still owed.
    function _quoteTrade(
        Terms memory k,
        PerpMath.Account memory a,
        int256 sizeDelta,
        int256 funding,
        IPerpExchange.AccountState memory acc
    ) private pure returns (int256, int256) {
        return PerpMath.replay(a, sizeDelta, acc.price, acc.takerFeeBps, funding, k.scale);
    }

    /// @notice The due action for an account state with `supply` shares (`minValue`: their `minPositionValue`); NONE
    /// once wiped out or with no supply. The band and the dust rule apply to the levered value (at most the cap).
    function action(
        Terms memory k,
        int256 value,
        int256 size,
        uint256 price,
        uint256 supply,
        uint256 minValue
    ) internal view returns (ILeveragedToken.RebalanceAction) {
        if (k.wipedOut || supply == 0) return ILeveragedToken.RebalanceAction.NONE;
        // Only a gap or a liquidation takes a value to 0 or below (a dust account holds no position): wipe it out.
        if (value <= 0) return ILeveragedToken.RebalanceAction.DRIFT;
        int256 levered = PerpMath.levered(value, k.cap);
        // A dust account holds no position: one left open (the price moved it into dust) is closed.
        if (!PerpMath.holdsPosition(levered, minValue))
            return size != 0 ? ILeveragedToken.RebalanceAction.DRIFT : ILeveragedToken.RebalanceAction.NONE;
        (uint256 lower, uint256 upper) = LeverageMath.band(k.targetLeverage, k.band);
        if (!PerpMath.inBand(levered, size, price, lower, upper, k.scale)) {
            return ILeveragedToken.RebalanceAction.DRIFT;
        }
        if (block.timestamp >= k.timeDue) return ILeveragedToken.RebalanceAction.TIME;
        return ILeveragedToken.RebalanceAction.NONE;
    }

    /// @notice Whether a mint must do the due drift rebalance first, for a positive levered value: above the band the
    /// account may be under the exchange's margin requirements, and a dust account's position must be closed.
    function _rebalancesFirst(
        Terms memory k,
        int256 value,
        int256 size,
        uint256 price,
        uint256 supply
    ) private pure returns (bool) {
        if (size == 0) return false;
        return
            !PerpMath.holdsPosition(value, LeverageMath.minPositionValue(supply, k.scale)) ||
            _isOverLevered(k, value, size, price);
    }

    /// @notice Whether |leverage| on a positive levered value is above the band.
    function _isOverLevered(Terms memory k, int256 value, int256 size, uint256 price) private pure returns (bool) {
        (, uint256 upper) = LeverageMath.band(k.targetLeverage, k.band);
        return SignedMath.abs(PerpMath.leverage(value, size, price, k.scale)) > upper;
    }
}
