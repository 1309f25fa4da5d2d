// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IPerpExchange} from "./IPerpExchange.sol";
import {PermitSignature} from "./PermitSignature.sol";

/// @title ILeveragedToken
/// @notice An ERC-20 that gives its holders a fixed multiple (the signed target leverage L) of an asset's daily move.
/// The token owns one margin account on a perpetual exchange; holders mint and redeem at NAV, and anyone (a keeper)
/// may rebalance the position back to `L x min(equity, equityCap) / price` when the rebalance interval has passed or
/// leverage has left the drift band.
/// @dev Units: collateral in the stablecoin's units (6 decimals); shares 18 decimals; leverage, band and rates are
/// WAD (1e18 = 1); prices WAD (USD per base unit); sizes base units with 18 decimals; bps = 1/10,000.
interface ILeveragedToken {
    /// @notice What a keeper should do now.
    enum RebalanceAction {
        NONE, // nothing is due
        TIME, // the rebalance interval has passed since the last rebalance
        DRIFT // leverage has left the drift band (or equity reached 0: the rebalance wipes the token out)
    }

    /// @notice Fee settings.
    struct Fees {
        uint16 mintFeeBps; // bps of the collateral paid in, taken before the mint
        uint16 redeemFeeBps; // bps of the collateral paid out
        uint64 managementFeePerYear; // WAD rate a year (continuous dilution), taken by minting shares to the recipient
        address recipient; // receives mint and redeem fees (collateral) and management fees (shares)
    }

    /// @notice What a due rebalance pays its caller (see `KeeperReward`): from 0 when it falls due up to `cap` after
    /// `rampTime`, `cap` at once in an emergency, never above `maxPerYearBps` of the equity a year.
    struct RewardSettings {
        uint64 cap; // collateral units; 0: no reward
        uint32 rampTime; // seconds from due to the cap
        uint16 maxPerYearBps; // the yearly bound, bps of equity
    }

    /// @notice Rebalance settings.
    struct RebalanceSettings {
        uint32 interval; // seconds between time-triggered rebalances
        uint64 band; // WAD; drift band is |L| x (1 - band) .. |L| x (1 + band)
    }

    /// @notice What a token is set up with by `initialize`, besides what its clone carries (`TokenArgs`).
    struct InitParams {
        string name; // e.g. "BTC 3x Long"
        string symbol; // e.g. "BTC3L"
        address admin; // DEFAULT_ADMIN_ROLE, PAUSER_ROLE and FEE_MANAGER_ROLE
        Fees fees;
        RebalanceSettings rebalanceSettings;
        uint256 equityCap; // collateral units; a mint may not take equity above it (type(uint256).max: none)
    }

    // ---------------------------------------------------------------------------------------------------------
    // Errors
    // ---------------------------------------------------------------------------------------------------------

    /// @notice A mint while minting is paused, or `pause()` while paused (OpenZeppelin's Pausable's name).
    error EnforcedPause();
    /// @notice `unpause()` while not paused (OpenZeppelin's Pausable's name).
    error ExpectedPause();
    /// @notice `initialize` on a token that is set up already (or on the implementation the clones run).
    error LeveragedTokenAlreadyInitialized();
    /// @notice An amount of zero was given.
    error LeveragedTokenZeroAmount();
    /// @notice The zero address was given as receiver, recipient or admin.
    error LeveragedTokenZeroAddress();
    /// @notice A mint would give fewer shares than the caller's minimum (or none at all).
    error LeveragedTokenMintSlippage(uint256 shares, uint256 minSharesOut);
    /// @notice A redeem would pay less than the caller's minimum.
    error LeveragedTokenRedeemSlippage(uint256 collateralOut, uint256 minCollateralOut);
    /// @notice Equity reached 0: the token is wiped out and mints no more.
    error LeveragedTokenWipedOut();
    /// @notice No rebalance is due: leverage is inside the band and the interval has not passed.
    error LeveragedTokenRebalanceNotDue(int256 currentLeverage, uint256 lastRebalance, uint256 nextTimeRebalance);
    /// @notice A fee is above its hard cap.
    error LeveragedTokenFeeTooHigh(string fee, uint256 value, uint256 cap);
    /// @notice A rebalance setting is out of range.
    error LeveragedTokenInvalidSetting(string setting, uint256 value);
    /// @notice A target leverage of 0 or beyond the maximum.
    error LeveragedTokenInvalidLeverage(int256 leverage);
    /// @notice A mint would take equity above the operator's cap; `headroom` is what a mint may still deposit
    /// (collateral units, after the mint fee).
    error LeveragedTokenEquityCapExceeded(uint256 cap, uint256 headroom);
    /// @notice The first mint must buy more than the `minimumShares` it locks for good (see `MINIMUM_SHARES`).
    error LeveragedTokenFirstMintTooSmall(uint256 shares, uint256 minimumShares);

