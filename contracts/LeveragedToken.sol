// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";

import {ILeveragedToken} from "./interfaces/ILeveragedToken.sol";
import {IPerpExchange} from "./interfaces/IPerpExchange.sol";
import {PermitSignature, PermitSignatures} from "./interfaces/PermitSignature.sol";
import {ITermsSource, KeeperReward} from "./libraries/KeeperReward.sol";
import {LeverageMath} from "./libraries/LeverageMath.sol";
import {ManagementFee} from "./libraries/ManagementFee.sol";
import {PerpMath} from "./libraries/PerpMath.sol";
import {TokenQuotes} from "./libraries/TokenQuotes.sol";
import {CloneERC20Permit} from "./token/CloneERC20Permit.sol";
import {TokenConfig} from "./token/TokenConfig.sol";

/// @title LeveragedToken
/// @notice One leveraged token: a market of the exchange and a signed target leverage (BTC3L, ETH1S, ...).
/// @dev Management fee: taken by share inflation, as continuous dilution (see `ManagementFee`): over `t` seconds
/// the holders keep `e^(-rate x t / year)` of the token, whatever the number of accruals in between. Share inflation
/// was chosen over deducting collateral from equity because it needs no exchange call, no price and no withdrawal:
/// it works while the feed is stale or the account is near its margin requirement, costs little gas, and leaves the
/// position (and so the leverage) untouched. For the same reason a rebalance does not accrue it: the fee takes
/// shares, not equity, so the position a rebalance sets is the same either way, and since the fee does not depend
/// on how often it is accrued, minting it at the next mint, redeem or fee change takes exactly as much. Views count
/// the pending fee shares in the supply.
///
/// Safety at zero, dust and tiny supply (each rule closes a class of attack; SECURITY.md has the findings):
/// - Dead shares. The first mint locks `MINIMUM_SHARES` of the minter's shares for good at `DEAD_SHARES_HOLDER`, as
///   Uniswap V2 locks `MINIMUM_LIQUIDITY`, so the supply never falls back to a few share units. With 18-decimal
///   shares that is 1e-6 token (1e-4 USDC at an initial NAV of 100 USDC), yet it makes one share unit worth at most
///   equity / 1e12: a donation that inflates it to one 1e-6 USDC unit must exceed 1,000,000 USDC and is owned almost
///   wholly by the dead shares, so the donor loses it. Chosen over virtual shares and assets (OpenZeppelin's ERC-4626
///   offset) because NAV stays exactly equity / supply, which the exact model, the reference numbers and every
///   integrator rely on; and over refusing redeems that leave a tiny supply, which would block the last holders.
/// - Dust accounts hold no position. Below `MIN_POSITION_EQUITY` the account carries no price risk, so it cannot
///   reach a value <= 0 by itself and no griefer can use a dust stake to kill a token: a drift rebalance closes a
///   dust account's position, a mint that leaves the account dust opens none, and a redeem that leaves the holders
///   who stay only dust closes the position (the last redeem leaves none).
/// - Never priced against a value <= 0. Such an account only comes from a gap or a liquidation beyond the band; a
///   wipe-out is then due (terminal: the factory can retire the token and list a successor), mints are refused, and
///   `navPerShare()` and the previews say 0.
/// - An operator-set cap on equity (`equityCap`), as Index Coop's and Seamless's tokens have: a mint whose deposit
///   would take equity above it reverts with the cap and the headroom, and a rebalance levers at most the cap
///   (`PerpMath.levered`), so that equity the account holds beyond it (a deposit straight into the token's
///   exchange account, a rally past the cap) is not levered: the position never exceeds what the cap allows at the
///   top of the band, whoever deposits what. Redeems are never limited.
///
/// One quote path per action, ERC-4626 style: `mint` and `previewMint` run the same `TokenQuotes.quoteMint`, and
/// `redeem` and `previewRedeem` the same `quoteRedeem`, over one `Snapshot` of the exchange account
/// (`accountState`). A quote replays the trades with `PerpMath`, the code the exchange trades with, so a preview is
/// exactly what the action does and the action executes what its quote says: one exchange call for a mint's deposit
/// and trade (`depositAndTrade`), one for a redeem's trade and payouts (`tradeAndWithdraw`, paying the redeemer and
/// the fee recipient straight from the exchange), one for a rebalance (`tradeToLeverage`, which reads the price
/// once). The formulas are `LeverageMath`'s and `PerpMath`'s, each once with its rounding.
///
/// Each token is a clone of one implementation (see `LeveragedTokenFactory`): what it is fixed to, what its admins
/// set and how it reads its exchange account are in `TokenConfig`; the ERC-20 with its permit in `CloneERC20Permit`.
contract LeveragedToken is TokenConfig, CloneERC20Permit, ITermsSource, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Equity (USD, WAD) below which the account holds no position (a dust account): a trade this small
    /// cannot pay its rounded-up taker fee and still meet the exchange's initial margin, and a position on dust would
    /// carry price risk that nobody rebalances. A dust account's open position is closed by a drift rebalance.
    uint256 public constant MIN_POSITION_EQUITY = LeverageMath.MIN_POSITION_EQUITY;
    /// @notice Shares the first mint locks for good (see the contract's header).
    uint256 public constant MINIMUM_SHARES = LeverageMath.MINIMUM_SHARES;
    /// @notice Where the locked shares live: an address nobody controls.
    address public constant DEAD_SHARES_HOLDER = address(0xdEaD);

    /// @dev The implementation every token's clone runs: set up once here, so that nobody can initialize it.
    constructor() {
        _state.lastRebalance = 1;
    }

    /// @inheritdoc ILeveragedToken
    function initialize(InitParams calldata params) external {
        _initConfig(params);
        _initERC20(params.name, params.symbol);
        // The exchange pulls deposits from this contract; one approval for its lifetime.
        _collateral().forceApprove(address(_exchange()), type(uint256).max);
    }

    // -------------------------------------------------------------------------------------------------------------
    // Holders
    // -------------------------------------------------------------------------------------------------------------

    /// @inheritdoc ILeveragedToken
    function mint(uint256 collateralIn, uint256 minSharesOut, address receiver) external returns (uint256 shares) {
        return _mintShares(collateralIn, minSharesOut, receiver);
    }

    /// @inheritdoc ILeveragedToken
    function mintWithPermit(
        uint256 collateralIn,
        uint256 minSharesOut,
        address receiver,
        PermitSignature calldata signature
    ) external returns (uint256 shares) {
        // A permit seen in the mempool can be submitted by anyone first; then the allowance is already there and the
        // mint goes on (OpenZeppelin's advice on permit front-running). Without it the transfer below reverts.
        PermitSignatures.tryPermit(signature, address(_collateral()), collateralIn);
        return _mintShares(collateralIn, minSharesOut, receiver);
    }

    /// @inheritdoc ILeveragedToken
    function redeem(
        uint256 shares,
        uint256 minCollateralOut,
        address receiver
    ) external nonReentrant returns (uint256 collateralOut) {
        if (receiver == address(0)) revert LeveragedTokenZeroAddress();
        _accrueManagementFee();
        if (shares == type(uint256).max) shares = balanceOf(msg.sender);
        if (shares == 0) revert LeveragedTokenZeroAmount();
        uint256 supply = totalSupply();
        _burn(msg.sender, shares); // reverts with ERC20InsufficientBalance beyond the caller's balance

        // After a wipe-out the redeem pays its part of what margin is left, whatever the price.
        TokenQuotes.Snapshot memory s = _snapshot(supply, !_state.wipedOut);
        TokenQuotes.RedeemQuote memory q = TokenQuotes.quoteRedeem(_terms(_state), s, shares, _fees.redeemFeeBps);
        uint256 price = s.account.price;
        if (q.rebalance.due) _rebalanceFirst(q.rebalance, price);
        if (q.wipesOut) {
            _state.wipedOut = true;
            emit WipedOut(price, q.value, q.marginLeft);
        }
        collateralOut = q.gross - q.fee;
        if (collateralOut < minCollateralOut) revert LeveragedTokenRedeemSlippage(collateralOut, minCollateralOut);
        if (q.sizeDelta != 0 || q.gross != 0) {
            // The trade, then the payouts straight from the exchange: the redeemer's and the fee recipient's.
            IPerpExchange.Payout[2] memory payouts;
            payouts[0] = IPerpExchange.Payout(receiver, collateralOut);
            payouts[1] = IPerpExchange.Payout(_fees.recipient, q.fee);
            _exchange().tradeAndWithdraw(_marketId(), q.sizeDelta, payouts);
        }
        emit Redeemed(msg.sender, receiver, shares, collateralOut, q.fee);
    }

    /// @inheritdoc ILeveragedToken
    /// @dev A mint that a rebalance-first's taker fee makes room for may take a little more than this (ERC-4626:
    /// "underestimate if necessary").
    function maxMint(address) external view returns (uint256) {
        State memory st = _state;
        if (st.paused || st.wipedOut) return 0;
        IPerpExchange.AccountState memory a = _account();
        if (a.priceStatus != IPerpExchange.PriceStatus.FRESH || (a.value <= 0 && totalSupply() != 0)) return 0;
        uint256 cap = _cap(st);
        if (cap == type(uint256).max) return cap;
        return LeverageMath.grossForNet(LeverageMath.headroom(cap, a.value), _fees.mintFeeBps);
    }

    /// @inheritdoc ILeveragedToken
    function maxRedeem(address owner) external view returns (uint256) {
        if (!_state.wipedOut && _account().priceStatus != IPerpExchange.PriceStatus.FRESH) return 0;
        return balanceOf(owner);
    }

    /// @inheritdoc ILeveragedToken
    /// @dev `mint`'s own quote (`TokenQuotes.quoteMint`), without acting on it: exact in every branch. Ignores
    /// pause and the equity cap.
    function previewMint(uint256 collateralIn) external view returns (uint256) {
        if (_state.wipedOut || collateralIn == 0) return 0;
        TokenQuotes.Snapshot memory s = _snapshot(totalSupply() + pendingManagementFeeShares(), true);
        TokenQuotes.MintQuote memory q = TokenQuotes.quoteMint(_terms(_state), s, collateralIn, _fees.mintFeeBps);
        if (q.refused) return 0;
        if (s.supply != 0) return q.shares;
        return q.shares > MINIMUM_SHARES ? q.shares - MINIMUM_SHARES : 0;
    }

    /// @inheritdoc ILeveragedToken
    /// @dev `redeem`'s own quote (`TokenQuotes.quoteRedeem`), without acting on it: exact in every branch.
    function previewRedeem(uint256 shares) external view returns (uint256) {
        uint256 supply = totalSupply() + pendingManagementFeeShares();
        if (shares == 0 || shares > supply) return 0;
        TokenQuotes.RedeemQuote memory q = TokenQuotes.quoteRedeem(
            _terms(_state),
            _snapshot(supply, !_state.wipedOut),
            shares,
            _fees.redeemFeeBps
        );
        return q.gross - q.fee;
    }

    // -------------------------------------------------------------------------------------------------------------
    // Keepers
    // -------------------------------------------------------------------------------------------------------------

    /// @inheritdoc ILeveragedToken
    /// @dev One exchange call: `tradeToLeverage` reads the price once, trades to the target size and reports the
    /// account before the trade, from which the due action is decided. Before the interval has passed it is given
    /// the drift band, within which it trades nothing: a rebalance that is not due (a keeper that lost a race)
    /// reverts for about what asking costs, never after a whole trade. The management fee is left pending (see the
    /// contract's header).
    function rebalance() external {
        _rebalance(msg.sender);
    }

    /// @inheritdoc ILeveragedToken
    function rebalanceFor(address keeper) external {
        _rebalance(keeper);
    }

    /// @dev The rebalance behind `rebalance` and `rebalanceFor`: its reward goes to `keeper` (none for the zero
    /// address, e.g. a `TokenUpkeep`'s).
    function _rebalance(address keeper) private nonReentrant {
        State memory st = _state;
        uint256 supply = totalSupply();
        if (st.wipedOut || supply == 0) {
            // Nothing can be due (on a stale or invalid price, the price's error first, as for any rebalance).
            IPerpExchange.AccountState memory a = _snapshot(supply, true).account;
            _requireDue(RebalanceAction.NONE, a.value, a.size, a.price, st);
        }
        // Before the interval has passed only a drift can be due: the exchange is given the band, within which it
        // trades nothing, so that a rebalance that is not due (a keeper that lost a race) reverts without a trade.
        (uint256 lower, uint256 upper) = block.timestamp < uint256(st.lastRebalance) + st.rebalanceInterval
            ? LeverageMath.band(_targetLeverage(), st.band)
            : (type(uint256).max, 0); // an empty band: trade to the target
        uint256 minValue = LeverageMath.minPositionValue(supply, _collateralScale());
        IPerpExchange.LeverageTrade memory t = _exchange().tradeToLeverage(
            _marketId(),
            IPerpExchange.LeverageTarget({
                leverage: _targetLeverage(),
                minValue: minValue,
                maxValue: _cap(st),
                bandLower: lower,
                bandUpper: upper,
                keeper: keeper
            })
        );
        RebalanceAction action = TokenQuotes.action(_terms(st), t.valueBefore, t.sizeBefore, t.price, supply, minValue);
        _requireDue(action, t.valueBefore, t.sizeBefore, t.price, st);
        if (t.valueBefore <= 0) {
            // Nothing is left: the trade closed the position for good (a value <= 0 earns no reward).
            _state.wipedOut = true;
            emit WipedOut(t.price, t.valueBefore, t.marginAfter);
            return;
        }
        _state.lastRebalance = uint32(block.timestamp);
        _emitRebalanced(action, t.valueBefore, t.sizeBefore, t.valueAfter, t.sizeAfter, t.price);
    }

    /// @inheritdoc ITermsSource
    /// @dev What the exchange asks for when a rebalance may owe its keeper a reward (never for one within the band:
    /// a keeper that lost a race pays for no read of the settings).
    function keeperRewardTerms() external view returns (uint256) {
        return _packedRewardTerms();
    }

    /// @inheritdoc ILeveragedToken
    function rebalanceReward() external view returns (uint256) {
        return rebalanceRewardAt(block.timestamp);
    }

    /// @inheritdoc ILeveragedToken
    function rebalanceRewardAt(uint256 timestamp) public view returns (uint256) {
        State memory st = _state;
        uint256 supply = totalSupply();
        IPerpExchange.AccountState memory a = _account();
        if (a.priceStatus != IPerpExchange.PriceStatus.FRESH || st.wipedOut || supply == 0) return 0;
        // A dust account without a position has nothing to rebalance (with one, a drift closes it).
        int256 levered = PerpMath.levered(a.value, _cap(st));
        uint256 minValue = LeverageMath.minPositionValue(supply, _collateralScale());
        if (a.size == 0 && !PerpMath.holdsPosition(levered, minValue)) return 0;
        uint256 leverage = SignedMath.abs(_leverage(levered, a.size, a.price));
        return
            KeeperReward.rewardAt(_packedRewardTerms(), _targetLeverage(), levered, leverage, a.priceTime, timestamp);
    }

    /// @inheritdoc ILeveragedToken
    function rebalanceAction() external view returns (RebalanceAction action) {
        (action, , , ) = keeperStatus();
    }

    /// @inheritdoc ILeveragedToken
    function keeperStatus()
        public
        view
        returns (RebalanceAction action, int256 leverage, uint256 equity_, IPerpExchange.PriceStatus priceStatus)
    {
        uint256 supply = totalSupply();
        IPerpExchange.AccountState memory a = _account();
        priceStatus = a.priceStatus;
        // Nothing is due while the price would not pass the exchange's checks: the rebalance would revert.
        if (priceStatus == IPerpExchange.PriceStatus.FRESH) {
            uint256 minValue = LeverageMath.minPositionValue(supply, _collateralScale());
            action = TokenQuotes.action(_terms(_state), a.value, a.size, a.price, supply, minValue);
        }
        leverage = _leverage(a.value, a.size, a.price);
        equity_ = a.value > 0 ? uint256(a.value) : 0;
    }

    // -------------------------------------------------------------------------------------------------------------
    // Views
    // -------------------------------------------------------------------------------------------------------------

    /// @inheritdoc ILeveragedToken
    function equity() public view returns (uint256) {
        int256 value = _valuedAccount().value;
        return value > 0 ? uint256(value) : 0;
    }

    /// @inheritdoc ILeveragedToken
    function navPerShare() external view returns (uint256) {
        uint256 supply = totalSupply() + pendingManagementFeeShares();
        if (supply == 0) return _initialNav();
        return Math.mulDiv(equity(), WAD, supply);
    }

    /// @inheritdoc ILeveragedToken
    function currentLeverage() external view returns (int256) {
        IPerpExchange.AccountState memory a = _valuedAccount();
        return _leverage(a.value, a.size, a.price);
    }

    /// @inheritdoc ILeveragedToken
    function positionSize() external view returns (int256) {
        return _account().size;
    }

    /// @inheritdoc ILeveragedToken
    function positionNotional() external view returns (int256) {
        IPerpExchange.AccountState memory a = _valuedAccount();
        return PerpMath.notional(a.size, a.price);
    }

    /// @inheritdoc ILeveragedToken
    function pendingManagementFeeShares() public view returns (uint256) {
        State memory st = _state;
        if (st.wipedOut) return 0;
        return ManagementFee.feeShares(totalSupply(), _fees.managementFeePerYear, block.timestamp - st.lastFeeAccrual);
    }

    /// @inheritdoc ILeveragedToken
    function capHeadroom() external view returns (uint256) {
        State memory st = _state;
        if (st.wipedOut) return 0;
        return LeverageMath.headroom(_cap(st), _valuedAccount().value);
    }

    // -------------------------------------------------------------------------------------------------------------
    // Internals
    // -------------------------------------------------------------------------------------------------------------

    /// @dev The mint behind `mint` and `mintWithPermit`: acts on `TokenQuotes.quoteMint`, the quote `previewMint`
    /// returns.
    function _mintShares(
        uint256 collateralIn,
        uint256 minSharesOut,
        address receiver
    ) private nonReentrant returns (uint256 shares) {
        State memory st = _state;
        if (st.paused) revert EnforcedPause();
        if (collateralIn == 0) revert LeveragedTokenZeroAmount();
        if (receiver == address(0)) revert LeveragedTokenZeroAddress();
        if (st.wipedOut) revert LeveragedTokenWipedOut();
        _accrueManagementFee();

        TokenQuotes.Snapshot memory s = _snapshot(totalSupply(), true);
        TokenQuotes.MintQuote memory q = TokenQuotes.quoteMint(_terms(st), s, collateralIn, _fees.mintFeeBps);
        if (q.refused) revert LeveragedTokenWipedOut();
        address recipient = _fees.recipient;
        if (q.assigned != 0) {
            // At zero supply, equity left in the account (a donation before the first mint) belongs to nobody; it
            // is not given to the next minter but assigned, at the initial NAV, to the fee recipient.
            _mint(recipient, q.assigned);
            emit UnclaimedEquityAssigned(recipient, uint256(s.account.value), q.assigned);
        }
        if (q.rebalance.due) _rebalanceFirst(q.rebalance, s.account.price);
        _checkCap(q.valueBefore, q.net);

        _collateral().safeTransferFrom(msg.sender, address(this), collateralIn);
        if (q.fee != 0) _collateral().safeTransfer(recipient, q.fee);
        if (q.net != 0 || q.sizeDelta != 0) _exchange().depositAndTrade(_marketId(), q.net, q.sizeDelta);

        shares = q.shares;
        if (s.supply == 0) {
            // The first mint's dead shares: MINIMUM_SHARES of its shares are locked for good.
            if (shares <= MINIMUM_SHARES) revert LeveragedTokenFirstMintTooSmall(shares, MINIMUM_SHARES);
            _mint(DEAD_SHARES_HOLDER, MINIMUM_SHARES);
            shares -= MINIMUM_SHARES;
        }
        if (shares == 0 || shares < minSharesOut) revert LeveragedTokenMintSlippage(shares, minSharesOut);
        _mint(receiver, shares);
        emit Minted(msg.sender, receiver, collateralIn, q.fee, shares);
    }

    /// @dev Reverts when a deposit of `net` would take a positive value above the equity cap.
    function _checkCap(int256 value, uint256 net) private view {
        uint256 cap = _cap(_state);
        if (uint256(value) + net > cap) revert LeveragedTokenEquityCapExceeded(cap, LeverageMath.headroom(cap, value));
    }

    /// @dev Does the rebalance a mint or redeem quoted first.
    function _rebalanceFirst(TokenQuotes.RebalanceFirst memory r, uint256 price) private {
        _state.lastRebalance = uint32(block.timestamp);
        if (r.sizeDelta != 0) _exchange().trade(_marketId(), r.sizeDelta);
        _emitRebalanced(
            RebalanceAction.DRIFT,
            r.valueBefore,
            r.sizeBefore,
            r.valueAfter,
            r.sizeBefore + r.sizeDelta,
            price
        );
    }

    function _emitRebalanced(
        RebalanceAction action,
        int256 valueBefore,
        int256 sizeBefore,
        int256 valueAfter,
        int256 sizeAfter,
        uint256 price
    ) private {
        emit Rebalanced(
            action,
            _leverage(valueBefore, sizeBefore, price),
            _leverage(valueAfter, sizeAfter, price),
            sizeAfter - sizeBefore,
            price,
            uint256(valueBefore)
        );
    }

    function _accrueManagementFee() internal override {
        State memory st = _state;
        if (st.lastFeeAccrual == block.timestamp) return;
        _state.lastFeeAccrual = uint32(block.timestamp);
        if (st.wipedOut) return;
        uint256 elapsed = block.timestamp - st.lastFeeAccrual;
        uint256 shares = ManagementFee.feeShares(totalSupply(), _fees.managementFeePerYear, elapsed);
        if (shares != 0) {
            address recipient = _fees.recipient;
            _mint(recipient, shares);
            emit ManagementFeeAccrued(recipient, shares);
        }
    }
}
