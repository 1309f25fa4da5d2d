/**
 * An exact model of one leveraged token and its exchange account: LeveragedToken.sol over PerpExchange.sol, in
 * bigint with the contracts' rounding, so that replaying the same operations at the same block times gives the same
 * state to the wei. Units as on chain: prices and sizes WAD, collateral in 6-decimal units, times in unix seconds.
 *
 * Left out on purpose (the model throws where the chain would revert only for the initial-margin check): the
 * insurance fund's balance (assumed large enough to pay every profit), price staleness and pausing. A liquidation
 * of the token's account by anyone is `liquidate` (it needs the market's maintenance margin and penalty).
 */
import { REBALANCE_ACTIONS, type RebalanceAction } from "../contractTypes";
import {
  abs,
  BPS,
  COLLATERAL_SCALE,
  divCeil,
  divFloor,
  min,
  mulDivDown,
  mulDivTowardZero,
  mulDivUp,
  WAD,
  YEAR,
} from "./fixedPoint";

/** The exchange market's settings that move money (PerpExchange.MarketConfig). */
export interface MarketParams {
  takerFeeBps: bigint;
  fundingRatePerYear: bigint; // signed WAD fraction of notional a year; longs pay when > 0
  initialMarginBps: bigint;
  maintenanceMarginBps?: bigint; // only `isLiquidatable` and `liquidate` need these two
  liquidationPenaltyBps?: bigint;
}

/** A token's settings (LeveragedToken.TokenParams, Fees and RebalanceSettings). */
export interface TokenParams {
  targetLeverage: bigint; // signed WAD
  band: bigint; // WAD fraction of |L|
  interval: bigint; // seconds
  mintFeeBps: bigint;
  redeemFeeBps: bigint;
  managementFeePerYear: bigint; // WAD
  initialNav: bigint; // collateral units per whole token while the supply is 0
  equityCap?: bigint; // collateral units; no cap when omitted
}

export { REBALANCE_ACTIONS, type RebalanceAction };
/** LeveragedToken.MIN_POSITION_EQUITY: USD WAD of equity below which the account holds no position (dust). */
export const MIN_POSITION_EQUITY = 10n ** 16n;
/** LeveragedToken.MINIMUM_SHARES: the shares the first mint locks for good (dead shares). */
export const MINIMUM_SHARES = 10n ** 12n;

/** A token's fees (LeveragedToken.Fees without the recipient), as `setFees` takes them. */
export type TokenFees = Pick<TokenParams, "mintFeeBps" | "redeemFeeBps" | "managementFeePerYear">;

/** PerpExchange.LIQUIDATOR_SHARE_BPS: the liquidator's share of a liquidation penalty; the rest goes to the fund. */
export const LIQUIDATOR_SHARE_BPS = 5_000n;

/** The whole state the model evolves; what `fromState` takes to start from a token already on chain. */
export interface TokenModelState {
  now: bigint;
  price: bigint; // WAD, the feed's latest answer
  cumulativeFunding: bigint; // the market's, accrued up to lastFundingUpdate
  lastFundingUpdate: bigint;
  margin: bigint; // collateral units
  size: bigint; // base WAD, signed
  openNotional: bigint; // USD WAD, signed
  fundingIndex: bigint;
  supply: bigint;
  lastRebalance: bigint;
  lastFeeAccrual: bigint;
  wipedOut: boolean;
}

export interface RebalanceEvent {
  time: bigint;
  action: Exclude<RebalanceAction, "none">;
  price: bigint;
  leverageBefore: bigint; // signed WAD
  leverageAfter: bigint;
  sizeDelta: bigint;
  equity: bigint; // collateral units, before the trade
  wipedOut: boolean; // this rebalance closed the position for good
}

export const DEFAULT_MARKET_PARAMS: MarketParams = {
  takerFeeBps: 0n,
  fundingRatePerYear: 0n,
  initialMarginBps: 500n,
  maintenanceMarginBps: 250n,
  liquidationPenaltyBps: 100n,
};
export const DEFAULT_TOKEN_PARAMS: Omit<TokenParams, "targetLeverage"> = {
  band: WAD / 3n,
  interval: 86_400n,
  mintFeeBps: 0n,
  redeemFeeBps: 0n,
  managementFeePerYear: 0n,
  initialNav: 100_000_000n,
};