    // ---------------------------------------------------------------------------------------------------------
    // Events
    // ---------------------------------------------------------------------------------------------------------

    /// @notice Minting was paused by `account` (OpenZeppelin's Pausable's event).
    event Paused(address account);
    /// @notice Minting was resumed by `account` (OpenZeppelin's Pausable's event).
    event Unpaused(address account);
    /// @notice `shares` were minted to `receiver` for `collateralIn` paid by `caller` (of which `fee` to fees).
    event Minted(address indexed caller, address indexed receiver, uint256 collateralIn, uint256 fee, uint256 shares);
    /// @notice `shares` of `owner` were redeemed for `collateralOut` sent to `receiver` (after `fee`).
    event Redeemed(address indexed owner, address indexed receiver, uint256 shares, uint256 collateralOut, uint256 fee);
    /// @notice The position was traded back to the target leverage.
    /// @param leverageBefore signed WAD; @param leverageAfter signed WAD (after the exchange's taker fee)
    /// @param sizeDelta the signed size traded; @param price the mark price (WAD); @param equity before (collateral)
    event Rebalanced(
        RebalanceAction indexed trigger,
        int256 leverageBefore,
        int256 leverageAfter,
        int256 sizeDelta,
        uint256 price,
        uint256 equity
    );
    /// @notice Equity reached 0 at `price`: the position was closed and the token mints no more.
    event WipedOut(uint256 price, int256 accountValue, uint256 marginLeft);
    /// @notice Management fee shares were minted to the fee recipient.
    event ManagementFeeAccrued(address indexed recipient, uint256 shares);
    /// @notice A mint found `value` collateral units of equity at zero supply and gave its `shares` (at the initial
    /// NAV) to the fee recipient, so that the minter pays for what it gets and no more.
    event UnclaimedEquityAssigned(address indexed recipient, uint256 value, uint256 shares);
    /// @notice The fee settings changed.
    event FeesUpdated(Fees fees);
    /// @notice The rebalance settings changed.
    event RebalanceSettingsUpdated(RebalanceSettings settings);
    /// @notice The equity cap changed (collateral units).
    event EquityCapUpdated(uint256 cap);
    /// @notice The keeper reward's settings changed.
    event RewardSettingsUpdated(RewardSettings settings);

    // ---------------------------------------------------------------------------------------------------------
    // Holders
    // ---------------------------------------------------------------------------------------------------------

    /// @notice Sets up a token just created as a clone (the factory does it in the same transaction): the name,
    /// symbol, admin, fees, settings and clocks. Checks the clone's arguments (`TokenArgs`): reverts with
    /// `LeveragedTokenInvalidLeverage`, `LeveragedTokenInvalidSetting`, `LeveragedTokenZeroAddress` or the exchange's
    /// `PerpUnknownMarket`; once set up, with `LeveragedTokenAlreadyInitialized`.
    function initialize(InitParams calldata params) external;

