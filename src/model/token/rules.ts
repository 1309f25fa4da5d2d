/**
 * The exact model's token rules: LeveragedToken.sol's views, rebalancing, the management fee and the settings, over
 * its exchange account (`ExactPerpAccount`). Minting and redeeming are `ExactTokenModel`'s.
 */
import { abs, BPS, COLLATERAL_SCALE, max, min, mulDivDown, mulDivTowardZero, WAD, YEAR } from "../fixedPoint";
import { ExactPerpAccount } from "../perp/account";
import { type MarketParams, ModelRevert } from "../perp/types";
import {
  type TokenParams,
  type TokenModelState,
  MIN_POSITION_EQUITY,
  MINIMUM_SHARES,
  type TokenFees,
  type RebalanceEvent,
  type RewardParams,
  DEFAULT_REWARD,
  MAX_FEE_EXPONENT,
  expm1,
  MAX_UINT256,
  grossForNet,
} from "./types";
import type { RebalanceAction } from "../../chain/enums";

export abstract class ExactTokenRules extends ExactPerpAccount<TokenModelState> {
  protected params: TokenParams;

  /** A token created at `time` with the feed at `price`, no supply and no position (or continuing from `state`). */
  constructor(market: MarketParams, token: TokenParams, time: bigint, price: bigint, state?: TokenModelState) {
    if (token.targetLeverage === 0n) throw new ModelRevert("target leverage 0");
    super(
      market,
      state ?? {
        now: time,
        price,
        cumulativeFunding: 0n,
        lastFundingUpdate: time,
        margin: 0n,
        size: 0n,
        openNotional: 0n,
        fundingIndex: 0n,
        supply: 0n,
        lastRebalance: time,
        lastFeeAccrual: time,
        wipedOut: false,
      },
    );
    this.params = { ...token };
  }

  get supply(): bigint {
    return this.s.supply;
  }

  get size(): bigint {
    return this.s.size;
  }

  get wipedOut(): boolean {
    return this.s.wipedOut;
  }

  pendingManagementFeeShares(): bigint {
    if (this.s.wipedOut) return 0n;
    return this.feeShares(this.s.supply, this.s.now - this.s.lastFeeAccrual);
  }

  /** Collateral units per whole token, counting the management fee accrued so far. */
  navPerShare(): bigint {
    const supply = this.s.supply + this.pendingManagementFeeShares();
    if (supply === 0n) return this.params.initialNav;
    return mulDivDown(this.equity(), WAD, supply);
  }

  currentLeverage(): bigint {
    return this.leverageOf(this.accountValue(), this.s.size);
  }

  leverageBand(): { lower: bigint; upper: bigint } {
    const target = abs(this.params.targetLeverage);
    return {
      lower: mulDivDown(target, WAD - this.params.band, WAD),
      upper: mulDivDown(target, WAD + this.params.band, WAD),
    };
  }

  rebalanceAction(): RebalanceAction {
    return this.actionFor(this.accountValue(), this.s.size);
  }

  /** LeveragedToken.capHeadroom: what a mint may still deposit under the equity cap. */
  capHeadroom(): bigint {
    if (this.s.wipedOut) return 0n;
    const cap = this.params.equityCap ?? MAX_UINT256; // no cap: the largest uint256, as on chain
    const equity = this.equity();
    return cap > equity ? cap - equity : 0n;
  }

  /** LeveragedToken.maxMint while minting is not paused and the price is fresh (on chain it is 0 otherwise): the
   * cap's headroom grossed up for the mint fee, no limit without a cap, 0 once wiped out or due to be. */
  maxMint(): bigint {
    if (this.s.wipedOut || (this.s.supply !== 0n && this.accountValue() <= 0n)) return 0n;
    if (this.params.equityCap === undefined) return MAX_UINT256;
    return grossForNet(this.capHeadroom(), this.params.mintFeeBps);
  }

  /** LeveragedToken.rebalanceRewardAt: what a rebalance at `time` (now by default) would pay, the account as now. */
  rebalanceReward(time: bigint = this.s.now): bigint {
    if (this.s.wipedOut || this.s.supply === 0n) return 0n;
    const value = this.accountValue();
    if (this.s.size === 0n && !this.holdsPosition(this.levered(value), this.s.supply)) return 0n;
    return this.rewardAt(value, this.s.size, time);
  }

  /** LeveragedToken.rewardSettings. */
  get reward(): RewardParams {
    return this.params.reward ?? DEFAULT_REWARD;
  }

