/**
 * The contracts' fixed-point arithmetic in bigint (SignedWad.sol and OpenZeppelin Math), with the same rounding:
 * "down" is toward negative infinity, "up" toward positive infinity, "toward zero" truncates the magnitude.
 */
import { feedAnswer, FEED_DECIMALS, USDC_DECIMALS, WAD } from "../text/units";

export { WAD };
export const BPS = 10_000n;
export const YEAR = 365n * 86_400n;
export const DAY = 86_400n;
/** USD WAD per collateral unit of the 6-decimal stablecoin. */
export const COLLATERAL_SCALE = 10n ** BigInt(18 - USDC_DECIMALS);
/** An 8-decimal feed answer to WAD. */
export const FEED_TO_WAD = 10n ** BigInt(18 - FEED_DECIMALS);

export const abs = (x: bigint): bigint => (x < 0n ? -x : x);
export const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);
export const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);

/** a / d rounded toward negative infinity (d > 0): SignedWad.divFloor. */
export const divFloor = (a: bigint, d: bigint): bigint => (a >= 0n ? a / d : -((-a + d - 1n) / d));
/** a / d rounded toward positive infinity (d > 0): Math.ceilDiv for a >= 0. */
export const divCeil = (a: bigint, d: bigint): bigint => -divFloor(-a, d);
/** a x b / d toward negative infinity: SignedWad.mulDivDown (and Math.mulDiv for a >= 0). */
export const mulDivDown = (a: bigint, b: bigint, d: bigint): bigint => divFloor(a * b, d);
/** a x b / d toward positive infinity: SignedWad.mulDivUp (and Math.mulDiv(.., Ceil) for a >= 0). */
export const mulDivUp = (a: bigint, b: bigint, d: bigint): bigint => divCeil(a * b, d);
/** a x b / d toward zero: SignedWad.mulDivTowardZero (bigint `/` truncates like Solidity). */
export const mulDivTowardZero = (a: bigint, b: bigint, d: bigint): bigint => (a * b) / d;

/** A price in USD (a float, e.g. from a CSV) as the WAD price an 8-decimal feed would give: rounded to 1e-8. */
export function feedPriceWad(usd: number): bigint {
  if (!Number.isFinite(usd) || usd <= 0) throw new Error(`invalid price ${usd}`);
  const answer = feedAnswer(usd);
  if (answer <= 0n) throw new Error(`price ${usd} is below the feed's 1e-8 resolution`);
  return answer * FEED_TO_WAD;
}

/** A WAD amount (or a USD WAD price) as a float, for reports and charts only. */
export const wadToNumber = (x: bigint): number => Number(x) / 1e18;
/** Stablecoin units as a float, for reports and charts only. */
export const collateralToNumber = (x: bigint): number => Number(x) / 10 ** USDC_DECIMALS;
/** A decimal fraction ("0.0365", 0.1) as WAD, exactly when given as a string of at most 18 decimals. */
export function toWad(value: number | string): bigint {
  const text = typeof value === "number" ? value.toFixed(18) : value.trim();
  const match = /^(-?)(\d+)(?:\.(\d{0,18})\d*)?$/.exec(text);
  if (!match) throw new Error(`not a decimal number: ${value}`);
  const [, sign, whole, fraction = ""] = match;
  const magnitude = BigInt(whole) * WAD + BigInt(fraction.padEnd(18, "0"));
  return sign === "-" ? -magnitude : magnitude;
}

/** The integer square root of `n` (n >= 0), rounded down (Newton's method on bigints). */
export function sqrtFloor(n: bigint): bigint {
  if (n < 0n) throw new Error(`square root of a negative number: ${n}`);
  if (n < 2n) return n;
  // A float estimate, then one Newton step, which lands at or above the root (AM-GM); the steps then fall to it.
  const estimate = BigInt(Math.floor(Math.sqrt(Number(n)))) || 1n;
  let x = (estimate + n / estimate) / 2n + 1n;
  for (;;) {
    const next = (x + n / x) / 2n;
    if (next >= x) return x;
    x = next;
  }
}