    /// @notice Pays `collateralIn` stablecoin (pulled from the caller) for new shares at NAV. The mint fee is taken
    /// first; the rest is deposited as margin and the position grows in proportion (by `L x net / price` when there
    /// is none), so leverage is unchanged. The minter pays the exchange's taker fee: shares are priced on the equity
    /// actually added, `added x supply / equity` rounded down. The first mint of the token locks `MINIMUM_SHARES` of
    /// the minter's shares for good (dead shares); equity found at zero supply (a donation before it) is first
    /// assigned to the fee recipient at the initial NAV (`UnclaimedEquityAssigned`), never to the minter. While
    /// leverage is above the band, or a dust account still holds a position, the due rebalance is done first. A mint
    /// that leaves the account below `MIN_POSITION_EQUITY` opens no position. Reverts when paused, wiped out or due to
    /// be (value <= 0), on a stale price, above the equity cap, or below `minSharesOut`.
    /// @return shares the shares minted to `receiver`
    function mint(uint256 collateralIn, uint256 minSharesOut, address receiver) external returns (uint256 shares);

    /// @notice `mint` after an EIP-2612 permit of the stablecoin (owner: the caller, spender: this token, value:
    /// `collateralIn`), so that a wallet signs once and sends one transaction. A permit that fails (already used by
    /// someone who saw it first, say) is ignored; the mint then needs the allowance to be there.
    function mintWithPermit(
        uint256 collateralIn,
        uint256 minSharesOut,
        address receiver,
        PermitSignature calldata signature
    ) external returns (uint256 shares);

    /// @notice Burns `shares` of the caller for their pro-rata part of equity; `type(uint256).max` burns the caller's
    /// whole balance after the management fee accrued (so the fee recipient's "all" includes its newest fee shares).
    /// The position shrinks by the same fraction, so leverage is unchanged for the holders who stay; they keep `equity
    /// x (supply - shares) / supply` rounded up, the redeemer gets the rest less the redeem fee. When what stays is
    /// dust (below `MIN_POSITION_EQUITY`) the whole position is closed instead: the last redeem leaves no open
    /// position. The payout is the redeemer's share whatever part of the equity is settled margin and what part is
    /// unrealized profit: the exchange realizes the profit the payout needs. Never blocked by pause or the cap. A
    /// redeem that leaves a position while leverage is above the band rebalances first (the exchange refuses
    /// withdrawals under its maintenance margin). With a value <= 0 it wipes the token out first; after a wipe-out it
    /// pays the pro-rata remainder, possibly 0.
    /// @return collateralOut the stablecoin sent to `receiver`
    function redeem(
        uint256 shares,
        uint256 minCollateralOut,
        address receiver
    ) external returns (uint256 collateralOut);

    /// @notice The most collateral `mint` takes in now (its mint fee included), ERC-4626's `maxMint` in collateral:
    /// the equity cap's headroom grossed up for the mint fee, `type(uint256).max` without a cap, and 0 whenever a
    /// mint would revert whatever its size: paused, wiped out (retired tokens are), due to be (a value <= 0), or at
    /// a price that is not FRESH. Never reverts. The same for every receiver.
    function maxMint(address receiver) external view returns (uint256 collateralIn);

    /// @notice The most shares `owner` can redeem now, ERC-4626's `maxRedeem`: its balance, never limited by the cap
    /// or a pause; 0 while the price is not FRESH (a redeem would revert) unless the token is wiped out. Never reverts.
    function maxRedeem(address owner) external view returns (uint256 shares);

    /// @notice What `mint(collateralIn, ...)` would give now, exactly: the same rounding, fees, taker fee, dead shares
    /// and rebalance first. 0 when the mint would revert for being wiped out (or due to be). Ignores pause and the
    /// equity cap (`maxMint`).
    function previewMint(uint256 collateralIn) external view returns (uint256 shares);

