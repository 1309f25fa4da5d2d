import { formatUnits, parseUnits } from "ethers";
import { UserError } from "./errors";

/** Stablecoin (collateral) and token decimals: the one place they are written. */
export const USDC_DECIMALS = 6;
export const TOKEN_DECIMALS = 18;
export const WAD = 10n ** 18n;
/** Decimals of a Chainlink-style USD price feed's answer (and of the SettablePriceFeed deployed on local chains). */
export const FEED_DECIMALS = 8;

/** Stablecoin units of an amount in whole units: parseUsdc("1000.5") is 1,000,500,000. */
export const parseUsdc = (amount: string | number | bigint): bigint => parseUnits(String(amount), USDC_DECIMALS);

/**
 * A USD price as the answer of an 8-decimal feed: a decimal string exactly (more than 8 decimals is an error), a
 * number (from a CSV or a simulation) rounded to the nearest 1e-8.
 */
export function feedAnswer(usd: number | string): bigint {
  if (typeof usd === "string") return parseUnits(usd.trim(), FEED_DECIMALS);
  if (!Number.isFinite(usd)) throw new Error(`invalid price ${usd}`);
  return BigInt(Math.round(usd * 10 ** FEED_DECIMALS));
}

/**
 * Parses a human amount ("1000", "0.5") into integer units, strictly: no sign, no exponent, no more decimals than
 * the unit has. `what` names the amount in the error ("--amount").
 */
export function parseAmount(input: string, decimals: number, what: string, { allowZero = false } = {}): bigint {
  const text = String(input).trim();
  if (!/^\d+(\.\d+)?$/.test(text)) {
    throw new UserError(`${what} must be a positive decimal number like 1000 or 0.5, not "${input}"`);
  }
  const fraction = text.split(".")[1] ?? "";
  if (fraction.length > decimals) {
    throw new UserError(`${what} has ${fraction.length} decimals; at most ${decimals} are possible`);
  }
  const value = parseUnits(text, decimals);
  if (value === 0n && !allowZero) throw new UserError(`${what} must be greater than 0`);
  return value;
}

/** Parses a percentage such as "0.5" (meaning 0.5%) into basis points of a basis point (1e-6 fraction). */
export function parsePercent(input: string, what: string, max = 100): number {
  const text = String(input).trim();
  if (!/^\d+(\.\d+)?$/.test(text) || Number(text) > max) {
    throw new UserError(`${what} must be a percentage between 0 and ${max}, not "${input}"`);
  }
  return Number(text);
}

/** `amount x (100 - percent) / 100`, rounded down: the least a slippage limit accepts. */
export function withSlippage(amount: bigint, percent: number): bigint {
  const ppm = BigInt(Math.round(percent * 10_000));
  return (amount * (1_000_000n - ppm)) / 1_000_000n;
}

/**
 * Formats integer units rounded (half up) to `places` decimals with thousands separators; trailing zeros are
 * trimmed unless `fixed` ("1,600.5", or "3.00" with fixed).
 */
export function formatAmount(value: bigint, decimals: number, places = decimals, fixed = false): string {
  const negative = value < 0n;
  let abs = negative ? -value : value;
  if (places < decimals) {
    const step = 10n ** BigInt(decimals - places);
    abs = ((abs + step / 2n) / step) * step;
  }
  const [whole, fraction = ""] = formatUnits(abs, decimals).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const cut = fixed ? fraction.padEnd(places, "0").slice(0, places) : fraction.slice(0, places).replace(/0+$/, "");
  return `${negative && abs !== 0n ? "-" : ""}${grouped}${cut ? `.${cut}` : ""}`;
}

export const formatUsdc = (value: bigint, places = 2) => formatAmount(value, USDC_DECIMALS, places);
export const formatToken = (value: bigint, places = 6) => formatAmount(value, TOKEN_DECIMALS, places);
/** A signed WAD fraction as a percentage with its sign: "+1.25%", "-0.50%", "0.00%". */
export function formatPercent(wad: bigint, places = 2): string {
  const text = formatAmount(wad, 16, places, true);
  return `${wad > 0n && /[1-9]/.test(text) ? "+" : ""}${text}%`;
}
/** A signed WAD leverage as "3.00x" / "-3.00x". */
export const formatLeverage = (value: bigint) => `${formatAmount(value, 18, 2, true)}x`;
