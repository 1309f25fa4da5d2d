// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";

import {IPerpExchange} from "../interfaces/IPerpExchange.sol";
import {SignedWad} from "../libraries/SignedWad.sol";

/// @title PerpExchange
/// @notice A mock perpetual-futures exchange for local chains and testnets: isolated margin per (account, market),
/// mark price = the market's Chainlink-style feed, continuous funding, a taker fee, maintenance-margin liquidation,
/// and an insurance / liquidity fund that is the counterparty of every trade.
/// @dev Books: the stablecoin balance of this contract always equals the sum of all margins plus the fund.
/// Every amount that moves between an account and the fund is rounded in favour of the fund, so the exchange can
/// never owe more than it holds; a payment the fund cannot make reverts with `PerpInsufficientFund`.
contract PerpExchange is IPerpExchange, AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using SafeCast for int256;

    /// @notice May create markets and change their settings.
    bytes32 public constant MARKET_ADMIN_ROLE = keccak256("MARKET_ADMIN_ROLE");
    /// @notice May take stablecoin out of the insurance / liquidity fund.
    bytes32 public constant FUND_MANAGER_ROLE = keccak256("FUND_MANAGER_ROLE");

    uint256 private constant WAD = 1e18;
    uint256 private constant BPS = 10_000;
    uint256 private constant YEAR = 365 days;
    /// @notice Share of a liquidation penalty paid to the liquidator (bps); the rest goes to the fund.
    uint256 public constant LIQUIDATOR_SHARE_BPS = 5_000;
    /// @notice Upper bounds of the market settings.
    uint256 public constant MAX_TAKER_FEE_BPS = 100;
    uint256 public constant MAX_LIQUIDATION_PENALTY_BPS = 1_000;
    int256 public constant MAX_FUNDING_RATE_PER_YEAR = 10e18;

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

    struct Account {
        // slot 0
        uint128 margin; // collateral units
        int128 size; // base units, 18 decimals
        // slot 1
        int128 openNotional; // USD WAD
        int128 fundingIndex; // cumulativeFunding at the last settlement
    }

    IERC20 private immutable _collateral;
    /// @dev 10 ** (18 - collateral decimals): USD WAD per collateral unit.
    uint256 private immutable _collateralScale;

    // One slot, read by every trade: the fund and the number of markets.
    uint128 private _fund;
    uint64 private _marketCount;
    mapping(uint256 marketId => MarketData) private _markets;
    string[] private _symbols;
    mapping(bytes32 symbolHash => uint256 marketIdPlusOne) private _marketIdBySymbol;
    mapping(address account => mapping(uint256 marketId => Account)) private _accounts;

    constructor(IERC20Metadata collateral_, address admin) {
        if (address(collateral_) == address(0) || admin == address(0)) revert PerpZeroAddress();
        uint8 decimals = collateral_.decimals();
        if (decimals > 18) revert PerpInvalidConfig("collateralDecimals", int256(uint256(decimals)));
        _collateral = collateral_;
        _collateralScale = 10 ** (18 - decimals);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(MARKET_ADMIN_ROLE, admin);
        _grantRole(FUND_MANAGER_ROLE, admin);
    }

    // -------------------------------------------------------------------------------------------------------------
    // Admin
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
        uint8 feedDecimals = config.feed.decimals();
        if (feedDecimals > 18) revert PerpInvalidConfig("feedDecimals", int256(uint256(feedDecimals)));

        marketId = _marketCount;
        _marketCount = uint64(marketId + 1);
        MarketData storage m = _markets[marketId];
        _writeConfig(m, config);
        m.feedDecimals = feedDecimals;
        m.fundingCheckpoint = uint40(block.timestamp);
        _symbols.push(symbol);
        _marketIdBySymbol[symbolHash] = marketId + 1;
        // A market must start with a price the exchange accepts.
        m.lastPrice = uint112(_checkedPrice(marketId, m));
        emit MarketCreated(marketId, symbol, config);
    }

    /// @inheritdoc IPerpExchange
    function updateMarketConfig(uint256 marketId, MarketConfig calldata config) external onlyRole(MARKET_ADMIN_ROLE) {
        MarketData storage m = _market(marketId);
        _validateConfig(config);
        uint8 feedDecimals = config.feed.decimals();
        if (feedDecimals > 18) revert PerpInvalidConfig("feedDecimals", int256(uint256(feedDecimals)));
        // Funding accrued at the old rate up to now is kept in the checkpoint; the new rate runs from now.
        m.cumulativeFundingAtCheckpoint = _currentCumulativeFunding(m).toInt112();
        m.fundingCheckpoint = uint40(block.timestamp);
        _writeConfig(m, config);
        m.feedDecimals = feedDecimals;
        // Like a new market, the new settings must come with a price the exchange accepts.
        m.lastPrice = uint112(_checkedPrice(marketId, m));
        emit MarketConfigUpdated(marketId, config);
    }

    /// @inheritdoc IPerpExchange
    function withdrawFromFund(uint256 amount, address to) external onlyRole(FUND_MANAGER_ROLE) nonReentrant {
        if (amount == 0) revert PerpZeroAmount();
        if (to == address(0)) revert PerpZeroAddress();
        uint256 fund = _fund;
        if (amount > fund) revert PerpInsufficientFund(amount, fund);
        unchecked {
            // amount <= fund was checked above.
            _fund = uint128(fund - amount);
        }
        _collateral.safeTransfer(to, amount);
        emit FundWithdrawn(to, amount);
    }

    // -------------------------------------------------------------------------------------------------------------
    // Anyone
    // -------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IPerpExchange
    function depositToFund(uint256 amount) external nonReentrant {
        if (amount == 0) revert PerpZeroAmount();
        _collateral.safeTransferFrom(msg.sender, address(this), amount);
        _fund = (uint256(_fund) + amount).toUint128();
        emit FundDeposited(msg.sender, amount);
    }

    /// @inheritdoc IPerpExchange
    function deposit(uint256 marketId, address account, uint256 amount) external nonReentrant {
        _market(marketId);
        if (amount == 0) revert PerpZeroAmount();
        if (account == address(0)) revert PerpZeroAddress();
        _collateral.safeTransferFrom(msg.sender, address(this), amount);
        Account storage a = _accounts[account][marketId];
        a.margin = (uint256(a.margin) + amount).toUint128();
        emit MarginDeposited(account, marketId, msg.sender, amount);
    }

    /// @inheritdoc IPerpExchange
    function withdraw(uint256 marketId, uint256 amount, address to) external nonReentrant {
        if (amount == 0) revert PerpZeroAmount();
        if (to == address(0)) revert PerpZeroAddress();
        MarketData storage m = _market(marketId);
        Account storage a = _accounts[msg.sender][marketId];
        int256 cumulative = _currentCumulativeFunding(m);
        int256 size = a.size;
        uint256 price;
        if (size != 0) {
            price = _checkedPrice(marketId, m);
            _settleFunding(msg.sender, marketId, a, cumulative, price);
        } else {
            a.fundingIndex = cumulative.toInt128();
        }
        uint256 marginBefore = a.margin;
        if (amount > marginBefore) revert PerpInsufficientMarginBalance(msg.sender, marketId, amount, marginBefore);
        unchecked {
            // amount <= marginBefore was checked above.
            a.margin = uint128(marginBefore - amount);
        }
        if (size != 0) {
            uint256 required = _requirement(size, price, m.maintenanceMarginBps);
            int256 value = _accountValue(a, cumulative, price);
            if (value < int256(required)) revert PerpMarginRequirementNotMet(msg.sender, marketId, value, required);
        }
        _collateral.safeTransfer(to, amount);
        emit MarginWithdrawn(msg.sender, marketId, to, amount);
    }

    /// @inheritdoc IPerpExchange
    function trade(
        uint256 marketId,
        int256 sizeDelta
    ) external nonReentrant returns (uint256 price, int256 valueAfter) {
        if (sizeDelta == 0) revert PerpZeroAmount();
        MarketData storage m = _market(marketId);
        Account storage a = _accounts[msg.sender][marketId];
        int256 cumulative = _currentCumulativeFunding(m);
        price = _checkedPrice(marketId, m);

        int256 newSize = a.size + sizeDelta;
        Settlement memory s = Settlement(0, _fundingOwed(a, cumulative, price), 0, 0, 0);
        int256 openNotional;
        bool increasesExposure;
        (openNotional, s.realizedPnl, s.fee, increasesExposure) = _fill(
            a.size,
            a.openNotional,
            price,
            sizeDelta,
            m.takerFeeBps
        );
        a.size = newSize.toInt128();
        a.openNotional = openNotional.toInt128();
        _settle(a, cumulative, s);
        emit Traded(msg.sender, marketId, sizeDelta, price, newSize, openNotional, s);

        // Funding is settled: the value is margin + unrealized PnL of the new position.
        valueAfter = _valueOf(a.margin, newSize, openNotional, 0, price);
        if (increasesExposure) {
            uint256 required = _requirement(newSize, price, m.initialMarginBps);
            if (valueAfter < int256(required)) {
                revert PerpMarginRequirementNotMet(msg.sender, marketId, valueAfter, required);
            }
        }
    }

    /// @inheritdoc IPerpExchange
    function liquidate(address account, uint256 marketId) external nonReentrant {
        MarketData storage m = _market(marketId);
        Account storage a = _accounts[account][marketId];
        int256 cumulative = _currentCumulativeFunding(m);
        uint256 price = _checkedPrice(marketId, m);
        m.lastPrice = uint112(price);

        int256 size = a.size;
        uint256 maintenance = _requirement(size, price, m.maintenanceMarginBps);
        int256 value = _accountValue(a, cumulative, price);
        if (size == 0 || value >= int256(maintenance))
            revert PerpNotLiquidatable(account, marketId, value, maintenance);

        Settlement memory s = Settlement(
            SignedWad.mulDivDown(size, price, WAD) - a.openNotional,
            _fundingOwed(a, cumulative, price),
            0,
            0,
            0
        );
        a.size = 0;
        a.openNotional = 0;
        _settle(a, cumulative, s);
        emit Traded(account, marketId, -size, price, 0, 0, s);

        uint256 penalty = Math.min(
            Math.mulDiv(
                SignedMath.abs(size) * price,
                m.liquidationPenaltyBps,
                WAD * BPS * _collateralScale,
                Math.Rounding.Ceil
            ),
            a.margin
        );
        uint256 reward = (penalty * LIQUIDATOR_SHARE_BPS) / BPS;
        unchecked {
            // penalty <= margin (the min above) and reward <= penalty (LIQUIDATOR_SHARE_BPS <= BPS).
            a.margin -= uint128(penalty);
        }
        _fund = (uint256(_fund) + penalty - reward).toUint128();
        if (reward != 0) _collateral.safeTransfer(msg.sender, reward);
        emit Liquidated(account, marketId, msg.sender, size, price, reward, penalty - reward);
    }

    /// @inheritdoc IPerpExchange
    function settleFunding(uint256 marketId) external nonReentrant {
        MarketData storage m = _market(marketId);
        Account storage a = _accounts[msg.sender][marketId];
        int256 cumulative = _currentCumulativeFunding(m);
        if (a.size == 0) {
            a.fundingIndex = cumulative.toInt128();
            return;
        }
        uint256 price = _checkedPrice(marketId, m);
        _settleFunding(msg.sender, marketId, a, cumulative, price);
    }

    // -------------------------------------------------------------------------------------------------------------
    // Views
    // -------------------------------------------------------------------------------------------------------------

    /// @inheritdoc IPerpExchange
    function collateral() external view returns (IERC20) {
        return _collateral;
    }

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
    function accountSnapshot(
        address account,
        uint256 marketId
    ) external view returns (int256 value, int256 size, uint256 price, bool priceIsFresh) {
        MarketData storage m = _market(marketId);
        Account storage a = _accounts[account][marketId];
        (price, priceIsFresh) = _viewPriceAndFreshness(m);
        size = a.size;
        value = _valueOf(a.margin, size, a.openNotional, _pendingFunding(a, m, price), price);
    }

    /// @inheritdoc IPerpExchange
    function previewTrade(
        address account,
        uint256 marketId,
        uint256 marginIn,
        int256 sizeDelta
    ) external view returns (int256 valueBefore, int256 valueAfter, uint256 price) {
        TradeStep[2] memory steps;
        steps[0] = TradeStep(marginIn, sizeDelta);
        int256[2] memory valuesAfter;
        (valueBefore, valuesAfter, , price) = _previewTrades(account, marketId, steps);
        valueAfter = valuesAfter[0];
    }

    /// @inheritdoc IPerpExchange
    function previewTrades(
        address account,
        uint256 marketId,
        TradeStep[2] calldata steps
    ) external view returns (int256 valueBefore, int256[2] memory valuesAfter, uint256 marginAfter, uint256 price) {
        return _previewTrades(account, marketId, steps);
    }

    /// @inheritdoc IPerpExchange
    function markPrice(uint256 marketId) external view returns (uint256) {
        return _checkedPrice(marketId, _market(marketId));
    }

    /// @inheritdoc IPerpExchange
    function takerFeeBps(uint256 marketId) external view returns (uint256) {
        return _market(marketId).takerFeeBps;
    }

    /// @inheritdoc IPerpExchange
    function fundBalance() external view returns (uint256) {
        return _fund;
    }

    /// @inheritdoc IPerpExchange
    function margin(address account, uint256 marketId) external view returns (uint256) {
        _market(marketId);
        return _accounts[account][marketId].margin;
    }

    /// @inheritdoc IPerpExchange
    function position(address account, uint256 marketId) external view returns (Position memory) {
        _market(marketId);
        Account storage a = _accounts[account][marketId];
        return Position(a.size, a.openNotional, a.fundingIndex);
    }

    /// @inheritdoc IPerpExchange
    function entryPrice(address account, uint256 marketId) external view returns (uint256) {
        _market(marketId);
        Account storage a = _accounts[account][marketId];
        if (a.size == 0) return 0;
        return Math.mulDiv(SignedMath.abs(a.openNotional), WAD, SignedMath.abs(a.size));
    }

    /// @inheritdoc IPerpExchange
    function unrealizedPnl(address account, uint256 marketId) external view returns (int256) {
        MarketData storage m = _market(marketId);
        Account storage a = _accounts[account][marketId];
        return SignedWad.mulDivDown(a.size, _viewPrice(m), WAD) - a.openNotional;
    }

    /// @inheritdoc IPerpExchange
    function fundingOwed(address account, uint256 marketId) external view returns (int256) {
        MarketData storage m = _market(marketId);
        return _pendingFunding(_accounts[account][marketId], m, _viewPrice(m));
    }

    /// @inheritdoc IPerpExchange
    function accountValue(address account, uint256 marketId) external view returns (int256) {
        MarketData storage m = _market(marketId);
        Account storage a = _accounts[account][marketId];
        uint256 price = _viewPrice(m);
        return _valueOf(a.margin, a.size, a.openNotional, _pendingFunding(a, m, price), price);
    }

    /// @inheritdoc IPerpExchange
    function notional(address account, uint256 marketId) external view returns (int256) {
        MarketData storage m = _market(marketId);
        return SignedWad.mulDivDown(_accounts[account][marketId].size, _viewPrice(m), WAD);
    }

    /// @inheritdoc IPerpExchange
    function marginRequirement(address account, uint256 marketId) external view returns (uint256) {
        MarketData storage m = _market(marketId);
        return _requirement(_accounts[account][marketId].size, _viewPrice(m), m.maintenanceMarginBps);
    }

    /// @inheritdoc IPerpExchange
    function initialMarginRequirement(address account, uint256 marketId) external view returns (uint256) {
        MarketData storage m = _market(marketId);
        return _requirement(_accounts[account][marketId].size, _viewPrice(m), m.initialMarginBps);
    }

    /// @inheritdoc IPerpExchange
    function isLiquidatable(address account, uint256 marketId) external view returns (bool) {
        MarketData storage m = _market(marketId);
        Account storage a = _accounts[account][marketId];
        if (a.size == 0) return false;
        uint256 price = _viewPrice(m);
        int256 value = _valueOf(a.margin, a.size, a.openNotional, _pendingFunding(a, m, price), price);
        return value < int256(_requirement(a.size, price, m.maintenanceMarginBps));
    }

    // -------------------------------------------------------------------------------------------------------------
    // Internals
    // -------------------------------------------------------------------------------------------------------------

    /// @dev The one preview path: `deposit` and `trade` replayed on a copy of the account, with the same fill,
    /// settlement and rounding. Funding pending since the last settlement is settled by the first trade only, as on
    /// chain (a trade moves the account's funding index to now).
    function _previewTrades(
        address account,
        uint256 marketId,
        TradeStep[2] memory steps
    ) private view returns (int256 valueBefore, int256[2] memory valuesAfter, uint256 marginAfter, uint256 price) {
        MarketData storage m = _market(marketId);
        Account storage a = _accounts[account][marketId];
        price = _checkedPrice(marketId, m);
        int256 funding = _pendingFunding(a, m, price);
        int256 size = a.size;
        int256 openNotional = a.openNotional;
        marginAfter = a.margin;
        valueBefore = _valueOf(marginAfter, size, openNotional, funding, price);
        for (uint256 i; i < 2; ++i) {
            marginAfter += steps[i].marginIn;
            int256 sizeDelta = steps[i].sizeDelta;
            if (sizeDelta != 0) {
                int256 realizedPnl;
                uint256 fee;
                (openNotional, realizedPnl, fee, ) = _fill(size, openNotional, price, sizeDelta, m.takerFeeBps);
                size += sizeDelta;
                (marginAfter, , ) = _applyToMargin(marginAfter, realizedPnl - funding - int256(fee));
                funding = 0;
            }
            valuesAfter[i] = _valueOf(marginAfter, size, openNotional, funding, price);
        }
    }

    /// @dev margin + (size x price - openNotional - funding) in collateral units, rounded down (as `_accountValue`).
    function _valueOf(
        uint256 margin_,
        int256 size,
        int256 openNotional,
        int256 funding,
        uint256 price
    ) private view returns (int256) {
        int256 pnl = SignedWad.mulDivDown(size, price, WAD) - openNotional - funding;
        return int256(margin_) + SignedWad.divFloor(pnl, _collateralScale);
    }

    function _market(uint256 marketId) private view returns (MarketData storage) {
        if (marketId >= _marketCount) revert PerpUnknownMarket(marketId);
        return _markets[marketId];
    }

    function _validateConfig(MarketConfig calldata c) private pure {
        if (address(c.feed) == address(0)) revert PerpZeroAddress();
        if (c.maxPriceAge == 0) revert PerpInvalidConfig("maxPriceAge", 0);
        if (c.takerFeeBps > MAX_TAKER_FEE_BPS) revert PerpInvalidConfig("takerFeeBps", int256(uint256(c.takerFeeBps)));
        if (c.maintenanceMarginBps == 0) revert PerpInvalidConfig("maintenanceMarginBps", 0);
        if (c.initialMarginBps < c.maintenanceMarginBps || c.initialMarginBps > BPS) {
            revert PerpInvalidConfig("initialMarginBps", int256(uint256(c.initialMarginBps)));
        }
        if (c.liquidationPenaltyBps > MAX_LIQUIDATION_PENALTY_BPS || c.liquidationPenaltyBps > c.maintenanceMarginBps) {
            revert PerpInvalidConfig("liquidationPenaltyBps", int256(uint256(c.liquidationPenaltyBps)));
        }
        if (SignedMath.abs(c.fundingRatePerYear) > uint256(MAX_FUNDING_RATE_PER_YEAR)) {
            revert PerpInvalidConfig("fundingRatePerYear", c.fundingRatePerYear);
        }
    }

    function _writeConfig(MarketData storage m, MarketConfig calldata c) private {
        m.feed = c.feed;
        m.maxPriceAge = c.maxPriceAge;
        m.takerFeeBps = c.takerFeeBps;
        m.initialMarginBps = c.initialMarginBps;
        m.maintenanceMarginBps = c.maintenanceMarginBps;
        m.liquidationPenaltyBps = c.liquidationPenaltyBps;
        m.fundingRatePerYear = int96(c.fundingRatePerYear); // |rate| <= MAX_FUNDING_RATE_PER_YEAR fits 96 bits
    }

    /// @dev The feed's price as WAD, rejecting a zero, negative or stale answer.
    function _checkedPrice(uint256 marketId, MarketData storage m) private view returns (uint256) {
        (, int256 answer, , uint256 updatedAt, ) = m.feed.latestRoundData();
        if (answer <= 0 || uint256(answer) > type(uint112).max) revert PerpInvalidPrice(marketId, answer);
        uint256 maxAge = m.maxPriceAge;
        // `now - updatedAt > maxAge`, written so that no answer's updatedAt can overflow it
        if (updatedAt < block.timestamp && block.timestamp - updatedAt > maxAge) {
            revert PerpStalePrice(marketId, updatedAt, maxAge, block.timestamp);
        }
        uint256 price = uint256(answer) * 10 ** (18 - m.feedDecimals);
        if (price > type(uint112).max) revert PerpInvalidPrice(marketId, answer);
        return price;
    }

    /// @dev The price views use: the feed's answer if it is positive (however old), else the last checked price.
    function _viewPrice(MarketData storage m) private view returns (uint256 price) {
        (price, ) = _viewPriceAndFreshness(m);
    }

    /// @dev As `_viewPrice`, and whether that price would pass every check of `_checkedPrice` now.
    function _viewPriceAndFreshness(MarketData storage m) private view returns (uint256, bool) {
        try m.feed.latestRoundData() returns (uint80, int256 answer, uint256, uint256 updatedAt, uint80) {
            if (answer > 0 && uint256(answer) <= type(uint112).max) {
                uint256 price = uint256(answer) * 10 ** (18 - m.feedDecimals);
                if (price <= type(uint112).max) {
                    // as in `_checkedPrice`, without an overflow whatever the feed says
                    return (price, updatedAt >= block.timestamp || block.timestamp - updatedAt <= m.maxPriceAge);
                }
            }
        } catch {} // solhint-disable-line no-empty-blocks
        return (m.lastPrice, false);
    }

    /// @dev The market's cumulative funding now. The rate only changes with the config, so it is computed, never
    /// accrued in storage: `cumulativeFundingAtCheckpoint + rate x (now - fundingCheckpoint)`, the same sum.
    function _currentCumulativeFunding(MarketData storage m) private view returns (int256) {
        return
            m.cumulativeFundingAtCheckpoint +
            int256(m.fundingRatePerYear) * int256(block.timestamp - m.fundingCheckpoint);
    }

    /// @dev Funding owed since the last settlement, USD WAD: size x price x (index now - index then) / (WAD^2 x YEAR),
    /// rounded up when the account pays and down when it receives (in favour of the fund).
    function _fundingOwed(Account storage a, int256 cumulative, uint256 price) private view returns (int256) {
        return _funding(a.size, price, cumulative - a.fundingIndex);
    }

    /// @dev As `_fundingOwed`, with funding accrued up to now (for views).
    function _pendingFunding(Account storage a, MarketData storage m, uint256 price) private view returns (int256) {
        return _funding(a.size, price, _currentCumulativeFunding(m) - a.fundingIndex);
    }

    function _funding(int256 size, uint256 price, int256 indexDelta) private pure returns (int256) {
        if (size == 0 || indexDelta == 0) return 0;
        uint256 magnitude = Math.mulDiv(SignedMath.abs(size) * price, SignedMath.abs(indexDelta), WAD * WAD * YEAR);
        bool pays = (size > 0) == (indexDelta > 0);
        if (pays) {
            if (mulmod(SignedMath.abs(size) * price, SignedMath.abs(indexDelta), WAD * WAD * YEAR) != 0) magnitude++;
            return int256(magnitude);
        }
        return -int256(magnitude);
    }

    /// @dev margin + (unrealized PnL - funding owed) in collateral units, rounded down. Funding must be settled.
    function _accountValue(Account storage a, int256 cumulative, uint256 price) private view returns (int256) {
        return _valueOf(a.margin, a.size, a.openNotional, _fundingOwed(a, cumulative, price), price);
    }

    /// @dev |size| x price x bps in collateral units, rounded up.
    function _requirement(int256 size, uint256 price, uint256 bps) private view returns (uint256) {
        return Math.mulDiv(SignedMath.abs(size) * price, bps, WAD * BPS * _collateralScale, Math.Rounding.Ceil);
    }

    /// @dev The new cost basis, realized PnL and taker fee of a fill of `sizeDelta` at `price` (all USD WAD).
    /// Cost basis is rounded up and notional down (toward negative infinity), both against the trader.
    function _fill(
        int256 size,
        int256 openNotional,
        uint256 price,
        int256 sizeDelta,
        uint256 takerFeeBps
    ) private pure returns (int256 newOpenNotional, int256 realizedPnl, uint256 fee, bool increasesExposure) {
        fee = Math.mulDiv(SignedMath.abs(sizeDelta) * price, takerFeeBps, WAD * BPS, Math.Rounding.Ceil);
        if (size == 0 || (size > 0) == (sizeDelta > 0)) {
            // Open or increase: the cost basis grows by the fill's notional.
            return (openNotional + SignedWad.mulDivUp(sizeDelta, price, WAD), 0, fee, true);
        }
        uint256 absSize = SignedMath.abs(size);
        uint256 absDelta = SignedMath.abs(sizeDelta);
        if (absDelta < absSize) {
            // Reduce: realize the closed fraction of the cost basis.
            int256 closedNotional = SignedWad.mulDivUp(openNotional, absDelta, absSize);
            realizedPnl = SignedWad.mulDivDown(-sizeDelta, price, WAD) - closedNotional;
            return (openNotional - closedNotional, realizedPnl, fee, false);
        }
        // Close, then open what is left (if anything) on the other side.
        int256 newSize = size + sizeDelta;
        realizedPnl = SignedWad.mulDivDown(size, price, WAD) - openNotional;
        return (SignedWad.mulDivUp(newSize, price, WAD), realizedPnl, fee, newSize != 0);
    }

    /// @dev A margin after a signed USD WAD change, rounded toward negative infinity (in favour of the fund).
    /// A loss beyond the margin is bad debt: the margin stops at 0.
    function _applyToMargin(
        uint256 marginBefore,
        int256 wadDelta
    ) private view returns (uint256 marginAfter, int256 marginDelta, uint256 badDebt) {
        marginDelta = SignedWad.divFloor(wadDelta, _collateralScale);
        if (marginDelta >= 0) return (marginBefore + uint256(marginDelta), marginDelta, 0);
        uint256 loss = uint256(-marginDelta);
        if (loss <= marginBefore) return (marginBefore - loss, marginDelta, 0);
        return (0, -int256(marginBefore), loss - marginBefore);
    }

    /// @dev Settles funding alone (a withdrawal, `settleFunding`) and reports it with `AccountSettled`.
    function _settleFunding(
        address account,
        uint256 marketId,
        Account storage a,
        int256 cumulative,
        uint256 price
    ) private {
        Settlement memory s = Settlement(0, _fundingOwed(a, cumulative, price), 0, 0, 0);
        if (_settle(a, cumulative, s)) {
            emit AccountSettled(account, marketId, 0, s.fundingPaid, 0, s.marginDelta, s.badDebt);
        }
    }

    /// @dev Moves realized PnL - funding - fee between the account's margin and the fund, rounded down (in favour of
    /// the fund), and marks funding as settled. A loss the margin cannot cover is bad debt that the fund absorbs.
    /// Fills in `s.marginDelta` and `s.badDebt`; returns whether anything moved.
    function _settle(Account storage a, int256 cumulative, Settlement memory s) private returns (bool) {
        a.fundingIndex = cumulative.toInt128();
        if (s.realizedPnl == 0 && s.fundingPaid == 0 && s.fee == 0) return false;
        uint256 marginBefore = a.margin;
        (uint256 marginAfter, int256 delta, uint256 badDebt) = _applyToMargin(
            marginBefore,
            s.realizedPnl - s.fundingPaid - int256(s.fee)
        );
        if (delta > 0) {
            uint256 gain = uint256(delta);
            uint256 fund = _fund;
            if (gain > fund) revert PerpInsufficientFund(gain, fund);
            unchecked {
                // gain <= fund was checked above.
                _fund = uint128(fund - gain);
            }
        } else if (delta < 0) {
            _fund = (uint256(_fund) + uint256(-delta)).toUint128();
        }
        a.margin = marginAfter.toUint128();
        (s.marginDelta, s.badDebt) = (delta, badDebt);
        return true;
    }
}
