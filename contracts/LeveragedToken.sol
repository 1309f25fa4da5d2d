// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// solhint-disable-next-line max-line-length
import {AutomationCompatibleInterface} from "@chainlink/contracts/src/v0.8/automation/interfaces/AutomationCompatibleInterface.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";

import {ILeveragedToken} from "./interfaces/ILeveragedToken.sol";
import {PermitSignature, PermitSignatures} from "./interfaces/PermitSignature.sol";
import {ManagementFee} from "./libraries/ManagementFee.sol";
import {IPerpExchange} from "./interfaces/IPerpExchange.sol";
import {SignedWad} from "./libraries/SignedWad.sol";

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
///   would take equity above it reverts with the cap and the headroom. Redeems are never limited.
contract LeveragedToken is
    ILeveragedToken,
    AutomationCompatibleInterface,
    ERC20Permit,
    AccessControl,
    Pausable,
    ReentrancyGuardTransient
{
    using SafeERC20 for IERC20;

    /// @notice May pause and unpause minting.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @notice May change the fees and their recipient.
    bytes32 public constant FEE_MANAGER_ROLE = keccak256("FEE_MANAGER_ROLE");

    uint256 private constant WAD = 1e18;
    uint256 private constant BPS = 10_000;
    uint256 private constant YEAR = 365 days;

    /// @notice Hard caps of the fees.
    uint256 public constant MAX_MINT_FEE_BPS = 100;
    uint256 public constant MAX_REDEEM_FEE_BPS = 100;
    uint256 public constant MAX_MANAGEMENT_FEE_PER_YEAR = 0.1e18;
    /// @notice The most |L| may be.
    uint256 public constant MAX_LEVERAGE = 10e18;
    /// @notice Defaults: management fee 0.01% a day (3.65% a year), rebalance every day, band +-1/3 of |L|.
    uint64 public constant DEFAULT_MANAGEMENT_FEE_PER_YEAR = 0.0365e18;
    uint32 public constant DEFAULT_REBALANCE_INTERVAL = 1 days;
    uint64 public constant DEFAULT_BAND = uint64(WAD / 3);
    /// @notice Equity (USD, WAD) below which the account holds no position (a dust account): a trade this small
    /// cannot pay its rounded-up taker fee and still meet the exchange's initial margin, and a position on dust would
    /// carry price risk that nobody rebalances. A dust account's open position is closed by a drift rebalance.
    uint256 public constant MIN_POSITION_EQUITY = 0.01e18;
    /// @notice Shares the first mint locks for good (see the contract's header).
    uint256 public constant MINIMUM_SHARES = 1e12;
    /// @notice Where the locked shares live: an address nobody controls.
    address public constant DEAD_SHARES_HOLDER = address(0xdEaD);

    /// @notice Everything a token is created with.
    struct TokenParams {
        string name; // e.g. "BTC 3x Long"
        string symbol; // e.g. "BTC3L"
        IPerpExchange exchange;
        uint256 marketId;
        int256 targetLeverage; // signed WAD, 0 < |L| <= 10
        uint256 initialNav; // collateral units per whole token while the supply is 0
        uint256 equityCap; // collateral units; a mint may not take equity above it
        address admin; // DEFAULT_ADMIN_ROLE, PAUSER_ROLE and FEE_MANAGER_ROLE
        Fees fees;
        RebalanceSettings rebalanceSettings;
    }

    IPerpExchange private immutable _exchange;
    uint256 private immutable _marketId;
    IERC20 private immutable _collateral;
    /// @dev 10 ** (18 - collateral decimals): USD WAD per collateral unit.
    uint256 private immutable _collateralScale;
    int256 private immutable _targetLeverage;
    uint256 private immutable _initialNav;

    Fees private _fees;
    uint256 private _equityCap; // collateral units
    // One slot: rebalance settings, the two clocks and the terminal flag.
    uint32 private _rebalanceInterval; // seconds
    uint64 private _band; // WAD
    uint40 private _lastRebalance; // unix seconds
    uint40 private _lastFeeAccrual; // unix seconds
    bool private _wipedOut;

    constructor(TokenParams memory p) ERC20(p.name, p.symbol) ERC20Permit(p.name) {
        if (address(p.exchange) == address(0) || p.admin == address(0)) revert LeveragedTokenZeroAddress();
        if (p.targetLeverage == 0 || SignedMath.abs(p.targetLeverage) > MAX_LEVERAGE) {
            revert LeveragedTokenInvalidLeverage(p.targetLeverage);
        }
        if (p.initialNav == 0) revert LeveragedTokenInvalidSetting("initialNav", 0);
        p.exchange.takerFeeBps(p.marketId); // reverts with PerpUnknownMarket for an unknown market
        IERC20 collateral_ = p.exchange.collateral();
        _exchange = p.exchange;
        _marketId = p.marketId;
        _collateral = collateral_;
        _collateralScale = 10 ** (18 - IERC20Metadata(address(collateral_)).decimals());
        _targetLeverage = p.targetLeverage;
        _initialNav = p.initialNav;

        _grantRole(DEFAULT_ADMIN_ROLE, p.admin);
        _grantRole(PAUSER_ROLE, p.admin);
        _grantRole(FEE_MANAGER_ROLE, p.admin);
        _setFees(p.fees);
        _setRebalanceSettings(p.rebalanceSettings);
        _setEquityCap(p.equityCap);
        _lastRebalance = uint40(block.timestamp);
        _lastFeeAccrual = uint40(block.timestamp);
        // The exchange pulls deposits from this contract; one approval for its lifetime.
        collateral_.forceApprove(address(p.exchange), type(uint256).max);
    }

    // -------------------------------------------------------------------------------------------------------------
    // Holders
    // -------------------------------------------------------------------------------------------------------------

    /// @inheritdoc ILeveragedToken
    function mint(
        uint256 collateralIn,
        uint256 minSharesOut,
        address receiver
    ) external nonReentrant whenNotPaused returns (uint256 shares) {
        return _mintShares(collateralIn, minSharesOut, receiver);
    }

    /// @inheritdoc ILeveragedToken
    function mintWithPermit(
        uint256 collateralIn,
        uint256 minSharesOut,
        address receiver,
        PermitSignature calldata signature
    ) external nonReentrant whenNotPaused returns (uint256 shares) {
        // A permit seen in the mempool can be submitted by anyone first; then the allowance is already there and the
        // mint goes on (OpenZeppelin's advice on permit front-running). Without it the transfer below reverts.
        PermitSignatures.tryPermit(signature, address(_collateral), collateralIn);
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

        uint256 gross;
        if (_wipedOut) {
            gross = _proRataMargin(shares, supply);
        } else {
            (int256 valueBefore, int256 size, uint256 price) = _freshSnapshot();
            bool closeAll = valueBefore <= 0 || _leavesDust(valueBefore, shares, supply);
            // Above its band the account may be under the exchange's maintenance margin, where it refuses a
            // withdrawal: a redeem that leaves a position does the due rebalance first (as a mint does).
            if (!closeAll && _isOverLevered(valueBefore, size, price)) {
                (valueBefore, size) = _rebalanceNow(RebalanceAction.DRIFT, valueBefore, size, price, supply);
            }
            if (valueBefore <= 0) {
                // Nothing is left (under water, or the rebalance's fee took the rest): the token is wiped out.
                _wipeOut(valueBefore, size, price);
                gross = _proRataMargin(shares, supply);
            } else {
                int256 sizeDelta = _redeemSizeDelta(closeAll, size, shares, supply);
                int256 valueAfter = valueBefore;
                if (sizeDelta != 0) (, valueAfter) = _exchange.trade(_marketId, sizeDelta);
                gross = _redeemerPart(valueBefore, valueAfter, shares, supply);
                // The stayers' part is what stays; the withdrawal can never exceed the settled margin.
                gross = Math.min(gross, _exchange.margin(address(this), _marketId));
            }
        }

        uint256 fee = Math.mulDiv(gross, _fees.redeemFeeBps, BPS, Math.Rounding.Ceil);
        collateralOut = gross - fee;
        if (collateralOut < minCollateralOut) revert LeveragedTokenRedeemSlippage(collateralOut, minCollateralOut);
        if (gross != 0) _exchange.withdraw(_marketId, gross, address(this));
        if (collateralOut != 0) _collateral.safeTransfer(receiver, collateralOut);
        if (fee != 0) _collateral.safeTransfer(_fees.recipient, fee);
        emit Redeemed(msg.sender, receiver, shares, collateralOut, fee);
    }

    /// @inheritdoc ILeveragedToken
    /// @dev Exact in every branch: the same decisions as `mint`, with the exchange's `previewTrades` standing in for
    /// the rebalance the mint may do first and for its deposit and trade. Ignores pause and the equity cap.
    function previewMint(uint256 collateralIn) external view returns (uint256) {
        if (_wipedOut || collateralIn == 0) return 0;
        uint256 supply = totalSupply() + pendingManagementFeeShares();
        (int256 value, int256 size, uint256 price, ) = _snapshot();
        bool first = supply == 0;
        if (first) supply = _unclaimedEquityShares(value);
        else if (value <= 0) return 0; // a wipe-out is due: the mint reverts
        uint256 net = collateralIn - _mintFee(collateralIn);

        IPerpExchange.TradeStep[2] memory steps;
        if (!first && _rebalancesFirst(value, size, price, supply)) {
            int256 target = _targetSize(value, price, supply);
            steps[0].sizeDelta = target - size;
            (, int256[2] memory afterRebalance, , ) = _exchange.previewTrades(address(this), _marketId, steps);
            (value, size) = (afterRebalance[0], target);
            if (value <= 0) return 0; // the rebalance's fee would take what is left: the mint reverts
        }
        steps[1] = IPerpExchange.TradeStep(net, _mintSizeDelta(net, value, size, price, first ? 0 : supply));
        (, int256[2] memory valuesAfter, , ) = _exchange.previewTrades(address(this), _marketId, steps);
        uint256 shares = _sharesFor(valuesAfter[1] - valuesAfter[0], valuesAfter[0], supply);
        if (!first) return shares;
        return shares > MINIMUM_SHARES ? shares - MINIMUM_SHARES : 0;
    }

    /// @inheritdoc ILeveragedToken
    /// @dev Exact in every branch: the same decisions as `redeem` (a wipe-out, closing the position, a rebalance
    /// first, the cap at the settled margin), with the exchange's `previewTrades` standing in for its trades.
    function previewRedeem(uint256 shares) external view returns (uint256) {
        uint256 supply = totalSupply() + pendingManagementFeeShares();
        if (shares == 0 || shares > supply) return 0;
        uint256 gross;
        if (_wipedOut) {
            gross = _proRataMargin(shares, supply);
        } else {
            (int256 value, int256 size, uint256 price, ) = _snapshot();
            IPerpExchange.TradeStep[2] memory steps;
            bool closeAll = value <= 0 || _leavesDust(value, shares, supply);
            if (!closeAll && _isOverLevered(value, size, price)) {
                int256 target = _targetSize(value, price, supply);
                steps[0].sizeDelta = target - size;
                (, int256[2] memory afterRebalance, , ) = _exchange.previewTrades(address(this), _marketId, steps);
                (value, size) = (afterRebalance[0], target);
            }
            if (value <= 0) {
                // The redeem wipes the token out (closing the position) and pays its part of what margin is left.
                steps[1].sizeDelta = -size;
                (, , uint256 marginLeft, ) = _exchange.previewTrades(address(this), _marketId, steps);
                gross = Math.mulDiv(marginLeft, shares, supply);
            } else {
                steps[1].sizeDelta = _redeemSizeDelta(closeAll, size, shares, supply);
                (, int256[2] memory values, uint256 marginAfter, ) = _exchange.previewTrades(
                    address(this),
                    _marketId,
                    steps
                );
                gross = Math.min(_redeemerPart(values[0], values[1], shares, supply), marginAfter);
            }
        }
        return gross - Math.mulDiv(gross, _fees.redeemFeeBps, BPS, Math.Rounding.Ceil);
    }

    // -------------------------------------------------------------------------------------------------------------
    // Keepers
    // -------------------------------------------------------------------------------------------------------------

    /// @inheritdoc ILeveragedToken
    function rebalance() external nonReentrant {
        _rebalance();
    }

    /// @inheritdoc ILeveragedToken
    function rebalanceAction() public view returns (RebalanceAction) {
        (int256 value, int256 size, uint256 price, bool fresh) = _snapshot();
        if (!fresh) return RebalanceAction.NONE;
        return _action(value, size, price);
    }

    /// @inheritdoc ILeveragedToken
    function keeperStatus() external view returns (RebalanceAction action, int256 leverage, uint256 equity_) {
        (int256 value, int256 size, uint256 price, bool fresh) = _snapshot();
        action = fresh ? _action(value, size, price) : RebalanceAction.NONE;
        leverage = _leverage(value, size, price);
        equity_ = value > 0 ? uint256(value) : 0;
    }

    /// @notice Chainlink Automation: whether a rebalance is due; `performData` is the due action (informative only).
    function checkUpkeep(bytes calldata) external view override returns (bool upkeepNeeded, bytes memory performData) {
        RebalanceAction action = rebalanceAction();
        return (action != RebalanceAction.NONE, abi.encode(action));
    }

    /// @notice Chainlink Automation: rebalances. Ignores `performData` and re-checks everything, like `rebalance()`.
    function performUpkeep(bytes calldata) external override nonReentrant {
        _rebalance();
    }

    // -------------------------------------------------------------------------------------------------------------
    // Admin
    // -------------------------------------------------------------------------------------------------------------

    /// @inheritdoc ILeveragedToken
    function setFees(Fees calldata newFees) external onlyRole(FEE_MANAGER_ROLE) {
        _accrueManagementFee();
        _setFees(newFees);
    }

    /// @inheritdoc ILeveragedToken
    function setRebalanceSettings(RebalanceSettings calldata settings) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setRebalanceSettings(settings);
    }

    /// @inheritdoc ILeveragedToken
    function setEquityCap(uint256 cap) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setEquityCap(cap);
    }

    /// @inheritdoc ILeveragedToken
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @inheritdoc ILeveragedToken
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    // -------------------------------------------------------------------------------------------------------------
    // Views
    // -------------------------------------------------------------------------------------------------------------

    /// @inheritdoc ILeveragedToken
    function exchange() external view returns (IPerpExchange) {
        return _exchange;
    }

    /// @inheritdoc ILeveragedToken
    function marketId() external view returns (uint256) {
        return _marketId;
    }

    /// @inheritdoc ILeveragedToken
    function targetLeverage() external view returns (int256) {
        return _targetLeverage;
    }

    /// @inheritdoc ILeveragedToken
    function initialNav() external view returns (uint256) {
        return _initialNav;
    }

    /// @inheritdoc ILeveragedToken
    function equity() public view returns (uint256) {
        (int256 value, , , ) = _snapshot();
        return value > 0 ? uint256(value) : 0;
    }

    /// @inheritdoc ILeveragedToken
    function navPerShare() external view returns (uint256) {
        uint256 supply = totalSupply() + pendingManagementFeeShares();
        if (supply == 0) return _initialNav;
        return Math.mulDiv(equity(), WAD, supply);
    }

    /// @inheritdoc ILeveragedToken
    function currentLeverage() public view returns (int256) {
        (int256 value, int256 size, uint256 price, ) = _snapshot();
        return _leverage(value, size, price);
    }

    /// @inheritdoc ILeveragedToken
    function positionSize() external view returns (int256) {
        (, int256 size, , ) = _snapshot();
        return size;
    }

    /// @inheritdoc ILeveragedToken
    function positionNotional() external view returns (int256) {
        (, int256 size, uint256 price, ) = _snapshot();
        return SignedWad.mulDivDown(size, price, WAD);
    }

    /// @inheritdoc ILeveragedToken
    function leverageBand() public view returns (uint256 lower, uint256 upper) {
        uint256 target = SignedMath.abs(_targetLeverage);
        uint256 band = _band;
        return (Math.mulDiv(target, WAD - band, WAD), Math.mulDiv(target, WAD + band, WAD));
    }

    /// @inheritdoc ILeveragedToken
    function lastRebalanceTime() external view returns (uint256) {
        return _lastRebalance;
    }

    /// @inheritdoc ILeveragedToken
    function nextRebalanceTime() public view returns (uint256) {
        return uint256(_lastRebalance) + _rebalanceInterval;
    }

    /// @inheritdoc ILeveragedToken
    function pendingManagementFeeShares() public view returns (uint256) {
        if (_wipedOut) return 0;
        return _feeShares(totalSupply(), block.timestamp - _lastFeeAccrual);
    }

    /// @inheritdoc ILeveragedToken
    function fees() external view returns (Fees memory) {
        return _fees;
    }

    /// @inheritdoc ILeveragedToken
    function rebalanceSettings() external view returns (RebalanceSettings memory) {
        return RebalanceSettings(_rebalanceInterval, _band);
    }

    /// @inheritdoc ILeveragedToken
    function wipedOut() external view returns (bool) {
        return _wipedOut;
    }

    /// @inheritdoc ILeveragedToken
    function equityCap() external view returns (uint256) {
        return _equityCap;
    }

    /// @inheritdoc ILeveragedToken
    function capHeadroom() external view returns (uint256) {
        if (_wipedOut) return 0;
        (int256 value, , , ) = _snapshot();
        return _headroom(_equityCap, value);
    }

    // -------------------------------------------------------------------------------------------------------------
    // Internals
    // -------------------------------------------------------------------------------------------------------------

    /// @dev The mint behind `mint` and `mintWithPermit`; `previewMint` makes the same decisions.
    function _mintShares(
        uint256 collateralIn,
        uint256 minSharesOut,
        address receiver
    ) private returns (uint256 shares) {
        if (collateralIn == 0) revert LeveragedTokenZeroAmount();
        if (receiver == address(0)) revert LeveragedTokenZeroAddress();
        if (_wipedOut) revert LeveragedTokenWipedOut();
        _accrueManagementFee();

        (int256 valueBefore, int256 size, uint256 price) = _freshSnapshot();
        uint256 supply = totalSupply();
        bool first = supply == 0;
        if (first) {
            supply = _assignUnclaimedEquity(valueBefore); // no position at zero supply: the value is >= 0
        } else if (valueBefore <= 0) {
            revert LeveragedTokenWipedOut(); // a wipe-out is due; never a mint priced against a value <= 0
        } else if (_rebalancesFirst(valueBefore, size, price, supply)) {
            (valueBefore, size) = _rebalanceNow(RebalanceAction.DRIFT, valueBefore, size, price, supply);
            if (valueBefore <= 0) revert LeveragedTokenWipedOut(); // the rebalance's fee took what was left
        }

        uint256 fee = _mintFee(collateralIn);
        uint256 net = collateralIn - fee;
        _checkCap(valueBefore, net);
        int256 valueAfter = _depositAndTrade(
            collateralIn,
            fee,
            _mintSizeDelta(net, valueBefore, size, price, first ? 0 : supply)
        );

        shares = _sharesFor(valueAfter - valueBefore, valueBefore, supply);
        if (first) shares = _lockMinimumShares(shares);
        if (shares == 0 || shares < minSharesOut) revert LeveragedTokenMintSlippage(shares, minSharesOut);
        _mint(receiver, shares);
        emit Minted(msg.sender, receiver, collateralIn, fee, shares);
    }

    /// @dev Reverts when a deposit of `net` would take a positive value above the equity cap.
    function _checkCap(int256 value, uint256 net) private view {
        uint256 cap = _equityCap;
        if (uint256(value) + net > cap) revert LeveragedTokenEquityCapExceeded(cap, _headroom(cap, value));
    }

    /// @dev Pulls `collateralIn` from the minter, pays the mint fee, deposits the rest and trades `sizeDelta`;
    /// returns the account's value after.
    function _depositAndTrade(uint256 collateralIn, uint256 fee, int256 sizeDelta) private returns (int256 valueAfter) {
        _collateral.safeTransferFrom(msg.sender, address(this), collateralIn);
        if (fee != 0) _collateral.safeTransfer(_fees.recipient, fee);
        uint256 net = collateralIn - fee;
        if (net != 0) _exchange.deposit(_marketId, address(this), net);
        if (sizeDelta != 0) (, valueAfter) = _exchange.trade(_marketId, sizeDelta);
        else (valueAfter, , , ) = _snapshot();
    }

    /// @dev The first mint's dead shares: locks MINIMUM_SHARES of `shares` for good; returns the minter's part.
    function _lockMinimumShares(uint256 shares) private returns (uint256) {
        if (shares <= MINIMUM_SHARES) revert LeveragedTokenFirstMintTooSmall(shares, MINIMUM_SHARES);
        _mint(DEAD_SHARES_HOLDER, MINIMUM_SHARES);
        return shares - MINIMUM_SHARES;
    }

    function _rebalance() private {
        (int256 value, int256 size, uint256 price) = _freshSnapshot();
        RebalanceAction action = _action(value, size, price);
        if (action == RebalanceAction.NONE) {
            revert LeveragedTokenRebalanceNotDue(_leverage(value, size, price), _lastRebalance, nextRebalanceTime());
        }
        if (value <= 0) {
            _wipeOut(value, size, price);
            return;
        }
        _rebalanceNow(action, value, size, price, totalSupply());
    }

    /// @dev Trades to the target size from a positive account value and `supply` shares; returns the value and size
    /// after.
    function _rebalanceNow(
        RebalanceAction action,
        int256 value,
        int256 size,
        uint256 price,
        uint256 supply
    ) private returns (int256 valueAfter, int256 target) {
        target = _targetSize(value, price, supply);
        int256 sizeDelta = target - size;
        _lastRebalance = uint40(block.timestamp);
        valueAfter = value;
        if (sizeDelta != 0) (, valueAfter) = _exchange.trade(_marketId, sizeDelta);
        emit Rebalanced(
            action,
            _leverage(value, size, price),
            _leverage(valueAfter, target, price),
            sizeDelta,
            price,
            uint256(value)
        );
    }

    /// @dev The size a rebalance trades to: `L x equity / price` rounded toward zero, or none when the holders'
    /// part (besides the dead shares) is dust.
    function _targetSize(int256 value, uint256 price, uint256 supply) private view returns (int256) {
        if (!_holdsPosition(value, supply)) return 0;
        return SignedWad.mulDivTowardZero(_targetLeverage, uint256(value) * _collateralScale, price);
    }

    /// @dev The due action for an account state; NONE once wiped out or with no supply.
    function _action(int256 value, int256 size, uint256 price) private view returns (RebalanceAction) {
        uint256 supply = totalSupply();
        if (_wipedOut || supply == 0) return RebalanceAction.NONE;
        // Only a gap or a liquidation takes a value to 0 or below (a dust account holds no position): wipe it out.
        if (value <= 0) return RebalanceAction.DRIFT;
        // A dust account holds no position: one left open (the price moved it into dust) is closed.
        if (!_holdsPosition(value, supply)) return size != 0 ? RebalanceAction.DRIFT : RebalanceAction.NONE;
        uint256 leverage = SignedMath.abs(_leverage(value, size, price));
        (uint256 lower, uint256 upper) = leverageBand();
        if (leverage < lower || leverage > upper) return RebalanceAction.DRIFT;
        if (block.timestamp >= nextRebalanceTime()) return RebalanceAction.TIME;
        return RebalanceAction.NONE;
    }

    /// @dev Whether a mint must do the due drift rebalance first, for a positive account value: above the band the
    /// account may be under the exchange's margin requirements, and a dust account's position must be closed.
    function _rebalancesFirst(int256 value, int256 size, uint256 price, uint256 supply) private view returns (bool) {
        if (size == 0) return false;
        return !_holdsPosition(value, supply) || _isOverLevered(value, size, price);
    }

    /// @dev Whether |leverage| is above the band, for a positive account value.
    function _isOverLevered(int256 value, int256 size, uint256 price) private view returns (bool) {
        (, uint256 upper) = leverageBand();
        return SignedMath.abs(_leverage(value, size, price)) > upper;
    }

    /// @dev Whether a value (collateral units, >= 0) is below MIN_POSITION_EQUITY.
    function _isDust(uint256 value) private view returns (bool) {
        return value * _collateralScale < MIN_POSITION_EQUITY;
    }

    /// @dev Whether the account holds a position: its holders' part besides the dead shares is not dust. (The dead
    /// shares' part, which a donation can make large, is never levered on its own: an unused token holds nothing.)
    function _holdsPosition(int256 value, uint256 supply) private view returns (bool) {
        return !_isDust(_liveValue(uint256(value), supply));
    }

    /// @dev The part of `value` that belongs to shares other than the dead ones, rounded down; 0 without them.
    function _liveValue(uint256 value, uint256 supply) private pure returns (uint256) {
        if (supply <= MINIMUM_SHARES) return 0;
        return Math.mulDiv(value, supply - MINIMUM_SHARES, supply);
    }

    /// @dev Whether a redeem of `shares` leaves the holders who stay (the dead shares aside) only dust, so that it
    /// closes the position.
    function _leavesDust(int256 value, uint256 shares, uint256 supply) private view returns (bool) {
        return _isDust(_liveValue(_stayersPart(value, shares, supply), supply - shares));
    }

    /// @dev What a redeem trades: the whole position when it leaves dust, else its `shares / supply` part.
    function _redeemSizeDelta(
        bool closeAll,
        int256 size,
        uint256 shares,
        uint256 supply
    ) private pure returns (int256) {
        return closeAll ? -size : -SignedWad.mulDivTowardZero(size, shares, supply);
    }

    /// @dev At zero supply, equity left in the account (a donation before the first mint) belongs to nobody; it is
    /// not given to the next minter but assigned, at the initial NAV, to the fee recipient. Returns the supply after
    /// (0 when it is worth less than one share unit).
    function _assignUnclaimedEquity(int256 value) private returns (uint256 shares) {
        shares = _unclaimedEquityShares(value);
        if (shares != 0) {
            address recipient = _fees.recipient;
            _mint(recipient, shares);
            emit UnclaimedEquityAssigned(recipient, uint256(value), shares);
        }
    }

    function _unclaimedEquityShares(int256 value) private view returns (uint256) {
        return value > 0 ? Math.mulDiv(uint256(value), WAD, _initialNav) : 0;
    }

    /// @dev Closes the position and marks the token as wiped out (terminal).
    function _wipeOut(int256 value, int256 size, uint256 price) private {
        _wipedOut = true;
        if (size != 0) _exchange.trade(_marketId, -size);
        emit WipedOut(price, value, _exchange.margin(address(this), _marketId));
    }

    function _snapshot() private view returns (int256 value, int256 size, uint256 price, bool fresh) {
        return _exchange.accountSnapshot(address(this), _marketId);
    }

    /// @dev `_snapshot` for a state change: reverts with the exchange's price error unless the price is fresh.
    function _freshSnapshot() private view returns (int256 value, int256 size, uint256 price) {
        bool fresh;
        (value, size, price, fresh) = _snapshot();
        if (!fresh) _revertOnPrice();
    }

    /// @dev Reverts with the exchange's named price error (PerpStalePrice or PerpInvalidPrice, with values).
    function _revertOnPrice() private view {
        _exchange.markPrice(_marketId);
    }

    /// @dev notional x WAD / equity, signed, rounded toward zero.
    function _leverage(int256 value, int256 size, uint256 price) private view returns (int256) {
        if (size == 0) return 0;
        if (value <= 0) return size > 0 ? type(int256).max : type(int256).min;
        int256 notional_ = SignedWad.mulDivDown(size, price, WAD);
        return (notional_ * int256(WAD)) / (value * int256(_collateralScale));
    }

    /// @dev The mint fee on `collateralIn`, rounded up.
    function _mintFee(uint256 collateralIn) private view returns (uint256) {
        return Math.mulDiv(collateralIn, _fees.mintFeeBps, BPS, Math.Rounding.Ceil);
    }

    /// @dev The size a mint of `net` collateral adds, so that leverage is the same after the mint and the
    /// exchange's taker fee `t` (which the minter pays): the equity added is `a = net / (1 + |l| t)` and the size
    /// grows by `size x a / equity`, or by `L x a / price` when there is no position yet. None when the holders'
    /// part (`_liveValue` over `supply`, 0 for the first mint) plus `net` is still dust. Rounded toward zero.
    function _mintSizeDelta(
        uint256 net,
        int256 value,
        int256 size,
        uint256 price,
        uint256 supply
    ) private view returns (int256) {
        if (_isDust(_liveValue(uint256(value), supply) + net)) return 0;
        uint256 feeBps = _exchange.takerFeeBps(_marketId);
        uint256 netWad = net * _collateralScale;
        if (size == 0) {
            // L x net / (price x (1 + |L| t))
            uint256 denominator = Math.mulDiv(price, BPS * WAD + SignedMath.abs(_targetLeverage) * feeBps, WAD);
            return SignedWad.mulDivTowardZero(_targetLeverage, netWad * BPS, denominator);
        }
        // size x net / (equity + |notional| t)
        uint256 equityTimesBps = uint256(value) * _collateralScale * BPS;
        uint256 denom = equityTimesBps + Math.mulDiv(SignedMath.abs(size), price, WAD) * feeBps;
        return SignedWad.mulDivTowardZero(size, netWad * BPS, denom);
    }

    /// @dev Shares for `added` equity: `added x supply / valueBefore`, or `added x 1e18 / initialNav` at 0 supply;
    /// rounded down.
    function _sharesFor(int256 added, int256 valueBefore, uint256 supply) private view returns (uint256) {
        if (added <= 0) return 0;
        if (supply == 0) return Math.mulDiv(uint256(added), WAD, _initialNav);
        return Math.mulDiv(uint256(added), supply, uint256(valueBefore));
    }

    /// @dev What the holders who stay keep of a positive value when `shares` of `supply` leave:
    /// `value x (supply - shares) / supply` rounded up.
    function _stayersPart(int256 value, uint256 shares, uint256 supply) private pure returns (uint256) {
        return Math.mulDiv(uint256(value), supply - shares, supply, Math.Rounding.Ceil);
    }

    /// @dev What a redeemer of `shares` gets before fees: what the trade left minus what the stayers keep.
    function _redeemerPart(
        int256 valueBefore,
        int256 valueAfter,
        uint256 shares,
        uint256 supply
    ) private pure returns (uint256) {
        uint256 keep = _stayersPart(valueBefore, shares, supply);
        return valueAfter > int256(keep) ? uint256(valueAfter) - keep : 0;
    }

    /// @dev The mint headroom under `cap` for a positive value: `cap - value`, or 0 at or above the cap.
    function _headroom(uint256 cap, int256 value) private pure returns (uint256) {
        uint256 equity_ = value > 0 ? uint256(value) : 0;
        return cap > equity_ ? cap - equity_ : 0;
    }

    /// @dev After a wipe-out: the redeemer's pro-rata part of what margin is left, rounded down.
    function _proRataMargin(uint256 shares, uint256 supply) private view returns (uint256) {
        return Math.mulDiv(_exchange.margin(address(this), _marketId), shares, supply);
    }

    function _accrueManagementFee() private {
        uint256 last = _lastFeeAccrual;
        if (last == block.timestamp) return;
        _lastFeeAccrual = uint40(block.timestamp);
        if (_wipedOut) return;
        uint256 shares = _feeShares(totalSupply(), block.timestamp - last);
        if (shares != 0) {
            address recipient = _fees.recipient;
            _mint(recipient, shares);
            emit ManagementFeeAccrued(recipient, shares);
        }
    }

    /// @dev Fee shares for `supply` over `elapsed` seconds (see `ManagementFee.feeShares`).
    function _feeShares(uint256 supply, uint256 elapsed) private view returns (uint256) {
        return ManagementFee.feeShares(supply, _fees.managementFeePerYear, elapsed);
    }

    function _setFees(Fees memory f) private {
        if (f.recipient == address(0)) revert LeveragedTokenZeroAddress();
        if (f.mintFeeBps > MAX_MINT_FEE_BPS)
            revert LeveragedTokenFeeTooHigh("mintFeeBps", f.mintFeeBps, MAX_MINT_FEE_BPS);
        if (f.redeemFeeBps > MAX_REDEEM_FEE_BPS) {
            revert LeveragedTokenFeeTooHigh("redeemFeeBps", f.redeemFeeBps, MAX_REDEEM_FEE_BPS);
        }
        if (f.managementFeePerYear > MAX_MANAGEMENT_FEE_PER_YEAR) {
            revert LeveragedTokenFeeTooHigh(
                "managementFeePerYear",
                f.managementFeePerYear,
                MAX_MANAGEMENT_FEE_PER_YEAR
            );
        }
        _fees = f;
        emit FeesUpdated(f);
    }

    function _setEquityCap(uint256 cap) private {
        _equityCap = cap;
        emit EquityCapUpdated(cap);
    }

    function _setRebalanceSettings(RebalanceSettings memory s) private {
        if (s.interval == 0) revert LeveragedTokenInvalidSetting("interval", 0);
        if (s.band == 0 || s.band >= WAD) revert LeveragedTokenInvalidSetting("band", s.band);
        _rebalanceInterval = s.interval;
        _band = s.band;
        emit RebalanceSettingsUpdated(s);
    }
}
