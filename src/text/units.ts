/** The units of the system's numbers: the one place their decimals are written. */
import { parseUnits } from "ethers";

/** Stablecoin (collateral) decimals. */
export const USDC_DECIMALS = 6;
/** Leveraged token (share) decimals. */
export const TOKEN_DECIMALS = 18;
/** Fixed point 1 (leverage, band, rates, prices and sizes are WAD). */
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
