import { NonceManager, Wallet, ZeroAddress, type JsonRpcProvider, type Signer } from "ethers";
import {
  FlashArbitrage__factory,
  LeveragedToken__factory,
  LeveragedTokenFactory__factory,
  PerpExchange__factory,
} from "../../typechain-types";
import { COLLATERAL_SCALE } from "../model/fixedPoint";
import { devSigner } from "../bot/process";
import { decodeRevert } from "../errors";
import { CONTRACT_INTERFACES } from "../contracts";
import type { Logger } from "../logger";
import type { ArbitrageConfig } from "./config";
import type { ArbitrageMetrics } from "./metrics";
import { newArbitrageState, type ArbitrageContext } from "./types";

/**
 * The arbitrageur's signer: its key's wallet; in dry run none; with no key on the local chain (`devAccount`), the
 * node's second unlocked account that is not the deployer's (the keeper takes the first), which is logged.
 */
export async function arbitrageSigner(
  config: ArbitrageConfig,
  provider: JsonRpcProvider,
  logger: Logger,
): Promise<Signer | undefined> {
  if (config.dryRun) return undefined;
  if (config.privateKey) return new Wallet(config.privateKey, provider);
  return devSigner(provider, logger, { deployer: config.deployer, position: 1, keyVariable: "ARB_PRIVATE_KEY" });
}

/**
 * Where the gas token's price comes from: `--native-price` as given, else the exchange's `--native-market` (its
 * feed's answer, read each time, never reverting), in stablecoin units per whole native token. A one-line reason
 * when there is neither.
 */
export async function nativePriceSource(
  config: ArbitrageConfig,
  provider: JsonRpcProvider,
): Promise<{ read: () => Promise<bigint>; source: string } | string> {
  const fixed = config.nativePrice;
  if (fixed !== undefined) return { read: async () => fixed, source: "ARB_NATIVE_PRICE_USD" };
  const factory = LeveragedTokenFactory__factory.connect(config.factory, provider);
  const exchange = PerpExchange__factory.connect(await factory.exchange(), provider);
  let marketId: bigint;
  try {
    marketId = await exchange.marketIdOf(config.nativeMarket);
  } catch (error) {
    if (decodeRevert(error, CONTRACT_INTERFACES)?.name !== "PerpUnknownSymbol") throw error;
    return `the exchange has no ${config.nativeMarket} market to price gas with: set ARB_NATIVE_PRICE_USD (or --native-market)`;
  }
  const read = async () => (await exchange.accountSnapshot(ZeroAddress, marketId)).price / COLLATERAL_SCALE;
  return { read, source: `the exchange's ${config.nativeMarket} price` };
}

/** An arbitrageur's context from its configuration: the signer (in a NonceManager), the contracts, an empty state. */
export function arbitrageContext(
  config: ArbitrageConfig,
  provider: JsonRpcProvider,
  logger: Logger,
  options: {
    signer?: Signer;
    nativePrice: () => Promise<bigint>;
    metrics?: ArbitrageMetrics;
    stopping?: () => boolean;
  },
): ArbitrageContext {
  const signer = options.signer && !config.dryRun ? new NonceManager(options.signer) : undefined;
  const runner = signer ?? provider;
  return {
    provider,
    signer,
    factory: LeveragedTokenFactory__factory.connect(config.factory, runner),
    dexFactory: config.dexFactory,
    arbitrage: FlashArbitrage__factory.connect(config.arbitrage, runner),
    connectToken: (address) => LeveragedToken__factory.connect(address, runner),
    receiver: config.receiver,
    nativePrice: options.nativePrice,
    config,
    logger,
    metrics: options.metrics,
    state: newArbitrageState(),
    stopping: options.stopping,
  };
}
