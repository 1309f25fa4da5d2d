import hre, { ethers } from "hardhat";
import { formatUnits } from "ethers";
import { deploySystem as deployWithIgnition } from "../../ignition/deploySystem";
import type { AddressBook } from "../../src/chain/addressBook";
import type { DeploymentSpec } from "../../src/deployment/spec";
import type {
  LeveragedToken,
  LeveragedTokenFactory,
  MockStablecoin,
  PerpExchange,
  SettablePriceFeed,
} from "../../typechain-types";
import type { IPerpExchange } from "../../typechain-types/contracts/perp/PerpExchange";
import { WAD } from "./units";

/**
 * The systems the tests deploy, all through the same Ignition module as `npm run deploy`: an exchange alone
 * (`deployExchange`), or with the token factory (`deploySystem`), and tokens on it (`createToken`).
 */

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

export interface TokenDefaultsInput {
  mintFeeBps?: number;
  redeemFeeBps?: number;
  managementFeePerYear?: bigint;
  interval?: number;
  band?: bigint;
  initialNav?: bigint;
  /** Collateral units; no cap when omitted. */
  equityCap?: bigint;
}

export interface System extends ExchangeSystem {
  factory: LeveragedTokenFactory;
  feeRecipient: string;
  book: AddressBook;
}

/**
 * The deployment spec of a one-market (BTC at 50,000) system with a 1,000,000 USDC insurance fund and `tokens`
 * (none by default). Fees and funding are 0 unless given: the setting of the reference numbers in docs/DESIGN.md.
 * The fees go to `feeRecipient`, or to the deployer when it is undefined.
 */
export function oneMarketSpec(
  feeRecipient: string | undefined,
  defaults: TokenDefaultsInput = {},
  market: Partial<MarketSettings> = {},
  tokens: DeploymentSpec["tokens"] = [],
): DeploymentSpec {
  const m = { ...DEFAULT_MARKET, ...market };
  return {
    stablecoin: { name: "Mock USD Coin", symbol: "USDC", faucetPerCall: "10000", faucetPerAddress: "100000" },
    insuranceFund: "1000000",
    markets: [
      {
        symbol: "BTC",
        feed: { kind: "settable", initialPrice: "50000" },
        maxPriceAge: m.maxPriceAge,
        takerFeeBps: m.takerFeeBps,
        initialMarginBps: m.initialMarginBps,
        maintenanceMarginBps: m.maintenanceMarginBps,
        liquidationPenaltyBps: m.liquidationPenaltyBps,
        fundingRatePerYear: formatUnits(m.fundingRatePerYear, 18),
      },
    ],
    tokenDefaults: {
      mintFeeBps: defaults.mintFeeBps ?? 0,
      redeemFeeBps: defaults.redeemFeeBps ?? 0,
      managementFeePerYear: formatUnits(defaults.managementFeePerYear ?? 0n, 18),
      rebalanceInterval: defaults.interval ?? 86_400,
      band: formatUnits(defaults.band ?? WAD / 3n, 18),
      initialNav: formatUnits(defaults.initialNav ?? 100_000_000n, 6),
      ...(defaults.equityCap === undefined ? {} : { equityCap: formatUnits(defaults.equityCap, 6) }),
      ...(feeRecipient === undefined ? {} : { feeRecipient }),
    },
    tokens,
    dex: { kind: "none" },
    pools: [],
  };
}

/**
 * `oneMarketSpec` with no tokens, deployed on the in-process chain through the same Ignition module as
 * `npm run deploy`. Fees go to the sixth signer.
 */
export async function deploySystem(
  defaults: TokenDefaultsInput = {},
  market: Partial<MarketSettings> = {},
): Promise<System> {
  const feeRecipient = (await ethers.getSigners())[5].address;
  const book = await deployWithIgnition(hre, oneMarketSpec(feeRecipient, defaults, market));
  return {
    book,
    usdc: await ethers.getContractAt("MockStablecoin", book.stablecoin),
    exchange: await ethers.getContractAt("PerpExchange", book.exchange),
    btcFeed: await ethers.getContractAt("SettablePriceFeed", book.markets.BTC.feed),
    btcMarket: BigInt(book.markets.BTC.id),
    factory: await ethers.getContractAt("LeveragedTokenFactory", book.factory),
    feeRecipient,
  };
}

/**
 * The stablecoin, a BTC feed at 50,000 and the exchange with a BTC market funded with 1,000,000 USDC (the system of
 * `deploySystem`, without using its factory). The first signer is the admin of everything.
 */
export async function deployExchange(overrides: Partial<MarketSettings> = {}): Promise<ExchangeSystem> {
  const { usdc, exchange, btcFeed, btcMarket } = await deploySystem({}, overrides);
  return { usdc, exchange, btcFeed, btcMarket };
}

/** Creates (market 0, leverage) and returns the token contract. */
export async function createToken(factory: LeveragedTokenFactory, leverage: bigint): Promise<LeveragedToken> {
  await factory.createToken(0, leverage);
  return ethers.getContractAt("LeveragedToken", await factory.tokenFor(0, leverage));
}

/** Gives `holder` `amount` stablecoin and approves the token to pull it. */
export async function fund(system: ExchangeSystem, holder: { address: string }, spender: string, amount: bigint) {
  const admin = (await ethers.getSigners())[0];
  await system.usdc.connect(admin).mint(holder.address, amount);
  const signer = await ethers.getSigner(holder.address);
  await system.usdc.connect(signer).approve(spender, amount);
}
