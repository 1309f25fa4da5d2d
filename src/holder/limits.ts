import { MaxUint256 } from "ethers";
import type { LeveragedToken } from "../../typechain-types";
import { isPriceRevert } from "../errors";
import { BPS } from "../model/fixedPoint";

/**
 * How much of a token a holder may mint or redeem now, ERC-4626-shaped: the one place the CLI and the app read the
 * token's limits from. Today it derives them from what the token offers (`paused`, `wipedOut`, `capHeadroom`,
 * `fees`, `balanceOf`); once the token has `maxMint(receiver)` and `maxRedeem(owner)` this function reads those
 * instead, and nothing else changes.
 */

/** What reading the limits needs of a token (a connected LeveragedToken has it all). */
export type LimitedToken = Pick<LeveragedToken, "paused" | "wipedOut" | "capHeadroom" | "fees" | "balanceOf">;

export interface TokenLimits {
  /** Stablecoin units a mint may take now, its mint fee included (MaxUint256: no cap); 0 while minting is closed. */
  maxMint: bigint;
  /** Shares `owner` may redeem now: its balance (never limited by the cap or a pause). */
  maxRedeem: bigint;
  /**
   * Why minting is closed, when it is: paused by the operator, the token wiped out (retired tokens are), or the
   * price refused (stale or invalid: `priceError` is the token's revert, which a mint would meet too).
   */
  mintClosed?: "paused" | "wipedOut" | "price";
  priceError?: unknown;
}

/**
 * The limits of `token` for `account` (as minter and as owner) at `blockTag` (latest by default). At a stale or
 * invalid price minting is closed (`capHeadroom` values the account, and reverts as a mint would); redeeming is not
 * limited by it (the redeem meets the price itself, and a sale on the pool does not).
 */
export async function tokenLimits(token: LimitedToken, account: string, blockTag?: number): Promise<TokenLimits> {
  const [paused, wipedOut, maxRedeem] = await Promise.all([
    token.paused({ blockTag }),
    token.wipedOut({ blockTag }),
    token.balanceOf(account, { blockTag }),
  ]);
  // A wiped-out token mints no more, paused or not (and a retired token is a wiped-out one).
  if (wipedOut) return { maxMint: 0n, maxRedeem, mintClosed: "wipedOut" };
  if (paused) return { maxMint: 0n, maxRedeem, mintClosed: "paused" };
  try {
    const [headroom, fees] = await Promise.all([token.capHeadroom({ blockTag }), token.fees({ blockTag })]);
    return { maxMint: grossUpForFee(headroom, fees.mintFeeBps), maxRedeem };
  } catch (error) {
    if (!isPriceRevert(error)) throw error;
    return { maxMint: 0n, maxRedeem, mintClosed: "price", priceError: error };
  }
}

/**
 * The most collateral a mint may take when the equity cap leaves `headroom` for what it deposits: the mint fee
 * (`ceil(amount x bps / 10,000)`, as the token rounds it) comes off first, so the largest `amount` with
 * `amount - ceil(amount x bps / 10,000) <= headroom`. No cap (MaxUint256) stays no cap.
 */
export function grossUpForFee(headroom: bigint, feeBps: bigint): bigint {
  if (headroom === MaxUint256) return MaxUint256;
  // amount - ceil(amount x b / B) = floor(amount x (B - b) / B) <= headroom  <=>  amount x (B - b) < (headroom + 1) x B
  const keep = BPS - feeBps;
  return ((headroom + 1n) * BPS - 1n) / keep;
}
