import hre, { ethers } from "hardhat";
import { Contract } from "ethers";
import { deploySystem } from "../../ignition/deploySystem";
import type { AddressBook } from "../../src/addressBook";
import type { DeploymentSpec } from "../../src/deployment/spec";
import { findPool, type Pool } from "../../src/dex/pool";
import { uniswapV2 } from "../../src/dex/uniswapV2";
import type {
  FlashArbitrage,
  LeveragedToken,
  LeveragedTokenFactory,
  MockStablecoin,
  SettablePriceFeed,
  TradeRouter,
} from "../../typechain-types";

export interface DexSystemOptions {
  /** Annual funding rate ("0.1"); 0 by default, so that nothing moves with time and quotes hold to the wei. */
  fundingRatePerYear?: string;
  /** Annual management fee ("0.0365"); 0 by default, for the same reason. */
  managementFeePerYear?: string;
}

export interface DexSystem {
  book: AddressBook;
  usdc: MockStablecoin;
  btcFeed: SettablePriceFeed;
  factory: LeveragedTokenFactory;
  /** BTC3L and BTC3S, each with a 10,000 USDC pool seeded at NAV; BTC2L without a pool. */
  tokens: Record<"BTC3L" | "BTC3S" | "BTC2L", LeveragedToken>;
  arbitrage: FlashArbitrage;
  tradeRouter: TradeRouter;
  /** Uniswap's own router (UniswapV2Router02 from the npm artifacts). */
  uniswapRouter: Contract;
  pool(symbol: "BTC3L" | "BTC3S"): Promise<Pool>;
}

/**
 * BTC at 50,000 with the local deployment's fees (mint and redeem 0.1%, taker 0.05%), BTC3L, BTC3S and BTC2L, and
 * Uniswap V2 from the npm artifacts with BTC3L/USDC and BTC3S/USDC pools of 10,000 USDC a side, deployed through the
 * same Ignition module as `npm run deploy`, with the TradeRouter and FlashArbitrage. Funding and the management fee
 * are 0 unless given. The first signer is the admin of everything.
 */
export async function deployDexSystem(options: DexSystemOptions = {}): Promise<DexSystem> {
  const spec: DeploymentSpec = {
    stablecoin: { name: "Mock USD Coin", symbol: "USDC", faucetPerCall: "10000", faucetPerAddress: "100000" },
    insuranceFund: "1000000",
    markets: [
      {
        symbol: "BTC",
        feed: { kind: "settable", initialPrice: "50000" },
        maxPriceAge: 3600,
        takerFeeBps: 5,
        initialMarginBps: 500,
        maintenanceMarginBps: 250,
        liquidationPenaltyBps: 100,
        fundingRatePerYear: options.fundingRatePerYear ?? "0",
      },
    ],
    tokenDefaults: {
      mintFeeBps: 10,
      redeemFeeBps: 10,
      managementFeePerYear: options.managementFeePerYear ?? "0",
      rebalanceInterval: 86_400,
      band: "0.333333333333333333",
      initialNav: "100",
    },
    tokens: [
      { market: "BTC", leverage: 3 },
      { market: "BTC", leverage: -3 },
      { market: "BTC", leverage: 2 },
    ],
    dex: { kind: "deploy" },
    pools: [
      { token: "BTC3L", usdc: "10000" },
      { token: "BTC3S", usdc: "10000" },
    ],
  };
  const book = await deploySystem(hre, spec);
  const dex = book.dex!;
  const token = (symbol: string) => ethers.getContractAt("LeveragedToken", book.tokens[symbol]);
  const [admin] = await ethers.getSigners();
  return {
    book,
    usdc: await ethers.getContractAt("MockStablecoin", book.stablecoin),
    btcFeed: await ethers.getContractAt("SettablePriceFeed", book.markets.BTC.feed),
    factory: await ethers.getContractAt("LeveragedTokenFactory", book.factory),
    tokens: { BTC3L: await token("BTC3L"), BTC3S: await token("BTC3S"), BTC2L: await token("BTC2L") },
    arbitrage: await ethers.getContractAt("FlashArbitrage", dex.arbitrage!),
    tradeRouter: await ethers.getContractAt("TradeRouter", dex.tradeRouter!),
    uniswapRouter: new Contract(dex.router, uniswapV2.router.abi as never, admin),
    pool: async (symbol) => (await findPool(ethers.provider, dex.factory, book.tokens[symbol], book.stablecoin))!,
  };
}
