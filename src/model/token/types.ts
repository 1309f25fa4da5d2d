/** The exact token model's settings, state, events and constants (see `../exactToken.ts`). */
import { REBALANCE_ACTIONS, type RebalanceAction } from "../../contractTypes";
import { BPS, divCeil, WAD } from "../fixedPoint";

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

/** The management fee's largest exponent (x = 1): ManagementFee's cap. */
export const MAX_FEE_EXPONENT = WAD;

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
