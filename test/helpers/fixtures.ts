import type { MockStablecoin, PerpExchange, SettablePriceFeed } from "../../typechain-types";
import type { IPerpExchange } from "../../typechain-types/contracts/perp/PerpExchange";

/** Defaults of a local market: 1 hour max price age, 5% initial / 2.5% maintenance margin, 1% penalty. */
export const DEFAULT_MARKET = {
  maxPriceAge: 3600,
  takerFeeBps: 0,
  initialMarginBps: 500,
  maintenanceMarginBps: 250,
  liquidationPenaltyBps: 100,
  fundingRatePerYear: 0n,
};

export type MarketSettings = typeof DEFAULT_MARKET;

export function marketConfig(feed: string, overrides: Partial<MarketSettings> = {}): IPerpExchange.MarketConfigStruct {
  return { feed, ...DEFAULT_MARKET, ...overrides };
}

export interface ExchangeSystem {
  usdc: MockStablecoin;
  exchange: PerpExchange;
  btcFeed: SettablePriceFeed;
  btcMarket: bigint;
}

/**
 * The stablecoin, a BTC feed at 50,000 and the exchange with a BTC market funded with 1,000,000 USDC, deployed
 * through the same Ignition module as `npm run deploy` (see `deploySystem` in ./system). The first signer is the
 * admin of everything.
 */
export async function deployExchange(overrides: Partial<MarketSettings> = {}): Promise<ExchangeSystem> {
  const { deploySystem } = await import("./system"); // ./system builds on this file's settings
  const { usdc, exchange, btcFeed, btcMarket } = await deploySystem({}, overrides);
  return { usdc, exchange, btcFeed, btcMarket };
}