const MAX_FEE_EXPONENT = WAD;

/** ManagementFee.expm1: e^x - 1 in WAD by its Taylor series, each term rounded down. */
export function expm1(x: bigint): bigint {
  let term = x;
  let sum = x;
  for (let n = 2n; term !== 0n; n++) {
    term = (term * x) / (WAD * n);
    sum += term;
  }
  return sum;
}

/** A mint or redeem fee of `bps` basis points on `amount`, rounded up (in the token's favour), as the token takes it. */
export function feeUp(amount: bigint, bps: bigint): bigint {
  return divCeil(amount * bps, BPS);
}

export class ModelRevert extends Error {
  override name = "ModelRevert";
}

export class ExactTokenModel {
  readonly market: MarketParams;
  private params: TokenParams;
  private s: TokenModelState;

  /** A token created at `time` with the feed at `price`, no supply and no position. */
  constructor(market: MarketParams, token: TokenParams, time: bigint, price: bigint, state?: TokenModelState) {
    if (token.targetLeverage === 0n) throw new ModelRevert("target leverage 0");
    this.market = market;
    this.params = { ...token };
    this.s = state
      ? { ...state }
      : {
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
        };
  }

  /** A model that continues from a state read off the chain. */
  static fromState(market: MarketParams, token: TokenParams, state: TokenModelState): ExactTokenModel {
    return new ExactTokenModel(market, token, state.now, state.price, state);
  }

  /** An independent copy, to ask "what if" without touching this one. */
  clone(): ExactTokenModel {
    return ExactTokenModel.fromState(this.market, this.token, this.s);
  }

  get state(): Readonly<TokenModelState> {
    return { ...this.s };
  }

  /** The token's settings (a copy; `setFees` changes the fees). */
  get token(): Readonly<TokenParams> {
    return { ...this.params };
  }

  // ----------------------------------------------------------------------------------------------------------------
  // Time and price
  // ----------------------------------------------------------------------------------------------------------------

  /** Moves the clock (block.timestamp) forward; it never goes back. */
  at(time: bigint): this {
    if (time < this.s.now) throw new ModelRevert(`time goes back: ${time} < ${this.s.now}`);
    this.s.now = time;
    return this;
  }

  /** A feed push at `time`. */
  setPrice(price: bigint, time: bigint = this.s.now): this {
    if (price <= 0n) throw new ModelRevert(`invalid price ${price}`);
    this.at(time);
    this.s.price = price;
    return this;
  }

  // ----------------------------------------------------------------------------------------------------------------
  // Views (as the contracts' views at the current time and price)
  // ----------------------------------------------------------------------------------------------------------------

  /** PerpExchange.accountSnapshot's value: margin + (notional - openNotional - pending funding), floored. */
  accountValue(): bigint {
    const pnl = mulDivDown(this.s.size, this.s.price, WAD) - this.s.openNotional - this.pendingFunding();
    return this.s.margin + divFloor(pnl, COLLATERAL_SCALE);
  }