  /** LeveragedToken.setRewardSettings. */
  setRewardSettings(reward: RewardParams): this {
    this.params = { ...this.params, reward };
    return this;
  }

  /**
   * LeveragedToken.rebalance (a keeper is paid the reward: `rebalance`, `rebalanceFor`) or `performUpkeep`
   * (`keeper` false: no reward); throws (like the contract reverts) when no rebalance is due. The reward leaves the
   * account as the exchange's `tradeToLeverage` takes it (funding settled, profit realized if the margin lacks it).
   */
  rebalance(keeper = true): RebalanceEvent {
    const value = this.accountValue();
    const size = this.s.size;
    const price = this.s.price;
    const action = this.actionFor(value, size);
    if (action === "none") throw new ModelRevert("rebalance not due");
    // Like the contract, a rebalance leaves the management fee pending (it takes shares, not equity).
    const leverageBefore = this.leverageOf(value, size);
    if (value <= 0n) {
      this.wipeOut();
      return {
        time: this.s.now,
        action,
        price,
        leverageBefore,
        leverageAfter: 0n,
        sizeDelta: -size,
        equity: 0n,
        wipedOut: true,
        reward: 0n,
      };
    }
    const reward = keeper ? this.rewardAt(value, size, this.s.now) : 0n;
    const event = this.rebalanceNow(action, value, size, this.s.supply);
    if (reward !== 0n) this.withdraw(reward);
    return { ...event, reward };
  }

  /** LeveragedToken._rewardAt: the reward at `time` of a rebalance that finds the account at `value`, `size`. */
  protected rewardAt(value: bigint, size: bigint, time: bigint): bigint {
    const levered = this.levered(value);
    const last = this.s.lastRebalance;
    if (levered <= 0n || time <= last) return 0n;
    const timeDue = last + this.params.interval;
    let due = time >= timeDue;
    let waited = due ? time - timeDue : 0n;
    let emergency = false;
    const current = abs(this.leverageOf(levered, size));
    if (current > this.leverageBand().upper) {
      due = true;
      const since = max(last, this.s.priceTime ?? 0n);
      if (time > since) waited = max(waited, time - since);
      emergency = current >= mulDivDown(abs(this.params.targetLeverage), WAD + (this.params.band * 3n) / 2n, WAD);
    }
    if (!due) return 0n;
    // KeeperReward.reward: the curve, at most the budget accrued since the last rebalance.
    const r = this.reward;
    const curve = emergency || waited >= r.rampTime ? r.cap : (r.cap * waited) / r.rampTime;
    if (curve === 0n) return 0n;
    return min(curve, mulDivDown(levered, r.maxPerYearBps * (time - last), BPS * YEAR));
  }

  /** Rebalances if due; returns the event or undefined. */
  rebalanceIfDue(): RebalanceEvent | undefined {
    return this.rebalanceAction() === "none" ? undefined : this.rebalance();
  }

  /** LeveragedToken.setEquityCap (collateral units; undefined for no cap). */
  setEquityCap(cap: bigint | undefined): this {
    this.params = { ...this.params, equityCap: cap };
    return this;
  }

  /** LeveragedToken.setFees: the management fee is accrued at the old rate first. */
  setFees(fees: TokenFees): this {
    this.accrueManagementFee();
    this.params = { ...this.params, ...fees };
    return this;
  }

  /** Trades to the target size from a positive account value (LeveragedToken._rebalanceNow). */
  protected rebalanceNow(
    action: Exclude<RebalanceAction, "none">,
    value: bigint,
    size: bigint,
    supply: bigint,
  ): RebalanceEvent {
    const price = this.s.price;
    const target = this.targetSize(this.levered(value), supply);
    const sizeDelta = target - size;
    this.s.lastRebalance = this.s.now;
    if (sizeDelta !== 0n) this.trade(sizeDelta);
    return {
      time: this.s.now,
      action,
      price,
      leverageBefore: this.leverageOf(value, size),
      leverageAfter: this.leverageOf(this.accountValue(), this.s.size),
      sizeDelta,
      equity: value,
      wipedOut: false,
      reward: 0n,
    };
  }

  /** PerpMath.levered: the part of a value the token levers, at most the equity cap. */
  protected levered(value: bigint): bigint {
    const cap = this.params.equityCap;
    return cap !== undefined && value > cap ? cap : value;
  }

  /** PerpMath.targetSize: L x levered value / price toward zero, or none when the holders' part is dust. */
  protected targetSize(value: bigint, supply: bigint): bigint {
    if (!this.holdsPosition(value, supply)) return 0n;
    return mulDivTowardZero(this.params.targetLeverage, value * COLLATERAL_SCALE, this.s.price);
  }

