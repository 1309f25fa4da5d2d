import { POOL_FEE_PER_MILLE } from "../dex/constantProduct";
import type { Route } from "../dex/quotes";
import { formatAmount, formatUsdc } from "../text/format";
import { WAD } from "../model/fixedPoint";
import { flatUnderlyingReturn, type MonteCarloOptions, type MonteCarloResult } from "../model/monteCarlo";
import { expm1, feeUp } from "../model/token/types";
import { UserError } from "../text/userError";

/*
 * The cost of holding a token before a mint or a buy, the one formula the CLI (lt:mint, lt:buy --days N) and the
 * app's Trade form show: the fees in stablecoin (the mint fee or the pool's fee, the management fee over the holding
 * period, funding at today's rate), the expected volatility drag over the period at the underlying's recent realized
 * volatility, and the 5-95% range of the token's outcome against L times the underlying's move (the Monte Carlo of
 * src/model). Money is bigint (stablecoin units); the drag and the range are estimates and come from floats.
 */

/** The default holding period of the cost line, in days. */
export const DEFAULT_HOLDING_DAYS = 30;
/** The longest holding period the cost line takes (ten years). */
export const MAX_HOLDING_DAYS = 3650;
/** `--days`: a whole number of days from 1 to MAX_HOLDING_DAYS; anything else is a UserError. */
export function parseHoldingDays(input: string, what = "--days"): number {
  const days = Number(input);
  if (!/^\d+$/.test(input.trim()) || days < 1 || days > MAX_HOLDING_DAYS) {
    throw new UserError(`${what} must be a whole number of days from 1 to ${MAX_HOLDING_DAYS}, not "${input}"`);
  }
  return days;
}
/** Paths of the Monte Carlo behind the range (the Decay page's count). */
export const COST_PATHS = 5_000;

export interface HoldingInput {
  /** Stablecoin units paid in. */
  amount: bigint;
  /** The route the amount goes in by: a mint at NAV ("nav") or the pool. */
  route: Route;
  /** The token's target leverage, WAD (3e18, -3e18). */
  leverage: bigint;
  mintFeeBps: bigint;
  /** WAD a year (the token's fees). */
  managementFeePerYear: bigint;
  /** The market's funding rate, WAD fraction of notional a year (> 0: longs pay). */
  fundingRatePerYear: bigint;
  days: number;
  /** The underlying's recent realized volatility, annual (0.6 = 60%); undefined when none is known. */
  volatility?: number;
}

export interface HoldingCost {
  /** Stablecoin units: the mint fee or the pool's 0.3%. */
  entryFee: bigint;
  /** Stablecoin units: the management fee's dilution of the holding over the period. */
  managementFee: bigint;
  /** Stablecoin units the position pays in funding over the period at today's rate (< 0: it receives). */
  funding: bigint;
  /** The three together. */
  fees: bigint;
  /** The expected volatility drag over the period, as a fraction of the holding (0.05 = 5%), and in stablecoin. */
  drag?: { fraction: number; usdc: bigint };
}

/** The fee of getting in: the token's mint fee (rounded up, as the token takes it), or the pool's 0.3%. */
export function entryFee(route: Route, amount: bigint, mintFeeBps: bigint): bigint {
  return route === "pool" ? (amount * POOL_FEE_PER_MILLE) / 1000n : feeUp(amount, mintFeeBps);
}

/** The contracts' year, in days. */
const DAYS_PER_YEAR = 365n;

