// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {KeeperReward} from "../libraries/KeeperReward.sol"; // solhint-disable-line no-unused-import

/// @title IPerpExchange
/// @notice A perpetual-futures venue with isolated margin: every (account, market) pair has its own stablecoin
/// margin and one signed position. The insurance / liquidity fund is the counterparty of every trade: it pays
/// traders' profits and funding, and receives their losses, funding and fees.
/// @dev Units used throughout:
/// - `collateral`: the stablecoin's own units (6 decimals for USDC);
/// - `size`: base asset, 18 decimals, signed (> 0 long, < 0 short);
/// - `price`: USD per unit of base asset, 18 decimals (WAD), scaled from the feed's decimals;
/// - `openNotional`: USD, 18 decimals, signed like the size (size x average entry price);
/// - `bps`: 1/10,000; funding rate: WAD fraction of notional per year (1e17 = 10% a year).
interface IPerpExchange {
    /// @notice Risk and pricing settings of one market.
    struct MarketConfig {
        AggregatorV3Interface feed; // Chainlink-style price feed of the base asset in USD
        uint32 maxPriceAge; // seconds; a price older than this is stale
        uint16 takerFeeBps; // bps of the traded notional, paid to the fund
        uint16 initialMarginBps; // bps of notional an increased position must be backed by
        uint16 maintenanceMarginBps; // bps of notional under which the account can be liquidated
        uint16 liquidationPenaltyBps; // bps of the liquidated notional, split between liquidator and fund
        int256 fundingRatePerYear; // WAD fraction of notional a year; > 0: longs pay shorts
    }

    /// @notice What a market looks like now.
    struct MarketState {
        string symbol; // base asset symbol, e.g. "BTC"
        MarketConfig config;
        uint8 feedDecimals; // the feed's decimals, read when the market was created
        uint40 lastFundingUpdate; // unix seconds; as of the view (cumulativeFunding is accrued up to now)
        int256 cumulativeFunding; // sum of fundingRatePerYear x seconds (WAD x seconds)
        uint256 lastPrice; // WAD; the last price a market-admin change or liquidation accepted (`accountState` shows
        // it, as INVALID, when the feed has no valid answer; no other view values at it)
    }

    /// @notice What one settlement moved between an account and the fund.
    struct Settlement {
        int256 realizedPnl; // USD WAD realized by the trade
        int256 fundingPaid; // USD WAD the account paid (< 0: received)
        uint256 fee; // USD WAD taker fee
        int256 marginDelta; // collateral units the margin changed by (rounded in favour of the fund)
        uint256 badDebt; // collateral units of loss the account could not cover once its position was closed
    }

    /// @notice The position of one account in one market.
    struct Position {
        int256 size; // base asset, 18 decimals, signed
        int256 openNotional; // USD WAD, signed like size: size x average entry price
        int256 fundingIndex; // the market's cumulativeFunding when funding was last settled
    }

    /// @notice What the exchange's price read found: FRESH, a price a state change may use; STALE, the feed's last
    /// answer, older than the market's `maxPriceAge`; INVALID, no usable answer (zero, negative, too large, or the
    /// feed reverted), so that the price shown is the last one the exchange accepted (`MarketState.lastPrice`). Every
    /// state change that needs a price reverts unless it is FRESH (`PerpStalePrice`, `PerpInvalidPrice`).
    enum PriceStatus {
        FRESH,
        STALE,
        INVALID
    }

    /// @notice Everything a trade of an account depends on, as of now (what `accountState` returns): enough for an
    /// integrator to compute exactly what a deposit, trade or withdrawal would do, with `PerpMath`. At `price`: the
    /// notional is `PerpMath.notional(size, price)` (rounded down), the unrealized PnL `notional - openNotional`, the
    /// average entry price `|openNotional| x WAD / |size|` (rounded down; 0 without a position), and a margin
    /// requirement `PerpMath.requirement(size, price, bps, scale)` (rounded up) with the market's `bps` (`market`).
    struct AccountState {
        int256 value; // collateral units: margin + unrealized PnL - funding owed, rounded down (< 0: under water)
        uint256 margin; // collateral units, settled
        int256 size; // base asset, 18 decimals, signed
        int256 openNotional; // USD WAD, signed like size
        int256 fundingOwed; // USD WAD owed since the last settlement (< 0: owed to the account), as a trade settles it
        uint256 price; // WAD, the price the value was computed at
        PriceStatus priceStatus; // whether that price would pass every check of a state change now, and if not why
        uint256 takerFeeBps; // the market's taker fee
        uint256 priceTime; // unix seconds: the feed's `updatedAt` for that price (0 when the feed reverted)
    }

