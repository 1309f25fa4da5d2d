import type { BatchRebalancer } from "../../../typechain-types";
import { PerpExchange__factory } from "../../chain/contracts";
import type { SentTx } from "../../tx/context";
import type { BotContext, BotPassConfig } from "../kit/context";
import type { KeeperMetrics } from "./metrics";

/** What runOnce needs from the configuration: the transaction layer's settings and the pass's own. */
export interface PassConfig extends BotPassConfig {
  /** At most this many tokens per batch transaction. */
  maxBatch: number;
  /** `operator`: rebalance whatever is due. `profit`: only what the keeper reward pays for (see `profit.ts`). */
  mode: KeeperMode;
  /** Profit mode: the least reward left after gas x `profitMargin` worth a transaction (USDC units). */
  minProfit: bigint;
  /** Profit mode: the reward must cover the gas cost times this. */
  profitMargin: number;
  /** Seconds between blocks: profit mode prices the reward at the latest block's time plus this. */
  blockTime: number;
  /** Profit mode: the most a rebalance waits (ms, random) before its last look at the pending block, alone. */
  sendJitterMs: number;
  /** Profit mode: the blocks of each keeper's slot in a token's turn order (see `turns.ts`). */
  turnBlocks: number;
}

export type KeeperMode = "operator" | "profit";

/** A rebalance sent and not known to be mined: no other rebalance of its tokens is sent until it is resolved. */
export interface PendingRebalance {
  sent: SentTx;
  /** A batch transaction's tokens, in the order of the call (bit i of `done` is `batch[i]`); one entry each. */
  batch?: string[];
}

/** Since when a token has been due, for the latency of its rebalance. */
export interface DueSince {
  /** The block of the first pass that saw it due, and that block's time (unix seconds). */
  block: number;
  timestamp: number;
  /**
   * When it fell due (unix seconds): the time trigger's `nextRebalanceTime` when that had passed by then, else the
   * first pass's block time.
   */
  dueAt: number;
}

/** What this keeper's mined transactions earned and cost, from their receipts (since start). */
export interface Earnings {
  /** Keeper rewards paid to the signer (`MarginTransferred` to it), USDC units. */
  rewards: bigint;
  /** Gas paid, wei. */
  gasWei: bigint;
  /** Gas paid in USDC units, at the ETH price when each was mined; only when the keeper has an ETH price. */
  gasUsd: bigint;
}

/** Profit mode: what the keeper knows of its rivals (see `turns.ts`). */
export interface TurnState {
  /** Rivals by address (checksummed): the block of the last reward seen paid to each. */
  rivals: Map<string, number>;
  /** The last block scanned for rewards. */
  scannedTo?: number;
  /** The exchange (from the factory, read once). */
  exchange?: string;
  /**
   * By token address: the first block at which its reward paid for this keeper, in which due event (the token's
   * `nextRebalanceTime`).
   */
  payingSince: Map<string, { round: bigint; block: number }>;
}

export const newTurnState = (): TurnState => ({ rivals: new Map(), payingSince: new Map() });

/** What the keeper remembers between passes. */
export interface KeeperState {
  symbols: Map<string, string>;
  /** By token address; the tokens of a batch share one entry. */
  pending: Map<string, PendingRebalance>;
  /** By token address: the tokens seen due and not yet seen rebalanced. */
  dueSince: Map<string, DueSince>;
  /** Profit mode, by token address: the gas estimate of its rebalance, taken once (see `profit.ts`). */
  estimates: Map<string, bigint>;
  earnings: Earnings;
  /** The receipts already counted in `earnings` (a pending batch is resolved token by token). */
  counted: Set<string>;
  /** Profit mode: the rival keepers and the turns (see `turns.ts`). */
  turns: TurnState;
  /** Set when the RPC refused a simulation on the pending block: simulations then use the latest. */
  noPendingTag?: boolean;
  /**
   * Block times and the ETH price read in this pass (cleared at its start), and reads to start once it is done (not
   * waited for: the gas estimates of tokens that borrowed one, see `profit.ts`).
   */
  pass: {
    blockTimes: Map<number, number>;
    ethPrice?: Promise<bigint | undefined>;
    afterwards: (() => Promise<unknown>)[];
  };
}

export function newKeeperState(): KeeperState {
  return {
    symbols: new Map(),
    pending: new Map(),
    dueSince: new Map(),
    estimates: new Map(),
    earnings: { rewards: 0n, gasWei: 0n, gasUsd: 0n },
    counted: new Set(),
    turns: newTurnState(),
    pass: { blockTimes: new Map(), afterwards: [] },
  };
}

/** Transactions sent and not yet mined (the tokens of a batch share one). */
export function pendingTransactions(state: KeeperState): number {
  return new Set(state.pending.values()).size;
}

/** The keeper's context: every bot's (see `BotContext`), with the batcher, the lens and the ETH price. */
export interface KeeperContext extends BotContext<PassConfig, KeeperState, KeeperMetrics> {
  /** The BatchRebalancer; undefined: one transaction per due token. */
  batcher?: BatchRebalancer;
  /** The LeveragedTokenLens address; undefined: statuses from the factory and one NAV read per token. */
  lens?: string;
  /**
   * USD per ETH in USDC units (the exchange's ETH price, or `KEEPER_ETH_PRICE`), read at most once a pass; undefined:
   * gas is counted in ETH only (operator mode without an ETH price). Profit mode needs it.
   */
  ethPrice?: () => Promise<bigint>;
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
  /** Profit mode: due, but its reward at the next block does not cover the gas x margin yet; nothing was sent. */
  waiting: string[];
  /** What this pass's mined transactions earned and cost (USDC units, wei; gasUsd 0 without an ETH price). */
  earned: Earnings;
}

/** What happened to one due token in a pass: the PassReport list it goes to. */
export type Outcome = Exclude<keyof PassReport, "tokens" | "due" | "earned">;

/** A token found due in this pass. */
export interface DueToken {
  address: string;
  symbol: string;
  /** TIME or DRIFT, as the logs say it. */
  trigger: string;
  /** Profit mode: the reward at the next block and the gas cost (USDC units) that decided to send it. */
  quote?: { reward: bigint; gasCost: bigint };
  /** Its `nextRebalanceTime` (through the lens): with the token, names its due event for the keepers' turns. */
  round?: bigint;
}

/** The exchange's event of a keeper reward: the token's margin moved to the keeper's account in its market. */
export const MARGIN_TRANSFERRED = "MarginTransferred";

/** The exchange's interface, to read `MARGIN_TRANSFERRED` logs, and that event's topic. */
export const EXCHANGE_INTERFACE = PerpExchange__factory.createInterface();
export const MARGIN_TRANSFERRED_TOPIC = EXCHANGE_INTERFACE.getEvent(MARGIN_TRANSFERRED).topicHash;

/** The custom error of a rebalance that is not (or no longer) due. */
export const NOT_DUE = "LeveragedTokenRebalanceNotDue";
