import { NonceManager, type Provider, type Signer } from "ethers";
import type { LeveragedToken, LeveragedTokenFactory } from "../../../typechain-types";
import { LeveragedToken__factory, LeveragedTokenFactory__factory } from "../../chain/contracts";
import type { Logger } from "../../node/logger";
import type { TxConfig, TxContext } from "../../tx/context";

/** What a pass of every bot needs from its configuration: the transaction layer's settings, dry run, a low balance. */
export interface BotPassConfig extends TxConfig {
  dryRun: boolean;
  /** Below this signer balance (wei) each pass warns. */
  minBalance: bigint;
}

/**
 * What every bot's context has (the keeper's and the arbitrageur's add their own contracts and prices): the
 * provider, the signer, the factory and a token connector on it, the pass's configuration, the logger, the metrics,
 * what the bot remembers between passes, and whether it is stopping.
 */
export interface BotContext<
  Config extends TxConfig = TxConfig,
  State = unknown,
  Metrics extends ErrorMetrics = ErrorMetrics,
> {
  provider: Provider;
  /** The signer, wrapped in a NonceManager; undefined in dry run. */
  signer?: NonceManager;
  factory: LeveragedTokenFactory;
  connectToken: (address: string) => LeveragedToken;
  config: Config;
  logger: Logger;
  metrics?: Metrics;
  state: State;
  /** True once SIGINT/SIGTERM arrived: the transaction in flight finishes, no new one starts. */
  stopping?: () => boolean;
}

/** What the transaction layer counts in a bot's metrics: errors by kind. */
export interface ErrorMetrics {
  errors: { inc(labels: { kind: string }): void };
}

/** The transaction layer's view of a bot's context (built per use: a test may swap the provider). */
export function txContext({ provider, signer, config, logger, metrics }: BotContext): TxContext {
  return { provider, signer, config, logger, onError: (kind) => metrics?.errors.inc({ kind }) };
}

/**
 * The part of a bot's context every bot builds the same way: the signer in a NonceManager (none in dry run), the
 * factory at `factory` and the token connector on it (or on the provider when there is no signer), and `state`. A
 * bot's own contracts connect to `signer ?? provider` likewise.
 */
export function botContext<Config extends BotPassConfig, State, Metrics extends ErrorMetrics>(
  factory: string,
  config: Config,
  provider: Provider,
  logger: Logger,
  state: State,
  options: { signer?: Signer; metrics?: Metrics; stopping?: () => boolean },
): BotContext<Config, State, Metrics> {
  const signer = options.signer && !config.dryRun ? new NonceManager(options.signer) : undefined;
  const runner = signer ?? provider;
  return {
    provider,
    signer,
    factory: LeveragedTokenFactory__factory.connect(factory, runner),
    connectToken: (address) => LeveragedToken__factory.connect(address, runner),
    config,
    logger,
    metrics: options.metrics,
    state,
    stopping: options.stopping,
  };
}
