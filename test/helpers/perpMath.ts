/**
 * The exchange's documented formulas (IPerpExchange / PerpExchange NatSpec) written out on their own, with the
 * documented rounding: every amount between an account and the fund is rounded in favour of the fund. On purpose an
 * independent oracle for the exchange's tests: the exact model (src/model/exactToken.ts) computes the same amounts
 * inside its own code, and the two are checked against the chain separately. The fixed-point primitives are the
 * model's (src/model/fixedPoint.ts). Units: size and prices in WAD, collateral in 6-decimal units.
 */
import { abs, BPS, COLLATERAL_SCALE, divCeil, divFloor, mulDivDown, WAD, YEAR } from "../../src/model/fixedPoint";

/** USD WAD per collateral unit (6-decimal stablecoin). */
export const SCALE = COLLATERAL_SCALE;

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
