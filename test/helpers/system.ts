import hre, { ethers } from "hardhat";
import { formatUnits } from "ethers";
import { deploySystem as deployWithIgnition } from "../../ignition/deploySystem";
import type { AddressBook } from "../../src/addressBook";
import type { DeploymentSpec } from "../../src/deployment/spec";
import type { LeveragedToken, LeveragedTokenFactory } from "../../typechain-types";
import { DEFAULT_MARKET, type ExchangeSystem, type MarketSettings } from "./fixtures";
import { WAD } from "./units";

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
 * A one-market (BTC at 50,000) system with a 1,000,000 USDC insurance fund and no tokens yet, deployed through the
 * same Ignition module as `npm run deploy`. Fees and funding are 0 unless given: the setting of PRODUCT.md's
 * reference numbers. Fees go to the sixth signer.
 */
export async function deploySystem(
  defaults: TokenDefaultsInput = {},
  market: Partial<MarketSettings> = {},
): Promise<System> {
  const signers = await ethers.getSigners();
  const feeRecipient = signers[5].address;
  const m = { ...DEFAULT_MARKET, ...market };
  const spec: DeploymentSpec = {
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
      feeRecipient,
    },
    tokens: [],
    dex: { kind: "none" },
    pools: [],
  };
  const book = await deployWithIgnition(hre, spec);
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
