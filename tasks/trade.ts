import { task } from "hardhat/config";
import type { ContractTransactionReceipt } from "ethers";
import { parseAmount, parsePercent, withSlippage } from "../src/amounts";
import { formatAmount, formatPercent, formatToken, formatUsdc } from "../src/format";
import { TOKEN_DECIMALS, USDC_DECIMALS } from "../src/units";
import { findPool, poolPrice, premium, type Pool } from "../src/dex/pool";
import type { RouteQuote, TradeQuote } from "../src/dex/quotes";
import { UserError } from "../src/errors";
import type { TradeRouter } from "../typechain-types";
import { parseRecipient, send, tradeDeadline, withContext, type TaskContext } from "./context";

/** The deployment's TradeRouter; an address book written before it is a UserError. */
async function tradeRouter(ctx: TaskContext): Promise<TradeRouter> {
  const address = ctx.system.book.dex?.tradeRouter;
  if (!address) {
    throw new UserError(
      `deployments/${ctx.hre.network.name}.json has no TradeRouter (it predates it, or has no DEX): npm run deploy -- --network ${ctx.hre.network.name}`,
    );
  }
  const { connectTradeRouter } = await import("../src/contracts");
  return connectTradeRouter(address, ctx.signer);
}

async function tokenPool(ctx: TaskContext, token: string): Promise<Pool | undefined> {
  const dex = ctx.system.book.dex;
  return dex ? findPool(ctx.signer, dex.factory, token, ctx.system.book.stablecoin) : undefined;
}

/** The two quotes, the pool's premium and the better route, as lines. */
function describeQuote(quote: TradeQuote, symbol: string, nav: bigint, pool: Pool | undefined): string[] {
  const buying = quote.side === "buy";
  const out = (amount: bigint) => (buying ? `${formatToken(amount)} ${symbol}` : `${formatUsdc(amount, 6)} USDC`);
  const perToken = (q: RouteQuote) => {
    const [usdc, shares] = buying ? [quote.amountIn, q.amountOut] : [q.amountOut, quote.amountIn];
    return `${formatUsdc((usdc * 10n ** 18n) / shares, 4)} USDC per ${symbol}`;
  };
  const line = (name: string, q: RouteQuote) =>
    `  ${name.padEnd(6)} ${q.amountOut === 0n ? `- (${q.unavailable})` : `${out(q.amountOut)} (${perToken(q)})`}`;
  const price = pool && poolPrice(pool);
  const lines = [
    `NAV ${formatUsdc(nav, 4)} USDC; pool ${price === undefined ? "none" : `${formatUsdc(price, 4)} USDC, ${formatPercent(premium(price, nav))} to NAV`}`,
    line("pool", quote.pool),
    line(buying ? "mint" : "redeem", quote.nav),
  ];
  if (quote.best) {
    const [better, worse] = quote.best === "pool" ? [quote.pool, quote.nav] : [quote.nav, quote.pool];
    const by =
      worse.amountOut === 0n
        ? "the only route open"
        : `${formatAmount(((better.amountOut - worse.amountOut) * 10n ** 18n) / worse.amountOut, 16, 2)}% more`;
    lines.push(`  better: ${quote.best === "pool" ? "pool" : buying ? "mint" : "redeem"} (${by})`);
  }
  return lines;
}

/** The route the router took, from its event in the receipt. */
function routeTaken(router: TradeRouter, receipt: ContractTransactionReceipt, buying: boolean) {
  const event = receipt.logs
    .map((log) => (log.address === receipt.to ? router.interface.parseLog(log) : null))
    .find((parsed) => parsed?.name === (buying ? "Bought" : "Sold"));
  if (!event) throw new Error(`no ${buying ? "Bought" : "Sold"} event in ${receipt.hash}`);
  const route = Number(event.args.route) === 0 ? "pool" : buying ? "mint" : "redeem";
  return { route, amountOut: (buying ? event.args.sharesOut : event.args.collateralOut) as bigint };
}

/** Whether a token implements EIP-2612 (the mock stablecoin and every leveraged token do; a testnet's may not). */
async function supportsPermit(token: { nonces(owner: string): Promise<bigint> }, owner: string): Promise<boolean> {
  return token.nonces(owner).then(
    () => true,
    () => false,
  );
}

