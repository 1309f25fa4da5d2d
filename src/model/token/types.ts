/** The exact token model's settings, state, events and constants (see `../exactToken.ts`). */
import type { RebalanceAction } from "../../chain/enums";
import { BPS, divCeil, WAD } from "../fixedPoint";
import type { MarketParams, PerpAccountState } from "../perp/types";

/** A token's settings (LeveragedToken.TokenParams, Fees and RebalanceSettings). */
export interface TokenParams {
  targetLeverage: bigint; // signed WAD
  band: bigint; // WAD fraction of |L|
  interval: bigint; // seconds
  mintFeeBps: bigint;
  redeemFeeBps: bigint;
  managementFeePerYear: bigint; // WAD
  initialNav: bigint; // collateral units per whole token while the supply is 0
  equityCap?: bigint; // collateral units: the most a mint takes equity to and a rebalance levers; none when omitted
  reward?: RewardParams; // the keeper reward; DEFAULT_REWARD when omitted
}

/** LeveragedToken.RewardSettings: what a due rebalance pays its caller (see `KeeperReward`). */
export interface RewardParams {
  cap: bigint; // collateral units
  rampTime: bigint; // seconds from due to the cap
  maxPerYearBps: bigint; // the yearly bound, bps of equity
}

/** LeveragedToken's reward defaults for a 6-decimal stablecoin: up to 2 USDC after 10 minutes, 0.5% a year at most. */
export const DEFAULT_REWARD: RewardParams = { cap: 2_000_000n, rampTime: 600n, maxPerYearBps: 50n };

/** LeveragedToken.MIN_POSITION_EQUITY: USD WAD of equity below which the account holds no position (dust). */
export const MIN_POSITION_EQUITY = 10n ** 16n;
/** LeveragedToken.MINIMUM_SHARES: the shares the first mint locks for good (dead shares). */
export const MINIMUM_SHARES = 10n ** 12n;

/** A token's fees (LeveragedToken.Fees without the recipient), as `setFees` takes them. */
export type TokenFees = Pick<TokenParams, "mintFeeBps" | "redeemFeeBps" | "managementFeePerYear">;

/** The whole state the model evolves (the exchange account's and the token's); what `fromState` takes to start from
 * a token already on chain. */
export interface TokenModelState extends PerpAccountState {
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
  reward: bigint; // collateral units paid to the keeper's exchange account (0 through performUpkeep)
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

/** LeverageMath.grossForNet: the most a mint may take in whose net of its fee (`feeUp`) is at most `net`; 0 for 0. */
export function grossForNet(net: bigint, bps: bigint): bigint {
  if (net === 0n) return 0n;
  if (net >= MAX_UINT256 / BPS) return MAX_UINT256;
  return ((net + 1n) * BPS - 1n) / (BPS - bps);
}

/** The largest uint256: "no limit" (no equity cap, a `maxMint` without one), as on chain. */
export const MAX_UINT256 = 2n ** 256n - 1n;
