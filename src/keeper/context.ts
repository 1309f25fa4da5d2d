import {
  getAddress,
  NonceManager,
  Wallet,
  type JsonRpcApiProviderOptions,
  type JsonRpcProvider,
  type Signer,
} from "ethers";
import { BatchRebalancer__factory, LeveragedToken__factory, LeveragedTokenFactory__factory } from "../contracts";
import type { Logger } from "../logger";
import type { KeeperConfig } from "./config";
import type { KeeperMetrics } from "./metrics";
import { newKeeperState, type KeeperContext } from "./types";

/**
 * How the keeper's JSON-RPC provider is built: the chain id is checked once at start (`staticNetwork`), and no
 * answer is reused (ethers reuses an identical request's answer for 250 ms by default; a nonce read right after a
 * send must not be).
 */
export const PROVIDER_OPTIONS: JsonRpcApiProviderOptions = { staticNetwork: true, cacheTimeout: -1 };

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
  const accounts = (await provider.send("eth_accounts", [])) as string[];
  const deployer = config.deployer ? getAddress(config.deployer) : undefined;
  const account = accounts.map((a) => getAddress(a)).find((a) => a !== deployer);
  if (!account) throw new Error("KEEPER_PRIVATE_KEY is required: the local node has no unlocked account to use");
  logger.info(
    { signer: account, deployer: deployer ?? null },
    "no KEEPER_PRIVATE_KEY: signing with the local node's first dev account that is not the deployer",
  );
  return provider.getSigner(account);
}

/**
 * A keeper's context from its configuration: the signer (in a NonceManager; none in dry run), the factory and the
 * batcher (when the configuration has one) connected to it, and an empty state.
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
    connectToken: (address) => LeveragedToken__factory.connect(address, runner),
    config,
    logger,
    metrics: options.metrics,
    state: newKeeperState(),
    stopping: options.stopping,
  };
}
