import { task } from "hardhat/config";
import { parseAmount, parsePercent } from "../src/text/input";
import { formatAmount, formatPercent, formatToken, formatUsdc } from "../src/text/format";
import { TOKEN_DECIMALS, USDC_DECIMALS } from "../src/text/units";
import {
  costSentence,
  DEFAULT_HOLDING_DAYS,
  MAX_HOLDING_DAYS,
  holdingCost,
  outcomeRange,
  rangeOptions,
} from "../src/holder/cost";
import { recentCloses } from "../src/holder/volatility";
import { runMonteCarlo } from "../src/model/monteCarlo";
import { assetFile, loadCandles } from "../src/backtest/candleFile";
import { ASSET_FILES } from "../src/backtest/candles";
import { poolPrice, premium, type Pool } from "../src/dex/pool";
import type { Route, RouteQuote, TradeQuote } from "../src/dex/quotes";
import { UserError } from "../src/text/userError";
import type { FlowStep, HolderAction, HolderSession, RedeemInput } from "../src/holder/flows";
import { priceStatusName } from "../src/chain/enums";
import type { LeveragedToken } from "../typechain-types";
import { waitMined } from "../src/tx/mined";
import { DEADLINE_SECONDS, parseRecipient, withContext, type TaskContext } from "./context";

/*
 * A holder's four trades, lt:mint, lt:redeem, lt:buy and lt:sell: each runs its flow of src/holder/flows.ts (the one
 * the app runs: checks, permit or approval, simulation, the transaction, the result from its event) and prints its
 * steps. Before a mint or a buy, the cost of holding for --days (src/holder/cost.ts).
 */

/**
 * What a quote is based on: the block it was read at and the token's market price there ("block 57, BTC at 50,000.00
 * USD").
 */
