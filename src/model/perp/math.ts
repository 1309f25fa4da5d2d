/** PerpMath.sol's account formulas in bigint, each once, with the contract's rounding (see `../fixedPoint.ts`). */
import { abs, BPS, COLLATERAL_SCALE, divCeil, mulDivDown, WAD } from "../fixedPoint";

/** PerpMath.notional: size x price, USD WAD, rounded down (toward negative infinity). */
export const notional = (size: bigint, price: bigint): bigint => mulDivDown(size, price, WAD);

/** Unrealized PnL: notional - openNotional, USD WAD. */
export const unrealizedPnl = (size: bigint, openNotional: bigint, price: bigint): bigint =>
  notional(size, price) - openNotional;

/** PerpMath.requirement: |size| x price x bps in collateral units, rounded up (a margin requirement or a penalty). */
export const requirement = (size: bigint, price: bigint, bps: bigint): bigint =>
  divCeil(abs(size) * price * bps, WAD * BPS * COLLATERAL_SCALE);

/** The average entry price, WAD: |openNotional| x WAD / |size| rounded down; 0 without a position. */
export const entryPrice = (size: bigint, openNotional: bigint): bigint =>
  size === 0n ? 0n : (abs(openNotional) * WAD) / abs(size);