  equity(): bigint {
    const value = this.accountValue();
    return value > 0n ? value : 0n;
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

  // ----------------------------------------------------------------------------------------------------------------
  // Actions
  // ----------------------------------------------------------------------------------------------------------------

  /**
   * LeveragedToken.mint: returns the shares minted to the receiver, the mint fee (collateral units), the shares
   * assigned to the fee recipient for equity found at zero supply, and the dead shares the first mint locks.
   */
  mint(collateralIn: bigint): { shares: bigint; fee: bigint; assigned: bigint; dead: bigint } {
    if (collateralIn <= 0n) throw new ModelRevert("zero amount");
    if (this.s.wipedOut) throw new ModelRevert("wiped out");
    this.accrueManagementFee();
    let valueBefore = this.accountValue();
    let assigned = 0n;
    const first = this.s.supply === 0n;
    if (first) {
      assigned = valueBefore > 0n ? mulDivDown(valueBefore, WAD, this.params.initialNav) : 0n;
      this.s.supply = assigned;
    } else if (valueBefore <= 0n) {
      throw new ModelRevert("wiped out"); // a wipe-out is due
    } else if (this.rebalancesFirst(valueBefore, this.s.size, this.s.supply)) {
      this.rebalanceNow("drift", valueBefore, this.s.size, this.s.supply);
      valueBefore = this.accountValue();
      if (valueBefore <= 0n) throw new ModelRevert("wiped out"); // the rebalance's fee took what was left
    }
    const fee = feeUp(collateralIn, BigInt(this.params.mintFeeBps));
    const net = collateralIn - fee;
    if (this.params.equityCap !== undefined && valueBefore + net > this.params.equityCap) {
      throw new ModelRevert("equity cap exceeded");
    }
    const sizeDelta = this.mintSizeDelta(net, valueBefore, first ? 0n : this.s.supply);
    if (net !== 0n) this.s.margin += net;
    if (sizeDelta !== 0n) this.trade(sizeDelta);
    const valueAfter = this.accountValue();
    let shares = this.sharesFor(valueAfter - valueBefore, valueBefore, this.s.supply);
    const dead = first ? MINIMUM_SHARES : 0n;
    if (first) {
      if (shares <= MINIMUM_SHARES) throw new ModelRevert("first mint too small");
      shares -= MINIMUM_SHARES;
    }
    if (shares === 0n) throw new ModelRevert("mint gives 0 shares");
    this.s.supply += shares + dead;
    return { shares, fee, assigned, dead };
  }

  /** LeveragedToken.previewMint: what `mint` would give now, or 0 where it reverts for value or size reasons. */
  previewMint(collateralIn: bigint): bigint {
    if (this.s.wipedOut || collateralIn <= 0n) return 0n;
    const model = this.clone();
    model.params = { ...model.params, equityCap: undefined }; // the preview ignores the cap
    try {
      return model.mint(collateralIn).shares;
    } catch (error) {
      if (error instanceof ModelRevert) return 0n;
      throw error;
    }
  }

  /** LeveragedToken.previewRedeem: what `redeem` would pay now; 0 for more shares than the supply. */
  previewRedeem(shares: bigint): bigint {
    if (shares <= 0n || shares > this.s.supply + this.pendingManagementFeeShares()) return 0n;
    return this.clone().redeem(shares).collateralOut;
  }

  /** LeveragedToken.capHeadroom: what a mint may still deposit under the equity cap. */
  capHeadroom(): bigint {
    if (this.s.wipedOut) return 0n;
    const cap = this.params.equityCap ?? 2n ** 256n - 1n; // no cap: the largest uint256, as on chain
    const equity = this.equity();
    return cap > equity ? cap - equity : 0n;
  }

  /** PerpExchange.deposit of `amount` into the token's account by anyone (a donation to its holders). */
  deposit(amount: bigint): void {
    if (amount <= 0n) throw new ModelRevert("zero amount");
    this.s.margin += amount;
  }

  /** LeveragedToken.redeem: returns what the redeemer receives and the redeem fee (collateral units). */
  redeem(shares: bigint): { collateralOut: bigint; fee: bigint } {
    if (shares <= 0n) throw new ModelRevert("zero amount");
    this.accrueManagementFee();
    const supply = this.s.supply;
    if (shares > supply) throw new ModelRevert("more shares than the supply");
    this.s.supply -= shares;
    let gross: bigint;
    if (this.s.wipedOut) {
      gross = mulDivDown(this.s.margin, shares, supply);
    } else {
      let valueBefore = this.accountValue();
      // What stays for the holders besides the dead shares is dust: close the whole position (the last redeem
      // leaves none).
      const closeAll =
        valueBefore <= 0n ||
        this.isDust(this.liveValue(divCeil(valueBefore * (supply - shares), supply), supply - shares));
      if (!closeAll && this.isOverLevered(valueBefore, this.s.size)) {
        this.rebalanceNow("drift", valueBefore, this.s.size, supply);
        valueBefore = this.accountValue();
      }
      if (valueBefore <= 0n) {
        // Nothing is left (under water, or the rebalance's fee took the rest): the token is wiped out.
        this.wipeOut();
        gross = mulDivDown(this.s.margin, shares, supply);
      } else {
        const sizeDelta = closeAll ? -this.s.size : -mulDivTowardZero(this.s.size, shares, supply);
        if (sizeDelta !== 0n) this.trade(sizeDelta);
        const valueAfter = this.accountValue();
        const keep = divCeil(valueBefore * (supply - shares), supply);
        gross = valueAfter > keep ? valueAfter - keep : 0n;
        gross = min(gross, this.s.margin);
      }
    }
    const fee = feeUp(gross, this.params.redeemFeeBps);
    if (gross !== 0n) this.withdraw(gross);
    return { collateralOut: gross - fee, fee };
  }

  /** LeveragedToken.rebalance: throws (like the contract reverts) when no rebalance is due. */
  rebalance(): RebalanceEvent {
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
      };
    }
    return this.rebalanceNow(action, value, size, this.s.supply);
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

