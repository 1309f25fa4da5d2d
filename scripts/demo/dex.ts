/**
 * The demo's DEX story: BTC3L's Uniswap pool keeps its old price when BTC moves, so a wallet buying there pays a
 * premium or gets a discount to NAV; one pass of the arbitrageur (the bot's own `runOnce`, FlashArbitrage, no
 * capital) takes the pool back to NAV within the round-trip fees; a wallet's buy and sell through the TradeRouter
 * take the better route.
 */
import { formatAmount, formatPercent, table } from "../../src/text/format";
import { parseUsdc, TOKEN_DECIMALS } from "../../src/text/units";
import { arbitrageDefaults } from "../../src/bots/arbitrage/config";
import { addressesOf, arbitrageContext, nativePriceSource } from "../../src/bots/arbitrage/context";
import { runOnce } from "../../src/bots/arbitrage/runOnce";
import { type PassReport } from "../../src/bots/arbitrage/types";
import { findPool, poolPrice, premium } from "../../src/dex/pool";
import { quoteBuy, quoteSell } from "../../src/dex/quotes";
import { createLogger } from "../../src/node/logger";
import { connectTradeRouter } from "../../src/chain/contracts";
import { DAY, pct, START_PRICE, usdc, type DemoWorld, type Story } from "./world";

const MOVES = [0.1, -0.1, -0.3];
const BUY = parseUsdc(1_000);

/** The pool's price and premium to NAV now. */
async function poolNow(w: DemoWorld) {
  const dex = w.book.dex!;
  const pool = (await findPool(w.system.stablecoin.runner!, dex.factory, w.book.tokens.BTC3L, w.book.stablecoin))!;
  const [nav, price] = [await w.btc3l.navPerShare(), poolPrice(pool)!];
  return { pool, nav, price, premium: premium(price, nav) };
}

/** One pass of the arbitrageur, as `npm run arbitrage -- --once` runs it, signed by dave (who holds no USDC for it). */
async function arbitrageOnce(w: DemoWorld): Promise<PassReport> {
  const provider = w.wallets.dave.provider;
  const price = await nativePriceSource(
    { factory: w.book.factory, nativeMarket: "ETH", nativePrice: undefined },
    provider,
  );
  if (typeof price === "string") throw new Error(price);
  const context = arbitrageContext(
    addressesOf(w.book),
    { ...arbitrageDefaults(), maxReplacements: 0 },
    provider,
    createLogger("silent", "json", { write: () => undefined }, "arbitrage"),
    { signer: w.wallets.dave, nativePrice: price.read },
  );
  return runOnce(context);
}

const shares = (units: bigint) => formatAmount(units, TOKEN_DECIMALS, 4);
const routeName = (route: bigint, side: "buy" | "sell") => (route === 0n ? "pool" : side === "buy" ? "mint" : "redeem");

export async function dexAtNav(w: DemoWorld): Promise<Story> {
  // 1. Three moves from the same start: the premium the pool is left with, and after one arbitrage pass.
  const rows: string[][] = [];
  for (const move of MOVES) {
    await w.fresh();
    await w.setBtc(START_PRICE * (1 + move));
    await w.keeper(w.btc3l);
    const before = await poolNow(w);
    const quote = await quoteBuy(w.btc3l, before.pool, BUY);
    const report = await arbitrageOnce(w);
    const after = await poolNow(w);
    rows.push([
      `${move > 0 ? "+" : ""}${move * 100}%`,
      usdc(before.nav),
      usdc(before.price),
      formatPercent(before.premium),
      `${shares(quote.pool.amountOut)} / ${shares(quote.nav.amountOut)}`,
      report.arbitraged.length > 0 ? usdc(report.profit - report.gasCost) : "-",
      usdc(after.price),
      formatPercent(after.premium),
    ]);
  }

  // 2. Carol buys 1,000 USDC of BTC3L through the TradeRouter; BTC rises 10% and the pool lags; she sells through
  //    the router before any arbitrageur has run: it redeems at NAV instead of selling at the pool's discount.
  await w.fresh();
  const { carol } = w.wallets;
  const router = connectTradeRouter(w.book.dex!.tradeRouter!, carol);
  await (await w.system.stablecoin.connect(carol).approve(router, BUY)).wait();
  const buyQuote = await quoteBuy(w.btc3l, (await poolNow(w)).pool, BUY);
  const [bought, boughtBy] = await router.buy.staticCall(w.btc3l, BUY, 0, carol.address, await deadline(w));
  await (await router.buy(w.btc3l, BUY, 0, carol.address, await deadline(w))).wait();
  await w.advance(DAY);
  await w.setBtc(START_PRICE * 1.1);
  await w.keeper(w.btc3l);
  const lagging = await poolNow(w);
  await (await w.btc3l.connect(carol).approve(router, bought)).wait();
  const sellQuote = await quoteSell(w.btc3l, lagging.pool, bought);
  const [sold, soldBy] = await router.sell.staticCall(w.btc3l, bought, 0, carol.address, await deadline(w));
  await (await router.sell(w.btc3l, bought, 0, carol.address, await deadline(w))).wait();
  const carolReturn = Number(sold) / Number(BUY) - 1;

  return {
    title: "BTC3L on the DEX: the pool's premium, the arbitrageur, best-price trades",
    outcomes: [{ name: "DEX buy, BTC +10%, sell", underlying: 0.1, token: carolReturn, ruleOfThumb: 0.3 }],
    table:
      "the pool keeps its price when BTC moves (the keeper rebalances first); one arbitrage pass takes it back to NAV\n" +
      "within the round-trip fees (pool 0.3%, mint or redeem 0.1%, taker 0.05% x leverage)\n" +
      table(
        [
          "BTC",
          "NAV",
          "pool before",
          "premium",
          `BTC3L for ${usdc(BUY)} USDC: pool / mint`,
          "arbitrage profit (net of gas)",
          "pool after",
          "premium after",
        ],
        rows,
      ) +
      `\n\ncarol trades through the TradeRouter, which takes the better route; BTC +10% in between, and she sells while ` +
      `the pool is still at ${formatPercent(lagging.premium)} to NAV\n` +
      table(
        ["carol", "pool would give", "mint / redeem gives", "router took", "she got"],
        [
          [
            `buys with ${usdc(BUY)} USDC`,
            `${shares(buyQuote.pool.amountOut)} BTC3L`,
            `${shares(buyQuote.nav.amountOut)} BTC3L`,
            routeName(boughtBy, "buy"),
            `${shares(bought)} BTC3L`,
          ],
          [
            `sells ${shares(bought)} BTC3L`,
            `${usdc(sellQuote.pool.amountOut)} USDC`,
            `${usdc(sellQuote.nav.amountOut)} USDC`,
            routeName(soldBy, "sell"),
            `${usdc(sold)} USDC (${pct(carolReturn)})`,
          ],
        ],
      ),
  };
}

const deadline = async (w: DemoWorld) => BigInt(await w.now()) + 600n;