    /// @notice Where `tradeToLeverage` takes an account (a leveraged token's rebalance).
    struct LeverageTarget {
        int256 leverage; // signed WAD: the target leverage on the levered value
        uint256 minValue; // collateral units: a levered value below it holds no position (a token's dust rule)
        uint256 maxValue; // collateral units: the most value levered (a token's equity cap; beyond it, unlevered)
        uint256 bandLower; // WAD: with bandUpper, the |leverage| band within which nothing is traded (a token's
        uint256 bandUpper; // drift band); an empty band (bandLower > bandUpper) trades whenever the size differs
        address keeper; // who is paid the keeper reward after the trade (0: none; see `tradeToLeverage`)
    }

    /// @notice What `tradeToLeverage` did: the account before and after, at one price.
    struct LeverageTrade {
        int256 valueBefore; // collateral units (funding pending)
        int256 sizeBefore; // base WAD
        uint256 price; // WAD, the mark price of the trade
        int256 valueAfter; // collateral units
        int256 sizeAfter; // base WAD: the target size
        uint256 marginAfter; // collateral units, settled
        uint256 priceTime; // unix seconds: the feed's `updatedAt` for the price
        uint256 reward; // collateral units paid to `keeper` (`KeeperReward.rewardAt`)
    }

    /// @notice One payment out of a margin account (`tradeAndWithdraw`); an amount of 0 pays nothing.
    struct Payout {
        address to;
        uint256 amount; // collateral units
    }

    // ---------------------------------------------------------------------------------------------------------
    // Errors
    // ---------------------------------------------------------------------------------------------------------

    /// @notice No market has this id.
    error PerpUnknownMarket(uint256 marketId);
    /// @notice No market has this symbol.
    error PerpUnknownSymbol(string symbol);
    /// @notice A market with this symbol exists already.
    error PerpDuplicateMarket(string symbol, uint256 existingMarketId);
    /// @notice A market setting is out of its allowed range; `field` names it.
    error PerpInvalidConfig(string field, int256 value);
    /// @notice The feed's latest answer is older than the market's maximum price age.
    error PerpStalePrice(uint256 marketId, uint256 updatedAt, uint256 maxPriceAge, uint256 currentTime);
    /// @notice The feed answered zero or a negative price.
    error PerpInvalidPrice(uint256 marketId, int256 answer);
    /// @notice An amount or a size delta of zero was given.
    error PerpZeroAmount();
    /// @notice A withdrawal asks for more than the account holds: its settled margin plus the unrealized profit
    /// that may be realized to pay it (`available`).
    error PerpInsufficientMarginBalance(address account, uint256 marketId, uint256 requested, uint256 available);
    /// @notice The action would leave the account's value under the margin it requires.
    error PerpMarginRequirementNotMet(address account, uint256 marketId, int256 accountValue, uint256 required);
    /// @notice The fund cannot pay what it owes a trader (profit or funding), or what an admin asks of it.
    error PerpInsufficientFund(uint256 needed, uint256 available);
    /// @notice The account's value is at or above its maintenance margin: it cannot be liquidated.
    error PerpNotLiquidatable(address account, uint256 marketId, int256 accountValue, uint256 maintenanceMargin);
    /// @notice The zero address was given where an account or recipient is needed.
    error PerpZeroAddress();
    /// @notice A target leverage beyond what any market allows (10,000x, an initial margin of 1 bps).
    error PerpInvalidLeverage(int256 leverage);

    // ---------------------------------------------------------------------------------------------------------
    // Events
    // ---------------------------------------------------------------------------------------------------------

