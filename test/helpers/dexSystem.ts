import hre, { ethers } from "hardhat";
import { Contract, JsonRpcProvider, parseUnits, type Signer } from "ethers";
import { deploySystem } from "../../ignition/deploySystem";
import type { AddressBook } from "../../src/chain/addressBook";
import type { DeploymentSpec } from "../../src/deployment/spec";
import { findPool, type Pool } from "../../src/dex/pool";
import { uniswapV2 } from "../../src/dex/uniswapV2";
import { oneMarketSpec } from "./system";
import {
  FlashArbitrage__factory,
  LeveragedToken__factory,
  LeveragedTokenFactory__factory,
  MockStablecoin__factory,
  SettablePriceFeed__factory,
  TradeRouter__factory,
  type FlashArbitrage,
  type LeveragedToken,
  type LeveragedTokenFactory,
  type MockStablecoin,
  type SettablePriceFeed,
  type TradeRouter,
} from "../../typechain-types";

export interface DexSystemOptions {
  /** Annual funding rate ("0.1"); 0 by default, so that nothing moves with time and quotes hold to the wei. */
  fundingRatePerYear?: string;
  /** Annual management fee ("0.0365"); 0 by default, for the same reason. */
  managementFeePerYear?: string;
}

export type PooledSymbol = "BTC3L" | "BTC3S";

export interface DexSystem {
  book: AddressBook;
  usdc: MockStablecoin;
  btcFeed: SettablePriceFeed;
  factory: LeveragedTokenFactory;
  /** BTC3L and BTC3S, each with a 10,000 USDC pool seeded at NAV; BTC2L without a pool. */
  tokens: Record<PooledSymbol | "BTC2L", LeveragedToken>;
  arbitrage: FlashArbitrage;
  tradeRouter: TradeRouter;
  /** Uniswap's own router (UniswapV2Router02 from the npm artifacts). */
  uniswapRouter: Contract;
  pool(symbol: PooledSymbol): Promise<Pool>;
}

/**
 * BTC at 50,000 with the local deployment's fees (mint and redeem 0.1%, taker 0.05%), BTC3L, BTC3S and BTC2L, and
 * Uniswap V2 from the npm artifacts with BTC3L/USDC and BTC3S/USDC pools of 10,000 USDC a side. Funding and the
 * management fee are 0 unless given.
 */
export function dexSpec(options: DexSystemOptions = {}): DeploymentSpec {
  const tokens = [
    { market: "BTC", leverage: 3 },
    { market: "BTC", leverage: -3 },
    { market: "BTC", leverage: 2 },
  ];
  const fees = {
    mintFeeBps: 10,
    redeemFeeBps: 10,
    managementFeePerYear: parseUnits(options.managementFeePerYear ?? "0", 18),
  };
  const market = { takerFeeBps: 5, fundingRatePerYear: parseUnits(options.fundingRatePerYear ?? "0", 18) };
  return {
    ...oneMarketSpec(undefined, fees, market, tokens),
    dex: { kind: "deploy" },
    pools: [
      { token: "BTC3L", usdc: "10000" },
      { token: "BTC3S", usdc: "10000" },
    ],
  };
}

/**
 * `dexSpec` deployed through the same Ignition module as `npm run deploy`, with the TradeRouter and the
 * FlashArbitrage: on the in-process chain, or on the `hardhat node` at `nodeUrl` (then `admin` is a signer of that
 * node's first account). The contracts are connected to `admin` (the first signer in-process), admin of everything.
 */
export async function deployDexSystem(
  options: DexSystemOptions = {},
  node?: { url: string; admin: Signer },
): Promise<DexSystem> {
  const remote = node ? new JsonRpcProvider(node.url, undefined, { staticNetwork: true }) : undefined;
  let book: AddressBook;
  try {
    book = await deploySystem(hre, dexSpec(options), {
      provider: remote && { request: ({ method, params }) => remote.send(method, (params as unknown[]) ?? []) },
    });
  } finally {
    remote?.destroy();
  }
  const admin = node?.admin ?? (await ethers.getSigners())[0];
  const runner = admin.provider!;
  const dex = book.dex!;
  const token = (symbol: string) => LeveragedToken__factory.connect(book.tokens[symbol], admin);
  return {
    book,
    usdc: MockStablecoin__factory.connect(book.stablecoin, admin),
    btcFeed: SettablePriceFeed__factory.connect(book.markets.BTC.feed, admin),
    factory: LeveragedTokenFactory__factory.connect(book.factory, admin),
    tokens: { BTC3L: token("BTC3L"), BTC3S: token("BTC3S"), BTC2L: token("BTC2L") },
    arbitrage: FlashArbitrage__factory.connect(dex.arbitrage!, admin),
    tradeRouter: TradeRouter__factory.connect(dex.tradeRouter!, admin),
    uniswapRouter: new Contract(dex.router, uniswapV2.router.abi as never, admin),
    pool: async (symbol) => (await findPool(runner, dex.factory, book.tokens[symbol], book.stablecoin))!,
  };
}
