// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";

import {ILeveragedToken} from "../interfaces/ILeveragedToken.sol";
import {IPerpExchange} from "../interfaces/IPerpExchange.sol";
import {KeeperReward} from "../libraries/KeeperReward.sol";
import {LeverageMath} from "../libraries/LeverageMath.sol";
import {PerpMath} from "../libraries/PerpMath.sol";
import {TokenArgs} from "../libraries/TokenArgs.sol";
import {TokenQuotes} from "../libraries/TokenQuotes.sol";

/// @title TokenConfig
/// @notice What a leveraged token is fixed to (its clone arguments, `TokenArgs`) and what its admins set: the fees,
/// the rebalance settings, the equity cap, the keeper reward's settings and the pause, each within hard bounds, with
/// its event and its view; and how the token reads its exchange account.
abstract contract TokenConfig is ILeveragedToken, AccessControl {
    /// @notice May pause and unpause minting.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @notice May change the fees and their recipient.
    bytes32 public constant FEE_MANAGER_ROLE = keccak256("FEE_MANAGER_ROLE");

    uint256 internal constant WAD = 1e18;

    /// @notice Hard caps of the fees.
    uint256 public constant MAX_MINT_FEE_BPS = 100;
    uint256 public constant MAX_REDEEM_FEE_BPS = 100;
    uint256 public constant MAX_MANAGEMENT_FEE_PER_YEAR = 0.1e18;
    /// @notice The most |L| may be.
    uint256 public constant MAX_LEVERAGE = LeverageMath.MAX_LEVERAGE;
    /// @notice Hard bounds of the keeper reward (see `RewardSettings`): a cap of at most 100 USD in collateral units,
    /// a ramp of at most a day, at most 1% of equity a year.
    uint256 public constant MAX_REWARD_CAP_USD = 100;
    uint32 public constant MAX_REWARD_RAMP_TIME = 1 days;
    uint16 public constant MAX_REWARD_PER_YEAR_BPS = 100;
    /// @dev Reward defaults (`rewardSettings()` says them): up to 2 USD (in collateral units) after 10 minutes, at
    /// most 0.5% of equity a year.
    uint256 private constant DEFAULT_REWARD_CAP_USD = 2;
    uint32 private constant DEFAULT_REWARD_RAMP_TIME = 10 minutes;
    uint16 private constant DEFAULT_REWARD_PER_YEAR_BPS = 50;

    /// @dev The rebalance settings, the two clocks, the equity cap and the flags: one slot, read once by an action.
    struct State {
        uint32 rebalanceInterval; // seconds
        uint64 band; // WAD
        uint32 lastRebalance; // unix seconds (to 2106); 0 only before `initialize`
        uint32 lastFeeAccrual; // unix seconds (to 2106)
        uint80 equityCap; // collateral units; NO_CAP for none
        bool wipedOut;
        bool paused; // minting paused by a PAUSER_ROLE (here rather than OpenZeppelin's Pausable: no slot of its own)
    }

    /// @dev `State.equityCap` for no cap (`equityCap()` then says type(uint256).max).
    uint80 private constant NO_CAP = type(uint80).max;

    Fees internal _fees;
    State internal _state;
    RewardSettings private _rewardSettings;

    /// @dev Checks the clone's arguments and sets what `params` says: the roles, fees, settings and clocks.
    function _initConfig(InitParams calldata params) internal {
        if (_state.lastRebalance != 0) revert LeveragedTokenAlreadyInitialized();
        int256 leverage = _targetLeverage();
        if (address(_exchange()) == address(0) || params.admin == address(0)) revert LeveragedTokenZeroAddress();
        if (leverage == 0 || SignedMath.abs(leverage) > MAX_LEVERAGE) revert LeveragedTokenInvalidLeverage(leverage);
        if (_initialNav() == 0) revert LeveragedTokenInvalidSetting("initialNav", 0);
        _exchange().takerFeeBps(_marketId()); // reverts with PerpUnknownMarket for an unknown market
        _grantRole(DEFAULT_ADMIN_ROLE, params.admin);
        _grantRole(PAUSER_ROLE, params.admin);
        _grantRole(FEE_MANAGER_ROLE, params.admin);
        _setFees(params.fees);
        _setRebalanceSettings(params.rebalanceSettings);
        _setEquityCap(params.equityCap);
        uint256 unit = WAD / _collateralScale(); // one whole collateral unit (one USD for a USD stablecoin)
        _setRewardSettings(
            RewardSettings(uint64(DEFAULT_REWARD_CAP_USD * unit), DEFAULT_REWARD_RAMP_TIME, DEFAULT_REWARD_PER_YEAR_BPS)
        );
        (_state.lastRebalance, _state.lastFeeAccrual) = (uint32(block.timestamp), uint32(block.timestamp));
    }

    /// @dev Takes the management fee due so far; called before a fee change so that the old rate applies until now.
    function _accrueManagementFee() internal virtual;

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
    function setRewardSettings(RewardSettings calldata settings) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setRewardSettings(settings);
    }

    /// @inheritdoc ILeveragedToken
    function pause() external onlyRole(PAUSER_ROLE) {
        if (_state.paused) revert EnforcedPause();
        _state.paused = true;
        emit Paused(msg.sender);
    }

    /// @inheritdoc ILeveragedToken
    function unpause() external onlyRole(PAUSER_ROLE) {
        if (!_state.paused) revert ExpectedPause();
        _state.paused = false;
        emit Unpaused(msg.sender);
    }

    // -------------------------------------------------------------------------------------------------------------
    // Views of the configuration
    // -------------------------------------------------------------------------------------------------------------

    /// @inheritdoc ILeveragedToken
    function exchange() external view returns (IPerpExchange) {
        return _exchange();
    }

    /// @inheritdoc ILeveragedToken
    function marketId() external view returns (uint256) {
        return _marketId();
    }

    /// @inheritdoc ILeveragedToken
    function targetLeverage() external view returns (int256) {
        return _targetLeverage();
    }

    /// @inheritdoc ILeveragedToken
    function initialNav() external view returns (uint256) {
        return _initialNav();
    }

    /// @inheritdoc ILeveragedToken
    function leverageBand() external view returns (uint256 lower, uint256 upper) {
        return LeverageMath.band(_targetLeverage(), _state.band);
    }

    /// @inheritdoc ILeveragedToken
    function lastRebalanceTime() external view returns (uint256) {
        return _state.lastRebalance;
    }

    /// @inheritdoc ILeveragedToken
    function nextRebalanceTime() external view returns (uint256) {
        State memory st = _state;
        return uint256(st.lastRebalance) + st.rebalanceInterval;
    }

    /// @inheritdoc ILeveragedToken
    function fees() external view returns (Fees memory) {
        return _fees;
    }

    /// @inheritdoc ILeveragedToken
    function rebalanceSettings() external view returns (RebalanceSettings memory) {
        State memory st = _state;
        return RebalanceSettings(st.rebalanceInterval, st.band);
    }

    /// @inheritdoc ILeveragedToken
    function rewardSettings() external view returns (RewardSettings memory) {
        return _rewardSettings;
    }

    /// @inheritdoc ILeveragedToken
    function paused() external view returns (bool) {
        return _state.paused;
    }

    /// @inheritdoc ILeveragedToken
    function wipedOut() external view returns (bool) {
        return _state.wipedOut;
    }

    /// @inheritdoc ILeveragedToken
    function equityCap() external view returns (uint256) {
        return _cap(_state);
    }

    // -------------------------------------------------------------------------------------------------------------
    // Internals
    // -------------------------------------------------------------------------------------------------------------

    function _exchange() internal view returns (IPerpExchange) {
        return IPerpExchange(address(uint160(TokenArgs.word(TokenArgs.EXCHANGE))));
    }

    function _marketId() internal view returns (uint256) {
        return TokenArgs.word(TokenArgs.MARKET_ID);
    }

    function _collateral() internal view returns (IERC20) {
        return IERC20(address(uint160(TokenArgs.word(TokenArgs.COLLATERAL))));
    }

    function _collateralScale() internal view returns (uint256) {
        return TokenArgs.word(TokenArgs.COLLATERAL_SCALE);
    }

    function _targetLeverage() internal view returns (int256) {
        return int256(TokenArgs.word(TokenArgs.TARGET_LEVERAGE));
    }

    function _initialNav() internal view returns (uint256) {
        return TokenArgs.word(TokenArgs.INITIAL_NAV);
    }

    // -------------------------------------------------------------------------------------------------------------
    // The exchange account and the clock
    // -------------------------------------------------------------------------------------------------------------

    /// @dev Reverts with `LeveragedTokenRebalanceNotDue` (the current leverage and the clock) when `action` is NONE.
    function _requireDue(
        RebalanceAction action,
        int256 value,
        int256 size,
        uint256 price,
        State memory st
    ) internal view {
        if (action != RebalanceAction.NONE) return;
        revert LeveragedTokenRebalanceNotDue(
            _leverage(value, size, price),
            st.lastRebalance,
            uint256(st.lastRebalance) + st.rebalanceInterval
        );
    }

    function _leverage(int256 value, int256 size, uint256 price) internal view returns (int256) {
        return PerpMath.leverage(value, size, price, _collateralScale());
    }

    /// @dev The exchange account and `supply`; with `fresh`, reverts with the exchange's named price error (stale
    /// or invalid, with its values) unless a state change could use the price.
    function _snapshot(uint256 supply, bool fresh) internal view returns (TokenQuotes.Snapshot memory s) {
        s.account = _account();
        s.supply = supply;
        // `markPrice` reverts with PerpStalePrice or PerpInvalidPrice exactly when the price is not fresh.
        if (fresh && s.account.priceStatus != IPerpExchange.PriceStatus.FRESH) _exchange().markPrice(_marketId());
    }

    function _account() internal view returns (IPerpExchange.AccountState memory) {
        return _exchange().accountState(address(this), _marketId());
    }

    /// @dev The exchange account for a view that values it: with a position, reverts with the exchange's named price
    /// error unless a mint or redeem could use the price (without one, the value does not depend on the price).
    function _valuedAccount() internal view returns (IPerpExchange.AccountState memory a) {
        a = _account();
        if (a.size != 0 && a.priceStatus != IPerpExchange.PriceStatus.FRESH) _exchange().markPrice(_marketId());
    }

    /// @dev What the quotes and the band rules read of this token: its arguments and `st`'s settings.
    function _terms(State memory st) internal view returns (TokenQuotes.Terms memory) {
        return
            TokenQuotes.Terms({
                targetLeverage: _targetLeverage(),
                scale: _collateralScale(),
                initialNav: _initialNav(),
                band: st.band,
                cap: _cap(st),
                timeDue: uint256(st.lastRebalance) + st.rebalanceInterval,
                wipedOut: st.wipedOut
            });
    }

    /// @dev The keeper reward's terms now in one word (`KeeperReward.pack`): its settings, clock and band, each field
    /// read from storage (cheaper than copying both slots whole; the exchange asks for them while it pays a reward).
    function _packedRewardTerms() internal view returns (uint256) {
        State storage st = _state;
        RewardSettings storage rs = _rewardSettings;
        return
            KeeperReward.pack(rs.cap, rs.rampTime, rs.maxPerYearBps, st.lastRebalance, st.rebalanceInterval, st.band);
    }

    /// @dev The equity cap in collateral units (type(uint256).max for none).
    function _cap(State memory st) internal pure returns (uint256) {
        return st.equityCap == NO_CAP ? type(uint256).max : st.equityCap;
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
        if (cap == type(uint256).max) {
            _state.equityCap = NO_CAP;
        } else {
            if (cap >= NO_CAP) revert LeveragedTokenInvalidSetting("equityCap", cap);
            _state.equityCap = uint80(cap);
        }
        emit EquityCapUpdated(cap);
    }

    function _setRebalanceSettings(RebalanceSettings memory s) private {
        if (s.interval == 0) revert LeveragedTokenInvalidSetting("interval", 0);
        if (s.band == 0 || s.band >= WAD) revert LeveragedTokenInvalidSetting("band", s.band);
        (_state.rebalanceInterval, _state.band) = (s.interval, s.band);
        emit RebalanceSettingsUpdated(s);
    }

    function _setRewardSettings(RewardSettings memory r) private {
        if (uint256(r.cap) * _collateralScale() > MAX_REWARD_CAP_USD * WAD) {
            revert LeveragedTokenInvalidSetting("cap", r.cap);
        }
        if (r.rampTime == 0 || r.rampTime > MAX_REWARD_RAMP_TIME) {
            revert LeveragedTokenInvalidSetting("rampTime", r.rampTime);
        }
        if (r.maxPerYearBps > MAX_REWARD_PER_YEAR_BPS) {
            revert LeveragedTokenInvalidSetting("maxPerYearBps", r.maxPerYearBps);
        }
        _rewardSettings = r;
        emit RewardSettingsUpdated(r);
    }
}
