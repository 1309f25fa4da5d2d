// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";

import {IPerpExchange} from "../interfaces/IPerpExchange.sol";
import {ITermsSource, KeeperReward} from "../libraries/KeeperReward.sol";
import {PerpMath} from "../libraries/PerpMath.sol";
import {PerpMarkets} from "./PerpMarkets.sol";

/// @title PerpExchange
/// @notice A mock perpetual-futures exchange for local chains and testnets: isolated margin per (account, market),
/// mark price = the market's Chainlink-style feed, continuous funding, a taker fee, maintenance-margin liquidation,
/// and an insurance / liquidity fund that is the counterparty of every trade.
/// @dev Books: the stablecoin balance of this contract always equals the sum of all margins plus the fund.
/// Every amount that moves between an account and the fund is rounded in favour of the fund, so the exchange can
/// never owe more than it holds; a payment the fund cannot make reverts with `PerpInsufficientFund`.
contract PerpExchange is PerpMarkets, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using SafeCast for int256;

    /// @notice May take stablecoin out of the insurance / liquidity fund.
    bytes32 public constant FUND_MANAGER_ROLE = keccak256("FUND_MANAGER_ROLE");

    /// @notice Share of a liquidation penalty paid to the liquidator (bps); the rest goes to the fund.
    uint256 public constant LIQUIDATOR_SHARE_BPS = 5_000;
    /// @notice The most |leverage| (WAD) `tradeToLeverage` takes: 10,000x, what the least initial margin a market may
    /// have (1 bps) allows. The exchange's bound, not a token's (`LeverageMath.MAX_LEVERAGE`, 10x).
    uint256 public constant MAX_TRADE_LEVERAGE = PerpMath.BPS * PerpMath.WAD;

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

    mapping(address account => mapping(uint256 marketId => Account)) private _accounts;

    constructor(IERC20Metadata collateral_, address admin) PerpMarkets(admin) {
        if (address(collateral_) == address(0)) revert PerpZeroAddress();
        uint8 decimals = collateral_.decimals();
        if (decimals > 18) revert PerpInvalidConfig("collateralDecimals", int256(uint256(decimals)));
        _collateral = collateral_;
        _collateralScale = 10 ** (18 - decimals);
        _grantRole(FUND_MANAGER_ROLE, admin);
    }

    // -------------------------------------------------------------------------------------------------------------
    // Fund manager
    // -------------------------------------------------------------------------------------------------------------

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
        int256 levered = PerpMath.levered(r.valueBefore, target.maxValue);
        uint256 scale = _collateralScale;
        // Within a (non-empty) band nothing is traded, and no keeper reward can be due.
        bool hold =
            target.bandLower <= target.bandUpper && // not an empty band
                PerpMath.holdsPosition(levered, target.minValue) &&
                PerpMath.inBand(levered, r.sizeBefore, t.price, target.bandLower, target.bandUpper, scale);
        r.sizeAfter =
            hold ? r.sizeBefore : PerpMath.targetSize(target.leverage, levered, t.price, target.minValue, scale);
        bool traded = r.sizeAfter != r.sizeBefore;
        r.valueAfter = traded ? _trade(t, r.sizeAfter - r.sizeBefore) : r.valueBefore;
        r.priceTime = t.priceTime;
        if (target.keeper != address(0) && !hold) r.reward = _payKeeper(t, r, levered, target);
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
        int256 value = PerpMath.valueOf(t.account, t.fundingOwed, t.price, _collateralScale);
        (bool covered, uint256 maintenance) = _coversMargin(value, size, t.price, t.maintenanceMarginBps);
        if (size == 0 || covered) revert PerpNotLiquidatable(account, marketId, value, maintenance);
        // The position is closed at the mark price, without a taker fee.
        t.takerFeeBps = 0;
        _trade(t, -size);

        uint256 penalty = Math.min(
            PerpMath.requirement(size, t.price, m.liquidationPenaltyBps, _collateralScale),
            t.account.margin
        );
        uint256 reward = (penalty * LIQUIDATOR_SHARE_BPS) / PerpMath.BPS;
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
    function fundBalance() external view returns (uint256) {
        return _fund;
    }

    /// @inheritdoc IPerpExchange
    function position(address account, uint256 marketId) external view returns (Position memory) {
        _market(marketId);
        Account storage a = _accounts[account][marketId];
        return Position(a.size, a.openNotional, a.fundingIndex);
    }

    /// @inheritdoc IPerpExchange
    function isLiquidatable(address account, uint256 marketId) external view returns (bool) {
        AccountState memory s = _accountState(account, marketId);
        if (s.size == 0 || s.priceStatus != PriceStatus.FRESH) return false;
        (bool covered, ) = _coversMargin(s.value, s.size, s.price, _markets[marketId].maintenanceMarginBps);
        return !covered;
    }

    // -------------------------------------------------------------------------------------------------------------
    // Internals
    // -------------------------------------------------------------------------------------------------------------

    /// @dev An account as a view sees it now (see `AccountState`).
    function _accountState(address account, uint256 marketId) private view returns (AccountState memory s) {
        MarketData storage m = _market(marketId);
        Account memory a = _accounts[account][marketId];
        (s.price, s.priceStatus, s.priceTime) = _price(m);
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
        if (growsExposure) _requireMargin(t, valueAfter, t.initialMarginBps);
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

    /// @dev `tradeToLeverage`'s keeper reward (see there) for the loaded caller's account, which the caller stores:
    /// asks the caller for its terms, computes the reward on `levered` at its leverage before the trade, and pays it:
    /// taken from the margin as `_debit` takes it (the maintenance margin checked after), with its work skipped when
    /// the trade left no funding to settle and the settled margin covers the reward. `r` is the trade's report.
    function _payKeeper(
        Trader memory t,
        LeverageTrade memory r,
        int256 levered,
        LeverageTarget calldata target
    ) private returns (uint256 reward) {
        uint256 leverage = SignedMath.abs(PerpMath.leverage(levered, r.sizeBefore, t.price, _collateralScale));
        uint256 terms = ITermsSource(msg.sender).keeperRewardTerms();
        reward = KeeperReward.rewardAt(terms, target.leverage, levered, leverage, t.priceTime, block.timestamp);
        if (reward == 0) return 0;
        if (t.fundingOwed == 0 && reward <= t.account.margin) {
            // `_debit` without its work: no funding to settle and nothing to realize, so the value after the debit is
            // the value after the trade less the reward, exactly (the margin enters the value as it is).
            t.fundingIndex = t.cumulative;
            unchecked {
                // reward <= margin was checked above.
                t.account.margin -= reward;
            }
            if (t.account.size != 0) _requireMargin(t, r.valueAfter - int256(reward), t.maintenanceMarginBps);
        } else {
            _debit(t, reward);
        }
        address keeper = target.keeper;
        if (keeper == msg.sender) {
            t.account.margin += reward; // paid to itself: stored with the account by the caller
        } else {
            Account storage k = _accounts[keeper][t.marketId];
            k.margin = (uint256(k.margin) + reward).toUint128();
        }
        emit MarginTransferred(msg.sender, keeper, t.marketId, reward);
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
            _requireMargin(t, PerpMath.valueOf(t.account, 0, t.price, _collateralScale), t.maintenanceMarginBps);
        }
    }

    /// @dev The margin check (`PerpMath.coversMargin`): whether `value` covers the margin `bps` of a position of
    /// `size` at `price` requires, and that requirement (collateral units, rounded up).
    function _coversMargin(
        int256 value,
        int256 size,
        uint256 price,
        uint256 bps
    ) private view returns (bool covered, uint256 required) {
        return PerpMath.coversMargin(value, size, price, bps, _collateralScale);
    }

    /// @dev Reverts with `PerpMarginRequirementNotMet` unless a loaded account's `value` (funding settled) covers the
    /// margin `bps` of its position requires (`_coversMargin`).
    function _requireMargin(Trader memory t, int256 value, uint256 bps) private view {
        (bool covered, uint256 required) = _coversMargin(value, t.account.size, t.price, bps);
        if (!covered) revert PerpMarginRequirementNotMet(t.owner, t.marketId, value, required);
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
