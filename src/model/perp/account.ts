/**
 * The exact model of one account in one market of PerpExchange.sol (margin, position, funding, trades, withdrawals,
 * liquidation), with the market's clock and price, in bigint with the contracts' rounding (PerpMath.sol). What the
 * account pays the fund and what the fund absorbs are counted in `ledger`. A leveraged token's model builds on it
 * (`../token/rules.ts`); a trader's is `ExactTrader` (`./trader.ts`).
 */
import { abs, BPS, COLLATERAL_SCALE, divCeil, divFloor, min, mulDivUp, WAD, YEAR } from "../fixedPoint";
import { notional, requirement, unrealizedPnl } from "./math";
import { type FundLedger, LIQUIDATOR_SHARE_BPS, type MarketParams, ModelRevert, type PerpAccountState } from "./types";

export abstract class ExactPerpAccount<S extends PerpAccountState = PerpAccountState> {
  readonly market: MarketParams;
  protected s: S;
  /** What this account moved to and from the fund since the model started (not copied by a clone). */
  readonly ledger: FundLedger = { toFund: 0n, badDebt: 0n };

  protected constructor(market: MarketParams, state: S) {
    this.market = market;
    this.s = { ...state };
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
    this.s.priceTime = time;
    return this;
  }

  /** PerpExchange.accountState's value: margin + (notional - openNotional - pending funding), floored. */
  accountValue(): bigint {
    const pnl = unrealizedPnl(this.s.size, this.s.openNotional, this.s.price) - this.pendingFunding();
    return this.s.margin + divFloor(pnl, COLLATERAL_SCALE);
  }

  equity(): bigint {
    const value = this.accountValue();
    return value > 0n ? value : 0n;
  }

  /** PerpExchange.deposit of `amount` into the account by anyone. */
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
   * PerpExchange.liquidate: closes the whole position at the current price and settles its PnL and funding (a loss
   * beyond the margin is bad debt once the position is closed), then takes the penalty, |size| x price x
   * liquidationPenaltyBps rounded up and capped at the margin left, of which the liquidator gets LIQUIDATOR_SHARE_BPS
   * (rounded down) and the fund the rest. Throws (as the exchange reverts) when the account is not liquidatable.
   */
  liquidate(): { penalty: bigint; reward: bigint } {
    const { maintenanceMarginBps, liquidationPenaltyBps } = this.liquidationParams();
    this.accrueFunding();
    const size = this.s.size;
    if (size === 0n || this.accountValue() >= this.requirement(maintenanceMarginBps)) {
      throw new ModelRevert("not liquidatable");
    }
    const fundingPaid = this.funding(this.s.cumulativeFunding - this.s.fundingIndex);
    const realizedPnl = unrealizedPnl(size, this.s.openNotional, this.s.price);
    this.s.size = 0n;
    this.s.openNotional = 0n;
    this.settle(realizedPnl, fundingPaid, 0n);
    const penalty = min(this.requirement(liquidationPenaltyBps, size), this.s.margin);
    const reward = (penalty * LIQUIDATOR_SHARE_BPS) / BPS;
    this.s.margin -= penalty;
    this.ledger.toFund += penalty - reward;
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

  /** PerpMath.accruedFunding (USD WAD; < 0 when received): rounded up when the account pays, down when it receives. */
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

  /**
   * PerpMath.settle: realized PnL - funding - fee into the account, floored to collateral units. A payment comes out
   * of the margin; what the margin cannot cover is charged to the position's cost basis while there is one (never
   * forgiven), and is bad debt only without a position. Marks funding as settled.
   */
  protected settle(realizedPnl: bigint, fundingPaid: bigint, fee: bigint): void {
    this.s.fundingIndex = this.s.cumulativeFunding;
    const delta = divFloor(realizedPnl - fundingPaid - fee, COLLATERAL_SCALE);
    const margin = this.s.margin;
    if (delta >= 0n || -delta <= margin) {
      this.s.margin = margin + delta;
      this.ledger.toFund -= delta;
      return;
    }
    const shortfall = -delta - margin;
    this.s.margin = 0n;
    this.ledger.toFund += margin;
    if (this.s.size !== 0n) this.s.openNotional += shortfall * COLLATERAL_SCALE;
    else this.ledger.badDebt += shortfall;
  }

  /** PerpMath.requirement at the current price. */
  protected requirement(bps: bigint, size: bigint = this.s.size): bigint {
    return requirement(size, this.s.price, bps);
  }

  /** PerpExchange.trade (PerpMath.fill, takerFee and settle), at the current price. */
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
      realizedPnl = notional(-sizeDelta, price) - closedNotional;
      newOpenNotional = openNotional - closedNotional;
      increasesExposure = false;
    } else {
      realizedPnl = unrealizedPnl(size, openNotional, price);
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

  /**
   * PerpExchange.withdraw (and the withdrawal of tradeAndWithdraw): funding settled first (with a position); beyond
   * the settled margin, the unrealized profit the withdrawal needs is realized (PerpMath.realize: the fund pays it
   * into the margin and the cost basis moves by as much); with a position the value left must cover the maintenance
   * margin.
   */
  protected withdraw(amount: bigint): void {
    this.accrueFunding();
    if (this.s.size !== 0n) {
      this.settle(0n, this.funding(this.s.cumulativeFunding - this.s.fundingIndex), 0n);
    } else {
      this.s.fundingIndex = this.s.cumulativeFunding;
    }
    if (amount > this.s.margin) {
      const needed = amount - this.s.margin;
      const profit = this.realizableProfit();
      if (needed > profit) throw new ModelRevert("withdrawal beyond the margin and the realizable profit");
      this.s.margin += needed;
      this.s.openNotional += needed * COLLATERAL_SCALE;
      this.ledger.toFund -= needed;
    }
    this.s.margin -= amount;
    if (this.s.size !== 0n && this.market.maintenanceMarginBps !== undefined) {
      if (this.accountValue() < this.requirement(this.market.maintenanceMarginBps)) {
        throw new ModelRevert("maintenance margin requirement not met");
      }
    }
  }

  /** PerpMath.realizableProfit: notional - openNotional floored to collateral units, or 0 (none, or no position). */
  protected realizableProfit(): bigint {
    if (this.s.size === 0n) return 0n;
    const profit = divFloor(unrealizedPnl(this.s.size, this.s.openNotional, this.s.price), COLLATERAL_SCALE);
    return profit > 0n ? profit : 0n;
  }
}
