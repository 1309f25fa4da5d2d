import type { JsonRpcProvider, Provider, Signer } from "ethers";
import { BatchRebalancer__factory } from "../../chain/contracts";
import { botContext } from "../kit/context";
import { marketPriceReader } from "../../reads/marketPrice";
import type { Logger } from "../../node/logger";
import type { KeeperConfig } from "./config";
import type { KeeperMetrics } from "./metrics";
import { newKeeperState, type KeeperContext } from "./types";

/**
 * The keeper's dev account (no key on the local chain): the node's first unlocked account that is not the
 * deployer's (a newcomer's first run needs no key); see `botSigner`.
 */
export const KEEPER_DEV_ACCOUNT = { position: 0, keyVariable: "KEEPER_PRIVATE_KEY" };

/** Where the keeper's ETH price comes from: `KEEPER_ETH_PRICE`, else the exchange's ETH market. */
export interface EthPriceSource {
  read: () => Promise<bigint>;
  source: string;
}

/**
 * The ETH price the keeper prices gas with (USDC units per ETH): `KEEPER_ETH_PRICE` (`--eth-price`) as given, else
 * the exchange's `ETH` market price, read when a pass needs it. Neither: in profit mode, a one-line reason to stop
 * (it cannot weigh a reward against gas); in operator mode, undefined (gas is then counted in ETH only).
 */
export async function ethPriceSource(
  config: Pick<KeeperConfig, "factory" | "ethPrice" | "mode">,
  provider: Provider,
): Promise<EthPriceSource | string | undefined> {
  const { ethPrice } = config;
  if (ethPrice !== undefined) return { read: async () => ethPrice, source: "KEEPER_ETH_PRICE" };
  let read: (() => Promise<bigint>) | undefined;
  try {
    read = await marketPriceReader(config.factory, "ETH", provider);
  } catch (error) {
    // Operator mode does without: it only reports its gas in USDC when it has a price.
    if (config.mode === "profit") throw error;
  }
  if (read) return { read, source: "the exchange's ETH price" };
  if (config.mode !== "profit") return undefined;
  return "--mode profit prices gas in USDC, and the exchange has no ETH market: set KEEPER_ETH_PRICE (or --eth-price) to the USD price of ETH, e.g. 3000";
}

/**
 * A keeper's context from its configuration: the signer (in a NonceManager; none in dry run), the factory and the
 * batcher (when the configuration has one) connected to it, the lens (when it has one), the ETH price (when it has
 * one), and an empty state.
 */
export function keeperContext(
  config: KeeperConfig,
  provider: JsonRpcProvider,
  logger: Logger,
  options: {
    signer?: Signer;
    metrics?: KeeperMetrics;
    stopping?: () => boolean;
    /** USDC units per ETH (see `ethPriceSource`); none: gas in ETH only, and no profit mode. */
    ethPrice?: () => Promise<bigint>;
  } = {},
): KeeperContext {
  const base = botContext(config.factory, config, provider, logger, newKeeperState(), options);
  const runner = base.signer ?? provider;
  return {
    ...base,
    batcher: config.batcher ? BatchRebalancer__factory.connect(config.batcher, runner) : undefined,
    lens: config.lens,
    ethPrice: options.ethPrice,
  };
}
