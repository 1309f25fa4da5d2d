import type { LeveragedToken, MockStablecoin } from "../../typechain-types";
import { formatToken, formatUsdc } from "../text/format";
import { UserError } from "../text/userError";
import { tokenLimits } from "./limits";

/*
 * What a holder's trade needs checked before anything is sent, in one place for the CLI tasks and the app (both
 * through src/holder/flows.ts): each refusal is a UserError with one sentence, what is wrong and what to do, in human
 * units; a revert of a preview (a stale price) propagates and is described by src/chain/reverts.ts.
 */

/**
 * The checks of a mint of `amount` stablecoin units by `payer`; returns the shares the preview promises (at
 * `blockTag`, the latest block by default).
 */
export async function checkMint(
  token: LeveragedToken,
  stablecoin: Pick<MockStablecoin, "balanceOf">,
  payer: string,
  amount: bigint,
  blockTag?: number,
): Promise<{ symbol: string; expectedShares: bigint }> {
  const [symbol, limits] = await Promise.all([
    token.symbol(),
    tokenLimits(token, payer, blockTag),
    requireUsdc(stablecoin, payer, amount, "the mint"),
  ]);
  if (limits.mintClosed === "wipedOut") {
    throw new UserError(`${symbol} is wiped out: it mints no more (redeem what you hold of it)`);
  }
  if (limits.mintClosed === "paused") {
    throw new UserError(`minting of ${symbol} is paused by the operator: buy on the pool or mint later`);
  }
  if (limits.mintClosed === "price") throw limits.priceError; // PerpStalePrice(...): described in src/chain/reverts.ts
  if (amount > limits.maxMint) {
    throw new UserError(
      limits.maxMint === 0n
        ? `${symbol} is at its equity cap: it takes no mint now, asked for ${formatUsdc(amount)} USDC (buy on the pool, or mint later)`
        : `${symbol} is at its equity cap: a mint can take at most ${formatUsdc(limits.maxMint, 6)} USDC now (its fee included), asked for ${formatUsdc(amount)} USDC (mint less or later)`,
    );
  }
  const expectedShares = await token.previewMint(amount, { blockTag }); // reverts on a stale or invalid price
  if (expectedShares === 0n) {
    throw new UserError(`${symbol} would mint 0 tokens for ${formatUsdc(amount)} USDC (mint more)`);
  }
  return { symbol, expectedShares };
}

/** The checks of a redeem of `shares` by `owner`; returns the stablecoin the preview promises (at `blockTag`). */
export async function checkRedeem(
  token: LeveragedToken,
  owner: string,
  shares: bigint,
  blockTag?: number,
): Promise<{ symbol: string; expectedUsdc: bigint }> {
  const symbol = await requireShares(token, owner, shares, "redeem", blockTag);
  return { symbol, expectedUsdc: await token.previewRedeem(shares, { blockTag }) };
}

/** Throws "not enough USDC: ..." unless `owner` holds `amount` stablecoin units; `what` names what needs them. */
export async function requireUsdc(
  stablecoin: Pick<MockStablecoin, "balanceOf">,
  owner: string,
  amount: bigint,
  what: string,
) {
  const balance = await stablecoin.balanceOf(owner);
  if (balance < amount) {
    throw new UserError(
      `not enough USDC: you have ${formatUsdc(balance)}, ${what} needs ${formatUsdc(amount)} (${balance === 0n ? "draw some from the faucet first" : `pay at most ${formatUsdc(balance)}`})`,
    );
  }
}

/**
 * Throws unless `owner` may redeem (or sell, `verb`) `shares` (> 0) of `token`: at most its `maxRedeem` (a sale: its
 * balance); returns the token's symbol.
 */
export async function requireShares(
  token: LeveragedToken,
  owner: string,
  shares: bigint,
  verb: "redeem" | "sell",
  blockTag?: number,
): Promise<string> {
  const [symbol, limits] = await Promise.all([token.symbol(), tokenLimits(token, owner, blockTag)]);
  // A redeem at a refused price meets its revert (described by src/chain/reverts.ts); a sale on the pool needs no price.
  if (verb === "redeem" && limits.redeemClosed === "price") throw limits.priceError;
  const maxRedeem = verb === "redeem" ? limits.maxRedeem : limits.balance;
  if (shares === 0n) {
    throw new UserError(
      maxRedeem === 0n ? `you hold no ${symbol} (buy or mint some first)` : `the amount must be greater than 0`,
    );
  }
  if (shares > maxRedeem) {
    throw new UserError(
      `not enough ${symbol}: you have ${formatToken(maxRedeem)}, asked for ${formatToken(shares)} (${maxRedeem === 0n ? "buy or mint some first" : `${verb} at most ${formatToken(maxRedeem)}`})`,
    );
  }
  return symbol;
}