    /// @notice A market was registered.
    event MarketCreated(uint256 indexed marketId, string symbol, MarketConfig config);
    /// @notice A market's settings were changed (funding was accrued at the old rate first).
    event MarketConfigUpdated(uint256 indexed marketId, MarketConfig config);
    /// @notice Margin was deposited into an account.
    event MarginDeposited(address indexed account, uint256 indexed marketId, address indexed from, uint256 amount);
    /// @notice Margin was withdrawn from an account.
    event MarginWithdrawn(address indexed account, uint256 indexed marketId, address indexed to, uint256 amount);
    /// @notice `amount` of settled margin moved from `from`'s account to `to`'s in one market: a leveraged token's
    /// keeper reward (`tradeToLeverage`), which the keeper withdraws when it likes.
    event MarginTransferred(address indexed from, address indexed to, uint256 indexed marketId, uint256 amount);
    /// @notice An account settled with the fund outside a trade: funding (a withdrawal, `settleFunding`), or
    /// unrealized profit realized into the margin to pay a withdrawal (`realizedPnl`); a trade reports its settlement
    /// in `Traded`.
    /// @param realizedPnl USD WAD of unrealized profit realized into the margin (the cost basis moved by as much)
    /// @param fundingPaid USD WAD the account paid (< 0: received)
    /// @param fee USD WAD taker fee
    /// @param marginDelta collateral units the margin changed by (after rounding in favour of the fund)
    /// @param badDebt collateral units of loss the account could not cover (absorbed by the fund)
    event AccountSettled(
        address indexed account,
        uint256 indexed marketId,
        int256 realizedPnl,
        int256 fundingPaid,
        uint256 fee,
        int256 marginDelta,
        uint256 badDebt
    );
    /// @notice A position was opened, increased, reduced, closed or flipped (by a trade or a liquidation), and the
    /// account settled with the fund: one event, cheaper than two.
    /// @param sizeDelta base WAD traded; @param price mark price (WAD); @param newSize base WAD after
    /// @param newOpenNotional USD WAD cost basis after; @param settlement as in `AccountSettled`
    event Traded(
        address indexed account,
        uint256 indexed marketId,
        int256 sizeDelta,
        uint256 price,
        int256 newSize,
        int256 newOpenNotional,
        Settlement settlement
    );
    /// @notice An account was liquidated: its position closed at the mark price and a penalty taken.
    event Liquidated(
        address indexed account,
        uint256 indexed marketId,
        address indexed liquidator,
        int256 closedSize,
        uint256 price,
        uint256 liquidatorReward,
        uint256 fundPenalty
    );
    /// @notice Stablecoin was added to the insurance / liquidity fund.
    event FundDeposited(address indexed from, uint256 amount);
    /// @notice Stablecoin was taken out of the insurance / liquidity fund.
    event FundWithdrawn(address indexed to, uint256 amount);

    // ---------------------------------------------------------------------------------------------------------
    // Admin
    // ---------------------------------------------------------------------------------------------------------

    /// @notice Registers a market. Only MARKET_ADMIN_ROLE.
    /// @param symbol the base asset's symbol, unique (e.g. "BTC")
    /// @param config the market's settings; the feed must answer a valid, fresh price now
    /// @return marketId the new market's id (0, 1, 2, ...)
    function createMarket(string calldata symbol, MarketConfig calldata config) external returns (uint256 marketId);

    /// @notice Changes a market's settings, accruing funding at the old rate first. The (new) feed must answer a
    /// valid, fresh price now. Only MARKET_ADMIN_ROLE.
    function updateMarketConfig(uint256 marketId, MarketConfig calldata config) external;

    /// @notice Takes stablecoin out of the fund. Only FUND_MANAGER_ROLE; reverts if the fund holds less.
    function withdrawFromFund(uint256 amount, address to) external;

    // ---------------------------------------------------------------------------------------------------------
    // Anyone
    // ---------------------------------------------------------------------------------------------------------

    /// @notice Adds stablecoin to the insurance / liquidity fund (pulled from the caller).
    function depositToFund(uint256 amount) external;

    /// @notice Adds margin to `account`'s account in a market (pulled from the caller).
    function deposit(uint256 marketId, address account, uint256 amount) external;

    /// @notice Withdraws margin from the caller's account. Funding is settled first; beyond the settled margin, the
    /// unrealized profit the withdrawal needs is realized first (the fund pays it into the margin and the position's
    /// cost basis moves by as much, so the value does not change). The account's value afterwards must still cover
    /// its maintenance margin.
    function withdraw(uint256 marketId, uint256 amount, address to) external;

    /// @notice Trades `sizeDelta` (signed, base units) at the mark price for the caller's account: opens,
    /// increases, reduces, closes or flips the position. Funding is settled first; realized PnL, funding and the
    /// taker fee are settled with the fund. A trade that increases exposure must leave the account's value at or
    /// above its initial margin.
    /// @return price the mark price (WAD) the trade was filled at
    /// @return valueAfter the account's value right after the trade (as `accountState` would answer)
    function trade(uint256 marketId, int256 sizeDelta) external returns (uint256 price, int256 valueAfter);

    /// @notice Trades the caller's position to `target.leverage` (signed WAD) on at most `target.maxValue`:
    /// `leverage x min(value, maxValue) / price` rounded toward zero (`PerpMath.targetSize`), where the value is
    /// the account's before the trade, funding pending included; to no position when that levered value is below
    /// `target.minValue` or <= 0. One call and one price read for what would otherwise be `accountState` and `trade`.
    /// Nothing is traded (no revert) when the position is at the target already, or when its |leverage| on the
    /// levered value is within the band [`bandLower`, `bandUpper`] (a leveraged token asks so when only a drift may
    /// be due, so that a rebalance that is not due costs no trade); otherwise as `trade` (funding settled, PnL
    /// realized, taker fee, the initial margin checked when exposure grows). Then, when `target.keeper` is not 0 and
    /// a reward may be due (the band was empty, or the account was outside it), the caller is asked for its terms
    /// (`ITermsSource.keeperRewardTerms`: one word) and the reward `KeeperReward.rewardAt` gives on them at
    /// `target.leverage` for the account before the trade (its levered value and leverage, the price's `updatedAt`,
    /// now) is moved from the caller's margin to the keeper's, taken as `withdraw` takes it (the
    /// unrealized profit it needs realized, the maintenance margin checked), with `MarginTransferred`: in the same
    /// call, so that a reward costs no second call and no second price read, and a call within the band (a keeper
    /// that lost a race) asks for nothing.
    /// @return t the account before and after the trade, at the trade's price
    function tradeToLeverage(
        uint256 marketId,
        LeverageTarget calldata target
    ) external returns (LeverageTrade memory t);

