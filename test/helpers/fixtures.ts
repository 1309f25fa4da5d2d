import { ethers } from "hardhat";
import type { MockStablecoin, PerpExchange, SettablePriceFeed } from "../../typechain-types";
import type { IPerpExchange } from "../../typechain-types/contracts/perp/PerpExchange";
import { feedPrice, usdc } from "./units";

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
 * The stablecoin, a BTC feed at 50,000 and the exchange with a BTC market funded with 1,000,000 USDC.
 * The first signer is the admin of everything.
 */
export async function deployExchange(overrides: Partial<MarketSettings> = {}): Promise<ExchangeSystem> {
  const [admin] = await ethers.getSigners();
  const usdcToken = await ethers.deployContract("MockStablecoin", [
    "Mock USD Coin",
    "USDC",
    admin.address,
    usdc(10_000),
    usdc(100_000),
  ]);
  const btcFeed = await ethers.deployContract("SettablePriceFeed", [8, "BTC / USD", admin.address, feedPrice(50_000)]);
  const exchange = await ethers.deployContract("PerpExchange", [await usdcToken.getAddress(), admin.address]);
  await exchange.createMarket("BTC", marketConfig(await btcFeed.getAddress(), overrides));
  await usdcToken.mint(admin.address, usdc(1_000_000));
  await usdcToken.approve(await exchange.getAddress(), usdc(1_000_000));
  await exchange.depositToFund(usdc(1_000_000));
  return { usdc: usdcToken, exchange, btcFeed, btcMarket: 0n };
}
