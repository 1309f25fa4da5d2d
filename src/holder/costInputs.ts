import type { ContractRunner } from "ethers";
import { connectExchange, connectToken } from "../chain/contracts";
import type { Route } from "../dex/quotes";
import { runMonteCarlo } from "../model/monteCarlo";
import { costSentence, holdingCost, outcomeRange, rangeOptions, type HoldingInput } from "./cost";
import { recentVolatility, type PricePoint } from "./volatility";

/* The chain's side of the cost line (src/holder/cost.ts is the formula): the token's and its market's figures. */

/** What the cost line needs read from the chain, and the recent volatility (see ./volatility). */
export interface HoldingContext {
  input: HoldingInput;
  names: { symbol: string; market: string };
  /** Where the volatility comes from, in words; undefined when none is known. */
  volatilitySource?: string;
}

/**
 * Reads the token's leverage and fees, its market's funding rate and feed, and the recent volatility (the feed's
 * rounds, else `closes`: data/'s daily closes of the market, given on a local chain) for a holding of `amount`
 * paid in by `route` for `days`.
 */
export async function readHolding(
  runner: ContractRunner,
  token: string,
  holding: { amount: bigint; route: Route; days: number },
  closes?: (market: string) => Promise<PricePoint[] | undefined>,
): Promise<HoldingContext> {
  const read = connectToken(token, runner);
  const [symbol, leverage, fees, marketId, exchange] = await Promise.all([
    read.symbol(),
    read.targetLeverage(),
    read.fees(),
    read.marketId(),
    read.exchange(),
  ]);
  const market = await connectExchange(exchange, runner).market(marketId);
  const local = closes ? await closes(market.symbol) : undefined;
  const recent = await recentVolatility(
    runner,
    market.config.feed,
    local && { points: local, name: `${market.symbol}'s last ${local.length} daily closes in data/` },
  );
  return {
    input: {
      ...holding,
      leverage,
      mintFeeBps: fees.mintFeeBps,
      managementFeePerYear: fees.managementFeePerYear,
      fundingRatePerYear: market.config.fundingRatePerYear,
      volatility: recent?.volatility,
    },
    names: { symbol, market: market.symbol },
    volatilitySource: recent?.source,
  };
}

/**
 * The cost line of a holding read by `readHolding`: the sentence of ./cost.ts, with the 5-95% range where the
 * volatility is known, and where that volatility comes from. What lt:mint and lt:buy print before they trade.
 */
export function costLine({ input, names, volatilitySource }: HoldingContext): string {
  const volatility = input.volatility;
  const range =
    volatility === undefined ? undefined : outcomeRange(runMonteCarlo(rangeOptions({ ...input, volatility })).summary);
  const sentence = costSentence(input, holdingCost(input), names, range);
  return `${sentence}${volatilitySource ? ` (volatility from ${volatilitySource})` : ""}`;
}
