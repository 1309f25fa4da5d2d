import { z } from "zod";
import {
  address,
  botSettings,
  ConfigError,
  parseSettings,
  readBookOrFail,
  resolveEndpoint,
  setting,
  settingsSchema,
  units,
  type Endpoint,
} from "../kit/settings";

/**
 * The arbitrageur's configuration: flags first, then `ARB_*` environment variables (or `.env`), then defaults; the
 * settings every bot shares (RPC, key, fees, retries, logs, metrics) are the keeper's, with the `ARB_` prefix (see
 * `src/bots/kit/settings.ts`). Checked at start: a bad value stops the bot with one line.
 */

const SETTINGS = {
  ...botSettings("ARB"),
  /** The Uniswap V2 factory of the pools: from `--dex-factory`, or the address book's. */
  dexFactory: setting("--dex-factory", "ARB_DEX_FACTORY", address("--dex-factory").optional()),
  /** The FlashArbitrage contract: from `--arbitrage`, or the address book's. */
  arbitrage: setting("--arbitrage", "ARB_CONTRACT", address("--arbitrage").optional()),
  /** Who receives the profit; the signer by default. */
  receiver: setting("--receiver", "ARB_RECEIVER", address("--receiver").optional()),
  /** The least profit, after gas, worth a transaction (stablecoin units; given in USD). */
  minProfit: setting("--min-profit", "ARB_MIN_PROFIT_USD", units("ARB_MIN_PROFIT_USD", 6).default("0.10")),
  /** The gas token's price in USD (stablecoin units); by default the exchange's `--native-market` price. */
  nativePrice: setting("--native-price", "ARB_NATIVE_PRICE_USD", units("ARB_NATIVE_PRICE_USD", 6).optional()),
  /** The exchange market whose price is the gas token's when `--native-price` is not given. */
  nativeMarket: setting(
    "--native-market",
    "ARB_NATIVE_MARKET",
    z
      .string()
      .regex(/^[A-Z0-9]{2,10}$/, "ARB_NATIVE_MARKET must be a market symbol such as ETH")
      .default("ETH"),
  ),
};

const DOCS = "docs/ARBITRAGE.md";

export type ArbitrageConfig = Omit<
  z.output<ReturnType<typeof settingsSchema<typeof SETTINGS>>>,
  "rpcUrl" | "factory" | "dexFactory" | "arbitrage"
> &
  Endpoint & {
    factory: string;
    dexFactory: string;
    arbitrage: string;
    /** The address book's deployer, which the dev account must not be. */
    deployer?: string;
  };

/** Every setting at its default, from the table: where a pass run in-process (the demo, a test) starts. */
export const arbitrageDefaults = () => parseSettings(SETTINGS, [], {}, DOCS);

/** What the arbitrageur reads from an address book. */
export interface ArbitrageBook {
  network: string;
  factory: string;
  chainId: number;
  deployer?: string;
  dex?: { factory: string; arbitrage?: string };
}

/** Validates the settings; `readBook` (injected: no file system here) resolves a network's address book. */
export function parseConfig(
  argv: string[],
  env: NodeJS.ProcessEnv,
  readBook: (network: string) => ArbitrageBook,
): ArbitrageConfig {
  const settings = parseSettings(SETTINGS, argv, env, DOCS);
  const book = settings.network ? readBookOrFail(readBook, settings.network) : undefined;
  const factory = settings.factory ?? book?.factory;
  if (!factory) throw new ConfigError("no factory: give --network <name> (an address book) or --factory 0x..");
  if (book && !book.dex && !settings.dexFactory) {
    throw new ConfigError(`the ${book.network} deployment has no DEX (its spec says dex "none"): no pool to arbitrage`);
  }
  const dexFactory = settings.dexFactory ?? book?.dex?.factory;
  if (!dexFactory) throw new ConfigError("no Uniswap V2 factory: give --network <name> or --dex-factory 0x..");
  const arbitrage = settings.arbitrage ?? book?.dex?.arbitrage;
  if (!arbitrage) {
    throw new ConfigError(
      `no FlashArbitrage contract: ${book ? `deployments/${book.network}.json predates it (npm run deploy again) or give` : "give"} --arbitrage 0x..`,
    );
  }
  const endpoint = resolveEndpoint("ARB", settings, book?.chainId, argv, env);
  return { ...settings, ...endpoint, factory, dexFactory, arbitrage, deployer: book?.deployer };
}