    /// @notice Deposits `amount` (pulled from the caller) into the caller's own account, then trades `sizeDelta`
    /// if not 0: `deposit` and `trade` in one call (a leveraged token's mint). Either may be 0, not both.
    function depositAndTrade(uint256 marketId, uint256 amount, int256 sizeDelta) external;

    /// @notice Trades `sizeDelta` if not 0, then withdraws the payouts' total from the caller's account and pays each
    /// to its address: `trade` and `withdraw` in one call (a leveraged token's redeem pays its redeemer and its fee
    /// recipient straight from the exchange). The withdrawal is done as `withdraw` does it (funding settled, the
    /// unrealized profit it needs beyond the settled margin realized, the maintenance margin checked after); nothing
    /// is withdrawn when the total is 0.
    function tradeAndWithdraw(uint256 marketId, int256 sizeDelta, Payout[2] calldata payouts) external;

    /// @notice Closes the position of an account whose value is under its maintenance margin. The penalty
    /// (a share of the closed notional, capped by the margin left) goes to the caller and the fund.
    function liquidate(address account, uint256 marketId) external;

    /// @notice Settles the caller's accrued funding into its margin: funding received is added to it; funding owed
    /// comes out of it, and what it cannot cover is charged to the position (its cost basis), never forgiven while
    /// the account holds one (`PerpMath.settle`).
    function settleFunding(uint256 marketId) external;

    // ---------------------------------------------------------------------------------------------------------
    // Views. `accountState` is an account's one view: it never reverts for a known market and says what the price
    // is (`PriceStatus`); what else an account's numbers are follows from it with `PerpMath` (see `AccountState`).
    // `previewTrade` and `markPrice` revert with the price's named error unless it is FRESH, as a state change
    // would; `isLiquidatable` is false unless `liquidate` could read the price.
    // ---------------------------------------------------------------------------------------------------------

    /// @notice The stablecoin used as margin.
    function collateral() external view returns (IERC20);

    /// @notice How many markets exist; ids run from 0 to marketCount() - 1.
    function marketCount() external view returns (uint256);

    /// @notice The id of the market with this symbol; reverts with PerpUnknownSymbol if there is none.
    function marketIdOf(string calldata symbol) external view returns (uint256);

    /// @notice A market's settings and state.
    function market(uint256 marketId) external view returns (MarketState memory);

    /// @notice The account's value before and after depositing `marginIn` and then trading `sizeDelta`, exactly as
    /// `deposit` followed by `trade` would leave it (funding settled, PnL realized, fee charged, rounding included).
    /// Reverts on a stale, zero or negative price, like `trade`. `sizeDelta` may be 0: a deposit alone, which settles
    /// nothing (funding stays pending in the value, as `accountState` counts it).
    function previewTrade(
        address account,
        uint256 marketId,
        uint256 marginIn,
        int256 sizeDelta
    ) external view returns (int256 valueBefore, int256 valueAfter, uint256 price);

    /// @notice Everything a trade of `account` depends on now (see `AccountState`), in one call. Never reverts for a
    /// known market: the value is computed at the feed's answer when it is FRESH or STALE, at the last accepted price
    /// when it is INVALID, and `priceStatus` says which.
    function accountState(address account, uint256 marketId) external view returns (AccountState memory);

    /// @notice The mark price (WAD) with every check of a state change: reverts on a stale, zero or negative price.
    function markPrice(uint256 marketId) external view returns (uint256);

    /// @notice The market's taker fee in bps of traded notional (one storage read, for integrators sizing trades).
    function takerFeeBps(uint256 marketId) external view returns (uint256);

    /// @notice The stablecoin in the insurance / liquidity fund.
    function fundBalance() external view returns (uint256);

    /// @notice An account's position, with the funding index it last settled at (which `accountState` does not give).
    function position(address account, uint256 marketId) external view returns (Position memory);

    /// @notice Whether `liquidate(account, marketId)` would succeed now: a position whose value is under its
    /// maintenance margin at a FRESH price (false while the price is stale or invalid, as `liquidate` reverts then).
    function isLiquidatable(address account, uint256 marketId) external view returns (bool);
}
