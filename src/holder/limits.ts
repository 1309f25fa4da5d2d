import type { LeveragedToken } from "../../typechain-types";
import { priceStatusName } from "../chain/enums";

/**
 * How much of a token a holder may mint, redeem or sell now: the one place the CLI and the app read the token's
 * limits from, the token's own ERC-4626 views (`maxMint(receiver)`, `maxRedeem(owner)`), with the reason when
 * minting or redeeming is closed.
 */

/** What reading the limits needs of a token (a connected LeveragedToken has it all). */
export type LimitedToken = Pick<
  LeveragedToken,
  "paused" | "wipedOut" | "keeperStatus" | "maxMint" | "maxRedeem" | "balanceOf" | "previewMint"
>;

export interface TokenLimits {
  /** Stablecoin units a mint may take now, its mint fee included (MaxUint256: no cap); 0 while minting is closed. */
  maxMint: bigint;
  /** Shares the owner may redeem now (the token's `maxRedeem`): its balance, 0 while the price is refused. */
  maxRedeem: bigint;
  /** The owner's balance: what it may sell on the pool, which needs no price. */
  balance: bigint;
  /**
   * Why minting is closed, when it is: paused by the operator, the token wiped out (retired tokens are), or the
   * price refused (stale or invalid: `priceError` is the revert a mint would meet).
   */
  mintClosed?: "paused" | "wipedOut" | "price";
  /** Redeeming is closed only while the price is refused (never by the cap or a pause; always after a wipe-out). */
  redeemClosed?: "price";
  priceError?: unknown;
}

/** The limits of `token` for `account` (as minter and as owner) at `blockTag` (latest by default). */
export async function tokenLimits(token: LimitedToken, account: string, blockTag?: number): Promise<TokenLimits> {
  const [paused, wipedOut, status, balance, maxMint, maxRedeem] = await Promise.all([
    token.paused({ blockTag }),
    token.wipedOut({ blockTag }),
    token.keeperStatus({ blockTag }),
    token.balanceOf(account, { blockTag }),
    token.maxMint(account, { blockTag }),
    token.maxRedeem(account, { blockTag }),
  ]);
  const limits: TokenLimits = { maxMint, maxRedeem, balance };
  // A wiped-out token mints no more, paused or not, and redeems at any price (its part of the margin left).
  if (wipedOut) return { ...limits, mintClosed: "wipedOut" };
  if (priceStatusName(status.priceStatus) !== "fresh") {
    // The revert a mint or a redeem meets at this price (PerpStalePrice(...) or PerpInvalidPrice(...)), for
    // src/chain/reverts.ts to describe.
    const priceError = await token.previewMint(1n, { blockTag }).then(
      () => undefined,
      (error: unknown) => error,
    );
    return { ...limits, mintClosed: paused ? "paused" : "price", redeemClosed: "price", priceError };
  }
  return paused ? { ...limits, mintClosed: "paused" } : limits;
}
