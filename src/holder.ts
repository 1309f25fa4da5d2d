import type { LeveragedToken, MockStablecoin } from "../typechain-types";
import { formatToken, formatUsdc } from "./format";
import { UserError } from "./errors";
import { feeUp } from "./model/exactToken";

/*
 * What a holder's mint or redeem needs checked before anything is sent, in one place for the CLI tasks and the app:
 * each refusal is a UserError with one sentence in human units; a revert of the preview (a stale price) propagates
 * and is described by src/errors.ts.
 */

/**
 * The checks of a mint of `amount` stablecoin units by `payer`; returns the shares the preview promises (at
 * `blockTag`, the latest block by default).
 */
export async function checkMint(
  token: LeveragedToken,
  stablecoin: MockStablecoin,
  payer: string,
  amount: bigint,
  blockTag?: number,
): Promise<{ symbol: string; expectedShares: bigint }> {
  const [symbol, wipedOut, paused, headroom, fees] = await Promise.all([
    token.symbol(),
    token.wipedOut(),
    token.paused(),
    token.capHeadroom({ blockTag }),
    token.fees({ blockTag }),
    requireUsdc(stablecoin, payer, amount, "the mint"),
  ]);
  if (wipedOut) throw new UserError(`${symbol} is wiped out: it mints no more (redeeming works)`);
  if (paused) throw new UserError(`minting of ${symbol} is paused by the operator (redeeming works)`);
  const net = amount - feeUp(amount, fees.mintFeeBps); // what the mint deposits, the part the equity cap counts
  if (net > headroom) {
    throw new UserError(
      `${symbol} is at its equity cap: it can take ${formatUsdc(headroom)} USDC more, the mint would add ${formatUsdc(net)} USDC (mint less or later)`,
    );
  }
  const expectedShares = await token.previewMint(amount, { blockTag }); // reverts on a stale or invalid price
  if (expectedShares === 0n) throw new UserError(`${symbol} would mint 0 tokens for ${formatUsdc(amount)} USDC`);
  return { symbol, expectedShares };
}

/** The checks of a redeem of `shares` by `owner`; returns the stablecoin the preview promises (at `blockTag`). */
export async function checkRedeem(
  token: LeveragedToken,
  owner: string,
  shares: bigint,
  blockTag?: number,
): Promise<{ symbol: string; expectedUsdc: bigint }> {
  const symbol = await requireShares(token, owner, shares);
  return { symbol, expectedUsdc: await token.previewRedeem(shares, { blockTag }) };
}

/** Throws "not enough USDC: ..." unless `owner` holds `amount` stablecoin units; `what` names what needs them. */
export async function requireUsdc(stablecoin: MockStablecoin, owner: string, amount: bigint, what: string) {
  const balance = await stablecoin.balanceOf(owner);
  if (balance < amount) {
    throw new UserError(`not enough USDC: you have ${formatUsdc(balance)}, ${what} needs ${formatUsdc(amount)}`);
  }
}

/** Throws unless `owner` holds `shares` (> 0) of `token`; returns the token's symbol. */
export async function requireShares(token: LeveragedToken, owner: string, shares: bigint): Promise<string> {
  const [symbol, balance] = await Promise.all([token.symbol(), token.balanceOf(owner)]);
  if (shares === 0n)
    throw new UserError(balance === 0n ? `you hold no ${symbol}` : "the amount must be greater than 0");
  if (shares > balance) {
    throw new UserError(`not enough ${symbol}: you have ${formatToken(balance)}, asked for ${formatToken(shares)}`);
  }
  return symbol;
}