task("lt:buy", "Buys a token with USDC by the better route: the Uniswap pool or a mint at NAV (TradeRouter)")
  .addParam("token", "symbol (BTC3L) or address")
  .addParam("usdc", "stablecoin to pay, in whole units (e.g. 100)")
  .addOptionalParam("slippage", "the most the price may move against you, in percent", "0.5")
  .addOptionalParam("to", "who receives the tokens (default: the signer)")
  .setAction(
    withContext<{ token: string; usdc: string; slippage: string; to?: string }>(async (args, ctx) => {
      const { signer, system } = ctx;
      ctx.erc20Decimals = USDC_DECIMALS; // a refused allowance or balance is the stablecoin's
      const amount = parseAmount(args.usdc, USDC_DECIMALS, "--usdc");
      const slippage = parsePercent(args.slippage, "--slippage", 50);
      const receiver = parseRecipient(args.to, signer.address);
      const token = await ctx.resolveToken(args.token);
      const [symbol, address, router] = [await token.symbol(), await token.getAddress(), await tradeRouter(ctx)];
      const balance = await system.stablecoin.balanceOf(signer.address);
      if (balance < amount)
        throw new UserError(`not enough USDC: you have ${formatUsdc(balance)}, asked for ${args.usdc}`);
      const { quoteBuy } = await import("../src/dex/quotes");
      const pool = await tokenPool(ctx, address);
      const quote = await quoteBuy(token, pool, amount);
      console.log(`buy ${symbol} with ${formatUsdc(amount)} USDC`);
      for (const line of describeQuote(quote, symbol, await token.navPerShare(), pool)) console.log(line);
      if (!quote.best) throw new UserError(`neither route can sell ${symbol} now: ${quote.nav.unavailable}`);

      const minOut = withSlippage(quote.amountOut, slippage);
      const deadline = await tradeDeadline(ctx);
      const routerAddress = await router.getAddress();
      const short = (await system.stablecoin.allowance(signer.address, routerAddress)) < amount;
      let receipt: ContractTransactionReceipt;
      if (short && (await supportsPermit(system.stablecoin, signer.address))) {
        const { signPermitSignature } = await import("../src/permit");
        const permit = await signPermitSignature(signer, system.stablecoin, routerAddress, amount, deadline);
        console.log(`  permit signed for ${formatUsdc(amount)} USDC to the TradeRouter (no approval transaction)`);
        receipt = await send(`buy ${symbol}`, router.buyWithPermit, address, amount, minOut, receiver, permit);
      } else {
        if (short) await send("approve USDC", system.stablecoin.approve, routerAddress, amount);
        receipt = await send(`buy ${symbol}`, router.buy, address, amount, minOut, receiver, deadline);
      }
      const taken = routeTaken(router, receipt, true);
      console.log(`bought ${formatToken(taken.amountOut)} ${symbol} for ${formatUsdc(amount)} USDC by ${taken.route}`);
    }),
  );

task("lt:sell", "Sells a token for USDC by the better route: the Uniswap pool or a redeem at NAV (TradeRouter)")
  .addParam("token", "symbol (BTC3L) or address")
  .addParam("shares", "tokens to sell, in whole units (e.g. 1)")
  .addOptionalParam("slippage", "the most the price may move against you, in percent", "0.5")
  .addOptionalParam("to", "who receives the stablecoin (default: the signer)")
  .setAction(
    withContext<{ token: string; shares: string; slippage: string; to?: string }>(async (args, ctx) => {
      const { signer } = ctx;
      ctx.erc20Decimals = TOKEN_DECIMALS;
      const shares = parseAmount(args.shares, TOKEN_DECIMALS, "--shares");
      const slippage = parsePercent(args.slippage, "--slippage", 50);
      const receiver = parseRecipient(args.to, signer.address);
      const token = await ctx.resolveToken(args.token);
      const [symbol, address, router] = [await token.symbol(), await token.getAddress(), await tradeRouter(ctx)];
      const balance = await token.balanceOf(signer.address);
      if (balance < shares) {
        throw new UserError(`not enough ${symbol}: you have ${formatToken(balance)}, asked for ${args.shares}`);
      }
      const { quoteSell } = await import("../src/dex/quotes");
      const pool = await tokenPool(ctx, address);
      const quote = await quoteSell(token, pool, shares);
      console.log(`sell ${formatToken(shares)} ${symbol} for USDC`);
      for (const line of describeQuote(quote, symbol, await token.navPerShare(), pool)) console.log(line);
      if (!quote.best) throw new UserError(`neither route can buy ${symbol} now: ${quote.nav.unavailable}`);

      const minOut = withSlippage(quote.amountOut, slippage);
      const deadline = await tradeDeadline(ctx);
      const routerAddress = await router.getAddress();
      let receipt: ContractTransactionReceipt;
      if ((await token.allowance(signer.address, routerAddress)) < shares) {
        const { signPermitSignature } = await import("../src/permit");
        const permit = await signPermitSignature(signer, token, routerAddress, shares, deadline);
        console.log(
          `  permit signed for ${formatToken(shares)} ${symbol} to the TradeRouter (no approval transaction)`,
        );
        receipt = await send(`sell ${symbol}`, router.sellWithPermit, address, shares, minOut, receiver, permit);
      } else {
        receipt = await send(`sell ${symbol}`, router.sell, address, shares, minOut, receiver, deadline);
      }
      const taken = routeTaken(router, receipt, false);
      console.log(`sold ${formatToken(shares)} ${symbol} for ${formatUsdc(taken.amountOut, 6)} USDC by ${taken.route}`);
    }),
  );
