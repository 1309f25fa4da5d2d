import type { NonceManager, Provider } from "ethers";
import type { Logger } from "pino";
import { CONTRACT_INTERFACES } from "../chain/contracts";
import { describeError } from "../chain/reverts";
import { withRetry } from "../rpc/faults";

/*
 * The bots' transaction layer (the keeper's, the arbitrageur's): retried RPC reads, a capped fee and a gas margin
 * (here), sends at the next nonce, waits with same-nonce replacements at a higher fee, a pending transaction checked
 * again later (send.ts), and one rule for "someone else was first" (submit.ts). It takes only a provider, a signer, a
 * configuration and a logger (`TxContext`); nothing of the bot that uses it.
 */

/** How a bot sends its transactions (the keeper's `KEEPER_*` settings of the same names). */
export interface TxConfig {
  /** Gas limit = estimate x margin. */
  gasLimitMargin: number;
  /** Cap on maxFeePerGas, in wei, replacements included. */
  maxFeePerGas: bigint;
  /** Blocks a receipt needs before the transaction counts as mined. */
  confirmations: number;
  /** How long to wait for a receipt before replacing the transaction at the same nonce. */
  txTimeoutMs: number;
  /** How many times a stuck transaction is replaced before it is left pending. */
  maxReplacements: number;
  /** Bounded exponential backoff for RPC faults. */
  rpcRetries: number;
  rpcBackoffMs: number;
}

/** What the transaction layer counts (the keeper's `keeper_errors_total{kind}`). */
export type TxErrorKind = "rpc" | "send" | "nonce" | "timeout";

/**
 * Everything the transaction layer needs, and nothing of the bot that uses it: the keeper and the arbitrageur each
 * build one from their own context.
 */
export interface TxContext {
  provider: Provider;
  /** The signer, wrapped in a NonceManager; undefined: read-only (dry run), nothing is ever sent. */
  signer?: NonceManager;
  config: TxConfig;
  logger: Logger;
  /** Called for each error the layer meets (a metrics counter). */
  onError?: (kind: TxErrorKind) => void;
}

/** A transaction sent at `nonce`: its hashes, the first and every replacement, any of which may be mined. */
export interface SentTx {
  nonce: number;
  hashes: string[];
}

/** Runs an RPC read, retrying its faults with the configured backoff; each retry is logged and counted. */
export type Retry = <T>(label: string, call: () => Promise<T>) => Promise<T>;

export function retrying({ config, logger, onError }: TxContext): Retry {
  return (label, call) =>
    withRetry(call, {
      retries: config.rpcRetries,
      baseMs: config.rpcBackoffMs,
      onRetry: (error, attempt) => {
        onError?.("rpc");
        logger.warn({ call: label, attempt, error: describeError(error, CONTRACT_INTERFACES) }, "rpc error, retrying");
      },
    });
}

/**
 * Nonces come from the node again (sends are sequential and awaited) unless a transaction of ours is still pending:
 * a chain that was reset, or a transaction sent by someone else with this key, cannot leave the signer behind.
 */
export function syncNonce({ signer }: TxContext, pendingTransactions: number): void {
  if (pendingTransactions === 0) signer?.reset();
}
