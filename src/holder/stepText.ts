import type { LeveragedToken, PerpExchange } from "../../typechain-types";
import { priceStatusName } from "../chain/enums";
import { poolPrice, premium, type Pool } from "../dex/pool";
import type { Route, RouteQuote, TradeQuote } from "../dex/quotes";
import { formatAmount, formatPercent, formatToken, formatUsdc } from "../text/format";
import type { FlowStep } from "./flows";

/* A holder's flow (./flows.ts) in words, a step at a time, as lt:mint, lt:redeem, lt:buy and lt:sell print it. */

/**
 * What a quote is based on: the block it was read at and the token's market price there ("block 57, BTC at 50,000.00
 * USD").
 */
export async function quoteBasis(exchange: PerpExchange, token: LeveragedToken, blockTag: number) {
  const [marketId, address] = await Promise.all([token.marketId(), token.getAddress()]);
  const [market, snapshot] = await Promise.all([
    exchange.market(marketId, { blockTag }),
    exchange.accountState(address, marketId, { blockTag }),
  ]);
  const status = priceStatusName(snapshot.priceStatus);
  const price = `${formatAmount(snapshot.price, 18, 2, true)} USD${status === "fresh" ? "" : ` (${status})`}`;
  return `block ${blockTag}, ${market.symbol} at ${price}`;
}

/** The two quotes, the pool's premium and the better route, as lines. */
export function describeQuote(quote: TradeQuote, symbol: string, nav: bigint, pool: Pool | undefined): string[] {
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

/** What a step's lines read from the chain: the basis of a quote, the token's NAV, and a spender's name. */
export interface StepReads {
  basis(blockTag: number): Promise<string>;
  nav(): Promise<bigint>;
  spender(address: string): Promise<string>;
}

/** A step's lines (none for most steps): the quote, both routes, a signed permit, a mined transaction. */
export async function stepLines(step: FlowStep, reads: StepReads): Promise<string[]> {
  switch (step.step) {
    case "quote": {
      const [what, got] =
        step.action === "mint"
          ? [`${formatUsdc(step.amountIn)} USDC`, `${formatToken(step.expected)} ${step.symbol}`]
          : [`${formatToken(step.amountIn)} ${step.symbol}`, `${formatUsdc(step.expected)} USDC`];
      return [`quote: about ${got} for ${what} (${await reads.basis(step.blockTag)})`];
    }
    case "routes": {
      const { quote } = step;
      const first =
        step.action === "buy"
          ? `buy ${step.symbol} with ${formatUsdc(quote.amountIn)} USDC`
          : `sell ${formatToken(quote.amountIn)} ${step.symbol} for USDC`;
      return [first, ...describeQuote(quote, step.symbol, await reads.nav(), step.pool)];
    }
    case "permit": {
      if (!step.signed) return [];
      const amount = step.coin === "USDC" ? formatUsdc(step.amount) : formatToken(step.amount);
      return [
        `  permit signed for ${amount} ${step.coin} to ${await reads.spender(step.spender)} (no approval transaction)`,
      ];
    }
    case "mined":
      return [`${step.label}: ${step.hash} (gas ${step.gasUsed})`];
    default:
      return [];
  }
}

/** The holding a step pays into, whose cost is told after it: a mint's quote, or a buy's better route. */
export function holdingOf(step: FlowStep): { amount: bigint; route: Route } | undefined {
  if (step.step === "quote" && step.action === "mint") return { amount: step.amountIn, route: "nav" };
  if (step.step === "routes" && step.action === "buy" && step.quote.best) {
    return { amount: step.quote.amountIn, route: step.quote.best };
  }
  return undefined;
}
