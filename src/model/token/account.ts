/**
 * The exact model's exchange side: one account of the token in one market of PerpExchange.sol (margin, position,
 * funding, trades, withdrawals and liquidation), with the clock and the price. `ExactTokenModel` builds on it.
 */
import { abs, BPS, COLLATERAL_SCALE, divCeil, divFloor, min, mulDivDown, mulDivUp, WAD, YEAR } from "../fixedPoint";
import { type MarketParams, type TokenParams, LIQUIDATOR_SHARE_BPS, type TokenModelState, ModelRevert } from "./types";

export abstract class ExactExchangeAccount {
  readonly market: MarketParams;
  protected params: TokenParams;
  protected s: TokenModelState;

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

  /** PerpExchange.accountSnapshot's value: margin + (notional - openNotional - pending funding), floored. */
  accountValue(): bigint {
    const pnl = mulDivDown(this.s.size, this.s.price, WAD) - this.s.openNotional - this.pendingFunding();
    return this.s.margin + divFloor(pnl, COLLATERAL_SCALE);
  }

  equity(): bigint {
    const value = this.accountValue();
    return value > 0n ? value : 0n;
  }

  /** PerpExchange.deposit of `amount` into the token's account by anyone (a donation to its holders). */
  deposit(amount: bigint): void {
    if (amount <= 0n) throw new ModelRevert("zero amount");
    this.s.margin += amount;
  }

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

  protected liquidationParams(): { maintenanceMarginBps: bigint; liquidationPenaltyBps: bigint } {
    const { maintenanceMarginBps, liquidationPenaltyBps } = this.market;
    if (maintenanceMarginBps === undefined || liquidationPenaltyBps === undefined) {
      throw new Error("liquidation needs the market's maintenanceMarginBps and liquidationPenaltyBps");
    }
    return { maintenanceMarginBps, liquidationPenaltyBps };
  }

  protected currentCumulativeFunding(): bigint {
    return this.s.cumulativeFunding + this.market.fundingRatePerYear * (this.s.now - this.s.lastFundingUpdate);
  }

  protected accrueFunding(): void {
    if (this.s.lastFundingUpdate === this.s.now) return;
    this.s.cumulativeFunding = this.currentCumulativeFunding();
    this.s.lastFundingUpdate = this.s.now;
  }

  /** Funding owed (USD WAD; < 0 when received): rounded up when the account pays, down when it receives. */
  protected funding(indexDelta: bigint): bigint {
    const size = this.s.size;
    if (size === 0n || indexDelta === 0n) return 0n;
    const numerator = abs(size) * this.s.price * abs(indexDelta);
    const denominator = WAD * WAD * YEAR;
    const pays = size > 0n === indexDelta > 0n;
    return pays ? divCeil(numerator, denominator) : -(numerator / denominator);
  }

  protected pendingFunding(): bigint {
    return this.funding(this.currentCumulativeFunding() - this.s.fundingIndex);
  }

  /** PerpExchange._settle: realized PnL - funding - fee to the margin, floored; the margin stops at 0. */
  protected settle(realizedPnl: bigint, fundingPaid: bigint, fee: bigint): void {
    this.s.fundingIndex = this.s.cumulativeFunding;
    if (realizedPnl === 0n && fundingPaid === 0n && fee === 0n) return;
    const delta = divFloor(realizedPnl - fundingPaid - fee, COLLATERAL_SCALE);
    const margin = this.s.margin + delta;
    this.s.margin = margin > 0n ? margin : 0n;
  }

  /** PerpExchange._requirement: |size| x price x bps in collateral units, rounded up. */
  protected requirement(bps: bigint, size: bigint = this.s.size): bigint {
    return divCeil(abs(size) * this.s.price * bps, WAD * BPS * COLLATERAL_SCALE);
  }

  /** PerpExchange.trade (with _fill), at the current price. */
  protected trade(sizeDelta: bigint): void {
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
  protected withdraw(amount: bigint): void {
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
