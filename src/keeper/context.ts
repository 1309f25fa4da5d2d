import { NonceManager, Wallet, type JsonRpcProvider, type Signer } from "ethers";
import { BatchRebalancer__factory, LeveragedToken__factory, LeveragedTokenFactory__factory } from "../contracts";
import { devSigner } from "../bot/process";
import type { Logger } from "../logger";
import type { KeeperConfig } from "./config";
import type { KeeperMetrics } from "./metrics";
import { newKeeperState, type KeeperContext } from "./types";

/**
 * The keeper's signer: its key's wallet; in dry run none; with no key on the local chain (`devAccount`), the node's
 * first unlocked account that is not the deployer's (a newcomer's first run needs no key), which is logged.
 */
export async function keeperSigner(
  config: KeeperConfig,
  provider: JsonRpcProvider,
  logger: Logger,
): Promise<Signer | undefined> {
  if (config.dryRun) return undefined;
  if (config.privateKey) return new Wallet(config.privateKey, provider);
  return devSigner(provider, logger, { deployer: config.deployer, position: 0, keyVariable: "KEEPER_PRIVATE_KEY" });
}

/**
 * A keeper's context from its configuration: the signer (in a NonceManager; none in dry run), the factory and the
 * batcher (when the configuration has one) connected to it, the lens (when it has one), and an empty state.
 */
export function keeperContext(
  config: KeeperConfig,
  provider: JsonRpcProvider,
  logger: Logger,
  options: { signer?: Signer; metrics?: KeeperMetrics; stopping?: () => boolean } = {},
): KeeperContext {
  const signer = options.signer && !config.dryRun ? new NonceManager(options.signer) : undefined;
  const runner = signer ?? provider;
  return {
    provider,
    signer,
    factory: LeveragedTokenFactory__factory.connect(config.factory, runner),
    batcher: config.batcher ? BatchRebalancer__factory.connect(config.batcher, runner) : undefined,
    lens: config.lens,
    connectToken: (address) => LeveragedToken__factory.connect(address, runner),
    config,
    logger,
    metrics: options.metrics,
    state: newKeeperState(),
    stopping: options.stopping,
  };
}
