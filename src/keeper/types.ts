import type { NonceManager, Provider } from "ethers";
import type { Logger } from "pino";
import type { BatchRebalancer, LeveragedToken, LeveragedTokenFactory } from "../../typechain-types";
import type { SentTx, TxConfig, TxContext } from "../tx";
import type { KeeperMetrics } from "./metrics";

/** What runOnce needs from the configuration: the transaction layer's settings and the pass's own. */
export interface PassConfig extends TxConfig {
  dryRun: boolean;
  /** Below this signer balance (wei) each pass warns. */
  minBalance: bigint;
  /** At most this many tokens per batch transaction. */
  maxBatch: number;
}

/** A rebalance sent and not known to be mined: no other rebalance of its tokens is sent until it is resolved. */
export interface PendingRebalance {
  sent: SentTx;
  /** A batch transaction's tokens, in the order of the call (bit i of `done` is `batch[i]`); one entry each. */
  batch?: string[];
}

/** What the keeper remembers between passes. */
export interface KeeperState {
  symbols: Map<string, string>;
  /** By token address; the tokens of a batch share one entry. */
  pending: Map<string, PendingRebalance>;
}

export function newKeeperState(): KeeperState {
  return { symbols: new Map(), pending: new Map() };
}

/** Transactions sent and not yet mined (the tokens of a batch share one). */
export function pendingTransactions(state: KeeperState): number {
  return new Set(state.pending.values()).size;
}

export interface KeeperContext {
  provider: Provider;
  /** The signer, wrapped in a NonceManager; undefined in dry run. */
  signer?: NonceManager;
  factory: LeveragedTokenFactory;
  /** The BatchRebalancer; undefined: one transaction per due token. */
  batcher?: BatchRebalancer;
  /** The LeveragedTokenLens address; undefined: statuses from the factory and one NAV read per token. */
  lens?: string;
  connectToken: (address: string) => LeveragedToken;
  config: PassConfig;
  logger: Logger;
  metrics?: KeeperMetrics;
  state: KeeperState;
  /** True once SIGINT/SIGTERM arrived: the transaction in flight finishes, no new one starts. */
  stopping?: () => boolean;
}

/** The transaction layer's view of a keeper context (built per use: a test may swap the provider). */
export function txContext({ provider, signer, config, logger, metrics }: KeeperContext): TxContext {
  return { provider, signer, config, logger, onError: (kind) => metrics?.errors.inc({ kind }) };
}

/** What one pass did, by token symbol. */
export interface PassReport {
  tokens: number;
  due: string[];
  rebalanced: string[];
  /** Another keeper rebalanced first (the simulation or our transaction found nothing due). */
  lostRace: string[];
  /** Dry run: would have sent. */
  simulated: string[];
  /** The simulation reverted with another error; nothing was sent. */
  skipped: string[];
  failed: string[];
  /** Sent and still not mined after every replacement; no other rebalance of the token until it resolves. */
  pending: string[];
}

/** What happened to one due token in a pass: the PassReport list it goes to. */
export type Outcome = Exclude<keyof PassReport, "tokens" | "due">;

/** A token found due in this pass. */
export interface DueToken {
  address: string;
  symbol: string;
  /** TIME or DRIFT, as the logs say it. */
  trigger: string;
}

/** The custom error of a rebalance that is not (or no longer) due. */
export const NOT_DUE = "LeveragedTokenRebalanceNotDue";