async function quoteBasis({ system }: TaskContext, token: LeveragedToken, blockTag: number) {
  const [marketId, address] = await Promise.all([token.marketId(), token.getAddress()]);
  const [market, snapshot] = await Promise.all([
    system.exchange.market(marketId, { blockTag }),
    system.exchange.accountState(address, marketId, { blockTag }),
  ]);
  const status = priceStatusName(snapshot.priceStatus);
  const price = `${formatAmount(snapshot.price, 18, 2, true)} USD${status === "fresh" ? "" : ` (${status})`}`;
  return `block ${blockTag}, ${market.symbol} at ${price}`;
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

/** `--days`: a whole number of days from 1 to MAX_HOLDING_DAYS. */
function parseDays(input: string): number {
  const days = Number(input);
  if (!/^\d+$/.test(input.trim()) || days < 1 || days > MAX_HOLDING_DAYS) {
    throw new UserError(`--days must be a whole number of days from 1 to ${MAX_HOLDING_DAYS}, not "${input}"`);
  }
  return days;
}

/** The cost line before a mint or a buy of `amount` by `route`, held `days` (src/holder/cost.ts). */
async function printCost(ctx: TaskContext, token: string, amount: bigint, route: Route, days: number) {
  const { readHolding } = await import("../src/holder/costInputs"); // reads the contracts: loaded when it runs
  const local = ctx.hre.network.name === "localhost" || ctx.hre.network.name === "hardhat";
  // On a local chain, data/'s daily closes where the feed has too few recent rounds.
  const closes = async (market: string) =>
    local && ASSET_FILES[market] ? recentCloses(loadCandles(assetFile(ctx.hre.config.paths.root, market))) : undefined;
  const { input, names, volatilitySource } = await readHolding(ctx.signer, token, { amount, route, days }, closes);
  const volatility = input.volatility;
  const range =
    volatility === undefined ? undefined : outcomeRange(runMonteCarlo(rangeOptions({ ...input, volatility })).summary);
  const sentence = costSentence(input, holdingCost(input), names, range);
  console.log(
    `cost: ${sentence}${volatilitySource ? ` (volatility from ${volatilitySource})` : ""}; more on the app's Decay page (#/decay)`,
  );
}

/** Runs `action`'s flow for the task, printing its steps and its result line. */
async function runFlow(
  ctx: TaskContext,
  action: HolderAction,
  token: LeveragedToken,
  input: RedeemInput,
  days?: number,
) {
  const { FLOWS, redeem, resultLine } = await import("../src/holder/flows");
  const address = await token.getAddress();
  const onStep = async (step: FlowStep) => {
    switch (step.step) {
      case "quote": {
        const [what, got] =
          step.action === "mint"
            ? [`${formatUsdc(step.amountIn)} USDC`, `${formatToken(step.expected)} ${step.symbol}`]
            : [`${formatToken(step.amountIn)} ${step.symbol}`, `${formatUsdc(step.expected)} USDC`];
        console.log(`quote: about ${got} for ${what} (${await quoteBasis(ctx, token, step.blockTag)})`);
        if (step.action === "mint" && days !== undefined) await printCost(ctx, address, step.amountIn, "nav", days);
        break;
      }
      case "routes": {
        const buying = step.action === "buy";
        const { quote } = step;
        console.log(
          buying
            ? `buy ${step.symbol} with ${formatUsdc(quote.amountIn)} USDC`
            : `sell ${formatToken(quote.amountIn)} ${step.symbol} for USDC`,
        );
        for (const line of describeQuote(quote, step.symbol, await token.navPerShare(), step.pool)) console.log(line);
        if (buying && quote.best && days !== undefined) await printCost(ctx, address, quote.amountIn, quote.best, days);
        break;
      }
      case "permit":
        if (step.signed) {
          const amount = step.coin === "USDC" ? formatUsdc(step.amount) : formatToken(step.amount);
          const spender = step.spender === ctx.system.book.dex?.tradeRouter ? "the TradeRouter" : await token.symbol();
          console.log(`  permit signed for ${amount} ${step.coin} to ${spender} (no approval transaction)`);
        }
        break;
      case "mined":
        console.log(`${step.label}: ${step.hash} (gas ${step.gasUsed})`);
        break;
      default:
        break;
    }
  };
  const session: HolderSession = {
    signer: ctx.signer,
    book: ctx.system.book,
    deadlineSeconds: DEADLINE_SECONDS,
    onStep,
    waitMined: (tx) => waitMined(tx),
  };
  const { amount } = input;
  if (action !== "redeem" && amount === "all") throw new Error(`${action} takes an amount, not "all"`);
  const result =
    action === "redeem" || amount === "all"
      ? await redeem(session, input)
      : await FLOWS[action](session, { ...input, amount });
  console.log(resultLine(result));
}

/** lt:mint and lt:buy: pay `--<amountParam>` USDC for the token, the cost of holding printed first. */
function payTask(name: "lt:mint" | "lt:buy", description: string, amountParam: "amount" | "usdc") {
  task(name, description)
    .addParam("token", "symbol (BTC3L) or address")
    .addParam(amountParam, "stablecoin to pay, in whole units (e.g. 100)")
    .addOptionalParam("slippage", "the most the price may move against you, in percent", "0.5")
    .addOptionalParam("to", "who receives the tokens (default: the signer)")
    .addOptionalParam("days", "the holding period the cost line is for, in days", String(DEFAULT_HOLDING_DAYS))
    .setAction(
      withContext<Record<"token" | "slippage" | "days" | typeof amountParam, string> & { to?: string }>(
        async (args, ctx) => {
          ctx.erc20Decimals = USDC_DECIMALS; // a refused allowance or balance is the stablecoin's
          const amount = parseAmount(args[amountParam], USDC_DECIMALS, `--${amountParam}`);
          const slippagePercent = parsePercent(args.slippage, "--slippage", 50);
          const receiver = parseRecipient(args.to, ctx.signer.address);
          const days = parseDays(args.days);
          const token = await ctx.resolveToken(args.token);
          const input = { token: await token.getAddress(), amount, slippagePercent, receiver };
          await runFlow(ctx, name === "lt:mint" ? "mint" : "buy", token, input, days);
        },
      ),
    );
}

payTask(
  "lt:mint",
  "Mints a leveraged token with stablecoin at NAV (with a permit where the stablecoin takes one)",
  "amount",
);
payTask(
  "lt:buy",
  "Buys a token with USDC by the better route: the Uniswap pool or a mint at NAV (TradeRouter)",
  "usdc",
);

task("lt:redeem", "Redeems a leveraged token for stablecoin at NAV")
  .addParam("token", "symbol (BTC3L) or address")
  .addOptionalParam("shares", "tokens to redeem, in whole units (e.g. 10)")
  .addFlag("all", "redeem the whole balance")
  .addOptionalParam("slippage", "the most NAV may move against you, in percent", "0.5")
  .addOptionalParam("to", "who receives the stablecoin (default: the signer)")
  .setAction(
    withContext<{ token: string; shares?: string; all: boolean; slippage: string; to?: string }>(async (args, ctx) => {
      ctx.erc20Decimals = TOKEN_DECIMALS;
      if (args.all === (args.shares !== undefined)) throw new UserError("give either --shares N or --all");
      const slippagePercent = parsePercent(args.slippage, "--slippage", 50);
      const receiver = parseRecipient(args.to, ctx.signer.address);
      const token = await ctx.resolveToken(args.token);
      const shares = args.all ? "all" : parseAmount(args.shares ?? "", TOKEN_DECIMALS, "--shares");
      await runFlow(ctx, "redeem", token, {
        token: await token.getAddress(),
        amount: shares,
        slippagePercent,
        receiver,
      });
    }),
  );

task("lt:sell", "Sells a token for USDC by the better route: the Uniswap pool or a redeem at NAV (TradeRouter)")
  .addParam("token", "symbol (BTC3L) or address")
  .addParam("shares", "tokens to sell, in whole units (e.g. 1)")
  .addOptionalParam("slippage", "the most the price may move against you, in percent", "0.5")
  .addOptionalParam("to", "who receives the stablecoin (default: the signer)")
  .setAction(
    withContext<{ token: string; shares: string; slippage: string; to?: string }>(async (args, ctx) => {
      ctx.erc20Decimals = TOKEN_DECIMALS;
      const amount = parseAmount(args.shares, TOKEN_DECIMALS, "--shares");
      const slippagePercent = parsePercent(args.slippage, "--slippage", 50);
      const receiver = parseRecipient(args.to, ctx.signer.address);
      const token = await ctx.resolveToken(args.token);
      await runFlow(ctx, "sell", token, { token: await token.getAddress(), amount, slippagePercent, receiver });
    }),
  );
