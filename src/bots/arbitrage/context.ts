import type { Provider, Signer } from "ethers";
import { botContext } from "../kit/context";
import { marketPriceReader } from "../../reads/marketPrice";
import { FlashArbitrage__factory } from "../../chain/contracts";
import type { Logger } from "../../node/logger";
import type { AddressBook } from "../../chain/addressBook";
import type { ArbitrageConfig } from "./config";
import type { ArbitrageMetrics } from "./metrics";
import { newArbitrageState, type ArbitrageContext, type ArbitragePassConfig } from "./types";

/**
 * The arbitrageur's dev account (no key on the local chain): the node's second unlocked account that is not the
 * deployer's (the keeper takes the first); see `botSigner`.
 */
export const ARBITRAGE_DEV_ACCOUNT = { position: 1, keyVariable: "ARB_PRIVATE_KEY" };

/**
 * Where the gas token's price comes from: `nativePrice` as given, else the exchange's `nativeMarket` (its feed's
 * answer, read each time, never reverting), in stablecoin units per whole native token. A one-line reason when
 * there is neither.
 */
export async function nativePriceSource(
  { factory, nativePrice, nativeMarket }: Pick<ArbitrageConfig, "factory" | "nativePrice" | "nativeMarket">,
  provider: Provider,
): Promise<{ read: () => Promise<bigint>; source: string } | string> {
  if (nativePrice !== undefined) return { read: async () => nativePrice, source: "ARB_NATIVE_PRICE_USD" };
  const read = await marketPriceReader(factory, nativeMarket, provider);
  if (!read) {
    return `the exchange has no ${nativeMarket} market to price gas with: set ARB_NATIVE_PRICE_USD (or --native-market)`;
  }
  return { read, source: `the exchange's ${nativeMarket} price` };
}

/** The contracts an arbitrageur works with (a configuration has them; so does an address book's `dex`). */
export interface ArbitrageAddresses {
  factory: string;
  dexFactory: string;
  arbitrage: string;
  receiver?: string;
}

/** The addresses of an address book's deployment (which must have a DEX with a FlashArbitrage). */
export function addressesOf(book: AddressBook): ArbitrageAddresses {
  if (!book.dex?.arbitrage) throw new Error(`the ${book.network} deployment has no FlashArbitrage`);
  return { factory: book.factory, dexFactory: book.dex.factory, arbitrage: book.dex.arbitrage };
}

/** An arbitrageur's context: the signer (in a NonceManager; none in dry run), the contracts, an empty state. */
export function arbitrageContext(
  addresses: ArbitrageAddresses,
  config: ArbitragePassConfig,
  provider: Provider,
  logger: Logger,
  options: {
    signer?: Signer;
    nativePrice: () => Promise<bigint>;
    metrics?: ArbitrageMetrics;
    stopping?: () => boolean;
  },
): ArbitrageContext {
  const base = botContext(addresses.factory, config, provider, logger, newArbitrageState(), options);
  const runner = base.signer ?? provider;
  return {
    ...base,
    dexFactory: addresses.dexFactory,
    arbitrage: FlashArbitrage__factory.connect(addresses.arbitrage, runner),
    receiver: addresses.receiver,
    nativePrice: options.nativePrice,
  };
}
