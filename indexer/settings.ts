import { readFileSync } from "node:fs";

/*
 * What one indexer run indexes, written by src/indexer/run.ts (from the network's address book) to a JSON file whose
 * path is in LT_INDEXER_SETTINGS, and read by ponder.config.ts and the handlers alike.
 */

export interface IndexerSettings {
  network: string;
  chainId: number;
  rpcUrl: string;
  startBlock: number;
  factory: `0x${string}`;
  exchange: `0x${string}`;
  stablecoin: `0x${string}`;
  /** Contracts whose holdings are a trade in progress, never a holder's: the TradeRouter (absent on old books). */
  passThrough: `0x${string}`[];
  /** Uniswap V2 pairs: pair address (lower case) -> the leveraged token it trades against the stablecoin. */
  pools: Record<string, `0x${string}`>;
  /** Price feeds: feed address (lower case) -> market id. */
  feeds: Record<string, number>;
  /** PGlite's directory (ignored when DATABASE_URL is set). */
  pgliteDirectory: string;
  /** Blocks between two refreshes of every token's NAV when no event moved it (0: never). */
  refreshInterval: number;
}

function load(): IndexerSettings {
  const file = process.env.LT_INDEXER_SETTINGS;
  if (!file)
    throw new Error("LT_INDEXER_SETTINGS is not set: start the indexer with npm run indexer -- --network <name>");
  return JSON.parse(readFileSync(file, "utf8")) as IndexerSettings;
}

export const settings: IndexerSettings = load();