  // ----------------------------------------------------------------------------------------------------------------
  // Liquidation (the exchange's, by anyone; the token is not told)
  // ----------------------------------------------------------------------------------------------------------------

  /** PerpExchange.isLiquidatable: a position whose value is below the maintenance margin. */
  isLiquidatable(): boolean {
    if (this.s.size === 0n) return false;
    return this.accountValue() < this.requirement(this.liquidationParams().maintenanceMarginBps);
  }

  /**
   * PerpExchange.liquidate of the token's account: closes the whole position at the current price and settles its
   * PnL and funding into the margin (a loss beyond it is bad debt: the margin stops at 0), then takes the penalty,
   * |size| x price x liquidationPenaltyBps rounded up and capped at the margin left, of which the liquidator gets
   * LIQUIDATOR_SHARE_BPS (rounded down) and the fund the rest. Throws (as the exchange reverts) when the account is
   * not liquidatable. The token is not wiped out: it keeps what margin is left, with no position.
   */
  liquidate(): { penalty: bigint; reward: bigint } {
    const { maintenanceMarginBps, liquidationPenaltyBps } = this.liquidationParams();
    this.accrueFunding();
    const size = this.s.size;
    if (size === 0n || this.accountValue() >= this.requirement(maintenanceMarginBps)) {
      throw new ModelRevert("not liquidatable");
    }
    const price = this.s.price;
    const fundingPaid = this.funding(this.s.cumulativeFunding - this.s.fundingIndex);
    const realizedPnl = mulDivDown(size, price, WAD) - this.s.openNotional;
    this.s.size = 0n;
    this.s.openNotional = 0n;
    this.settle(realizedPnl, fundingPaid, 0n);
    const penalty = min(this.requirement(liquidationPenaltyBps, size), this.s.margin);
    const reward = (penalty * LIQUIDATOR_SHARE_BPS) / BPS;
    this.s.margin -= penalty;
    return { penalty, reward };
  }

  // ----------------------------------------------------------------------------------------------------------------
  // The token's internals
  // ----------------------------------------------------------------------------------------------------------------

  private liquidationParams(): { maintenanceMarginBps: bigint; liquidationPenaltyBps: bigint } {
    const { maintenanceMarginBps, liquidationPenaltyBps } = this.market;
    if (maintenanceMarginBps === undefined || liquidationPenaltyBps === undefined) {
      throw new Error("liquidation needs the market's maintenanceMarginBps and liquidationPenaltyBps");
    }
    return { maintenanceMarginBps, liquidationPenaltyBps };
  }

