// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";

import {IPerpExchange} from "../interfaces/IPerpExchange.sol";

/// @title PriceOracle
/// @notice The exchange's one reader of a Chainlink-style feed: the feed's decimals check, its answer as a WAD price,
/// and that price's status (`IPerpExchange.PriceStatus`), with the named errors a state change reverts with unless the
/// price is FRESH.
/// @dev Prices are USD WAD, scaled up (exactly, no rounding) from the feed's decimals, which must be at most 18; a
/// usable price is above 0 and below 2^112, the bound `PerpMath`'s products rely on.
library PriceOracle {
    /// @notice The feed's decimals, checked: at most 18 (prices are scaled up to WAD), else
    /// `PerpInvalidConfig("feedDecimals", decimals)`.
    function checkedDecimals(AggregatorV3Interface feed) internal view returns (uint8 decimals) {
        decimals = feed.decimals();
        if (decimals > 18) revert IPerpExchange.PerpInvalidConfig("feedDecimals", int256(uint256(decimals)));
    }

    /// @notice The feed's latest answer as a WAD price and its status: FRESH when a state change may use it; STALE
    /// when it is older than `maxPriceAge` seconds; INVALID (price 0: the caller shows its last accepted price) when
    /// it is zero, negative, beyond uint112 once scaled, or the feed reverted (answer 0, updatedAt 0). `answer` and
    /// `updatedAt` are the feed's, for the named errors.
    function read(
        AggregatorV3Interface feed,
        uint256 decimals,
        uint256 maxPriceAge
    ) internal view returns (uint256 price, IPerpExchange.PriceStatus status, int256 answer, uint256 updatedAt) {
        try feed.latestRoundData() returns (uint80, int256 answer_, uint256, uint256 updatedAt_, uint80) {
            (answer, updatedAt) = (answer_, updatedAt_);
        } catch {} // solhint-disable-line no-empty-blocks
        if (answer > 0 && uint256(answer) <= type(uint112).max) {
            price = uint256(answer) * 10 ** (18 - decimals);
            if (price <= type(uint112).max) {
                // `now - updatedAt > maxPriceAge`, written so that no updatedAt can overflow it
                bool stale = updatedAt < block.timestamp && block.timestamp - updatedAt > maxPriceAge;
                status = stale ? IPerpExchange.PriceStatus.STALE : IPerpExchange.PriceStatus.FRESH;
                return (price, status, answer, updatedAt);
            }
        }
        return (0, IPerpExchange.PriceStatus.INVALID, answer, updatedAt);
    }

    /// @notice The price for a state change of market `marketId`: `read`, reverting with `PerpInvalidPrice` or
    /// `PerpStalePrice` (with the feed's values) unless it is FRESH.
    function fresh(
        uint256 marketId,
        AggregatorV3Interface feed,
        uint256 decimals,
        uint256 maxPriceAge
    ) internal view returns (uint256 price, uint256 updatedAt) {
        IPerpExchange.PriceStatus status;
        int256 answer;
        (price, status, answer, updatedAt) = read(feed, decimals, maxPriceAge);
        if (status == IPerpExchange.PriceStatus.INVALID) revert IPerpExchange.PerpInvalidPrice(marketId, answer);
        if (status == IPerpExchange.PriceStatus.STALE) {
            revert IPerpExchange.PerpStalePrice(marketId, updatedAt, maxPriceAge, block.timestamp);
        }
    }
}
