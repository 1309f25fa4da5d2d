import { NonceManager, Wallet, type JsonRpcApiProviderOptions, type JsonRpcProvider } from "ethers";
import {
  BatchRebalancer__factory,
  LeveragedToken__factory,
  LeveragedTokenFactory__factory,
} from "../../typechain-types";
import type { KeeperConfig } from "./config";
import type { Logger } from "./logger";
import type { KeeperMetrics } from "./metrics";
import { newKeeperState, type KeeperContext } from "./runOnce";

/**
 * How the keeper's JSON-RPC provider is built: the chain id is checked once at start (`staticNetwork`), and no
 * answer is reused (ethers reuses an identical request's answer for 250 ms by default; a nonce read right after a
 * send must not be).
 */
export const PROVIDER_OPTIONS: JsonRpcApiProviderOptions = { staticNetwork: true, cacheTimeout: -1 };

/**
 * A keeper's context from its configuration: the signer (in a NonceManager; none in dry run), the factory and the
 * batcher (when the configuration has one) connected to it, and an empty state.
 */
export function keeperContext(
  config: KeeperConfig,
  provider: JsonRpcProvider,
  logger: Logger,
  metrics?: KeeperMetrics,
  stopping?: () => boolean,
): KeeperContext {
  const signer =
    config.privateKey && !config.dryRun ? new NonceManager(new Wallet(config.privateKey, provider)) : undefined;
  const runner = signer ?? provider;
  return {
    provider,
    signer,
    factory: LeveragedTokenFactory__factory.connect(config.factory as string, runner),
    batcher: config.batcher ? BatchRebalancer__factory.connect(config.batcher, runner) : undefined,
    connectToken: (address) => LeveragedToken__factory.connect(address, runner),
    config,
    logger,
    metrics,
    state: newKeeperState(),
    stopping,
  };
}