  /** Trades to the target size from a positive account value (LeveragedToken._rebalanceNow). */
  private rebalanceNow(
    action: Exclude<RebalanceAction, "none">,
    value: bigint,
    size: bigint,
    supply: bigint,
  ): RebalanceEvent {
    const price = this.s.price;
    const target = this.targetSize(value, supply);
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
    };
  }

  /** LeveragedToken._targetSize: L x equity / price toward zero, or none when the holders' part is dust. */
  private targetSize(value: bigint, supply: bigint): bigint {
    if (!this.holdsPosition(value, supply)) return 0n;
    return mulDivTowardZero(this.params.targetLeverage, value * COLLATERAL_SCALE, this.s.price);
  }

  /** LeveragedToken._rebalancesFirst: a mint first rebalances an over-levered account or closes a dust position. */
  private rebalancesFirst(value: bigint, size: bigint, supply: bigint): boolean {
    return size !== 0n && (!this.holdsPosition(value, supply) || this.isOverLevered(value, size));
  }

  /** LeveragedToken._holdsPosition: the holders' part besides the dead shares is not dust. */
  private holdsPosition(value: bigint, supply: bigint): boolean {
    return !this.isDust(this.liveValue(value, supply));
  }

  /** LeveragedToken._liveValue: the part of `value` of the shares other than the dead ones, rounded down. */
  private liveValue(value: bigint, supply: bigint): bigint {
    if (supply <= MINIMUM_SHARES) return 0n;
    return mulDivDown(value, supply - MINIMUM_SHARES, supply);
  }

  private isOverLevered(value: bigint, size: bigint): boolean {
    return abs(this.leverageOf(value, size)) > this.leverageBand().upper;
  }

  /** LeveragedToken._isDust: a value (collateral units) below MIN_POSITION_EQUITY. */
  private isDust(value: bigint): boolean {
    return value * COLLATERAL_SCALE < MIN_POSITION_EQUITY;
  }

  private actionFor(value: bigint, size: bigint): RebalanceAction {
    if (this.s.wipedOut || this.s.supply === 0n) return "none";
    if (value <= 0n) return "drift"; // a wipe-out is due
    if (!this.holdsPosition(value, this.s.supply)) return size !== 0n ? "drift" : "none"; // a dust position is closed
    const leverage = abs(this.leverageOf(value, size));
    const { lower, upper } = this.leverageBand();
    if (leverage < lower || leverage > upper) return "drift";
    if (this.s.now >= this.s.lastRebalance + this.params.interval) return "time";
    return "none";
  }

  /** notional x WAD / equity, signed, truncated toward zero; +-max int when the equity is gone. */
  private leverageOf(value: bigint, size: bigint): bigint {
    if (size === 0n) return 0n;
    if (value <= 0n) return size > 0n ? 2n ** 255n - 1n : -(2n ** 255n);
    const notional = mulDivDown(size, this.s.price, WAD);
    return (notional * WAD) / (value * COLLATERAL_SCALE);
  }

  private mintSizeDelta(net: bigint, value: bigint, supply: bigint): bigint {
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

  private sharesFor(added: bigint, valueBefore: bigint, supply: bigint): bigint {
    if (added <= 0n) return 0n;
    if (supply === 0n) return mulDivDown(added, WAD, this.params.initialNav);
    return mulDivDown(added, supply, valueBefore);
  }

  private wipeOut(): void {
    this.s.wipedOut = true;
    if (this.s.size !== 0n) this.trade(-this.s.size);
  }

  private accrueManagementFee(): void {
    const last = this.s.lastFeeAccrual;
    if (last === this.s.now) return;
    this.s.lastFeeAccrual = this.s.now;
    if (this.s.wipedOut) return;
    this.s.supply += this.feeShares(this.s.supply, this.s.now - last);
  }

  /** ManagementFee.feeShares: supply x (e^x - 1), x = min(rate x elapsed / YEAR, 1), each step rounded down. */
  private feeShares(supply: bigint, elapsed: bigint): bigint {
    const rate = this.params.managementFeePerYear;
    if (supply === 0n || rate === 0n || elapsed === 0n) return 0n;
    const x = min((rate * elapsed) / YEAR, MAX_FEE_EXPONENT);
    return mulDivDown(supply, expm1(x), WAD);
  }

  // ----------------------------------------------------------------------------------------------------------------
  // The exchange's internals (one account in one market)
  // ----------------------------------------------------------------------------------------------------------------

  private currentCumulativeFunding(): bigint {
    return this.s.cumulativeFunding + this.market.fundingRatePerYear * (this.s.now - this.s.lastFundingUpdate);
  }

  private accrueFunding(): void {
    if (this.s.lastFundingUpdate === this.s.now) return;
    this.s.cumulativeFunding = this.currentCumulativeFunding();
    this.s.lastFundingUpdate = this.s.now;
  }

  /** Funding owed (USD WAD; < 0 when received): rounded up when the account pays, down when it receives. */
  private funding(indexDelta: bigint): bigint {
    const size = this.s.size;
    if (size === 0n || indexDelta === 0n) return 0n;
    const numerator = abs(size) * this.s.price * abs(indexDelta);
    const denominator = WAD * WAD * YEAR;
    const pays = size > 0n === indexDelta > 0n;
    return pays ? divCeil(numerator, denominator) : -(numerator / denominator);
  }

  private pendingFunding(): bigint {
    return this.funding(this.currentCumulativeFunding() - this.s.fundingIndex);
  }

  /** PerpExchange._settle: realized PnL - funding - fee to the margin, floored; the margin stops at 0. */
  private settle(realizedPnl: bigint, fundingPaid: bigint, fee: bigint): void {
    this.s.fundingIndex = this.s.cumulativeFunding;
    if (realizedPnl === 0n && fundingPaid === 0n && fee === 0n) return;
    const delta = divFloor(realizedPnl - fundingPaid - fee, COLLATERAL_SCALE);
    const margin = this.s.margin + delta;
    this.s.margin = margin > 0n ? margin : 0n;
  }

  /** PerpExchange._requirement: |size| x price x bps in collateral units, rounded up. */
  private requirement(bps: bigint, size: bigint = this.s.size): bigint {
    return divCeil(abs(size) * this.s.price * bps, WAD * BPS * COLLATERAL_SCALE);
  }

  /** PerpExchange.trade (with _fill), at the current price. */
  private trade(sizeDelta: bigint): void {
    this.accrueFunding();
    const price = this.s.price;
    const size = this.s.size;
    const openNotional = this.s.openNotional;
    const fundingPaid = this.funding(this.s.cumulativeFunding - this.s.fundingIndex);
    const fee = divCeil(abs(sizeDelta) * price * this.market.takerFeeBps, WAD * BPS);
    const newSize = size + sizeDelta;
    let newOpenNotional: bigint;
    let realizedPnl = 0n;
    let increasesExposure: boolean;
    if (size === 0n || size > 0n === sizeDelta > 0n) {
      newOpenNotional = openNotional + mulDivUp(sizeDelta, price, WAD);
      increasesExposure = true;
    } else if (abs(sizeDelta) < abs(size)) {
      const closedNotional = mulDivUp(openNotional, abs(sizeDelta), abs(size));
      realizedPnl = mulDivDown(-sizeDelta, price, WAD) - closedNotional;
      newOpenNotional = openNotional - closedNotional;
      increasesExposure = false;
    } else {
      realizedPnl = mulDivDown(size, price, WAD) - openNotional;
      newOpenNotional = mulDivUp(newSize, price, WAD);
      increasesExposure = newSize !== 0n;
    }
    this.s.size = newSize;
    this.s.openNotional = newOpenNotional;
    this.settle(realizedPnl, fundingPaid, fee);
    if (increasesExposure) {
      const required = this.requirement(this.market.initialMarginBps);
      if (this.accountValue() < required) throw new ModelRevert("initial margin requirement not met");
    }
  }

  /** PerpExchange.withdraw by the token (funding settled first when there is a position). */
  private withdraw(amount: bigint): void {
    this.accrueFunding();
    if (this.s.size !== 0n) {
      this.settle(0n, this.funding(this.s.cumulativeFunding - this.s.fundingIndex), 0n);
    } else {
      this.s.fundingIndex = this.s.cumulativeFunding;
    }
    if (amount > this.s.margin) throw new ModelRevert("withdrawal beyond the margin");
    this.s.margin -= amount;
  }
}
