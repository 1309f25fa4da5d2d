import type { NonceManager, Provider } from "ethers";
import type { FlashArbitrage, LeveragedToken, LeveragedTokenFactory } from "../../../typechain-types/index";
import type { Logger } from "../../node/logger";
import type { SentTx, TxConfig, TxContext } from "../../tx/context";
import type { ArbitrageMetrics } from "./metrics";
import type { Plan } from "./plan";

/** What a pass needs from the configuration: the transaction layer's settings and the pass's own. */
export interface ArbitragePassConfig extends TxConfig {
  dryRun: boolean;
  /** Below this signer balance (wei) each pass warns. */
  minBalance: bigint;
  /** The least profit after gas worth a transaction (stablecoin units). */
  minProfit: bigint;
}

/** An arbitrage sent and not known to be mined: nothing else is sent for its token until it is resolved. */
export interface PendingArbitrage {
  sent: SentTx;
  plan: Plan;
}

/** What the arbitrageur remembers between passes. */
export interface ArbitrageState {
  symbols: Map<string, string>;
  /** Each token's pair, once the Uniswap factory has one. */
  pairs: Map<string, string>;
  /** By token address. */
  pending: Map<string, PendingArbitrage>;
  stablecoin?: string;
}

export function newArbitrageState(): ArbitrageState {
  return { symbols: new Map(), pairs: new Map(), pending: new Map() };
}

export interface ArbitrageContext {
  provider: Provider;
  /** The signer, wrapped in a NonceManager; undefined in dry run. */
  signer?: NonceManager;
  factory: LeveragedTokenFactory;
  /** The Uniswap V2 factory of the pools. */
  dexFactory: string;
  arbitrage: FlashArbitrage;
  connectToken: (address: string) => LeveragedToken;
  /** Who receives the profit; the signer when undefined. */
  receiver?: string;
  /** The gas token's price in stablecoin units (per 1e18 wei), read when a pass needs it. */
  nativePrice: () => Promise<bigint>;
  config: ArbitragePassConfig;
  logger: Logger;
  metrics?: ArbitrageMetrics;
  state: ArbitrageState;
  /** True once SIGINT/SIGTERM arrived: the transaction in flight finishes, no new one starts. */
  stopping?: () => boolean;
}

/** The transaction layer's view of an arbitrage context. */
export function txContext({ provider, signer, config, logger, metrics }: ArbitrageContext): TxContext {
  return { provider, signer, config, logger, onError: (kind) => metrics?.errors.inc({ kind }) };
}

/** What one pass did, by token symbol. */
export interface PassReport {
  /** Tokens with a pool. */
  pools: number;
  /** A plan made money before gas. */
  opportunities: string[];
  arbitraged: string[];
  /** The profit would not cover the gas (and the minimum profit): nothing sent. */
  belowMinProfit: string[];
  /** Another arbitrageur took the gap first (the simulation, the estimate or the mined transaction says so). */
  lostRace: string[];
  /** Dry run: would have sent. */
  simulated: string[];
  /** The simulation reverted for another reason; nothing was sent. */
  skipped: string[];
  failed: string[];
  /** Sent and still not mined after every replacement. */
  pending: string[];
  /** Stablecoin units paid to the receiver by this pass's mined arbitrages, and their gas in stablecoin units. */
  profit: bigint;
  gasCost: bigint;
}

export type Outcome = Exclude<keyof PassReport, "pools" | "opportunities" | "profit" | "gasCost">;

/** The custom error that means the gap is gone (someone else was first, or the pool moved back). */
export const UNPROFITABLE = "FlashArbitrageUnprofitable";
