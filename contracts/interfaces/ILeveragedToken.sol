// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IPerpExchange} from "./IPerpExchange.sol";

/// @title ILeveragedToken
/// @notice An ERC-20 that gives its holders a fixed multiple (the signed target leverage L) of an asset's daily move.
/// The token owns one margin account on a perpetual exchange; holders mint and redeem at NAV, and anyone (a keeper)
/// may rebalance the position back to `L x equity / price` when the rebalance interval has passed or leverage has
/// left the drift band.
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

    /// @notice Rebalance settings.
    struct RebalanceSettings {
        uint32 interval; // seconds between time-triggered rebalances
        uint64 band; // WAD; drift band is |L| x (1 - band) .. |L| x (1 + band)
    }

    // ---------------------------------------------------------------------------------------------------------
    // Errors
    // ---------------------------------------------------------------------------------------------------------

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

    // ---------------------------------------------------------------------------------------------------------
    // Events
    // ---------------------------------------------------------------------------------------------------------

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

    // ---------------------------------------------------------------------------------------------------------
    // Holders
    // ---------------------------------------------------------------------------------------------------------

    /// @notice Pays `collateralIn` stablecoin (pulled from the caller) for new shares at NAV. The mint fee is taken
    /// first; the rest is deposited as margin and the position grows in proportion (by `L x net / price` when there
    /// is none), so leverage is unchanged. The minter pays the exchange's taker fee: shares are priced on the equity
    /// actually added, `added x supply / equity` rounded down. Equity found at zero supply (a donation, rounding
    /// left by the last redeem) is first assigned to the fee recipient at the initial NAV (`UnclaimedEquityAssigned`),
    /// never to the minter. While leverage is above the band, the due rebalance is done first. When the account has
    /// lost everything but only dust shares are left (worth < `MIN_REBALANCE_EQUITY` at the initial NAV), the mint is
    /// priced afresh, as at zero supply. Reverts when paused, wiped out, on a stale price, or below `minSharesOut`.
    /// @return shares the shares minted to `receiver`
    function mint(uint256 collateralIn, uint256 minSharesOut, address receiver) external returns (uint256 shares);

    /// @notice Burns `shares` of the caller for their pro-rata part of equity. The position shrinks by the same
    /// fraction, so leverage is unchanged for the holders who stay; they keep `equity x (supply - shares) / supply`
    /// rounded up, the redeemer gets the rest less the redeem fee. Never blocked by pause. A partial redeem while
    /// leverage is above the band rebalances first (the exchange refuses withdrawals under its maintenance margin).
    /// After a wipe-out it pays the pro-rata remainder, possibly 0.
    /// @return collateralOut the stablecoin sent to `receiver`
    function redeem(
        uint256 shares,
        uint256 minCollateralOut,
        address receiver
    ) external returns (uint256 collateralOut);

    /// @notice What `mint(collateralIn, ...)` would give now (same rounding, fees and taker fee included).
    function previewMint(uint256 collateralIn) external view returns (uint256 shares);

    /// @notice What `redeem(shares, ...)` would pay now (same rounding, fees and taker fee included).
    function previewRedeem(uint256 shares) external view returns (uint256 collateralOut);

    // ---------------------------------------------------------------------------------------------------------
    // Keepers
    // ---------------------------------------------------------------------------------------------------------

    /// @notice Trades the position to `L x equity / price`. Allowed when `rebalanceAction()` is not NONE, else
    /// reverts with `LeveragedTokenRebalanceNotDue`. When equity has reached 0 it wipes the token out instead.
    function rebalance() external;

    /// @notice Which rebalance is due now: NONE, TIME or DRIFT. What keepers read. Never reverts; NONE while the
    /// price would not pass the exchange's checks (a rebalance would revert), once wiped out, at 0 supply, and while
    /// the equity is below `MIN_REBALANCE_EQUITY` but positive (dust that cannot pay a trade), and when equity is gone
    /// but only dust shares are left (a wipe-out is terminal: dust must not be able to end a token).
    function rebalanceAction() external view returns (RebalanceAction);

    /// @notice What a keeper needs in one call: the due action, the signed current leverage (WAD) and equity.
    function keeperStatus() external view returns (RebalanceAction action, int256 leverage, uint256 equity);

    // ---------------------------------------------------------------------------------------------------------
    // Admin
    // ---------------------------------------------------------------------------------------------------------

    /// @notice Sets the fees (management fee accrued at the old rate first). Only FEE_MANAGER_ROLE; capped.
    /// The management fee accrues before every mint, redeem and fee change; a rebalance leaves it pending, which
    /// costs nothing since the fee takes shares, not equity, and does not depend on how often it is accrued.
    function setFees(Fees calldata fees) external;

    /// @notice Sets the rebalance interval and band. Only DEFAULT_ADMIN_ROLE.
    function setRebalanceSettings(RebalanceSettings calldata settings) external;

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
    function equity() external view returns (uint256);

    /// @notice Equity per whole token (1e18 shares), collateral units, rounded down; `initialNav()` at 0 supply.
    /// Pending management fee shares count in the supply.
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

    /// @notice Whether equity reached 0 and the token was wiped out (terminal).
    function wipedOut() external view returns (bool);
}