    /// @notice What `redeem(shares, ...)` would pay now, exactly, in every branch (fees, taker fee, rebalance first,
    /// closing the position, realizing profit, a wipe-out). 0 for more shares than the supply.
    function previewRedeem(uint256 shares) external view returns (uint256 collateralOut);

    // ---------------------------------------------------------------------------------------------------------
    // Keepers
    // ---------------------------------------------------------------------------------------------------------

    /// @notice Trades the position to `L x min(equity, equityCap) / price`: equity beyond the cap is not levered.
    /// Allowed when `rebalanceAction()` is not NONE, else reverts with `LeveragedTokenRebalanceNotDue` before any
    /// trade (a keeper that lost a race pays about what asking costs). When equity has reached 0 it wipes the token
    /// out instead. Pays the caller the reward of the rebalance (`rebalanceReward()`) into its margin account in the
    /// token's market on the exchange (paid by `IPerpExchange.tradeToLeverage` in the same call), from which it
    /// withdraws when it likes.
    function rebalance() external;

    /// @notice `rebalance()`, its reward paid to `keeper` instead of the caller (for a batch or an upkeep that
    /// forwards it to its own caller).
    function rebalanceFor(address keeper) external;

    /// @notice What a rebalance in this block would pay its caller (collateral units): 0 when nothing is due, on a
    /// price that is not fresh, for a wipe-out, and for a drift below the band before the interval has passed (a
    /// donation can cause that one, the price or the clock never). See `RewardSettings` and `KeeperReward`.
    function rebalanceReward() external view returns (uint256);

    /// @notice `rebalanceReward()` at `timestamp` (e.g. the next block's) if the account and the price stay as they
    /// are now.
    function rebalanceRewardAt(uint256 timestamp) external view returns (uint256);

    /// @notice Which rebalance is due now: NONE, TIME or DRIFT. What keepers read. Never reverts. DRIFT when leverage
    /// on the levered equity (`min(equity, equityCap)`) is outside the band, when a dust account (equity below
    /// `MIN_POSITION_EQUITY`) still holds a position (the rebalance closes it), and when the value is <= 0 (the
    /// rebalance wipes the token out). NONE while the price would not pass the exchange's checks (a rebalance would
    /// revert), once wiped out, at 0 supply, and for a dust account without a position. Whatever is due can be done.
    function rebalanceAction() external view returns (RebalanceAction);

    /// @notice What a keeper needs in one call: the due action, the signed current leverage (WAD) and equity, valued
    /// at the price `priceStatus` describes (see `IPerpExchange.PriceStatus`; the action is NONE unless it is FRESH).
    /// Never reverts.
    function keeperStatus()
        external
        view
        returns (RebalanceAction action, int256 leverage, uint256 equity, IPerpExchange.PriceStatus priceStatus);

    // ---------------------------------------------------------------------------------------------------------
    // Admin
    // ---------------------------------------------------------------------------------------------------------

    /// @notice Sets the fees (management fee accrued at the old rate first). Only FEE_MANAGER_ROLE; capped.
    /// The management fee accrues before every mint, redeem and fee change; a rebalance leaves it pending, which
    /// costs nothing since the fee takes shares, not equity, and does not depend on how often it is accrued.
    function setFees(Fees calldata fees) external;

    /// @notice Sets the rebalance interval and band. Only DEFAULT_ADMIN_ROLE.
    function setRebalanceSettings(RebalanceSettings calldata settings) external;

    /// @notice Sets the equity cap (collateral units): the most equity a mint may take the token to, and the most
    /// equity a rebalance levers (what the account holds beyond it, a direct deposit say, stays unlevered);
    /// `type(uint256).max` for none, 0 to take no new money and hold no position. A finite cap is below 2^80 - 1
    /// units (1.2e18 USDC), else `LeveragedTokenInvalidSetting`. Redeems are never limited. Only DEFAULT_ADMIN_ROLE.
    function setEquityCap(uint256 cap) external;

