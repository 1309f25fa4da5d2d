import type { BlockTag } from "ethers";
import {
  arbitrageBounds,
  bestBuyAndRedeem,
  bestMintAndSell,
  getAmountIn,
  getAmountOut,
  type Rate,
  type Reserves,
} from "../../dex/constantProduct";

/**
 * The size of an arbitrage between a token's pool and its NAV: the closed form against the constant-product pool
 * (see `bestMintAndSell` / `bestBuyAndRedeem`) at the mint's or redeem's rate read from the token's preview, then
 * the rate read again at that size and the size solved once more (a mint or redeem is proportional to its amount
 * but for rounding), and the profit of the final size computed exactly: the preview at that size and the pair's
 * own formula. This is what `FlashArbitrage` then does, so its profit is this one (on the same block).
 */

/** The two ways to arbitrage, named as FlashArbitrage's functions. */
export type Direction = "buyAndRedeem" | "mintAndSell";

export interface Plan {
  direction: Direction;
  /** What FlashArbitrage takes: stablecoin to mint with (mintAndSell) or shares to buy and redeem (buyAndRedeem). */
  amount: bigint;
  /** Shares through the pool: sold to it (mintAndSell) or bought from it (buyAndRedeem). */
  shares: bigint;
  /** Stablecoin units through the pool: taken from it (mintAndSell) or paid to it (buyAndRedeem). */
  collateral: bigint;
  /** Stablecoin units to the receiver, before gas. */
  profit: bigint;
}

/** What planning reads of a token (a connected LeveragedToken has it all). */
export interface PlannedToken {
  previewMint(collateralIn: bigint): Promise<bigint>;
  previewRedeem(shares: bigint): Promise<bigint>;
}

/** A connected token's previews read at `blockTag`: a plan whose reads agree with the pool read at that block. */
export function previewsAt(
  token: {
    previewMint(collateralIn: bigint, overrides: { blockTag: BlockTag }): Promise<bigint>;
    previewRedeem(shares: bigint, overrides: { blockTag: BlockTag }): Promise<bigint>;
  },
  blockTag: BlockTag,
): PlannedToken {
  return {
    previewMint: (collateralIn) => token.previewMint(collateralIn, { blockTag }),
    previewRedeem: (shares) => token.previewRedeem(shares, { blockTag }),
  };
}

export interface PlanLimits {
  /** Whether minting is open (not paused, not wiped out). */
  mintOpen: boolean;
  /** The most stablecoin a mint may take (the token's equity cap headroom); undefined: no limit. */
  maxCollateralIn?: bigint;
}

/** A reference amount for the first rate: 1% of the pool's side, at least one whole unit. */
const reference = (reserve: bigint, unit: bigint) => (reserve / 100n > unit ? reserve / 100n : unit);

/** The most profitable arbitrage of `pool` against `token` now; undefined when none makes money before gas. */
export async function planArbitrage(
  token: PlannedToken,
  pool: Reserves,
  limits: PlanLimits,
): Promise<Plan | undefined> {
  if (pool.tokenReserve === 0n || pool.stableReserve === 0n) return undefined;
  if (limits.mintOpen) {
    const plan = await planMintAndSell(token, pool, limits.maxCollateralIn);
    if (plan) return plan;
  }
  return planBuyAndRedeem(token, pool);
}

async function planMintAndSell(token: PlannedToken, pool: Reserves, cap?: bigint): Promise<Plan | undefined> {
  const c0 = reference(pool.stableReserve, 10n ** 6n);
  const first = bestMintAndSell(pool, { in: c0, out: await token.previewMint(c0) });
  if (first === 0n) return undefined;
  let amount = bestMintAndSell(pool, { in: first, out: await token.previewMint(first) });
  if (cap !== undefined && amount > cap) amount = cap;
  if (amount === 0n) return undefined;
  const shares = await token.previewMint(amount);
  const collateral = getAmountOut(shares, pool.tokenReserve, pool.stableReserve);
  const profit = collateral - amount;
  return profit > 0n ? { direction: "mintAndSell", amount, shares, collateral, profit } : undefined;
}

async function planBuyAndRedeem(token: PlannedToken, pool: Reserves): Promise<Plan | undefined> {
  const s0 = reference(pool.tokenReserve, 10n ** 18n);
  const first = bestBuyAndRedeem(pool, { in: s0, out: await token.previewRedeem(s0) });
  if (first === 0n) return undefined;
  const amount = bestBuyAndRedeem(pool, { in: first, out: await token.previewRedeem(first) });
  if (amount === 0n) return undefined;
  const redeemed = await token.previewRedeem(amount);
  const collateral = getAmountIn(amount, pool.stableReserve, pool.tokenReserve);
  const profit = redeemed - collateral;
  return profit > 0n ? { direction: "buyAndRedeem", amount, shares: amount, collateral, profit } : undefined;
}

/** The reference trade of `noArbitrageBand`: 1,000 USDC, or a tenth of the equity when that is less. */
const BAND_REFERENCE = 1_000_000_000n;

/**
 * The pool prices (stablecoin units per whole token) between which no arbitrage pays before gas, from the token's
 * previews of a mint of a reference amount (1,000 USDC, or a tenth of `equity` if less) and a redeem of the shares
 * worth as much at `nav`; undefined when the token previews nothing (wiped out, empty).
 */
export async function noArbitrageBand(token: PlannedToken, nav: bigint, equity: bigint) {
  const collateral = equity / 10n < BAND_REFERENCE ? equity / 10n : BAND_REFERENCE;
  if (collateral === 0n || nav === 0n) return undefined;
  const shares = (collateral * 10n ** 18n) / nav;
  const [minted, redeemed] = await Promise.all([token.previewMint(collateral), token.previewRedeem(shares)]);
  const mint: Rate = { in: collateral, out: minted };
  const redeem: Rate = { in: shares, out: redeemed };
  return minted > 0n && redeemed > 0n ? arbitrageBounds(mint, redeem) : undefined;
}
