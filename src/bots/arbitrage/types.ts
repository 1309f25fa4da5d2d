import type { FlashArbitrage } from "../../../typechain-types";
import type { SentTx } from "../../tx/context";
import type { BotContext, BotPassConfig } from "../kit/context";
import type { ArbitrageMetrics } from "./metrics";
import type { Plan } from "./plan";

/** What a pass needs from the configuration: the transaction layer's settings and the pass's own. */
export interface ArbitragePassConfig extends BotPassConfig {
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

/** The arbitrageur's context: every bot's (see `BotContext`), with the pools' factory, the FlashArbitrage and the gas price. */
export interface ArbitrageContext extends BotContext<ArbitragePassConfig, ArbitrageState, ArbitrageMetrics> {
  /** The Uniswap V2 factory of the pools. */
  dexFactory: string;
  arbitrage: FlashArbitrage;
  /** Who receives the profit; the signer when undefined. */
  receiver?: string;
  /** The gas token's price in stablecoin units (per 1e18 wei), read when a pass needs it. */
  nativePrice: () => Promise<bigint>;
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
