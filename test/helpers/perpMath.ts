/**
 * The exchange's documented formulas (IPerpExchange / PerpExchange NatSpec) in bigint, with the documented
 * rounding: every amount between an account and the fund is rounded in favour of the fund.
 * Units: size and prices in WAD, collateral in 6-decimal units (1 unit = 1e12 USD WAD).
 */
import { WAD, YEAR } from "./units";

export const BPS = 10_000n;
/** USD WAD per collateral unit (6-decimal stablecoin). */
export const SCALE = 10n ** 12n;
/** 8-decimal feed answer to WAD. */
export const FEED_TO_WAD = 10n ** 10n;

export const abs = (x: bigint): bigint => (x < 0n ? -x : x);
/** a / d rounded toward negative infinity (d > 0). */
export const divFloor = (a: bigint, d: bigint): bigint => (a >= 0n ? a / d : -((-a + d - 1n) / d));
/** a / d rounded toward positive infinity (d > 0). */
export const divCeil = (a: bigint, d: bigint): bigint => -divFloor(-a, d);
export const mulDivDown = (a: bigint, b: bigint, d: bigint): bigint => divFloor(a * b, d);
export const mulDivUp = (a: bigint, b: bigint, d: bigint): bigint => divCeil(a * b, d);
export const mulDivTowardZero = (a: bigint, b: bigint, d: bigint): bigint => (a * b) / d; // bigint `/` truncates

/** USD WAD -> collateral units, rounded down (what a margin change or an account value is rounded to). */
export const toCollateral = (usdWad: bigint): bigint => divFloor(usdWad, SCALE);

/**
 * Funding an account owes (USD WAD, < 0: it receives): size x price x indexDelta / (1e36 x 365 days), rounded up
 * when it pays and down when it receives.
 */
export function fundingOwed(size: bigint, price: bigint, indexDelta: bigint): bigint {
  if (size === 0n || indexDelta === 0n) return 0n;
  const numerator = abs(size) * price * abs(indexDelta);
  const denominator = WAD * WAD * YEAR;
  const pays = size > 0n === indexDelta > 0n;
  return pays ? divCeil(numerator, denominator) : -(numerator / denominator);
}

/** |size| x price x bps in collateral units, rounded up (maintenance or initial margin). */
export const requirement = (size: bigint, price: bigint, bps: bigint): bigint =>
  divCeil(abs(size) * price * bps, WAD * BPS * SCALE);

/** Taker fee, USD WAD: |sizeDelta| x price x bps, rounded up. */
export const takerFee = (sizeDelta: bigint, price: bigint, bps: bigint): bigint =>
  divCeil(abs(sizeDelta) * price * bps, WAD * BPS);

/** margin + (size x price rounded down - openNotional - funding) in collateral units, rounded down. */
export const accountValue = (margin: bigint, size: bigint, openNotional: bigint, price: bigint, funding = 0n): bigint =>
  margin + toCollateral(mulDivDown(size, price, WAD) - openNotional - funding);

/** Liquidation penalty (collateral units) before the cap by the margin left: |size| x price x bps, rounded up. */
export const rawPenalty = (size: bigint, price: bigint, bps: bigint): bigint =>
  divCeil(abs(size) * price * bps, WAD * BPS * SCALE);
