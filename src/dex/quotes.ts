import type { LeveragedToken } from "../../typechain-types";
import { CONTRACT_INTERFACES } from "../chain/contracts";
import { describeError } from "../chain/reverts";
import { formatUsdc } from "../text/format";
import { getAmountOut, type Reserves } from "./constantProduct";

/**
 * Quotes of a buy or a sell on both routes, as the TradeRouter contract compares them on chain: the token's
 * Uniswap V2 pool (the pair's formula, 0.3% fee included) and a mint or redeem at NAV (`previewMint` /
 * `previewRedeem`: mint or redeem fee and the exchange's taker fee included). The larger wins; a tie goes to NAV. A
 * mint is closed while minting is paused, above the equity cap's headroom (the whole amount), or when the preview
 * reverts or gives nothing.
 * Runs in Node and in the browser (ethers only).
 */

/** The routes, in the order of the TradeRouter's `Route` enum. */
export const ROUTES = ["pool", "nav"] as const;
export type Route = (typeof ROUTES)[number];

/** One route's output for the amount in; 0 with the reason when the route cannot take the trade now. */
export interface RouteQuote {
  amountOut: bigint;
  unavailable?: string;
}

export interface TradeQuote {
  side: "buy" | "sell";
  /** Stablecoin units (buy) or shares (sell). */
  amountIn: bigint;
  pool: RouteQuote;
  nav: RouteQuote;
  /** The route that pays more; undefined when neither can take the trade. */
  best?: Route;
  /** The better route's output: shares (buy) or stablecoin units (sell). */
  amountOut: bigint;
}

/** What quoting reads of a token (a connected LeveragedToken has it all). */
export type QuotedToken = Pick<LeveragedToken, "previewMint" | "previewRedeem" | "paused" | "capHeadroom">;

/** `collateralIn` stablecoin units for shares: through `pool` (undefined: the token has none) or a mint. */
export async function quoteBuy(token: QuotedToken, pool: Reserves | undefined, collateralIn: bigint) {
  const [paused, cap, preview] = await Promise.all([
    token.paused(),
    settle(token.capHeadroom()),
    settle(token.previewMint(collateralIn)),
  ]);
  const headroom = cap.error === undefined ? cap.value : 0n;
  let nav: RouteQuote;
  if (paused) nav = { amountOut: 0n, unavailable: "minting is paused" };
  else if (cap.error !== undefined) nav = { amountOut: 0n, unavailable: cap.error };
  else if (collateralIn > headroom) {
    // The router's rule: the whole amount within the cap's headroom (the token's own check nets the mint fee first).
    nav = {
      amountOut: 0n,
      unavailable: `above the equity cap: at most ${formatUsdc(headroom)} USDC can be minted now`,
    };
  } else if (preview.error !== undefined) nav = { amountOut: 0n, unavailable: preview.error };
  else if (preview.value === 0n) nav = { amountOut: 0n, unavailable: "the mint would give no shares (wiped out?)" };
  else nav = { amountOut: preview.value };
  return choose("buy", collateralIn, poolQuote(pool, collateralIn, "buy"), nav);
}

/** `shares` for stablecoin: through `pool` (undefined: the token has none) or a redeem. */
export async function quoteSell(token: QuotedToken, pool: Reserves | undefined, shares: bigint) {
  const preview = await settle(token.previewRedeem(shares));
  const nav: RouteQuote =
    preview.error !== undefined ? { amountOut: 0n, unavailable: preview.error } : { amountOut: preview.value };
  return choose("sell", shares, poolQuote(pool, shares, "sell"), nav);
}

function poolQuote(pool: Reserves | undefined, amountIn: bigint, side: "buy" | "sell"): RouteQuote {
  if (!pool) return { amountOut: 0n, unavailable: "the token has no pool" };
  if (pool.tokenReserve === 0n || pool.stableReserve === 0n) return { amountOut: 0n, unavailable: "the pool is empty" };
  return {
    amountOut:
      side === "buy"
        ? getAmountOut(amountIn, pool.stableReserve, pool.tokenReserve)
        : getAmountOut(amountIn, pool.tokenReserve, pool.stableReserve),
  };
}

function choose(side: "buy" | "sell", amountIn: bigint, pool: RouteQuote, nav: RouteQuote): TradeQuote {
  const best: Route | undefined = pool.amountOut > nav.amountOut ? "pool" : nav.amountOut > 0n ? "nav" : undefined;
  return { side, amountIn, pool, nav, best, amountOut: best === "pool" ? pool.amountOut : nav.amountOut };
}

/** A view call's value, or why it reverted (a stale price, say) in one line. */
async function settle(call: Promise<bigint>): Promise<{ value: bigint; error?: undefined } | { error: string }> {
  try {
    return { value: await call };
  } catch (error) {
    return { error: describeError(error, CONTRACT_INTERFACES) };
  }
}
