/** A trader's account on the exchange (anyone who is not a leveraged token): deposits, trades, withdrawals, funding. */
import { ExactPerpAccount } from "./account";
import { type MarketParams, ModelRevert, type PerpAccountState } from "./types";

export class ExactTrader extends ExactPerpAccount {
  /** A new, empty account at `time` with the feed at `price` and the market's funding index `cumulativeFunding`. */
  static open(market: MarketParams, time: bigint, price: bigint, cumulativeFunding = 0n): ExactTrader {
    return new ExactTrader(market, {
      now: time,
      price,
      cumulativeFunding,
      lastFundingUpdate: time,
      margin: 0n,
      size: 0n,
      openNotional: 0n,
      fundingIndex: cumulativeFunding,
    });
  }

  /** An independent copy, its ledger included. */
  clone(): ExactTrader {
    const copy = new ExactTrader(this.market, this.s);
    Object.assign(copy.ledger, this.ledger);
    return copy;
  }

  get state(): Readonly<PerpAccountState> {
    return { ...this.s };
  }

  /** PerpExchange.trade. */
  override trade(sizeDelta: bigint): void {
    if (sizeDelta === 0n) throw new ModelRevert("zero amount");
    super.trade(sizeDelta);
  }

  /** PerpExchange.withdraw. */
  override withdraw(amount: bigint): void {
    if (amount <= 0n) throw new ModelRevert("zero amount");
    super.withdraw(amount);
  }

  /**
   * The most PerpExchange.withdraw takes now: the settled margin and the unrealized profit it may realize (after
   * funding is settled), and, with a position, no more than leaves the value at the maintenance margin.
   */
  maxWithdrawal(): bigint {
    const x = this.clone();
    x.settleFunding();
    const available = x.s.margin + x.realizableProfit();
    if (x.s.size === 0n) return available;
    const { maintenanceMarginBps } = x.liquidationParams();
    const headroom = x.accountValue() - x.requirement(maintenanceMarginBps);
    const most = headroom < available ? headroom : available;
    return most > 0n ? most : 0n;
  }

  /** PerpExchange.settleFunding: the funding owed settled into the account (with a position). */
  settleFunding(): void {
    this.accrueFunding();
    if (this.s.size === 0n) {
      this.s.fundingIndex = this.s.cumulativeFunding;
      return;
    }
    const owed = this.funding(this.s.cumulativeFunding - this.s.fundingIndex);
    if (owed === 0n) {
      this.s.fundingIndex = this.s.cumulativeFunding;
      return;
    }
    this.settle(0n, owed, 0n);
  }
}
