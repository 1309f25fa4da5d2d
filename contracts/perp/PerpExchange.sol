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
import {ITermsSource, KeeperReward} from "../libraries/KeeperReward.sol";
import {LeverageMath} from "../libraries/LeverageMath.sol";
import {PerpMath} from "../libraries/PerpMath.sol";

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
    /// @notice Share of a liquidation penalty paid to the liquidator (bps); the rest goes to the fund.
    uint256 public constant LIQUIDATOR_SHARE_BPS = 5_000;
    /// @notice Upper bounds of the market settings.
    uint256 public constant MAX_TAKER_FEE_BPS = 100;
    uint256 public constant MAX_LIQUIDATION_PENALTY_BPS = 1_000;
    int256 public constant MAX_FUNDING_RATE_PER_YEAR = 10e18;
    /// @notice The most |leverage| `tradeToLeverage` takes: no market allows more (an initial margin of 1 bps).
    uint256 public constant MAX_TRADE_LEVERAGE = BPS * WAD;

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

    /// @dev Which price an action reads: none (a deposit), only with a position (a withdrawal, settling funding), or
    /// always (a trade).
    enum PriceRead {
        NEVER,
        WITH_POSITION,
        ALWAYS
    }

    /// @dev One account in one market, loaded for an action (memory only): it is changed in memory, then stored once.
    // solhint-disable-next-line gas-struct-packing
    struct Trader {
        address owner;
        uint256 marketId;
        PerpMath.Account account;
        int256 fundingIndex; // the account's, stored
        int256 cumulative; // the market's cumulative funding now
        int256 fundingOwed; // USD WAD since the last settlement, at `price` (0 when no price was read)
        uint256 price; // WAD; 0 when not read
        uint256 priceTime; // the feed's updatedAt for `price`; 0 when not read
        uint256 takerFeeBps;
        uint256 initialMarginBps;
        uint256 maintenanceMarginBps;
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
        Payout[2] memory payouts;
        payouts[0] = Payout(to, amount);
        _tradeAndWithdraw(marketId, 0, payouts, amount);
    }

    /// @inheritdoc IPerpExchange
    function trade(
        uint256 marketId,
        int256 sizeDelta
    ) external nonReentrant returns (uint256 price, int256 valueAfter) {
        if (sizeDelta == 0) revert PerpZeroAmount();
        Trader memory t = _trader(msg.sender, marketId, PriceRead.ALWAYS);
        valueAfter = _trade(t, sizeDelta);
        _store(t);
        price = t.price;
    }

    /// @inheritdoc IPerpExchange
    function tradeToLeverage(
        uint256 marketId,
        LeverageTarget calldata target
    ) external nonReentrant returns (LeverageTrade memory r) {
        if (SignedMath.abs(target.leverage) > MAX_TRADE_LEVERAGE) revert PerpInvalidLeverage(target.leverage);
        Trader memory t = _trader(msg.sender, marketId, PriceRead.ALWAYS);
        r.price = t.price;
        r.sizeBefore = t.account.size;
        r.valueBefore = PerpMath.valueOf(t.account, t.fundingOwed, t.price, _collateralScale);
        int256 levered = LeverageMath.levered(r.valueBefore, target.maxValue);
        uint256 scale = _collateralScale;
        // Within a (non-empty) band nothing is traded, and no keeper reward can be due.
        bool hold =
            target.bandLower <= target.bandUpper && // not an empty band
                LeverageMath.holdsPosition(levered, target.minValue) &&
                LeverageMath.inBand(levered, r.sizeBefore, t.price, target.bandLower, target.bandUpper, scale);
        r.sizeAfter =
            hold ? r.sizeBefore : LeverageMath.targetSize(target.leverage, levered, t.price, target.minValue, scale);
        bool traded = r.sizeAfter != r.sizeBefore;
        r.valueAfter = traded ? _trade(t, r.sizeAfter - r.sizeBefore) : r.valueBefore;
        r.priceTime = t.priceTime;
        address keeper = target.keeper;
        if (keeper != address(0) && !hold) {
            uint256 leverage = SignedMath.abs(LeverageMath.leverage(levered, r.sizeBefore, t.price, scale));
            KeeperReward.Terms memory terms = ITermsSource(msg.sender).keeperRewardTerms();
            r.reward = KeeperReward.rewardAt(terms, levered, leverage, t.priceTime, block.timestamp);
            if (r.reward != 0) {
                _debit(t, r.reward);
                if (keeper == msg.sender) {
                    t.account.margin += r.reward; // paid to itself: stored with the account below
                } else {
                    Account storage k = _accounts[keeper][marketId];
                    k.margin = (uint256(k.margin) + r.reward).toUint128();
                }
                emit MarginTransferred(msg.sender, keeper, marketId, r.reward);
            }
        }
        if (traded || r.reward != 0) _store(t);
        r.marginAfter = t.account.margin;
    }

    /// @inheritdoc IPerpExchange
    function depositAndTrade(uint256 marketId, uint256 amount, int256 sizeDelta) external nonReentrant {
        if (amount == 0 && sizeDelta == 0) revert PerpZeroAmount();
        Trader memory t = _trader(msg.sender, marketId, sizeDelta != 0 ? PriceRead.ALWAYS : PriceRead.NEVER);
        if (amount != 0) {
            _collateral.safeTransferFrom(msg.sender, address(this), amount);
            t.account.margin += amount;
            emit MarginDeposited(msg.sender, marketId, msg.sender, amount);
        }
        if (sizeDelta != 0) _trade(t, sizeDelta);
        _store(t);
    }

    /// @inheritdoc IPerpExchange
    function tradeAndWithdraw(uint256 marketId, int256 sizeDelta, Payout[2] calldata payouts) external nonReentrant {
        uint256 total = payouts[0].amount + payouts[1].amount;
        if (sizeDelta == 0 && total == 0) revert PerpZeroAmount();
        _tradeAndWithdraw(marketId, sizeDelta, payouts, total);
    }

    /// @inheritdoc IPerpExchange
    function liquidate(address account, uint256 marketId) external nonReentrant {
        Trader memory t = _trader(account, marketId, PriceRead.ALWAYS);
        MarketData storage m = _markets[marketId];
        m.lastPrice = uint112(t.price);

        int256 size = t.account.size;
        uint256 maintenance = PerpMath.requirement(size, t.price, t.maintenanceMarginBps, _collateralScale);
        int256 value = PerpMath.valueOf(t.account, t.fundingOwed, t.price, _collateralScale);
        if (size == 0 || value >= int256(maintenance)) {
            revert PerpNotLiquidatable(account, marketId, value, maintenance);
        }
        // The position is closed at the mark price, without a taker fee.
        t.takerFeeBps = 0;
        _trade(t, -size);

        uint256 penalty = Math.min(
            PerpMath.requirement(size, t.price, m.liquidationPenaltyBps, _collateralScale),
            t.account.margin
        );
        uint256 reward = (penalty * LIQUIDATOR_SHARE_BPS) / BPS;
        unchecked {
            // penalty <= margin (the min above) and reward <= penalty (LIQUIDATOR_SHARE_BPS <= BPS).
            t.account.margin -= penalty;
        }
        _store(t);
        _fund = (uint256(_fund) + penalty - reward).toUint128();
        if (reward != 0) _collateral.safeTransfer(msg.sender, reward);
        emit Liquidated(account, marketId, msg.sender, size, t.price, reward, penalty - reward);
    }

    /// @inheritdoc IPerpExchange
    function settleFunding(uint256 marketId) external nonReentrant {
        Trader memory t = _trader(msg.sender, marketId, PriceRead.WITH_POSITION);
        _settleFunding(t);
        _store(t);
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
    ) external view returns (int256 value, int256 size, uint256 price, PriceStatus priceStatus) {
        AccountState memory s = _accountState(account, marketId);
        return (s.value, s.size, s.price, s.priceStatus);
    }

    /// @inheritdoc IPerpExchange
    function accountState(address account, uint256 marketId) external view returns (AccountState memory) {
        return _accountState(account, marketId);
    }

    /// @inheritdoc IPerpExchange
    function previewTrade(
        address account,
        uint256 marketId,
        uint256 marginIn,
        int256 sizeDelta
    ) external view returns (int256 valueBefore, int256 valueAfter, uint256 price) {
        // `depositAndTrade` on a copy of the account: the same fill, settlement and rounding (`PerpMath.trade`).
        Trader memory t = _trader(account, marketId, PriceRead.ALWAYS);
        price = t.price;
        valueBefore = PerpMath.valueOf(t.account, t.fundingOwed, price, _collateralScale);
        t.account.margin += marginIn;
        (valueAfter, ) = PerpMath.replay(t.account, sizeDelta, price, t.takerFeeBps, t.fundingOwed, _collateralScale);
    }

    /// @inheritdoc IPerpExchange
    function markPrice(uint256 marketId) external view returns (uint256 price) {
        (price, ) = _freshPrice(marketId, _market(marketId));
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
        AccountState memory s = _valuedState(account, marketId);
        return PerpMath.notional(s.size, s.price) - s.openNotional;
    }

    /// @inheritdoc IPerpExchange
    function fundingOwed(address account, uint256 marketId) external view returns (int256) {
        return _valuedState(account, marketId).fundingOwed;
    }

    /// @inheritdoc IPerpExchange
    function accountValue(address account, uint256 marketId) external view returns (int256) {
        return _valuedState(account, marketId).value;
    }

    /// @inheritdoc IPerpExchange
    function notional(address account, uint256 marketId) external view returns (int256) {
        AccountState memory s = _valuedState(account, marketId);
        return PerpMath.notional(s.size, s.price);
    }

    /// @inheritdoc IPerpExchange
    function marginRequirement(address account, uint256 marketId) external view returns (uint256) {
        return _requirementNow(account, marketId, true);
    }

    /// @inheritdoc IPerpExchange
    function initialMarginRequirement(address account, uint256 marketId) external view returns (uint256) {
        return _requirementNow(account, marketId, false);
    }

    /// @inheritdoc IPerpExchange
    function isLiquidatable(address account, uint256 marketId) external view returns (bool) {
        AccountState memory s = _accountState(account, marketId);
        if (s.size == 0 || s.priceStatus != PriceStatus.FRESH) return false;
        uint256 maintenance = _markets[marketId].maintenanceMarginBps;
        return s.value < int256(PerpMath.requirement(s.size, s.price, maintenance, _collateralScale));
    }

    // -------------------------------------------------------------------------------------------------------------
    // Internals
    // -------------------------------------------------------------------------------------------------------------

    /// @dev The maintenance (or initial) margin requirement of an account's position, at a fresh price.
    function _requirementNow(address account, uint256 marketId, bool maintenance) private view returns (uint256) {
        AccountState memory s = _valuedState(account, marketId);
        MarketData storage m = _markets[marketId];
        uint256 bps = maintenance ? m.maintenanceMarginBps : m.initialMarginBps;
        return PerpMath.requirement(s.size, s.price, bps, _collateralScale);
    }

    /// @dev `_accountState` for a view that values the account: with a position, the price must be one a state
    /// change would accept (else the named price error, as the state change would revert); without one, the value
    /// does not depend on the price.
    function _valuedState(address account, uint256 marketId) private view returns (AccountState memory s) {
        s = _accountState(account, marketId);
        if (s.size != 0 && s.priceStatus != PriceStatus.FRESH) _freshPrice(marketId, _markets[marketId]);
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

    /// @dev Writes a validated config and its feed's decimals, which must be at most 18 (prices are scaled up to WAD).
    function _writeConfig(MarketData storage m, MarketConfig calldata c) private {
        uint8 feedDecimals = c.feed.decimals();
        if (feedDecimals > 18) revert PerpInvalidConfig("feedDecimals", int256(uint256(feedDecimals)));
        m.feedDecimals = feedDecimals;
        m.feed = c.feed;
        m.maxPriceAge = c.maxPriceAge;
        m.takerFeeBps = c.takerFeeBps;
        m.initialMarginBps = c.initialMarginBps;
        m.maintenanceMarginBps = c.maintenanceMarginBps;
        m.liquidationPenaltyBps = c.liquidationPenaltyBps;
        m.fundingRatePerYear = int96(c.fundingRatePerYear); // |rate| <= MAX_FUNDING_RATE_PER_YEAR fits 96 bits
    }

    /// @dev The one price reader. The feed's answer as WAD and its status: FRESH when a state change may use it;
    /// STALE when it is older than `maxPriceAge` (views still show it); INVALID when it is zero, negative, beyond
    /// uint112 once scaled, or the feed reverted (answer 0), in which case the price is the last one the exchange
    /// accepted. `answer` and `updatedAt` are the feed's, for the named errors.
    function _price(
        MarketData storage m
    ) private view returns (uint256 price, PriceStatus status, int256 answer, uint256 updatedAt) {
        try m.feed.latestRoundData() returns (uint80, int256 answer_, uint256, uint256 updatedAt_, uint80) {
            (answer, updatedAt) = (answer_, updatedAt_);
        } catch {} // solhint-disable-line no-empty-blocks
        if (answer > 0 && uint256(answer) <= type(uint112).max) {
            price = uint256(answer) * 10 ** (18 - m.feedDecimals);
            if (price <= type(uint112).max) {
                // `now - updatedAt > maxPriceAge`, written so that no updatedAt can overflow it
                bool stale = updatedAt < block.timestamp && block.timestamp - updatedAt > m.maxPriceAge;
                return (price, stale ? PriceStatus.STALE : PriceStatus.FRESH, answer, updatedAt);
            }
        }
        return (m.lastPrice, PriceStatus.INVALID, answer, updatedAt);
    }

    /// @dev The price for a state change: `_price`, reverting with PerpInvalidPrice or PerpStalePrice (with the
    /// feed's values) unless it is fresh.
    function _freshPrice(
        uint256 marketId,
        MarketData storage m
    ) private view returns (uint256 price, uint256 updatedAt) {
        PriceStatus status;
        int256 answer;
        (price, status, answer, updatedAt) = _price(m);
        if (status == PriceStatus.INVALID) revert PerpInvalidPrice(marketId, answer);
        if (status == PriceStatus.STALE) revert PerpStalePrice(marketId, updatedAt, m.maxPriceAge, block.timestamp);
    }

    /// @dev The market's cumulative funding now. The rate only changes with the config, so it is computed, never
    /// accrued in storage: `cumulativeFundingAtCheckpoint + rate x (now - fundingCheckpoint)`, the same sum.
    function _currentCumulativeFunding(MarketData storage m) private view returns (int256) {
        return
            m.cumulativeFundingAtCheckpoint +
            int256(m.fundingRatePerYear) * int256(block.timestamp - m.fundingCheckpoint);
    }

    /// @dev An account as a view sees it now (see `AccountState`).
    function _accountState(address account, uint256 marketId) private view returns (AccountState memory s) {
        MarketData storage m = _market(marketId);
        Account memory a = _accounts[account][marketId];
        (s.price, s.priceStatus, , s.priceTime) = _price(m);
        (s.margin, s.size, s.openNotional) = (a.margin, a.size, a.openNotional);
        s.fundingOwed = PerpMath.accruedFunding(a.size, s.price, _currentCumulativeFunding(m) - a.fundingIndex);
        s.value = PerpMath.value(s.margin, s.size, s.openNotional, s.fundingOwed, s.price, _collateralScale);
        s.takerFeeBps = m.takerFeeBps;
    }

    /// @dev `owner`'s account in a market, loaded for an action, with the market's settings an action needs and, as
    /// `read` says, the price (fresh, or the action reverts) and the funding owed at it.
    function _trader(address owner, uint256 marketId, PriceRead read) private view returns (Trader memory t) {
        MarketData storage m = _market(marketId);
        Account memory a = _accounts[owner][marketId];
        t.owner = owner;
        t.marketId = marketId;
        t.account = PerpMath.Account(a.margin, a.size, a.openNotional);
        t.fundingIndex = a.fundingIndex;
        t.cumulative = _currentCumulativeFunding(m);
        t.takerFeeBps = m.takerFeeBps;
        t.initialMarginBps = m.initialMarginBps;
        t.maintenanceMarginBps = m.maintenanceMarginBps;
        if (read == PriceRead.ALWAYS || (read == PriceRead.WITH_POSITION && a.size != 0)) {
            (t.price, t.priceTime) = _freshPrice(marketId, m);
            t.fundingOwed = PerpMath.accruedFunding(a.size, t.price, t.cumulative - a.fundingIndex);
        }
    }

    /// @dev Trades `sizeDelta` on a loaded account (`PerpMath.trade`): funding, PnL and fee settled with the fund,
    /// reported (`Traded`), and the initial margin checked when exposure grows. The caller stores the account.
    /// Returns the account's value after.
    function _trade(Trader memory t, int256 sizeDelta) private returns (int256 valueAfter) {
        // PerpMath's bounds: the size after must fit the account's 128 bits (checked before any product).
        (t.account.size + sizeDelta).toInt128();
        (Settlement memory s, bool growsExposure) = PerpMath.trade(
            t.account,
            sizeDelta,
            t.price,
            t.takerFeeBps,
            t.fundingOwed,
            _collateralScale
        );
        (t.fundingOwed, t.fundingIndex) = (0, t.cumulative);
        _settleWithFund(s.marginDelta);
        emit Traded(t.owner, t.marketId, sizeDelta, t.price, t.account.size, t.account.openNotional, s);
        valueAfter = PerpMath.valueOf(t.account, 0, t.price, _collateralScale);
        if (growsExposure) {
            uint256 required = PerpMath.requirement(t.account.size, t.price, t.initialMarginBps, _collateralScale);
            if (valueAfter < int256(required)) {
                revert PerpMarginRequirementNotMet(t.owner, t.marketId, valueAfter, required);
            }
        }
    }

    /// @dev `trade` (if `sizeDelta` is not 0) then `withdraw` of `total`, paid out as `payouts` say.
    function _tradeAndWithdraw(uint256 marketId, int256 sizeDelta, Payout[2] memory payouts, uint256 total) private {
        Trader memory t = _trader(msg.sender, marketId, sizeDelta != 0 ? PriceRead.ALWAYS : PriceRead.WITH_POSITION);
        if (sizeDelta != 0) _trade(t, sizeDelta);
        if (total != 0) _debit(t, total);
        _store(t);
        for (uint256 i; i < 2; ++i) {
            Payout memory p = payouts[i];
            if (p.amount == 0) continue;
            if (p.to == address(0)) revert PerpZeroAddress();
            _collateral.safeTransfer(p.to, p.amount);
            emit MarginWithdrawn(msg.sender, marketId, p.to, p.amount);
        }
    }

    /// @dev Takes `total` out of a loaded account's margin (a withdrawal, a keeper reward): funding settled, the
    /// unrealized profit the margin lacks realized, then the maintenance margin checked with a position left. The
    /// caller stores the account and pays `total` out.
    function _debit(Trader memory t, uint256 total) private {
        _settleFunding(t);
        uint256 marginBefore = t.account.margin;
        if (total > marginBefore) _realize(t, total - marginBefore, total);
        unchecked {
            // total <= margin: what the margin lacked was realized above.
            t.account.margin -= total;
        }
        if (t.account.size != 0) {
            uint256 required = PerpMath.requirement(t.account.size, t.price, t.maintenanceMarginBps, _collateralScale);
            int256 value = PerpMath.valueOf(t.account, 0, t.price, _collateralScale);
            if (value < int256(required)) revert PerpMarginRequirementNotMet(t.owner, t.marketId, value, required);
        }
    }

    /// @dev Settles a loaded account's funding owed (a withdrawal, `settleFunding`) with `PerpMath.settle` (what the
    /// margin cannot pay is charged to the position), reported with `AccountSettled` when anything moved, and marks
    /// funding as settled.
    function _settleFunding(Trader memory t) private {
        if (t.fundingOwed != 0) {
            (int256 delta, uint256 badDebt) = PerpMath.settle(t.account, -t.fundingOwed, _collateralScale);
            _settleWithFund(delta);
            emit AccountSettled(t.owner, t.marketId, 0, t.fundingOwed, 0, delta, badDebt);
            t.fundingOwed = 0;
        }
        t.fundingIndex = t.cumulative;
    }

    /// @dev Realizes `amount` of a loaded account's unrealized profit into its margin for a withdrawal of `requested`
    /// (funding settled before): reverts with `PerpInsufficientMarginBalance` (margin plus realizable profit) when
    /// the profit is less, and with `PerpInsufficientFund` when the fund cannot pay it. Reported with
    /// `AccountSettled`.
    function _realize(Trader memory t, uint256 amount, uint256 requested) private {
        uint256 profit = t.account.size == 0 ? 0 : PerpMath.realizableProfit(t.account, t.price, _collateralScale);
        if (amount > profit) {
            revert PerpInsufficientMarginBalance(t.owner, t.marketId, requested, t.account.margin + profit);
        }
        PerpMath.realize(t.account, amount, _collateralScale);
        _settleWithFund(int256(amount));
        emit AccountSettled(t.owner, t.marketId, int256(amount * _collateralScale), 0, 0, int256(amount), 0);
    }

    /// @dev Moves an account's margin change to or from the fund: a gain is paid by the fund, which must hold it
    /// (`PerpInsufficientFund`); a loss, fee or funding paid goes to it.
    function _settleWithFund(int256 marginDelta) private {
        if (marginDelta > 0) {
            uint256 gain = uint256(marginDelta);
            uint256 fund = _fund;
            if (gain > fund) revert PerpInsufficientFund(gain, fund);
            unchecked {
                // gain <= fund was checked above.
                _fund = uint128(fund - gain);
            }
        } else if (marginDelta < 0) {
            _fund = (uint256(_fund) + uint256(-marginDelta)).toUint128();
        }
    }

    /// @dev Writes a loaded account back (the only place an account's position and margin are stored).
    function _store(Trader memory t) private {
        _accounts[t.owner][t.marketId] = Account({
            margin: t.account.margin.toUint128(),
            size: t.account.size.toInt128(),
            openNotional: t.account.openNotional.toInt128(),
            fundingIndex: t.fundingIndex.toInt128()
        });
    }
}
