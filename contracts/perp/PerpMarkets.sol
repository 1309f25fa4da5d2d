// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";

import {IPerpExchange} from "../interfaces/IPerpExchange.sol";
import {PerpMath} from "../libraries/PerpMath.sol";
import {PriceOracle} from "../libraries/PriceOracle.sol";

/// @title PerpMarkets
/// @notice The markets of `PerpExchange`: their admin (create, change settings), their settings' bounds, the funding
/// index, the market views, and each market's price (read with `PriceOracle`).
/// @dev Abstract: `PerpExchange` is the one contract built on it. Its storage comes before the exchange's accounts and
/// holds the fund beside the market count, so that a trade reads both in one slot.
abstract contract PerpMarkets is IPerpExchange, AccessControl {
    using SafeCast for int256;

    /// @notice May create markets and change their settings.
    bytes32 public constant MARKET_ADMIN_ROLE = keccak256("MARKET_ADMIN_ROLE");
    /// @notice Upper bounds of the market settings (bps; the funding rate a WAD fraction of notional a year).
    uint256 public constant MAX_TAKER_FEE_BPS = 100;
    uint256 public constant MAX_LIQUIDATION_PENALTY_BPS = 1_000;
    int256 public constant MAX_FUNDING_RATE_PER_YEAR = 10e18;

    /// @dev A market's settings and funding index, in three slots.
    struct MarketData {
        // slot 0
        AggregatorV3Interface feed;
        uint32 maxPriceAge; // seconds
        uint16 takerFeeBps;
        uint16 initialMarginBps;
        uint16 maintenanceMarginBps;
        uint16 liquidationPenaltyBps;
        // slot 1: what a trade reads besides slot 0; nothing of the market is written by a trade
        int96 fundingRatePerYear; // WAD fraction of notional a year
        uint40 fundingCheckpoint; // unix seconds: when the rate last changed
        uint8 feedDecimals;
        int112 cumulativeFundingAtCheckpoint; // sum of fundingRatePerYear x seconds up to fundingCheckpoint
        // slot 2
        uint112 lastPrice; // WAD, the last price a market-admin change or a liquidation accepted
    }

    // One slot, read by every trade: the fund (`PerpExchange`'s books) and the number of markets.
    uint128 internal _fund;
    uint64 internal _marketCount;
    mapping(uint256 marketId => MarketData) internal _markets;
    string[] private _symbols;
    mapping(bytes32 symbolHash => uint256 marketIdPlusOne) private _marketIdBySymbol;

    /// @param admin gets DEFAULT_ADMIN_ROLE and MARKET_ADMIN_ROLE
    constructor(address admin) {
        if (admin == address(0)) revert PerpZeroAddress();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(MARKET_ADMIN_ROLE, admin);
    }

    // -------------------------------------------------------------------------------------------------------------
    // Market admin
    // -------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IPerpExchange
    function createMarket(
        string calldata symbol,
        MarketConfig calldata config
    ) external onlyRole(MARKET_ADMIN_ROLE) returns (uint256 marketId) {
        if (bytes(symbol).length == 0) revert PerpInvalidConfig("symbol", 0);
        bytes32 symbolHash = keccak256(bytes(symbol));
        uint256 existing = _marketIdBySymbol[symbolHash];
        if (existing != 0) revert PerpDuplicateMarket(symbol, existing - 1);
        _validateConfig(config);

        marketId = _marketCount;
        _marketCount = uint64(marketId + 1);
        MarketData storage m = _markets[marketId];
        _writeConfig(m, config);
        m.fundingCheckpoint = uint40(block.timestamp);
        _symbols.push(symbol);
        _marketIdBySymbol[symbolHash] = marketId + 1;
        // A market must start with a price the exchange accepts.
        (uint256 price, ) = _freshPrice(marketId, m);
        m.lastPrice = uint112(price);
        emit MarketCreated(marketId, symbol, config);
    }

    /// @inheritdoc IPerpExchange
    function updateMarketConfig(uint256 marketId, MarketConfig calldata config) external onlyRole(MARKET_ADMIN_ROLE) {
        MarketData storage m = _market(marketId);
        _validateConfig(config);
        // Funding accrued at the old rate up to now is kept in the checkpoint; the new rate runs from now.
        m.cumulativeFundingAtCheckpoint = _currentCumulativeFunding(m).toInt112();
        m.fundingCheckpoint = uint40(block.timestamp);
        _writeConfig(m, config);
        // Like a new market, the new settings must come with a price the exchange accepts.
        (uint256 price, ) = _freshPrice(marketId, m);
        m.lastPrice = uint112(price);
        emit MarketConfigUpdated(marketId, config);
    }

    // -------------------------------------------------------------------------------------------------------------
    // Views
    // -------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IPerpExchange
    function marketCount() external view returns (uint256) {
        return _marketCount;
    }

    /// @inheritdoc IPerpExchange
    function marketIdOf(string calldata symbol) external view returns (uint256) {
        uint256 idPlusOne = _marketIdBySymbol[keccak256(bytes(symbol))];
        if (idPlusOne == 0) revert PerpUnknownSymbol(symbol);
        return idPlusOne - 1;
    }

    /// @inheritdoc IPerpExchange
    function market(uint256 marketId) external view returns (MarketState memory state) {
        MarketData storage m = _market(marketId);
        state.symbol = _symbols[marketId];
        state.config = MarketConfig({
            feed: m.feed,
            maxPriceAge: m.maxPriceAge,
            takerFeeBps: m.takerFeeBps,
            initialMarginBps: m.initialMarginBps,
            maintenanceMarginBps: m.maintenanceMarginBps,
            liquidationPenaltyBps: m.liquidationPenaltyBps,
            fundingRatePerYear: m.fundingRatePerYear
        });
        state.feedDecimals = m.feedDecimals;
        // cumulativeFunding is accrued up to now, so it is reported as of now
        state.lastFundingUpdate = uint40(block.timestamp);
        state.cumulativeFunding = _currentCumulativeFunding(m);
        state.lastPrice = m.lastPrice;
    }

    /// @inheritdoc IPerpExchange
    function markPrice(uint256 marketId) external view returns (uint256 price) {
        (price, ) = _freshPrice(marketId, _market(marketId));
    }

    /// @inheritdoc IPerpExchange
    function takerFeeBps(uint256 marketId) external view returns (uint256) {
        return _market(marketId).takerFeeBps;
    }

    // -------------------------------------------------------------------------------------------------------------
    // Internals
    // -------------------------------------------------------------------------------------------------------------

    /// @dev A market that exists (else `PerpUnknownMarket`).
    function _market(uint256 marketId) internal view returns (MarketData storage) {
        if (marketId >= _marketCount) revert PerpUnknownMarket(marketId);
        return _markets[marketId];
    }

    /// @dev Reverts with `PerpZeroAddress` or `PerpInvalidConfig` (naming the field) unless every setting is in range.
    function _validateConfig(MarketConfig calldata c) internal pure {
        if (address(c.feed) == address(0)) revert PerpZeroAddress();
        if (c.maxPriceAge == 0) revert PerpInvalidConfig("maxPriceAge", 0);
        if (c.takerFeeBps > MAX_TAKER_FEE_BPS) revert PerpInvalidConfig("takerFeeBps", int256(uint256(c.takerFeeBps)));
        if (c.maintenanceMarginBps == 0) revert PerpInvalidConfig("maintenanceMarginBps", 0);
        if (c.initialMarginBps < c.maintenanceMarginBps || c.initialMarginBps > PerpMath.BPS) {
            revert PerpInvalidConfig("initialMarginBps", int256(uint256(c.initialMarginBps)));
        }
        if (c.liquidationPenaltyBps > MAX_LIQUIDATION_PENALTY_BPS || c.liquidationPenaltyBps > c.maintenanceMarginBps) {
            revert PerpInvalidConfig("liquidationPenaltyBps", int256(uint256(c.liquidationPenaltyBps)));
        }
        if (SignedMath.abs(c.fundingRatePerYear) > uint256(MAX_FUNDING_RATE_PER_YEAR)) {
            revert PerpInvalidConfig("fundingRatePerYear", c.fundingRatePerYear);
        }
    }

    /// @dev Writes a validated config and its feed's decimals (`PriceOracle.checkedDecimals`: at most 18).
    function _writeConfig(MarketData storage m, MarketConfig calldata c) internal {
        m.feedDecimals = PriceOracle.checkedDecimals(c.feed);
        m.feed = c.feed;
        m.maxPriceAge = c.maxPriceAge;
        m.takerFeeBps = c.takerFeeBps;
        m.initialMarginBps = c.initialMarginBps;
        m.maintenanceMarginBps = c.maintenanceMarginBps;
        m.liquidationPenaltyBps = c.liquidationPenaltyBps;
        m.fundingRatePerYear = int96(c.fundingRatePerYear); // |rate| <= MAX_FUNDING_RATE_PER_YEAR fits 96 bits
    }

    /// @dev A market's price as a view shows it (`PriceOracle.read`): the feed's answer when FRESH or STALE, the
    /// last price the exchange accepted when INVALID.
    function _price(MarketData storage m) internal view returns (uint256 price, PriceStatus status, uint256 updatedAt) {
        (price, status, , updatedAt) = PriceOracle.read(m.feed, m.feedDecimals, m.maxPriceAge);
        if (status == PriceStatus.INVALID) price = m.lastPrice;
    }

    /// @dev The price for a state change (`PriceOracle.fresh`: reverts with the named error unless it is FRESH).
    function _freshPrice(uint256 marketId, MarketData storage m) internal view returns (uint256, uint256) {
        return PriceOracle.fresh(marketId, m.feed, m.feedDecimals, m.maxPriceAge);
    }

    /// @dev The market's cumulative funding now. The rate only changes with the config, so it is computed, never
    /// accrued in storage: `cumulativeFundingAtCheckpoint + rate x (now - fundingCheckpoint)`, the same sum.
    function _currentCumulativeFunding(MarketData storage m) internal view returns (int256) {
        return
            m.cumulativeFundingAtCheckpoint +
            int256(m.fundingRatePerYear) * int256(block.timestamp - m.fundingCheckpoint);
    }
}