    /// @notice Sets the keeper reward: `cap` at most `MAX_REWARD_CAP_USD` in collateral units, `rampTime` from 1 second
    /// to `MAX_REWARD_RAMP_TIME`, `maxPerYearBps` at most `MAX_REWARD_PER_YEAR_BPS`, else
    /// `LeveragedTokenInvalidSetting`. Only DEFAULT_ADMIN_ROLE.
    function setRewardSettings(RewardSettings calldata settings) external;

    /// @notice Stops minting (never redeeming). Only PAUSER_ROLE.
    function pause() external;

    /// @notice Resumes minting. Only PAUSER_ROLE.
    function unpause() external;

    // ---------------------------------------------------------------------------------------------------------
    // Views (never revert, also under water or with a stale price)
    // ---------------------------------------------------------------------------------------------------------

    /// @notice The exchange that holds the token's account.
    function exchange() external view returns (IPerpExchange);

    /// @notice The exchange market of the underlying asset.
    function marketId() external view returns (uint256);

    /// @notice The signed target leverage L (WAD): 3e18 for 3x long, -1e18 for 1x short.
    function targetLeverage() external view returns (int256);

    /// @notice NAV per whole token (1e18 shares) while the supply is 0, in collateral units.
    function initialNav() external view returns (uint256);

    /// @notice The value of the token's exchange account (margin + unrealized PnL - funding owed), never below 0.
    /// Like every view that values the account at the mark price (`navPerShare`, `currentLeverage`,
    /// `positionNotional`, `capHeadroom`, the previews), it reverts with the exchange's named price error
    /// (`PerpStalePrice`, `PerpInvalidPrice`) while the token holds a position and the price is one a mint or redeem
    /// would refuse; `keeperStatus` and the lens report the price's status instead.
    function equity() external view returns (uint256);

    /// @notice Equity per whole token (1e18 shares), collateral units, rounded down; `initialNav()` at 0 supply, 0
    /// when the value is <= 0. Pending management fee shares and the dead shares count in the supply.
    function navPerShare() external view returns (uint256);

    /// @notice Notional / equity, signed WAD; 0 without a position; type(int256).max (signed like the position)
    /// once equity is 0.
    function currentLeverage() external view returns (int256);

    /// @notice The position's signed size (base units, 18 decimals).
    function positionSize() external view returns (int256);

    /// @notice The position's signed notional (USD WAD).
    function positionNotional() external view returns (int256);

    /// @notice The drift band's bounds on |leverage| (WAD): `|L| x (1 - band)` and `|L| x (1 + band)`.
    function leverageBand() external view returns (uint256 lower, uint256 upper);

    /// @notice When the last rebalance happened (unix seconds; the deployment time before the first).
    function lastRebalanceTime() external view returns (uint256);

    /// @notice When a time-triggered rebalance becomes due.
    function nextRebalanceTime() external view returns (uint256);

    /// @notice Management fee shares accrued since the last accrual and not yet minted.
    function pendingManagementFeeShares() external view returns (uint256);

    /// @notice The fee settings.
    function fees() external view returns (Fees memory);

    /// @notice The rebalance settings.
    function rebalanceSettings() external view returns (RebalanceSettings memory);

    /// @notice The keeper reward's settings.
    function rewardSettings() external view returns (RewardSettings memory);

    /// @notice Whether minting is paused.
    function paused() external view returns (bool);

    /// @notice Whether equity reached 0 and the token was wiped out (terminal).
    function wipedOut() external view returns (bool);

    /// @notice The most equity (collateral units) a mint may take the token to and a rebalance levers;
    /// `type(uint256).max` for none.
    function equityCap() external view returns (uint256);

    /// @notice What a mint may still deposit after its mint fee (collateral units): `equityCap - equity`, 0 at or above
    /// the cap and once wiped out.
    function capHeadroom() external view returns (uint256);
}
