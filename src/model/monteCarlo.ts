/**
 * Monte Carlo of a daily-rebalanced leveraged token on geometric Brownian motion, in plain floating point (fast:
 * millions of path-days a second). Money math that must match the chain uses the exact model instead.
 */
import { Random } from "./random";
import { mean, quantile, standardError } from "./statistics";

export interface MonteCarloOptions {
  leverage: number;
  volatility: number; // annual, e.g. 0.8
  days: number;
  paths: number;
  drift?: number; // annual expected return of the underlying (arithmetic), default 0
  managementFeePerYear?: number; // fraction a year, taken daily
  fundingRatePerYear?: number; // fraction of notional a year, longs pay when > 0
  seed?: number;
}

export interface MonteCarloResult {
  options: Required<MonteCarloOptions>;
  pathDays: number;
  tokenReturns: Float64Array; // per path, sorted ascending
  underlyingReturns: Float64Array; // per path, sorted ascending
  summary: {
    mean: number;
    /** Standard error of the simulated mean: the sample standard deviation over sqrt(paths). */
    meanStandardError: number;
    median: number;
    p5: number;
    p25: number;
    p75: number;
    p95: number;
    probabilityOfLoss: number;
    probabilityOfWipeOut: number;
    underlyingMedian: number;
    /** The 5% and 95% quantiles over paths of the token's return minus L x the underlying's (the same path's). */
    againstUnderlyingP5: number;
    againstUnderlyingP95: number;
    /** Median over paths of |token - approximation| with each path's realized variance. */
    medianApproximationError: number;
  };
  theory: {
    mean: number; // E[token] = ((1 + mu dt)(1 - L f dt ...))^days - 1
    median: number; // exp((L mu - L^2 sigma^2 / 2) T) - 1 (mu as a log drift of mu - sigma^2/2)
    flatUnderlying: number; // exp(-(L^2 - L) sigma^2 T / 2) - 1
  };
}

export function runMonteCarlo(input: MonteCarloOptions): MonteCarloResult {
  const options: Required<MonteCarloOptions> = {
    drift: 0,
    managementFeePerYear: 0,
    fundingRatePerYear: 0,
    seed: 1,
    ...input,
  };
  const { leverage: L, volatility: sigma, days, paths, drift } = options;
  const dt = 1 / 365;
  const logDrift = (drift - (sigma * sigma) / 2) * dt;
  const diffusion = sigma * Math.sqrt(dt);
  const carry = 1 - options.managementFeePerYear * dt;
  const funding = L * options.fundingRatePerYear * dt; // what the token pays a day per unit of NAV
  const random = new Random(options.seed);
  const tokenReturns = new Float64Array(paths);
  const underlyingReturns = new Float64Array(paths);
  const errors = new Float64Array(paths);
  const againstUnderlying = new Float64Array(paths);
  let wipeOuts = 0;
  for (let p = 0; p < paths; p += 1) {
    let logPrice = 0;
    let sumSquares = 0;
    let nav = 1;
    for (let d = 0; d < days; d += 1) {
      const x = logDrift + diffusion * random.normal();
      logPrice += x;
      sumSquares += x * x;
      if (nav > 0) {
        nav *= (1 + L * Math.expm1(x) - funding) * carry;
        if (nav <= 0) {
          nav = 0;
          wipeOuts += 1;
        }
      }
    }
    const ratio = Math.exp(logPrice);
    tokenReturns[p] = nav - 1;
    underlyingReturns[p] = ratio - 1;
    againstUnderlying[p] = nav - 1 - L * (ratio - 1);
    const approx = ratio ** L * Math.exp((-(L * L - L) * sumSquares) / 2);
    errors[p] = Math.abs(nav - approx);
  }
  tokenReturns.sort();
  underlyingReturns.sort();
  errors.sort();
  againstUnderlying.sort();
  const T = days * dt;
  let losses = 0;
  for (const r of tokenReturns) if (r < 0) losses += 1;
  const daily = (1 + L * drift * dt - funding) * carry;
  return {
    options,
    pathDays: paths * days,
    tokenReturns,
    underlyingReturns,
    summary: {
      mean: mean(Array.from(tokenReturns)),
      meanStandardError: standardError(Array.from(tokenReturns)),
      median: quantile(Array.from(tokenReturns), 0.5),
      p5: quantile(Array.from(tokenReturns), 0.05),
      p25: quantile(Array.from(tokenReturns), 0.25),
      p75: quantile(Array.from(tokenReturns), 0.75),
      p95: quantile(Array.from(tokenReturns), 0.95),
      probabilityOfLoss: losses / paths,
      probabilityOfWipeOut: wipeOuts / paths,
      underlyingMedian: quantile(Array.from(underlyingReturns), 0.5),
      againstUnderlyingP5: quantile(Array.from(againstUnderlying), 0.05),
      againstUnderlyingP95: quantile(Array.from(againstUnderlying), 0.95),
      medianApproximationError: quantile(Array.from(errors), 0.5),
    },
    theory: {
      mean: daily ** days - 1,
      median: Math.exp((L * drift - (L * L * sigma * sigma) / 2) * T) * ((1 - funding) * carry) ** days - 1,
      flatUnderlying: flatUnderlyingReturn(L, sigma, days),
    },
  };
}

/** Expected token return when the underlying ends where it started: exp(-(L^2 - L) sigma^2 T / 2) - 1. */
export function flatUnderlyingReturn(leverage: number, volatility: number, days: number): number {
  return Math.exp((-(leverage * leverage - leverage) * volatility * volatility * (days / 365)) / 2) - 1;
}

/** The decay curves: holding period 1 .. maxDays for each leverage and volatility. */
export function decayCurves(leverages: number[], volatilities: number[], maxDays = 365) {
  const rows: { x: number; series: string; value: number }[] = [];
  for (const L of leverages) {
    for (const sigma of volatilities) {
      for (let d = 1; d <= maxDays; d += 1) {
        rows.push({ x: d, series: `${L}x, vol ${Math.round(sigma * 100)}%`, value: flatUnderlyingReturn(L, sigma, d) });
      }
    }
  }
  return rows;
}
