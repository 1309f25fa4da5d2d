/** Statistics of price and NAV series (floats: reports only, never money). */

/** The largest fall from a running peak, as a fraction (0.4 = -40%). */
export function maxDrawdown(values: readonly number[]): number {
  let peak = -Infinity;
  let worst = 0;
  for (const v of values) {
    if (v > peak) peak = v;
    if (peak > 0) worst = Math.max(worst, (peak - v) / peak);
  }
  return worst;
}

/** Sample variance of the log returns of consecutive prices, times their count: the realized sigma^2 x T. */
export function realizedVariance(prices: readonly number[]): number {
  const r: number[] = [];
  for (let i = 1; i < prices.length; i += 1) r.push(Math.log(prices[i] / prices[i - 1]));
  if (r.length < 2) return 0;
  const mean = r.reduce((a, b) => a + b, 0) / r.length;
  const variance = r.reduce((a, b) => a + (b - mean) ** 2, 0) / (r.length - 1);
  return variance * r.length;
}

/**
 * The continuous-rebalancing approximation of a leveraged token's growth:
 * (S_T/S_0)^L x exp(-(L^2 - L) sigma^2 T / 2), returned as a return (growth - 1).
 */
export function decayApproximation(leverage: number, priceRatio: number, sigmaSquaredT: number): number {
  return priceRatio ** leverage * Math.exp((-(leverage * leverage - leverage) * sigmaSquaredT) / 2) - 1;
}

/** A static position of L x the underlying (never rebalanced), as a return; liquidated at 0. */
export function staticReturn(leverage: number, priceRatio: number): number {
  return Math.max(-1, leverage * (priceRatio - 1));
}

/** The q-quantile (0..1) of values sorted ascending, interpolated. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const position = (sorted.length - 1) * q;
  const lo = Math.floor(position);
  const hi = Math.ceil(position);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (position - lo);
}

export function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** The standard error of the mean of `values`: the sample standard deviation over sqrt(n) (0 for n < 2). */
export function standardError(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  const variance = values.reduce((a, v) => a + (v - m) ** 2, 0) / (values.length - 1);
  return Math.sqrt(variance / values.length);
}