  /** LeveragedToken._rebalancesFirst: a mint first rebalances an over-levered account or closes a dust position. */
  protected rebalancesFirst(value: bigint, size: bigint, supply: bigint): boolean {
    return size !== 0n && (!this.holdsPosition(value, supply) || this.isOverLevered(value, size));
  }

  /** LeveragedToken._holdsPosition: the holders' part besides the dead shares is not dust. */
  protected holdsPosition(value: bigint, supply: bigint): boolean {
    return !this.isDust(this.liveValue(value, supply));
  }

  /** LeveragedToken._liveValue: the part of `value` of the shares other than the dead ones, rounded down. */
  protected liveValue(value: bigint, supply: bigint): bigint {
    if (supply <= MINIMUM_SHARES) return 0n;
    return mulDivDown(value, supply - MINIMUM_SHARES, supply);
  }

  protected isOverLevered(value: bigint, size: bigint): boolean {
    return abs(this.leverageOf(value, size)) > this.leverageBand().upper;
  }

  /** LeveragedToken._isDust: a value (collateral units) below MIN_POSITION_EQUITY. */
  protected isDust(value: bigint): boolean {
    return value * COLLATERAL_SCALE < MIN_POSITION_EQUITY;
  }

  protected actionFor(value: bigint, size: bigint): RebalanceAction {
    if (this.s.wipedOut || this.s.supply === 0n) return "none";
    if (value <= 0n) return "drift"; // a wipe-out is due
    const levered = this.levered(value); // the band and the dust rule apply to what the token levers
    if (!this.holdsPosition(levered, this.s.supply)) return size !== 0n ? "drift" : "none"; // a dust position is closed
    const leverage = abs(this.leverageOf(levered, size));
    const { lower, upper } = this.leverageBand();
    if (leverage < lower || leverage > upper) return "drift";
    if (this.s.now >= this.s.lastRebalance + this.params.interval) return "time";
    return "none";
  }

  /** notional x WAD / equity, signed, truncated toward zero; +-max int when the equity is gone. */
  protected leverageOf(value: bigint, size: bigint): bigint {
    if (size === 0n) return 0n;
    if (value <= 0n) return size > 0n ? 2n ** 255n - 1n : -(2n ** 255n);
    const notional = mulDivDown(size, this.s.price, WAD);
    return (notional * WAD) / (value * COLLATERAL_SCALE);
  }

  protected mintSizeDelta(net: bigint, value: bigint, supply: bigint): bigint {
    if (this.isDust(this.liveValue(value, supply) + net)) return 0n; // the holders' part stays dust: no position
    const feeBps = this.market.takerFeeBps;
    const netWad = net * COLLATERAL_SCALE;
    const price = this.s.price;
    if (this.s.size === 0n) {
      const denominator = mulDivDown(price, BPS * WAD + abs(this.params.targetLeverage) * feeBps, WAD);
      return mulDivTowardZero(this.params.targetLeverage, netWad * BPS, denominator);
    }
    const denominator = value * COLLATERAL_SCALE * BPS + mulDivDown(abs(this.s.size), price, WAD) * feeBps;
    return mulDivTowardZero(this.s.size, netWad * BPS, denominator);
  }

  protected sharesFor(added: bigint, valueBefore: bigint, supply: bigint): bigint {
    if (added <= 0n) return 0n;
    if (supply === 0n) return mulDivDown(added, WAD, this.params.initialNav);
    return mulDivDown(added, supply, valueBefore);
  }

  protected wipeOut(): void {
    this.s.wipedOut = true;
    if (this.s.size !== 0n) this.trade(-this.s.size);
  }

  protected accrueManagementFee(): void {
    const last = this.s.lastFeeAccrual;
    if (last === this.s.now) return;
    this.s.lastFeeAccrual = this.s.now;
    if (this.s.wipedOut) return;
    this.s.supply += this.feeShares(this.s.supply, this.s.now - last);
  }

  /** ManagementFee.feeShares: supply x (e^x - 1), x = min(rate x elapsed / YEAR, 1), each step rounded down. */
  protected feeShares(supply: bigint, elapsed: bigint): bigint {
    const rate = this.params.managementFeePerYear;
    if (supply === 0n || rate === 0n || elapsed === 0n) return 0n;
    const x = min((rate * elapsed) / YEAR, MAX_FEE_EXPONENT);
    return mulDivDown(supply, expm1(x), WAD);
  }
}