/** The fees and the expected drag of holding what `input.amount` buys for `input.days`. */
export function holdingCost(input: HoldingInput): HoldingCost {
  const days = BigInt(Math.round(input.days));
  const fee = entryFee(input.route, input.amount, input.mintFeeBps);
  const value = input.amount - fee; // what is held, in stablecoin units at NAV
  // Continuous dilution: the fee shares are supply x (e^x - 1), so the holding keeps 1 / e^x of its value.
  const growth = WAD + expm1((input.managementFeePerYear * days) / DAYS_PER_YEAR);
  const managementFee = value - (value * WAD) / growth;
  // Funding on the position's notional (L x the value), at today's rate: longs pay a positive rate, shorts receive it.
  const funding = (value * input.leverage * input.fundingRatePerYear * days) / (WAD * WAD * DAYS_PER_YEAR);
  const cost: HoldingCost = { entryFee: fee, managementFee, funding, fees: fee + managementFee + funding };
  if (input.volatility !== undefined) {
    const fraction = -flatUnderlyingReturn(leverageNumber(input.leverage), input.volatility, input.days);
    cost.drag = { fraction, usdc: (value * BigInt(Math.round(fraction * 1e9))) / 1_000_000_000n };
  }
  return cost;
}

const leverageNumber = (wad: bigint) => Number(wad) / 1e18;

/**
 * The Monte Carlo behind the range: the token's daily rebalancing at the recent volatility over the period, its
 * management fee and today's funding included (the same options in the CLI and in the app's worker).
 */
export function rangeOptions(input: HoldingInput & { volatility: number }): MonteCarloOptions {
  return {
    leverage: leverageNumber(input.leverage),
    volatility: input.volatility,
    days: input.days,
    paths: COST_PATHS,
    managementFeePerYear: Number(input.managementFeePerYear) / 1e18,
    fundingRatePerYear: Number(input.fundingRatePerYear) / 1e18,
    seed: 1,
  };
}

/** The 5% and 95% quantiles of the token's return minus L x the underlying's, from the Monte Carlo's summary. */
export type OutcomeRange = { p5: number; p95: number };
export const outcomeRange = (summary: MonteCarloResult["summary"]): OutcomeRange => ({
  p5: summary.againstUnderlyingP5,
  p95: summary.againstUnderlyingP95,
});

const percent = (x: number) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)}%`;

/**
 * The cost line, one sentence: "Holding 1,000 USDC of BTC3L for 30 days costs about 11.12 USDC in fees (mint fee 1,
 * management fee 2.99, funding 7.13 at today's 10%/yr) and an expected 4.9% (48.88 USDC) in volatility drag at BTC's
 * recent 60% volatility; 5-95% of outcomes end -21.0% to +9.1% against 3x BTC's move". The callers add where to read
 * more (the app's Decay page).
 */
export function costSentence(
  input: HoldingInput,
  cost: HoldingCost,
  names: { symbol: string; market: string },
  range?: OutcomeRange,
): string {
  const L = leverageNumber(input.leverage);
  const usdc = (v: bigint) => formatUsdc(v);
  const rate = `${formatAmount(input.fundingRatePerYear, 16, 2, true).replace(/\.?0+$/, "")}%/yr`;
  // A short receives funding at a positive rate (a long at a negative one): it is said so, never as a negative cost.
  const funding = cost.funding < 0n ? `funding received ${usdc(-cost.funding)}` : `funding ${usdc(cost.funding)}`;
  const total =
    cost.fees < 0n ? `gains about ${usdc(-cost.fees)} USDC net of fees` : `costs about ${usdc(cost.fees)} USDC in fees`;
  const fees =
    `Holding ${usdc(input.amount)} USDC of ${names.symbol} for ${input.days} day${input.days === 1 ? "" : "s"} ${total} ` +
    `(${input.route === "pool" ? "pool fee" : "mint fee"} ${usdc(cost.entryFee)}, ` +
    `management fee ${usdc(cost.managementFee)}, ${funding} at today's ${rate})`;
  if (!cost.drag || input.volatility === undefined) {
    return `${fees}; the volatility drag is not estimated: no recent volatility of ${names.market} is known`;
  }
  const drag =
    ` and an expected ${(cost.drag.fraction * 100).toFixed(1)}% (${usdc(cost.drag.usdc)} USDC) in volatility drag` +
    ` at ${names.market}'s recent ${Math.round(input.volatility * 100)}% volatility`;
  const outcomes = range
    ? `; 5-95% of outcomes end ${percent(range.p5)} to ${percent(range.p95)} against ${L}x ${names.market}'s move`
    : "";
  return fees + drag + outcomes;
}
