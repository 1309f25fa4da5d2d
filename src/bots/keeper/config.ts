import { z } from "zod";
import {
  address,
  botSettings,
  ConfigError,
  collectSettings as collectFrom,
  decimal,
  parseSettings,
  positiveInt,
  readBookOrFail,
  resolveEndpoint,
  setting,
  settingsSchema,
  units,
  wholeNumber,
  type Endpoint,
} from "../kit/settings";

/**
 * The keeper's configuration: command-line flags first, then `KEEPER_*` environment variables (or `.env`), then
 * defaults (the rules every bot shares are in `src/bots/kit/settings.ts`). Everything is checked here, at start, so that
 * a bad value stops the keeper with one line instead of failing later in a pass.
 */

/** Every setting, once: the flag, the variable and the rule. The configuration's type is derived from it. */
const SETTINGS = {
  ...botSettings("KEEPER"),
  /** BatchRebalancer address: from `--batcher`, or the address book's; undefined: one transaction per token. */
  batcher: setting("--batcher", "KEEPER_BATCHER", address("--batcher").optional()),
  /**
   * LeveragedTokenLens address: from `--lens`, or the address book's; with one, a pass reads every token (status,
   * symbol, NAV) in one call per hundred tokens; undefined: the factory's statuses and one NAV read per token.
   */
  lens: setting("--lens", "KEEPER_LENS", address("--lens").optional()),
  /** At most this many tokens per batch transaction (the contract takes up to 256). */
  maxBatch: setting(
    "--max-batch",
    "KEEPER_MAX_BATCH",
    positiveInt("KEEPER_MAX_BATCH (tokens per batch transaction)", 256).default("50"),
  ),
  /**
   * `operator`: rebalance everything that is due, at once (the deployer's keeper). `profit`: rebalance a due token
   * only when its keeper reward at the next block covers the gas (x `profitMargin`, + `minProfit`).
   */
  mode: setting(
    "--mode",
    "KEEPER_MODE",
    z
      .enum(["operator", "profit"], { errorMap: () => ({ message: "KEEPER_MODE must be operator or profit" }) })
      .default("operator"),
  ),
  /** Profit mode: the least reward left after gas x margin worth a transaction (USDC units; given in USDC). */
  minProfit: setting("--min-profit", "KEEPER_MIN_PROFIT", units("KEEPER_MIN_PROFIT (USDC)", 6).default("0")),
  /** Profit mode: the reward must be at least the gas cost times this. */
  profitMargin: setting(
    "--profit-margin",
    "KEEPER_PROFIT_MARGIN",
    decimal("KEEPER_PROFIT_MARGIN")
      .transform(Number)
      .refine((n) => n >= 1 && n <= 100, "KEEPER_PROFIT_MARGIN must be between 1 and 100 (e.g. 1.2)")
      .default("1.2"),
  ),
  /**
   * USD per ETH (USDC units), to price gas in USDC; undefined: the exchange's ETH market price (profit mode stops at
   * start without either).
   */
  ethPrice: setting(
    "--eth-price",
    "KEEPER_ETH_PRICE",
    units("KEEPER_ETH_PRICE (USD per ETH)", 6)
      .refine((v) => v > 0n, "KEEPER_ETH_PRICE must be greater than 0")
      .optional(),
  ),
  /**
   * Seconds between blocks: profit mode asks for the reward at the latest block's time plus this; operator mode runs a
   * pass at least this often when no new block comes.
   */
  blockTime: setting(
    "--block-time",
    "KEEPER_BLOCK_TIME",
    positiveInt("KEEPER_BLOCK_TIME (seconds between blocks)", 3_600).default("12"),
  ),
  /**
   * Profit mode: before its last look at the pending block, a rebalance waits a random delay of up to this many ms
   * (default: a quarter of the block time), so that two keepers that do not know each other yet (see `turns.ts`) and
   * saw the same block do not look in the same instant and both send. 0: no wait.
   */
  sendJitterMs: setting(
    "--send-jitter-ms",
    "KEEPER_SEND_JITTER_MS",
    wholeNumber("KEEPER_SEND_JITTER_MS (ms)", 60_000).optional(),
  ),
  /**
   * Profit mode: the blocks of each keeper's slot in a token's turn order: a keeper sends a token's rebalance only in
   * its slots (see `src/bots/keeper/turns.ts`).
   */
  turnBlocks: setting(
    "--turn-blocks",
    "KEEPER_TURN_BLOCKS",
    positiveInt("KEEPER_TURN_BLOCKS (blocks a turn)", 1_000).default("1"),
  ),
};

const DOCS = "docs/KEEPER.md";

/**
 * The checked configuration: every setting, with the factory, the batcher and the chain id completed from the
 * address book, and the RPC URL from the network's rules. No key on the local chain (31337) means the node's dev
 * account (`devAccount`).
 */
export type KeeperConfig = Omit<
  z.output<ReturnType<typeof settingsSchema<typeof SETTINGS>>>,
  "rpcUrl" | "factory" | "sendJitterMs"
> &
  Endpoint & {
    factory: string;
    /** `--send-jitter-ms`, or a quarter of the block time. */
    sendJitterMs: number;
    /** The address book's deployer, which the dev account must not be. */
    deployer?: string;
  };

/** Reads flags (`--name value`, `--name=value`, switches bare) over `KEEPER_*` variables. */
export const collectSettings = (argv: string[], env: NodeJS.ProcessEnv) => collectFrom(SETTINGS, argv, env, DOCS);

/** What the keeper reads from an address book. */
export interface BookAddresses {
  factory: string;
  chainId: number;
  batcher?: string;
  lens?: string;
  deployer?: string;
}

/**
 * Validates the settings. `readBook` resolves a network's address book (factory, chain id, batcher, lens); it is
 * injected so that this module stays free of the file system.
 */
export function parseConfig(
  argv: string[],
  env: NodeJS.ProcessEnv,
  readBook: (network: string) => BookAddresses,
): KeeperConfig {
  const settings = parseSettings(SETTINGS, argv, env, DOCS);
  const book = settings.network ? readBookOrFail(readBook, settings.network) : undefined;
  const factory = settings.factory ?? book?.factory;
  const batcher = settings.batcher ?? book?.batcher;
  const lens = settings.lens ?? book?.lens;
  const endpoint = resolveEndpoint("KEEPER", settings, book?.chainId, argv, env);
  if (!factory) throw new ConfigError("no factory: give --network <name> (an address book) or --factory 0x..");
  const sendJitterMs = settings.sendJitterMs ?? settings.blockTime * 250;
  return { ...settings, ...endpoint, factory, batcher, lens, sendJitterMs, deployer: book?.deployer };
}
