import type { FlashArbitrage } from "../../../typechain-types";
import type { Pool } from "../../dex/pool";
import type { SentTx } from "../../tx/context";
import type { BotContext, BotPassConfig } from "../kit/context";
import type { ArbitrageMetrics } from "./metrics";
import type { Plan } from "./plan";

/** What a pass needs from the configuration: the transaction layer's settings and the pass's own. */
export interface ArbitragePassConfig extends BotPassConfig {
  /** The least profit after gas worth a transaction (stablecoin units). */
  minProfit: bigint;
}

/** A pool the pass found out of line with NAV, and the plan that puts it back. */
export interface Opportunity {
  token: string;
  symbol: string;
  pair: string;
  plan: Plan;
  /** The block every read of the plan was made at (the pool, NAV and previews agree with each other there). */
  block: number;
  /** The pool's reserves and the token's NAV at `block`: what a gap that is gone later is compared with. */
  pool: Pool;
  nav: bigint;
  /** The pool's premium to NAV before (signed WAD fraction). */
  premium: bigint;
  /** What planning needs to plan again (a reverted transaction: is the gap still there?). */
  mintOpen: boolean;
  maxCollateralIn?: bigint;
}

/** An arbitrage sent and not known to be mined: nothing else is sent for its token until it is resolved. */
export interface PendingArbitrage {
  sent: SentTx;
  opportunity: Opportunity;
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
  /**
   * The gap is gone because the pool was traded after the plan's block (another arbitrageur or a trader was first):
   * the simulation, the estimate or the mined transaction refused, and the pool's reserves differ from the plan's.
   */
  lostRace: string[];
  /**
   * The gap changed under the plan without a trade of the pool: a price update moved NAV after the plan's block (the
   * simulation, the estimate or the mined transaction refused). The pool is planned again at once, in the same pass.
   */
  moved: string[];
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
