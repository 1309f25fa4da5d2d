/** The exact model's exchange side: a market's settings, its constants and the model's revert (PerpExchange.sol). */

/** The exchange market's settings that move money (PerpExchange.MarketConfig). */
export interface MarketParams {
  takerFeeBps: bigint;
  fundingRatePerYear: bigint; // signed WAD fraction of notional a year; longs pay when > 0
  initialMarginBps: bigint;
  maintenanceMarginBps?: bigint; // only withdrawals, `isLiquidatable` and `liquidate` need these two
  liquidationPenaltyBps?: bigint;
}

/** PerpExchange.LIQUIDATOR_SHARE_BPS: the liquidator's share of a liquidation penalty; the rest goes to the fund. */
export const LIQUIDATOR_SHARE_BPS = 5_000n;

/** One account in one market, with the market's clock, price and funding index as the account sees them. */
export interface PerpAccountState {
  now: bigint;
  price: bigint; // WAD, the feed's latest answer
  priceTime?: bigint; // unix seconds: when the feed published it (its updatedAt); the creation time when omitted
  cumulativeFunding: bigint; // the market's, accrued up to lastFundingUpdate
  lastFundingUpdate: bigint;
  margin: bigint; // collateral units, settled
  size: bigint; // base WAD, signed
  openNotional: bigint; // USD WAD, signed like the size (or beyond it, once a payment was charged to the position)
  fundingIndex: bigint;
}

/** What moved between an account and the fund, as the model counts it (collateral units). */
export interface FundLedger {
  toFund: bigint; // cash the fund received from the account, net (< 0: the fund paid it)
  badDebt: bigint; // losses the account could not cover, absorbed by the fund
}

/** Thrown where the contracts would revert. */
export class ModelRevert extends Error {
  override name = "ModelRevert";
}
