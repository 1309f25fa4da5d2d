import type { Signer } from "ethers";
import type { AddressBook } from "../../../../src/addressBookSchema";
import { withSlippage } from "../../../../src/amounts";
import { connectStablecoin, connectToken, connectTradeRouter } from "../../../../src/contracts";
import { readPool } from "../../../../src/dex/pool";
import { quoteBuy, quoteSell, type TradeQuote } from "../../../../src/dex/quotes";
import { UserError } from "../../../../src/errors";
import { checkMint, checkRedeem, requireShares, requireUsdc } from "../../../../src/holder";
import { signPermitSignature } from "../../../../src/permit";

/**
 * The four trades as the app sends them: everything checked and simulated first (a refusal sends nothing), then
 * approve (or sign a permit) -> confirm in the wallet -> pending -> done, reported step by step.
 */
export type Side = "mint" | "redeem" | "buy" | "sell";
export type Step = "approve" | "confirm" | "pending" | "done";

export interface TradeRequest {
  side: Side;
  book: AddressBook;
  signer: Signer;
  account: string;
  token: string; // address
  pool?: string; // the token's pair, if any
  amount: bigint; // stablecoin units (mint, buy) or shares (redeem, sell)
  slippagePercent: number;
  /** Seconds a trade through the router (and its permit) stays valid. */
  deadlineSeconds: number;
  onStep(step: Step, detail?: string): void;
}

/** A buy or sell's quotes on both routes (pool and NAV) for a preview or a trade. */
export async function quoteTrade(
  request: Pick<TradeRequest, "side" | "book" | "token" | "pool" | "amount"> & { runner: Signer["provider"] },
): Promise<TradeQuote> {
  const token = connectToken(request.token, request.runner);
  const pool = request.pool
    ? await readPool(request.runner!, request.pool, request.token, request.book.stablecoin)
    : undefined;
  return request.side === "buy" ? quoteBuy(token, pool, request.amount) : quoteSell(token, pool, request.amount);
}

async function chainDeadline(signer: Signer, seconds: number): Promise<bigint> {
  const block = await signer.provider?.getBlock("latest");
  return BigInt((block?.timestamp ?? Math.floor(Date.now() / 1000)) + seconds);
}

async function sendAndWait(request: TradeRequest, send: () => Promise<{ hash: string; wait(): Promise<unknown> }>) {
  request.onStep("confirm");
  const tx = await send();
  request.onStep("pending", tx.hash);
  const receipt = (await tx.wait()) as { status?: number } | null;
  if (!receipt || receipt.status !== 1) throw new Error(`the transaction ${tx.hash} failed`);
  request.onStep("done", tx.hash);
}

export async function mint(request: TradeRequest): Promise<void> {
  const { signer, account, amount, book } = request;
  const token = connectToken(request.token, signer);
  const stablecoin = connectStablecoin(book.stablecoin, signer);
  await checkMint(token, stablecoin, account, amount); // every refusal before anything is sent
  request.onStep("approve");
  if ((await stablecoin.allowance(account, request.token)) < amount) {
    await stablecoin.approve.staticCall(request.token, amount);
    await (await stablecoin.approve(request.token, amount)).wait();
  }
  const { expectedShares } = await checkMint(token, stablecoin, account, amount); // the price may have moved
  const min = withSlippage(expectedShares, request.slippagePercent);
  await token.mint.staticCall(amount, min, account);
  await sendAndWait(request, () => token.mint(amount, min, account));
}

export async function redeem(request: TradeRequest): Promise<void> {
  const { signer, account, amount } = request;
  const token = connectToken(request.token, signer);
  const { expectedUsdc } = await checkRedeem(token, account, amount);
  request.onStep("approve"); // a redeem burns the holder's own shares: nothing to approve
  const min = withSlippage(expectedUsdc, request.slippagePercent);
  await token.redeem.staticCall(amount, min, account);
  await sendAndWait(request, () => token.redeem(amount, min, account));
}

/** Buy or sell through the TradeRouter (the better of the pool and NAV, in one transaction), with a permit. */
export async function trade(request: TradeRequest): Promise<void> {
  const { signer, account, amount, book, side } = request;
  const routerAddress = book.dex?.tradeRouter;
  if (!routerAddress)
    throw new UserError(`this deployment (${book.network}) has no trade router: mint or redeem instead`);
  const router = connectTradeRouter(routerAddress, signer);
  const token = connectToken(request.token, signer);
  const stablecoin = connectStablecoin(book.stablecoin, signer);
  const coin = side === "buy" ? stablecoin : token;
  if (side === "buy") await requireUsdc(stablecoin, account, amount, "the buy");
  else await requireShares(token, account, amount);
  const quote = await quoteTrade({ ...request, runner: signer.provider });
  if (!quote.best) {
    throw new UserError(
      `neither route can take this trade now: pool: ${quote.pool.unavailable}; NAV: ${quote.nav.unavailable}`,
    );
  }
  const min = withSlippage(quote.amountOut, request.slippagePercent);
  const deadline = await chainDeadline(signer, request.deadlineSeconds);
  request.onStep("approve");
  if ((await coin.allowance(account, routerAddress)) >= amount) {
    const call = side === "buy" ? router.buy : router.sell;
    await call.staticCall(request.token, amount, min, account, deadline);
    await sendAndWait(request, () => call(request.token, amount, min, account, deadline));
    return;
  }
  const permit = await signPermitSignature(signer, coin, routerAddress, amount, deadline);
  const call = side === "buy" ? router.buyWithPermit : router.sellWithPermit;
  await call.staticCall(request.token, amount, min, account, permit);
  await sendAndWait(request, () => call(request.token, amount, min, account, permit));
}

export const ACTIONS: Record<Side, (request: TradeRequest) => Promise<void>> = {
  mint,
  redeem,
  buy: trade,
  sell: trade,
};
